from __future__ import annotations

import json

import pytest

from assistant import evaluation
from assistant import model as m
from assistant.errors import DataError

TRUTH = ["a", "a", "b", "b", "c"]
PREDICTED = ["a", "b", "b", "b", "a"]


def test_intent_report_has_rasa_shape():
    report = evaluation.intent_report(TRUTH, PREDICTED)
    assert set(report) == {"a", "b", "c", "accuracy", "macro avg", "weighted avg"}
    assert report["a"]["confused_with"] == {"b": 1}
    assert report["c"]["confused_with"] == {"a": 1}
    assert report["b"]["precision"] == pytest.approx(2 / 3)
    assert report["a"]["support"] == 2
    assert set(report["a"]) == {"precision", "recall", "f1-score", "support", "confused_with"}
    assert report["accuracy"] == pytest.approx(3 / 5)
    assert report["macro avg"]["support"] == 5


def test_write_reports(default_model, tmp_path):
    texts = ["my parcel came empty", "where is my order", "customs want me to pay 20 euro tax"]
    truth = ["empty_package", "not_arrived", "item_stained"]  # the last one is wrong on purpose
    [wrong] = default_model.predict(texts[2:])
    assert wrong.label != "item_stained"
    paths = evaluation.write_reports(default_model, texts, truth, tmp_path / "rep")
    assert [p.name for p in paths] == ["intent_report.json", "intent_errors.json",
                                       "confusion_matrix.png", "confidence_histogram.png"]
    report = json.loads(paths[0].read_text())
    assert report["item_stained"]["confused_with"] == {wrong.label: 1}
    errors = json.loads(paths[1].read_text())
    assert errors == [{"text": texts[2], "intent": "item_stained",
                       "intent_prediction": {"name": wrong.label,
                                             "confidence": round(wrong.confidence, 4)}}]
    for png in paths[2:]:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def _tiny(name):
    texts = [f"lost card {i}" for i in range(8)] + [f"balance check {i}" for i in range(8)]
    labels = ["lost"] * 8 + ["balance"] * 8
    model = m.train(texts, labels, name=name).model
    return model, texts, labels


def test_compare_lists_changed_predictions():
    a, texts, labels = _tiny("a")
    b, _, _ = _tiny("b")
    result = evaluation.compare(a, b, texts, labels)
    assert result["changed"] == [] and result["fixed"] == result["broken"] == 0
    flipped = labels[:-1] + ["lost"]  # the truth changes, not the models: still no change
    assert evaluation.compare(a, b, texts, flipped)["per_label"]["lost"]["difference"] == 0


def test_cross_validate_spread():
    texts = [f"lost my card number {i}" for i in range(9)] + [
        f"what is my balance today {i}" for i in range(9)]
    labels = ["lost"] * 9 + ["balance"] * 9
    result = evaluation.cross_validate(texts, labels, folds=3)
    assert result["folds"] == 3
    # Two labels that share no word: every fold is perfect, so there is no spread.
    assert result["accuracy"] == {"mean": 1.0, "std": 0.0}
    assert set(result["per_label"]) == {"lost", "balance"}
    noisy = evaluation.cross_validate(texts, labels[:4] + ["balance"] * 2 + labels[6:], folds=3)
    assert noisy["accuracy"]["mean"] < 1.0 and noisy["accuracy"]["std"] > 0
    with pytest.raises(DataError, match="--folds must be between 2 and 9"):
        evaluation.cross_validate(texts, labels, folds=10)


def test_threshold_tradeoff(default_model):
    texts = ["my parcel arrived empty", "where is my order", "what is the capital of peru",
             "play some jazz music"]
    truth = ["empty_package", "not_arrived", "OOS", "OOS"]
    trade = evaluation.threshold_tradeoff(default_model, texts, truth, "OOS")
    first, last = trade["rows"][0], trade["rows"][-1]
    assert first["threshold"] == 0 and first["out_of_scope_recall"] == 0
    assert last["out_of_scope_recall"] >= first["out_of_scope_recall"]
    assert last["in_scope_accuracy"] <= first["in_scope_accuracy"]
    assert trade["suggested"] in [r["threshold"] for r in trade["rows"]]
    with pytest.raises(DataError, match="out-of-scope rows"):
        evaluation.threshold_tradeoff(default_model, texts[:2], truth[:2], "OOS")


def test_a_label_named_like_an_average_keeps_its_row():
    truth, predicted = ["late avg", "late avg", "b", "b"], ["late avg", "b", "b", "b"]
    figures = evaluation.metrics(truth, predicted)
    assert set(figures["per_label"]) == {"late avg", "b"}
    assert figures["per_label"]["late avg"]["recall"] == 0.5
    report = evaluation.intent_report(truth, predicted)
    assert report["late avg"]["confused_with"] == {"b": 1}
    assert report["macro avg"]["support"] == 4


def test_macro_f1_is_scikit_learns_over_the_true_labels():
    from sklearn.metrics import f1_score

    truth = ["a", "a", "b", "c", "c", "c"]
    predicted = ["a", "b", "b", "c", "d", "a"]  # "d" is only predicted: not in the mean
    expected = f1_score(truth, predicted, labels=["a", "b", "c"], average="macro")
    assert evaluation.metrics(truth, predicted)["macro_f1"] == pytest.approx(expected)
