"""Held-out messages made noisier than the training rows, to choose the needs-review
thresholds for text unlike the training data.

Real buyers write less tidily than any training file: words missing, typos, no punctuation,
the problem after a sentence about something else. Thresholds chosen on clean held-out rows
trust the model too much on such text, so training measures them on copies of the held-out
rows with that kind of noise added (seeded, so a model is rebuilt the same).

>>> noisy(["my parcel never arrived and I want to know why"], ["not_arrived"], seed=1)[0] != \\
...     "my parcel never arrived and I want to know why"
True
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

_WORD = re.compile(r"\S+")


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def noisy(texts: Sequence[str], labels: Sequence[str], *, seed: int = 0,
          drop: float = 0.2, typos: float = 0.08, prefix: float = 0.35,
          out_of_scope: str = "other") -> list[str]:
    """A noisier copy of each message: a share ``drop`` of its words gone, ``typos`` of them
    with two letters swapped, half of them lower-cased without punctuation, and ``prefix`` of
    them opened by a sentence from an out-of-scope message (small talk before the problem),
    when the label set has ``out_of_scope``."""
    rng = random.Random(seed)
    small_talk = [t for t, label in zip(texts, labels, strict=True) if label == out_of_scope
                  and len(t) < 120]
    out = []
    for text in texts:
        words = [w for w in _WORD.findall(str(text)) if rng.random() >= drop] or [str(text)]
        words = [_typo(w, rng) if rng.random() < typos else w for w in words]
        line = " ".join(words)
        if rng.random() < 0.5:
            line = re.sub(r"[^\w\s]", "", line).lower()
        if small_talk and rng.random() < prefix:
            line = f"{rng.choice(small_talk)} {line}"
        out.append(line)
    return out
