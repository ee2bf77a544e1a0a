"""Everything that measures a model: the figures (`metrics`, `evaluate`), the evaluation
reports in Rasa NLU's shapes, cross-validation, model comparison, the needs-review
threshold's trade-off on out-of-scope messages, and the figures that say how safe the
answers are for an agent (`review_figures`).

>>> files = write_reports(model, texts, labels, "reports/")     # doctest: +SKIP
>>> sorted(p.name for p in files)                               # doctest: +SKIP
['confidence_histogram.png', 'confusion_matrix.png', 'intent_errors.json', 'intent_report.json']
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix

from .errors import DataError
from .optional import require

if TYPE_CHECKING:  # model imports this module (its training figures are `metrics`)
    from .model import Model, Prediction


OUT_OF_SCOPE = "NO_NODES_DETECTED"  # HINT3's name; any label can be named as out-of-scope


def per_label(truth: Sequence[str], predicted: Sequence[str]
              ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """scikit-learn's classification report: precision, recall, F1 and support for every
    label seen in either list, and the macro and weighted averages. The one place that
    computes them.

    >>> rows, averages = per_label(["a", "a", "b"], ["a", "b", "b"])
    >>> rows["b"]["precision"], averages["macro avg"]["support"]
    (0.5, 3)
    """
    labels = sorted(set(truth) | set(predicted))
    # As numbers (several times faster than strings), which also keeps a user's label called
    # "macro avg" apart from the average of that name.
    code = {label: number for number, label in enumerate(labels)}
    report = classification_report([code[t] for t in truth], [code[p] for p in predicted],
                                   labels=list(range(len(labels))), output_dict=True,
                                   zero_division=0)

    def plain(row: dict) -> dict[str, Any]:
        return {k: (int(v) if k == "support" else float(v)) for k, v in row.items()}

    rows = {label: plain(report[str(number)]) for number, label in enumerate(labels)}
    averages = {avg: plain(report[avg]) for avg in ("macro avg", "weighted avg")}
    return rows, averages


def metrics(truth: Sequence[str], predicted: Sequence[str],
            review: Sequence[bool] | None = None) -> dict[str, Any]:
    """Accuracy, macro-F1 (over the true labels), per-label precision/recall/F1/support and,
    given the needs-review flags, the review rate and the accuracy of the confident answers."""
    rows, _ = per_label(truth, predicted)
    right = np.asarray(truth, dtype=object) == np.asarray(predicted, dtype=object)
    out = {
        "accuracy": float(right.mean()) if len(right) else 0.0,
        # The mean F1 of the labels the rows have (a label only predicted does not count).
        "macro_f1": float(np.mean([rows[label]["f1-score"] for label in sorted(set(truth))]))
        if len(truth) else 0.0,
        "rows": len(truth),
        "per_label": {lab: {"precision": row["precision"], "recall": row["recall"],
                            "f1": row["f1-score"], "support": row["support"]}
                      for lab, row in rows.items()},
    }
    if review is not None:
        review = np.asarray(review, dtype=bool)
        out["needs_review_rate"] = float(review.mean())
        out["accuracy_when_confident"] = float(right[~review].mean()) if (~review).any() else None
    return out


def evaluate(model: Model, texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """`metrics` of ``model`` on labelled rows."""
    predictions = model.predict(texts, languages=None)
    return metrics(labels, [p.label for p in predictions], [p.needs_review for p in predictions])


def intent_report(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Rasa's ``intent_report.json``: per label precision, recall, f1-score, support and
    confused_with {label: count}; plus accuracy, macro avg and weighted avg."""
    confused: dict[str, Counter] = defaultdict(Counter)
    for t, p in zip(truth, predicted, strict=True):
        if t != p:
            confused[t][p] += 1
    rows, averages = per_label(truth, predicted)
    out: dict[str, Any] = {label: {**row, "confused_with": dict(confused[label].most_common())}
                           for label, row in rows.items()}
    out["accuracy"] = float(np.mean(np.asarray(truth) == np.asarray(predicted)))
    return {**out, **averages}


def intent_errors(predictions: Sequence[Prediction], truth: Sequence[str]) -> list[dict]:
    """Rasa's ``intent_errors.json``: every wrong prediction with its confidence."""
    return [{"text": p.text, "intent": t,
             "intent_prediction": {"name": p.label, "confidence": round(p.confidence, 4)}}
            for p, t in zip(predictions, truth, strict=True) if p.label != t]


