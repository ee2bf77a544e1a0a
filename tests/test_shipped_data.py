"""The shipped labelled data and the default model built from it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assistant.dataset import read_labelled
from assistant.evaluation import evaluate
from assistant.nearduplicates import near_duplicates
from assistant.scenarios import LABELS

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def train():
    return pd.read_csv(DATA / "train.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def test():
    return pd.read_csv(DATA / "test.csv", dtype=str, keep_default_na=False)


def test_every_label_has_enough_training_rows(train):
    counts = train["label"].value_counts()
    assert set(counts.index) == set(LABELS)
    assert counts.min() >= 60, counts.idxmin()
    assert len(train) >= 1100


def test_test_split_covers_every_label(test):
    counts = test["label"].value_counts()
    assert set(counts.index) == set(LABELS)
    assert counts.min() >= 15, counts.idxmin()


def test_test_split_is_never_in_training(train, test):
    seen = {" ".join(t.lower().split()) for t in train["text"]}
    leaked = [t for t in test["text"] if " ".join(t.lower().split()) in seen]
    assert leaked == []


def test_no_near_duplicate_rows(train, test):
    texts = pd.concat([train["text"], test["text"]], ignore_index=True).tolist()
    pairs = near_duplicates(texts, threshold=0.8)
    assert [(texts[i], texts[j]) for i, j, _ in pairs] == []


def test_shipped_files_validate():
    data = read_labelled([DATA / "train.csv", DATA / "test.csv"])
    assert data.warnings == []


def test_default_model_on_the_test_split(default_model, test):
    result = evaluate(default_model, test["text"].tolist(), test["label"].tolist())
    assert result["macro_f1"] >= 0.90, result["macro_f1"]
    # Confident answers must be more often right than all answers.
    assert result["accuracy_when_confident"] >= result["accuracy"]


def test_every_language_on_the_test_split(default_model, test):
    import numpy as np

    predicted = np.array([p.label for p in default_model.predict(test["text"].tolist(),
                                                                 languages=None)])
    for lang, rows in test.groupby("lang"):
        accuracy = (predicted[rows.index] == rows["label"].to_numpy()).mean()
        assert accuracy >= 0.85, (lang, accuracy)
    assert set(test["lang"]) == {"en", "es", "pt", "fr", "de", "ru"}
