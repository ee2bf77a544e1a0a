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


def test_line_breaks_and_spaces_give_the_same_features():
    texts = ["where is my parcel\nit was due monday", "the box came open\n\nand EMPTY",
             "colis   pas reçu\r\nmerci", "ничего\tне пришло"]
    pipeline = build_pipeline()
    features = pipeline.named_steps["features"].fit(texts)
    spaced = [" ".join(t.split()) for t in texts]
    assert (features.transform(texts) != features.transform(spaced)).nnz == 0