def write_reports(model: Model, texts: Sequence[str], truth: Sequence[str],
                  folder: str | os.PathLike) -> list[Path]:
    """Write intent_report.json, intent_errors.json, confusion_matrix.png and
    confidence_histogram.png into ``folder`` (created if needed); return the paths."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot make the report folder {folder}: "
                        f"{exc.strerror or exc}; choose another --report-dir") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataError(f"cannot write in the report folder {folder}; choose another "
                        "--report-dir")
    predictions = model.predict(texts)
    predicted = [p.label for p in predictions]
    paths = [folder / "intent_report.json", folder / "intent_errors.json",
             folder / "confusion_matrix.png", folder / "confidence_histogram.png"]
    paths[0].write_text(json.dumps(intent_report(truth, predicted), indent=2), encoding="utf-8")
    paths[1].write_text(json.dumps(intent_errors(predictions, truth), indent=2,
                                   ensure_ascii=False), encoding="utf-8")
    plot_confusion(truth, predicted, paths[2])
    plot_confidence(predictions, truth, paths[3])
    return paths


def _figure(width: float, height: float):
    # matplotlib's object API, not pyplot: no global state, safe in Streamlit's threads.
    Figure = require("matplotlib.figure", "app", "drawing the evaluation plots").Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def confusion_figure(truth: Sequence[str], predicted: Sequence[str]):
    """A labelled confusion-matrix heatmap (matplotlib Figure), rows = true labels."""
    labels = sorted(set(truth) | set(predicted))
    matrix = confusion_matrix(truth, predicted, labels=labels)
    size = max(6, 0.35 * len(labels) + 3)
    fig, ax = _figure(size, size * 0.85)
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7 if len(labels) > 30 else 9)
    ax.set_yticks(range(len(labels)), labels, fontsize=7 if len(labels) > 30 else 9)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    ax.set_title(f"Confusion matrix ({len(truth)} messages)")
    if len(labels) <= 30:
        for i, j in zip(*np.nonzero(matrix), strict=True):
            ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return fig


def plot_confusion(truth: Sequence[str], predicted: Sequence[str], path: Path) -> None:
    confusion_figure(truth, predicted).savefig(path, dpi=120)


def plot_confidence(predictions: Sequence[Prediction], truth: Sequence[str],
                    path: Path) -> None:
    """Histogram of the confidence of right and of wrong predictions."""
    right = [p.confidence for p, t in zip(predictions, truth, strict=True) if p.label == t]
    wrong = [p.confidence for p, t in zip(predictions, truth, strict=True) if p.label != t]
    fig, ax = _figure(7, 4.5)
    bins = np.linspace(0, 1, 21)
    ax.hist([right, wrong], bins=bins, label=[f"right ({len(right)})", f"wrong ({len(wrong)})"],
            color=["#2e7d32", "#c62828"], stacked=False)
    ax.set_xlabel("confidence")
    ax.set_ylabel("messages")
    ax.set_title("Confidence of right and wrong predictions")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def cross_validate(texts: Sequence[str], labels: Sequence[str], folds: int = 5,
                   progress=None) -> dict[str, Any]:
    """Stratified K-fold: mean and spread of accuracy, macro-F1 and each label's F1."""
    texts, y = list(texts), np.asarray(labels, dtype=object)
    smallest = min(Counter(labels).values())
    if folds < 2 or folds > smallest:
        raise DataError(f"--folds must be between 2 and {smallest} (the smallest label's "
                        f"count) for this data; got {folds}")
    from sklearn.model_selection import StratifiedKFold

    from .model import SEED, train

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    runs = []
    for i, (fit, hold) in enumerate(splitter.split(texts, y)):
        if progress:
            progress(i / folds, f"fold {i + 1} of {folds}")
        result = train([texts[j] for j in fit], list(y[fit]))
        runs.append(evaluate(result.model, [texts[j] for j in hold], list(y[hold])))
    summary = {"folds": folds}
    for key in ("accuracy", "macro_f1"):
        values = [r[key] for r in runs]
        summary[key] = {"mean": float(np.mean(values)), "std": float(np.std(values))}
    summary["per_label"] = {
        label: {"f1_mean": float(np.mean([r["per_label"].get(label, {}).get("f1", 0)
                                          for r in runs])),
                "f1_std": float(np.std([r["per_label"].get(label, {}).get("f1", 0)
                                        for r in runs]))}
        for label in sorted(set(labels))}
    return summary


