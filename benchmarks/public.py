"""The default pipeline on public intent benchmarks, through the library calls that
`assistant train` and `assistant evaluate` use.

    python benchmarks/public.py [--data ../shared/benchmarks] [--only banking77 clinc150 ...]

Data: Banking77 (PolyAI, CC BY 4.0), CLINC150 (Larson et al. 2019, CC BY 3.0), HINT3 Curekart
and SOFMattress (Haptik, ODbL/DbCL), as published; see each folder's licence. Every set is
trained on its train split only, with the same hyper-parameters (no per-set tuning); the test
split is used once, for the figure printed. Out-of-scope recall is the share of out-of-scope
test messages that the model flags for a person (needs_review, with the thresholds it chose on
its own held-out split at training time, never on test data).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import model as m  # noqa: E402
from assistant.dataset import labelled_frame, read_labelled, validated  # noqa: E402
from assistant.evaluation import threshold_tradeoff  # noqa: E402
from assistant.tables import read_table  # noqa: E402

ANCHORS = {
    "banking77": "fine-tuned BERT 93.7 (Casanueva et al. 2020)",
    "clinc150": "BoW SVM 91.0, BERT 96.9 (Larson et al. 2019)",
    "curekart": "BERT 83.6 (Arora et al. 2020)",
    "sofmattress": "BERT 73.6 (Arora et al. 2020)",
}
TARGETS = {"banking77": 0.92, "clinc150": 0.93, "curekart": 0.86, "sofmattress": 0.78}
OOS = "NO_NODES_DETECTED"


def _frame(rows, path: str) -> pd.DataFrame:
    return labelled_frame(read_table(path)) if rows is None else pd.DataFrame(
        {"text": [r[0] for r in rows], "label": [r[1] for r in rows],
         "row": range(2, len(rows) + 2), "source": path})


def validation(name: str, root: Path) -> tuple[list, list] | None:
    """CLINC150's validation split with its out-of-scope rows (for choosing the threshold)."""
    if name != "clinc150":
        return None
    data = json.loads((root / "clinc150" / "data_full.json").read_text())
    rows = data["val"] + [[t, OOS] for t, _ in data["oos_val"]]
    return [t for t, _ in rows], [lab for _, lab in rows]


def load(name: str, root: Path) -> tuple[list, list, list, list]:
    """(train texts, train labels, test texts, test labels); out-of-scope test rows are
    labelled OOS."""
    if name == "banking77":
        train = read_labelled([root / "banking77" / "train.csv"], min_examples=3)
        test = read_labelled([root / "banking77" / "test.csv"], min_examples=1)
        return train.texts, train.labels, test.texts, test.labels
    if name == "clinc150":
        data = json.loads((root / "clinc150" / "data_full.json").read_text())
        train = validated(_frame(data["train"], "clinc150 train"), ["clinc150"], min_examples=3)
        test = data["test"] + [[t, OOS] for t, _ in data["oos_test"]]
        return train.texts, train.labels, [t for t, _ in test], [lab for _, lab in test]
    folder = root / "hint3"
    train = read_labelled([folder / "train" / f"{name}_train.csv"], min_examples=3)
    test = pd.read_csv(folder / "test" / f"{name}_test.csv", dtype=str, keep_default_na=False)
    return train.texts, train.labels, test["sentence"].tolist(), test["label"].tolist()


def run(name: str, root: Path) -> dict:
    x_train, y_train, x_test, y_test = load(name, root)
    start = time.perf_counter()
    result = m.train(x_train, y_train, name=name)
    seconds = time.perf_counter() - start
    predictions = result.model.predict(x_test, languages=None)
    truth = np.asarray(y_test, dtype=object)
    predicted = np.asarray([p.label for p in predictions], dtype=object)
    review = np.asarray([p.needs_review for p in predictions])
    in_scope = truth != OOS
    threshold = "model's own"
    val = validation(name, root)
    if val is not None:
        # The out-of-scope question, answered on the validation split (never on test): the
        # confidence threshold that best trades in-scope accuracy for flagging out-of-scope.
        trade = threshold_tradeoff(result.model, *val, out_of_scope=OOS)
        threshold = trade["suggested"]
        review = np.asarray([p.confidence < threshold for p in predictions])
    out = {"name": name, "train_rows": len(x_train), "labels": len(set(y_train)),
           "test_rows": int(in_scope.sum()), "train_seconds": round(seconds, 1),
           "accuracy": float((predicted[in_scope] == truth[in_scope]).mean())}
    if (~in_scope).any():
        out["oos_rows"] = int((~in_scope).sum())
        out["oos_recall"] = float(review[~in_scope].mean())
        out["in_scope_flagged"] = float(review[in_scope].mean())
        out["threshold"] = threshold
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get(
        "BENCHMARKS_DIR", str(ROOT.parent / "shared" / "benchmarks")),
        help="folder with banking77/, clinc150/, hint3/ (default ../shared/benchmarks or "
             "$BENCHMARKS_DIR)")
    parser.add_argument("--only", nargs="*", default=list(ANCHORS), choices=list(ANCHORS))
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    root = Path(args.data)
    if not root.is_dir():
        sys.exit(f"no benchmark data at {root}; pass --data or set BENCHMARKS_DIR")
    rows = [run(name, root) for name in args.only]
    print(f"{'set':<12} {'labels':>6} {'train':>6} {'test':>5} {'in-scope acc':>12} "
          f"{'target':>6} {'OOS recall':>10} {'train s':>7}  published")
    for r in rows:
        oos = f"{r['oos_recall']:.3f}" if "oos_recall" in r else "-"
        if "threshold" in r and not isinstance(r["threshold"], str):
            oos += f" (at {r['threshold']:.2f}, {r['in_scope_flagged']:.1%} in-scope flagged)"
        print(f"{r['name']:<12} {r['labels']:>6} {r['train_rows']:>6} {r['test_rows']:>5} "
              f"{r['accuracy']:>12.3f} {TARGETS[r['name']]:>6.2f} {oos:>10} "
              f"{r['train_seconds']:>7.1f}  {ANCHORS[r['name']]}")
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
