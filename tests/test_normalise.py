"""The normalising step: what it takes out, and that it changes no feature it should not."""

from __future__ import annotations

import pytest

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
