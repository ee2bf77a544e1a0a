"""Which language a buyer writes in: one of the served languages, or ``other``.

Uses lingua (offline, good on short texts). The detector also knows a few other languages
that marketplaces see often, so a message in one of them is reported as ``other`` instead of
being forced into a served language.

>>> detect(["onde está meu pedido?"])[0]       # doctest: +SKIP
('pt', 0.93)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

SERVED = ("en", "es", "pt", "fr", "de", "ru")
OTHER = "other"
# Languages outside SERVED that the detector may answer, so they map to OTHER.
CATCH_ALL = ("it", "nl", "pl", "tr", "uk", "ar", "zh", "ja", "ko", "cs", "ro", "sv")
# A served language within this share of the top (foreign) language's confidence wins.
LEAN = 0.6
# Texts this long go to lingua's low-accuracy mode (trigrams only): 6x faster, and as accurate
# as the full mode on texts of this length (measured on data/test.csv: 97.3% vs 97.7%).
LONG_TEXT = 60
# Only the start of a message is looked at: enough to tell its language, and it bounds the
# cost (lingua is slow on very long texts, quadratic on one long unbroken token).
MAX_CHARS = 500
_lock = threading.Lock()
_detectors: dict[bool, object] = {}


def _build(low_accuracy: bool):
    with _lock:
        if low_accuracy not in _detectors:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, c.upper()) for c in (*SERVED, *CATCH_ALL)]
            builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
            if low_accuracy:
                builder = builder.with_low_accuracy_mode()
            _detectors[low_accuracy] = builder.build()
    return _detectors[low_accuracy]


def build_detectors() -> None:
    """Build lingua's detectors now (about 1.5 s and 300 MB), not on the first message the
    language head is unsure of: for processes that answer many messages, such as the app."""
    for low_accuracy in (False, True):  # lingua loads its models on the first detection
        _build(low_accuracy).compute_language_confidence_values("where is my parcel")


def _ranked(texts: list[str], fast: bool) -> list:
    out: list = [None] * len(texts)
    for low in (False, True):
        index = [i for i, t in enumerate(texts) if (fast or len(t) >= LONG_TEXT) == low]
        if index:
            values = _build(low).compute_language_confidence_values_in_parallel(
                [texts[i] for i in index])
            for i, ranked in zip(index, values, strict=True):
                out[i] = ranked
    return out


def detect(texts: Sequence[str], *, fast: bool = False) -> list[tuple[str, float]]:
    """(language code, confidence) per text: a SERVED code or ``other``; empty text: other.

    ``fast`` uses only the low-accuracy mode: about 300 MB less memory and faster, a little
    less accurate on short texts (batch runs use it; 94.7% vs 97.9% on data/test.csv).
    """
    texts = [str(t)[:MAX_CHARS] for t in texts]
    if not texts:
        return []
    out = []
    for text, ranked in zip(texts, _ranked(texts, fast), strict=True):
        if not text.strip() or not ranked:
            out.append((OTHER, 0.0))
            continue
        best = ranked[0]
        code = best.language.iso_code_639_1.name.lower()
        if code not in SERVED:
            # Short texts are often close calls (Russian vs Ukrainian): prefer a served
            # language that is nearly as likely over calling the message foreign.
            served = next((r for r in ranked if r.language.iso_code_639_1.name.lower()
                           in SERVED), None)
            if served is not None and served.value >= LEAN * best.value:
                best, code = served, served.language.iso_code_639_1.name.lower()
        out.append((code if code in SERVED else OTHER, round(float(best.value), 4)))
    return out


class LanguageHead:
    """A linear language classifier over the scenario model's own features: the features are
    computed once per message anyway, so the language costs one small matrix product.

    Trained with the model when the training data has a ``lang`` column. A message whose two
    likeliest languages are closer than ``min_margin``, or that is shorter than ``min_chars``,
    is left to lingua (``None`` in :meth:`predict`). On short messages the head is the better
    of the two ("where is my order": English here, German to lingua's fast mode): 99.3% right
    on data/test.csv with lingua for the unsure 1-4%, against 95.0% for lingua's fast mode alone.
    """

    def __init__(self, *, min_margin: float = 0.5, min_chars: int = 1):
        self.min_margin = min_margin
        self.min_chars = min_chars

    def fit(self, x, languages: Sequence[str]) -> LanguageHead:
        import numpy as np
        from sklearn.svm import LinearSVC

        from .linear import fit_liblinear

        svm = fit_liblinear(LinearSVC(C=0.5, random_state=0), x,
                            np.asarray(languages, dtype=object))
        self.languages_ = [str(c) for c in svm.classes_]
        self.coef_ = np.ascontiguousarray(svm.coef_.T, dtype=np.float32)  # as the features
        self.intercept_ = svm.intercept_
        return self

    def predict(self, x, texts: Sequence[str]) -> list[tuple[str, float] | None]:
        import numpy as np

        scores = np.asarray(x @ self.coef_ + self.intercept_)
        if scores.shape[1] == 1:  # two languages: one score
            scores = np.column_stack([-scores[:, 0], scores[:, 0]])
        top2 = np.sort(scores, axis=1)[:, -2:]
        margin = top2[:, 1] - top2[:, 0]
        # A confidence for display: the softmax of the two best scores.
        confidence = 1.0 / (1.0 + np.exp(-2.0 * margin))
        best = scores.argmax(axis=1)
        out: list[tuple[str, float] | None] = []
        for i, text in enumerate(texts):
            sure = margin[i] >= self.min_margin and len(text.strip()) >= self.min_chars
            out.append((self.languages_[best[i]], round(float(confidence[i]), 4)) if sure
                       else None)
        return out


def detect_with(head: LanguageHead | None, x, texts: Sequence[str], *, fast: bool
                ) -> list[tuple[str, float]]:
    """The head's answer where it is sure, lingua's for the rest (all of them without a
    head)."""
    found = head.predict(x, texts) if head is not None else [None] * len(texts)
    rest = [i for i, f in enumerate(found) if f is None]
    if rest:
        for i, answer in zip(rest, detect([texts[i] for i in rest], fast=fast), strict=True):
            found[i] = answer
    return found  # type: ignore[return-value]
