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
_lock = threading.Lock()
_detector = None


def _build():
    global _detector
    with _lock:
        if _detector is None:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, c.upper()) for c in (*SERVED, *CATCH_ALL)]
            _detector = (LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
                         .build())
    return _detector


def detect(texts: Sequence[str]) -> list[tuple[str, float]]:
    """(language code, confidence) per text: a SERVED code or ``other``; empty text: other."""
    texts = [str(t) for t in texts]
    if not texts:
        return []
    detector = _build()
    values = detector.compute_language_confidence_values_in_parallel(texts)
    out = []
    for text, ranked in zip(texts, values, strict=True):
        if not text.strip() or not ranked:
            out.append((OTHER, 0.0))
            continue
        best = ranked[0]
        code = best.language.iso_code_639_1.name.lower()
        out.append((code if code in SERVED else OTHER, round(float(best.value), 4)))
    return out
