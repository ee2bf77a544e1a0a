"""Training time: `assistant train` against fastText on Banking77's train split, same run.

    python benchmarks/train.py [--data ../shared/benchmarks] [--rounds 1]

Ours: the `assistant train` command (reading, features, fold models, calibration, thresholds,
saving) on banking77/train.csv, into a temporary models folder, then accuracy on
banking77/test.csv. fastText (package fasttext-wheel, `pip install -e '.[bench]'`): supervised
training with 2 threads, character n-grams 2-5, word bigrams, 30 epochs, on the same rows.

Each runs once per round in a fresh process, timed two ways:
- in process, by the process itself: from the call that trains to the trained model, after
  the imports (fastText: writing its training file and training; ours: the whole command,
  reading the CSV and saving the model included);
- as a whole process, by this one: start, imports, reading the CSV, training, saving.
Prints the best times, the ratios of like with like (and ours as a whole process against fastText
in process, the strictest) and the accuracies; with several rounds, also each round's ratio in
process (the two trained one after the other) and their median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks"


# Each script times its training after its imports and writes the seconds to argv[1]; the
# caller times the whole process around it.
_OURS = """
import sys, time
from assistant.cli import main
import assistant.model, assistant.registry, assistant.dataset, pandas
start = time.perf_counter()
code = main(sys.argv[2:])
if code == 0:
    open(sys.argv[1], "w").write(str(time.perf_counter() - start))
sys.exit(code)
"""

_FASTTEXT = """
import sys, time
import fasttext, pandas as pd
rows = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
start = time.perf_counter()
with open(sys.argv[3], "w") as fh:
    for text, label in zip(rows["text"], rows["category"]):
        fh.write(f"__label__{label} {' '.join(text.lower().split())}\\n")
model = fasttext.train_supervised(sys.argv[3], epoch=30, lr=0.5, wordNgrams=2, minn=2, maxn=5,
                                  dim=100, thread=2, seed=0, verbose=0)
open(sys.argv[1], "w").write(str(time.perf_counter() - start))
model.save_model(sys.argv[4])
"""


def _timed(script: str, args: list[str], folder: Path, **options) -> tuple[float, float]:
    """(seconds the process reports for its training, seconds of the whole process)."""
    timing = folder / "seconds.txt"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, str(timing), *args],
                          capture_output=True, text=True, **options)
    whole = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(done.stderr)
    return float(timing.read_text()), whole


def ours(train: Path, test: Path, folder: Path) -> tuple[float, float, float]:
    models = folder / "models"
    seconds = _timed(_OURS, ["train", str(train), "--name", "b77", "--label-column",
                             "category"], folder, cwd=ROOT,
                     env={**os.environ, "ASSISTANT_MODELS_DIR": str(models)})
    os.environ["ASSISTANT_MODELS_DIR"] = str(models)
    sys.path.insert(0, str(ROOT))
    from assistant import evaluate, load

    rows = pd.read_csv(test, dtype=str, keep_default_na=False)
    return *seconds, evaluate(load("b77"), rows["text"].tolist(),
                              rows["category"].tolist())["accuracy"]


def fasttext(train: Path, test: Path, folder: Path) -> tuple[float, float, float]:
    import fasttext as ft

    seconds = _timed(_FASTTEXT, [str(train), str(folder / "ft.txt"), str(folder / "ft.bin")],
                     folder)
    held = pd.read_csv(test, dtype=str, keep_default_na=False)
    predicted = ft.load_model(str(folder / "ft.bin")).predict(
        [" ".join(t.lower().split()) for t in held["text"]])[0]
    right = sum(p[0].removeprefix("__label__") == c
                for p, c in zip(predicted, held["category"], strict=True))
    return *seconds, right / len(held)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--rounds", type=int, default=1, help="repeat and keep the best time")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    train = Path(args.data) / "banking77" / "train.csv"
    test = Path(args.data) / "banking77" / "test.csv"
    if not train.exists():
        sys.exit(f"no Banking77 at {train.parent}; pass --data")
    rounds: list[dict[str, tuple[float, float]]] = []  # name, way -> (seconds, accuracy)
    for _ in range(args.rounds):
        rounds.append({})
        for name, run in (("assistant train", ours), ("fastText", fasttext)):
            with tempfile.TemporaryDirectory() as tmp:
                inside, whole, accuracy = run(train, test, Path(tmp))
            for way, seconds in (("in process", inside), ("whole process", whole)):
                rounds[-1][f"{name}, {way}"] = (seconds, accuracy)
    best = {key: min(r[key] for r in rounds) for key in rounds[0]}  # the fastest round's
    print(f"{'Banking77 train split':31} {'seconds':>8} {'test accuracy':>14}")
    for name, (seconds, accuracy) in best.items():
        print(f"{name:31} {seconds:8.1f} {accuracy:14.3f}")
    seconds = {name: value[0] for name, value in best.items()}
    for way in ("in process", "whole process"):
        print(f"time ratio (assistant / fastText), {way}: "
              f"{seconds[f'assistant train, {way}'] / seconds[f'fastText, {way}']:.2f}x")
    print("time ratio (assistant as a whole process / fastText in process, the strictest): "
          f"{seconds['assistant train, whole process'] / seconds['fastText, in process']:.2f}x")
    if args.rounds > 1:  # the two trained one after the other, round by round
        ratios = [r["assistant train, in process"][0] / r["fastText, in process"][0]
                  for r in rounds]
        print("time ratio in process, round by round: " + ", ".join(f"{x:.2f}x" for x in ratios)
              + f" (median {statistics.median(ratios):.2f}x)")


if __name__ == "__main__":
    main()
