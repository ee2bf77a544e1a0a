"""The learning loop's queue: which unlabelled messages (or conversations) would teach the
active model most if an agent labelled them.

Picked greedily: the least certain first (smallest margin between the model's two best
labels), each pick lowering the score of messages like it, so the queue is varied; exact and
near-duplicates of a pick, and messages the model was trained on, are never picked.

>>> queue = suggest(["box came empty", "where is it", ...], get_model(), 20)  # doctest: +SKIP
>>> queue.frame.columns.tolist()                                            # doctest: +SKIP
['text', 'guess', 'confidence', 'second_guess', 'label']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from .atomic import write_csv_atomic
from .errors import DataError
from .model import Model, text_key
from .threads import DEFAULT_EXAMPLES

__all__ = ["Suggestions", "suggest", "suggest_file"]

# A candidate this similar (cosine of word TF-IDF) to a pick is a near-duplicate of it.
NEAR = 0.8
# How much similarity to the picks already made lowers a candidate's score.
VARIETY = 0.5
SUGGEST_COLUMNS = ("text", "guess", "confidence", "second_guess", "label")


@dataclass
class Suggestions:
    """The queue (``frame``: any id columns given, then ``SUGGEST_COLUMNS``) and what was
    left out: empty texts, duplicates, texts the model was trained on, labelled rows."""

    frame: pd.DataFrame
    candidates: int = 0
    left_out: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        left = ", ".join(f"{n} {why}" for why, n in self.left_out.items() if n)
        guesses = self.frame["guess"].value_counts()
        return [f"{len(self.frame)} of {self.candidates} candidates picked"
                + (f" (left out: {left})" if left else ""),
                "guesses: " + ", ".join(f"{g} {n}" for g, n in guesses.items())]


def suggest(texts: Sequence[str], model: Model, n: int, *,
            ids: pd.DataFrame | None = None) -> Suggestions:
    """The ``n`` texts to label next, with the model's guess and an empty label column.
    ``ids`` (one row per text) are columns to carry along, such as the conversation id."""
    if n < 1:
        raise DataError(f"-n must be at least 1, got {n}")
    texts = ["" if t is None else str(t).strip() for t in texts]
    ids = ids.reset_index(drop=True) if ids is not None else pd.DataFrame(index=range(len(texts)))
    keys = [text_key(t) for t in texts]
    seen_keys: set[str] = set()
    keep, left = [], {"empty": 0, "duplicate": 0, "already trained on": 0}
    trained = model.has_seen(texts)
    for i, (text, key) in enumerate(zip(texts, keys, strict=True)):
        why = ("empty" if not text else "duplicate" if key in seen_keys
               else "already trained on" if trained[i] else None)
        if why:
            left[why] += 1
            continue
        seen_keys.add(key)
        keep.append(i)
    if not keep:
        raise DataError("nothing to suggest: every message is empty, a duplicate, or one the "
                        "model was trained on")
    pool = [texts[i] for i in keep]
    proba = model.predict_proba(pool)
    order = np.argsort(-proba, axis=1)
    top = proba[np.arange(len(pool)), order[:, 0]]
    second = proba[np.arange(len(pool)), order[:, 1]] if proba.shape[1] > 1 else 0 * top
    picks = _pick(pool, 1.0 - (top - second), n, left)
    labels = np.asarray(model.labels)
    frame = pd.DataFrame({
        "text": [pool[p] for p in picks],
        "guess": labels[order[picks, 0]],
        "confidence": np.round(top[picks], 4),
        "second_guess": labels[order[picks, 1]] if proba.shape[1] > 1 else "",
        "label": "",
    })
    carried = ids.iloc[[keep[p] for p in picks]].reset_index(drop=True)
    return Suggestions(pd.concat([carried, frame], axis=1), len(texts), left)


def _pick(pool: list[str], uncertainty: np.ndarray, n: int, left: dict[str, int]) -> list[int]:
    """Greedy: the highest uncertainty minus VARIETY x similarity to the picks; candidates
    within NEAR of a pick are dropped as near-duplicates."""
    shortlist = np.argsort(-uncertainty)[: max(50 * n, 2000)]
    try:
        x = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1).fit_transform(
            [pool[i] for i in shortlist])
    except ValueError:  # no words at all (only symbols)
        return [int(i) for i in shortlist[:n]]
    closest = np.zeros(len(shortlist))
    alive = np.ones(len(shortlist), dtype=bool)
    chosen: list[int] = []
    while len(chosen) < n and alive.any():
        score = np.where(alive, uncertainty[shortlist] - VARIETY * closest, -np.inf)
        best = int(np.argmax(score))
        chosen.append(best)
        alive[best] = False
        similarity = (x @ x[best].T).toarray().ravel()
        near = alive & (similarity >= NEAR)
        left["near-duplicate"] = left.get("near-duplicate", 0) + int(near.sum())
        alive &= ~near
        closest = np.maximum(closest, similarity)
    return [int(shortlist[i]) for i in chosen]


def suggest_file(path: str | os.PathLike, output: str | os.PathLike, model: Model, n: int, *,
                 conversations: bool | None = None, text_column: str | None = None,
                 encoding: str | None = None, mode: str = DEFAULT_EXAMPLES,
                 **options) -> Suggestions:
    """:func:`suggest` over an export's unlabelled messages (or, for a conversation export,
    its unlabelled conversations, each as the text it would be trained on), written to
    ``output`` as a formula-safe CSV, atomically."""
    from . import convread
    from .convdata import is_conversation_rows
    from .conversations import parse_conversations
    from .exports import refuse_overwriting_inputs
    from .tables import LABEL_COLUMNS, TEXT_COLUMNS, find_column, format_problems

    refuse_overwriting_inputs(output, [str(path)])
    rows = convread.load(path, encoding=encoding)
    if is_conversation_rows(rows, conversations):
        convs, problems = parse_conversations(rows, text_column=text_column, **options)
        if problems:
            raise DataError(format_problems(problems))
        todo = [c for c in convs if c.label is None]
        result = suggest([c.example(mode) for c in todo], model, n,
                         ids=pd.DataFrame({"conversation_id": [c.id for c in todo]}))
        labelled = len(convs) - len(todo)
    else:
        frame = rows.frame
        column = find_column(frame.columns, text_column, TEXT_COLUMNS, role="text", path=path)
        label = next((c for c in frame.columns if str(c).lower() in LABEL_COLUMNS), None)
        mask = (frame[label].fillna("").astype(str).str.strip() == "" if label
                else pd.Series(True, index=frame.index))
        result = suggest(frame.loc[mask, column].tolist(), model, n,
                         ids=pd.DataFrame({rows.unit: [rows.numbers[i]
                                                       for i in np.flatnonzero(mask)]}))
        labelled = int((~mask).sum())
    if labelled:
        result.left_out["labelled already"] = labelled
    write_csv_atomic(result.frame, output)
    return result
