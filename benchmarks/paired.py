"""Whether new training rows help: paired retrainings with and without them.

    python benchmarks/paired.py NEW.csv [NEW2.csv ...] [--samples 5] [--first 0]
        [--fraction 0.85] [--base data/train.csv] [--dev PATH] [--test data/test.csv]

One retraining on all rows moves the development set's figures by two or three messages
whatever is added: the same borderline messages flip. So each of ``--samples`` rounds draws a
random ``--fraction`` of the base rows and of the new rows (numpy seed 100 + round), trains
once on the base sample and once on it plus the new sample, and measures both models on the
development set of real messages (default ``../shared/realdev/real_dev.csv``: evaluation only,
never training data) and on the shipped test split. Prints each round and the means: in-scope
accuracy, out-of-scope caught, wrong and not flagged, coverage of the confident answers, test
macro-F1 and its value per language. The rounds of a run are reproducible (training is).
Nothing is written or saved.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.dataset import read_labelled  # noqa: E402
from assistant.errors import DataError  # noqa: E402
from assistant.evaluation import metrics, review_figures  # noqa: E402
from assistant.model import train  # noqa: E402

DEFAULT_DEV = ROOT.parent / "shared" / "realdev" / "real_dev.csv"
SHOWN = {"in_scope_accuracy": "in-scope", "out_of_scope_caught": "oos caught",
         "wrong_not_flagged": "wrong, not flagged", "confident_coverage": "coverage",
         "test_macro_f1": "test macro-F1"}


def read(path: str) -> pd.DataFrame:
    """A labelled file (text, label and optionally lang), checked as training checks it."""
    try:
        return read_labelled([path], min_examples=1, min_labels=1).frame
    except (DataError, OSError) as error:
        sys.exit(f"{path}: {error}")


def figures(rows: pd.DataFrame, dev: pd.DataFrame, test: pd.DataFrame) -> dict[str, float]:
    model = train(rows["text"].tolist(), rows["label"].tolist(),
                  languages=rows["lang"].tolist() if "lang" in rows else None).model
    out = review_figures(dev["label"].tolist(),
                         model.predict(dev["text"].tolist(), languages=None))
    predicted = [p.label for p in model.predict(test["text"].tolist(), languages=None)]
    out["test_macro_f1"] = metrics(test["label"].tolist(), predicted)["macro_f1"]
    if "lang" in test:
        for lang, part in test.assign(predicted=predicted).groupby("lang"):
            out[f"test {lang}"] = metrics(part["label"].tolist(),
                                          part["predicted"].tolist())["macro_f1"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", nargs="+", help="labelled files of new rows (text,label,lang)")
    parser.add_argument("--samples", type=int, default=5, help="paired rounds (default 5)")
    parser.add_argument("--first", type=int, default=0, help="first round's number (seed "
                        "100 + it), to add rounds to an earlier run")
    parser.add_argument("--fraction", type=float, default=0.85, help="share of the rows "
                        "drawn each round (default 0.85)")
    parser.add_argument("--base", default=str(ROOT / "data" / "train.csv"))
    parser.add_argument("--dev", default=str(DEFAULT_DEV))
    parser.add_argument("--test", default=str(ROOT / "data" / "test.csv"))
    args = parser.parse_args()
    if args.samples < 1 or not 0 < args.fraction <= 1:
        sys.exit("--samples must be at least 1 and --fraction in (0, 1]")
    if not Path(args.dev).exists():
        sys.exit(f"no development set at {args.dev}; pass --dev PATH")
    base, dev, test = read(args.base), read(args.dev), read(args.test)
    new = pd.concat([read(path) for path in args.new], ignore_index=True)
    print(f"base {len(base):,} rows, new {len(new):,} rows; each round {args.fraction:.0%} of "
          f"both; dev {len(dev)} messages, test {len(test):,}")
    rounds = []
    for number in range(args.first, args.first + args.samples):
        rng = np.random.default_rng(100 + number)
        without = base.iloc[rng.permutation(len(base))[:int(args.fraction * len(base))]]
        extra = new.iloc[rng.permutation(len(new))[:int(args.fraction * len(new))]]
        before = figures(without, dev, test)
        after = figures(pd.concat([without, extra], ignore_index=True), dev, test)
        rounds.append((before, after))
        print(f"round {number}: " + "  ".join(f"{name} {before[key]:.3f} -> {after[key]:.3f}"
                                              for key, name in SHOWN.items()), flush=True)
    keys = list(SHOWN) + sorted(k for k in rounds[0][0] if k.startswith("test "))
    up = sum(a["in_scope_accuracy"] > b["in_scope_accuracy"] for b, a in rounds)
    down = sum(a["in_scope_accuracy"] < b["in_scope_accuracy"] for b, a in rounds)
    print(f"means of {len(rounds)} rounds (in-scope up in {up}, down in {down}):")
    for key in keys:
        before = np.mean([b[key] for b, _ in rounds])
        after = np.mean([a[key] for _, a in rounds])
        print(f"  {SHOWN.get(key, key):<20} {before:.3f} -> {after:.3f}")


if __name__ == "__main__":
    main()
