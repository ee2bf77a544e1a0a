"""The normalising step: what it takes out, and that it changes no feature it should not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.model import build_pipeline
from assistant.normalise import normalise_text


@pytest.mark.parametrize(("raw", "expected"), [
    ("@ShopHelp #81839204517 STILL not here!!!! 😡 https://t.co/x1 &amp; no",
     "#0000 STILL not here!! & no"),
    ("Hi,\n\nmy parcel\r\n  never came\t\u00a0thanks", "Hi, my parcel never came thanks"),
    ("Envío rápido, ça va, Größe, ёлка", "Envio rapido, ca va, Große, елка"),
    ("[USER] sooooo late <URL>", "soo late"),
    ("  \n\n ", ""),
])
def test_normalise_text(raw, expected):
    assert normalise_text(raw) == expected


WHITESPACE = ["\n", "\r\n", "\n\n", "\t", "\u00a0", "\u2028", "\x85", "\x1c", "\u3000"]


@pytest.mark.parametrize("gap", WHITESPACE)
def test_any_whitespace_gives_the_features_of_one_space(gap):
    texts = ["where is my parcel it was due monday", "the box came open and EMPTY",
             "colis pas reçu merci", "ничего не пришло"]
    pipeline = build_pipeline()
    normaliser, features = pipeline.named_steps["normalise"], pipeline.named_steps["features"]
    features.fit(normaliser.transform(texts))
    gapped = [t.replace(" ", gap) for t in texts]
    assert normaliser.transform(gapped) == normaliser.transform(texts)
    assert (features.transform(normaliser.transform(gapped))
            != features.transform(normaliser.transform(texts))).nnz == 0
    # The vectorizers themselves already split on any whitespace: the normaliser's collapsing
    # changes no feature, only the time it takes.
    assert (features.transform(gapped) != features.transform(texts)).nnz == 0


def _plainly(text: str) -> str:
    """normalise_text written plainly, each step on every message: what the quick looks and
    the tables of the real one must not change."""
    import html
    import re
    import unicodedata

    from assistant import normalise as n

    text = html.unescape(text)
    text = n._LINK.sub(" ", text)
    text = n._PLACEHOLDER.sub(" ", text)
    text = n._HANDLE.sub(" ", text)
    if not text.isascii():  # (ASCII symbols such as ^ and ` stay in ASCII messages)
        # (the symbols of the first three planes, and the joiners, selectors and tags)
        text = "".join(" " if ord(c) < 0x30000 and unicodedata.category(c) in ("So", "Sk", "Co")
                       or ord(c) in (0x200D, 0xFE0E, 0xFE0F) or 0xE0000 <= ord(c) < 0xE0080
                       else c for c in text)
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not (ord(c) < 0x30000 and unicodedata.combining(c)))
    text = re.sub(r"\d{4,}", "0000", text)
    text = re.sub(r"([^\W\d_])\1{2,}|([!?.,])\2{2,}", r"\1\1\2\2", text)
    return " ".join(text.split())


PIECES = ["a", "é", "e\u0301", "o", "ooo", "!!!", "...", "??", "12345", "0", "1a1a", " ", "\n",
          "😡", "👍🏽", "❤️", "👨\u200d👩", "℃", "©", "^", "`", "¨", "\ue000", "ё", "ß", "ﬁ",
          "&amp;", "&#39;", "@user", "https://x.co/a", "[USER]", "<URL>", "ŉ", "\u0345",
          "ǅ", "½", "™", "\U000e0067", "\u200d", "\ufe0f", "\U000f0001", "x\u0308"]


@settings(deadline=None, database=None, max_examples=400)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_normalise_text_equals_its_plain_steps(text):
    assert normalise_text(text) == _plainly(text)


def test_the_shipped_messages_normalise_as_the_plain_steps_do():
    import pandas as pd

    from assistant import paths

    texts = pd.read_csv(paths.shipped_data() / "test.csv", dtype=str,
                        keep_default_na=False)["text"].tolist()
    assert len(texts) > 1000
    assert [normalise_text(t) for t in texts] == [_plainly(t) for t in texts]
