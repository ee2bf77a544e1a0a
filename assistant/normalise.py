"""The first step of the classifier's pipeline: take out of a message what says nothing about
its scenario, so that a tweet, an e-mail and a chat line about the same problem look alike.

Links, @handles and anonymisation placeholders go; HTML entities are decoded; emoji and other
pictographs go; long digit runs (order and tracking numbers) become ``0000``; a letter or a
punctuation mark repeated three times or more is cut to two.

>>> normalise_text("@ShopHelp #81839204517 STILL not here!!!! 😡 https://t.co/x1 &amp; no")
'#0000 STILL not here!! & no'
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from sklearn.base import BaseEstimator, TransformerMixin

_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:ly|co|com|gl|me|io)/\S*", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w.])[@＠]\w+")
# Placeholders that anonymised exports put in the place of names, links and numbers.
_PLACEHOLDER = re.compile(r"[\[<{](?:user|url|link|name|email|phone|number|person|org)"
                          r"(?:_?\d+)?[\]>}]", re.IGNORECASE)
_DIGITS = re.compile(r"\d{4,}")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}|([!?.,])\2{2,}")
_SPACE = re.compile(r"[^\S\n]+")


def _is_pictograph(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk", "Cs", "Co") or ch in "\u200d\ufe0f\ufe0e"


def normalise_text(text: str) -> str:
    """One message, normalised (see the module's docstring)."""
    text = html.unescape(str(text))
    text = _LINK.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = "".join(" " if _is_pictograph(ch) else ch for ch in text)
    text = _DIGITS.sub("0000", text)
    text = _REPEAT.sub(lambda m: (m.group(1) or m.group(2)) * 2, text)
    return _SPACE.sub(" ", text).strip()


class Normaliser(TransformerMixin, BaseEstimator):
    """A stateless scikit-learn step applying :func:`normalise_text` to each message."""

    def fit(self, texts: Iterable[str], y=None) -> Normaliser:
        return self

    def transform(self, texts: Iterable[str]) -> list[str]:
        return [normalise_text(t) for t in texts]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags
