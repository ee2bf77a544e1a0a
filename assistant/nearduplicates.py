"""Near-duplicate texts: pairs of messages that say almost the same thing, so a labelled
file does not teach (or test) one message twice under different rows.

>>> near_duplicates(["my parcel has not arrived yet", "my parcel has not arrived yet!",
...                  "refund please", "Refund  please"])
[(0, 1, 1.0), (2, 3, 1.0)]
"""

from __future__ import annotations

from collections.abc import Sequence


def near_duplicates(texts: Sequence[str], threshold: float = 0.8) -> list[tuple[int, int, float]]:
    """Pairs of rows whose word-trigram sets have a Jaccard similarity above ``threshold``.

    Texts of fewer than three words are compared as whole (lower-cased) strings.
    """
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    texts = [str(t) for t in texts]
    pairs: list[tuple[int, int, float]] = []
    vec = CountVectorizer(ngram_range=(3, 3), binary=True, token_pattern=r"(?u)\b\w+\b",
                          lowercase=True)
    try:
        x = vec.fit_transform(texts).astype(np.float32).tocsr()
    except ValueError:  # no text has three words
        x = None
    if x is not None:
        sizes = np.asarray(x.sum(axis=1)).ravel()
        inter = (x @ x.T).tocoo()
        for i, j, shared in zip(inter.row, inter.col, inter.data, strict=True):
            if i < j:
                score = shared / (sizes[i] + sizes[j] - shared)
                if score > threshold:
                    pairs.append((int(i), int(j), float(score)))
    short: dict[str, int] = {}
    for i, text in enumerate(texts):
        key = " ".join(text.lower().split())
        if len(key.split()) < 3:
            if key in short:
                pairs.append((short[key], i, 1.0))
            else:
                short[key] = i
    return sorted(pairs)