def compare(a: Model, b: Model, texts: Sequence[str], truth: Sequence[str]
            ) -> dict[str, Any]:
    """Both models on the same rows: figures, per-label F1 difference, changed predictions."""
    pa, pb = a.predict(texts), b.predict(texts)
    ea = metrics(truth, [p.label for p in pa])
    eb = metrics(truth, [p.label for p in pb])
    labels = sorted(set(ea["per_label"]) | set(eb["per_label"]))
    per_label = {lab: {"f1_a": ea["per_label"].get(lab, {}).get("f1", 0.0),
                       "f1_b": eb["per_label"].get(lab, {}).get("f1", 0.0)} for lab in labels}
    for row in per_label.values():
        row["difference"] = row["f1_b"] - row["f1_a"]
    changed = [{"text": x.text, "true": t, "a": x.label, "b": y.label,
                "a_right": x.label == t, "b_right": y.label == t}
               for x, y, t in zip(pa, pb, truth, strict=True) if x.label != y.label]
    return {"a": {"name": a.name, "accuracy": ea["accuracy"], "macro_f1": ea["macro_f1"]},
            "b": {"name": b.name, "accuracy": eb["accuracy"], "macro_f1": eb["macro_f1"]},
            "per_label": per_label, "changed": changed,
            "fixed": sum(c["b_right"] and not c["a_right"] for c in changed),
            "broken": sum(c["a_right"] and not c["b_right"] for c in changed)}


def threshold_tradeoff(model: Model, texts: Sequence[str], truth: Sequence[str],
                       out_of_scope: str = OUT_OF_SCOPE,
                       grid: Sequence[float] = tuple(np.round(np.arange(0, 1.0, 0.05), 2))
                       ) -> dict[str, Any]:
    """How the confidence threshold trades in-scope accuracy for catching out-of-scope rows.

    In-scope accuracy counts a flagged in-scope message as not answered (wrong);
    out-of-scope recall is the share of out-of-scope messages flagged. The suggested threshold
    maximises their mean.
    """
    truth = np.asarray(truth, dtype=object)
    oos = truth == out_of_scope
    if not oos.any() or oos.all():
        raise DataError(f"the data needs both in-scope rows and out-of-scope rows labelled "
                        f"{out_of_scope!r} (name another label with --out-of-scope)")
    proba = model.predict_proba(texts)
    conf = proba.max(axis=1)
    predicted = np.asarray(model.labels, dtype=object)[proba.argmax(axis=1)]
    rows = []
    for t in grid:
        flagged = (conf < t) | (predicted == out_of_scope)
        in_acc = float(np.mean((predicted[~oos] == truth[~oos]) & ~flagged[~oos]))
        oos_recall = float(np.mean(flagged[oos]))
        rows.append({"threshold": float(t), "in_scope_accuracy": in_acc,
                     "out_of_scope_recall": oos_recall,
                     "flagged_in_scope": float(np.mean(flagged[~oos]))})
    best = max(rows, key=lambda r: (r["in_scope_accuracy"] + r["out_of_scope_recall"]) / 2)
    return {"rows": rows, "suggested": best["threshold"], "in_scope": int((~oos).sum()),
            "out_of_scope": int(oos.sum())}


def review_figures(truth: Sequence[str], predictions: Sequence[Prediction],
                   out_of_scope: str = "other") -> dict[str, Any]:
    """How safe the answers are for an agent: in-scope accuracy, out-of-scope caught (labelled
    ``out_of_scope`` and predicted so or flagged for review), the share of all rows that are
    wrong and not flagged, and the precision and coverage of the confident answers.

    >>> from assistant.model import Prediction
    >>> p = [Prediction("a", "x", .9, (), False), Prediction("b", "x", .4, (), True)]
    >>> review_figures(["x", "other"], p)["out_of_scope_caught"]
    1.0
    """
    truth = np.asarray(truth, dtype=object)
    label = np.asarray([p.label for p in predictions], dtype=object)
    review = np.asarray([p.needs_review for p in predictions], dtype=bool)
    right = label == truth
    scope = truth != out_of_scope

    def share(mask):
        return float(mask.mean()) if len(mask) else None

    return {
        "rows": int(len(truth)),
        "in_scope": int(scope.sum()),
        "out_of_scope": int((~scope).sum()),
        "in_scope_accuracy": share(right[scope]),
        "out_of_scope_caught": share((label[~scope] == out_of_scope) | review[~scope]),
        "wrong_not_flagged": share(~right & ~review),
        "confident_precision": share(right[~review]),
        "confident_coverage": share(~review),
        "accuracy": share(right),
    }
