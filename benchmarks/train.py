"""Training time: `assistant train` against fastText on Banking77's train split, same run.

    python benchmarks/train.py [--data ../shared/benchmarks] [--rounds 1]

Ours: the `assistant train` command (reading, features, fold models, calibration, thresholds,
saving) on banking77/train.csv, into a temporary models folder, then accuracy on
banking77/test.csv. fastText (package fasttext-wheel, `pip install -e '.[bench]'`): supervised
training with 2 threads, character n-grams 2-5, word bigrams, 30 epochs, on the same rows.

Each is timed two ways, in fresh processes:
- in process: from the call that trains to the trained model, after the imports (fastText:
  writing its training file and training; ours: the whole command, reading the CSV and saving
  the model included);
- as a whole process: start, imports, reading the CSV, training, saving.
Prints the times, the ratios of like with like (and ours as a whole process against fastText in
process, the strictest) and the accuracies.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks"


def ours(train: Path, test: Path, folder: Path) -> tuple[float, float]:
    env = {**os.environ, "ASSISTANT_MODELS_DIR": str(folder / "models")}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "assistant", "train", str(train), "--name",
                           "b77", "--label-column", "category"], env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(done.stderr)
    sys.path.insert(0, str(ROOT))
    os.environ["ASSISTANT_MODELS_DIR"] = str(folder / "models")
    from assistant import evaluate, load

    rows = pd.read_csv(test, dtype=str, keep_default_na=False)
    accuracy = evaluate(load("b77"), rows["text"].tolist(), rows["category"].tolist())
    return seconds, accuracy["accuracy"]


# Ours after the imports, in a fresh process: the same command as `assistant train`, timed from
# the call (reading the CSV and saving the model included) to its return.
_OURS_IN_PROCESS = """
import sys, time
from assistant.cli import main
import assistant.model, assistant.registry, assistant.dataset, pandas
start = time.perf_counter()
code = main(sys.argv[2:])
seconds = time.perf_counter() - start
if code == 0:
    open(sys.argv[1], "w").write(str(seconds))
sys.exit(code)
"""


def ours_in_process(train: Path, test: Path, folder: Path) -> tuple[float, float]:
    env = {**os.environ, "ASSISTANT_MODELS_DIR": str(folder / "models_in")}
    timing = folder / "seconds.txt"
    done = subprocess.run([sys.executable, "-c", _OURS_IN_PROCESS, str(timing), "train",
                           str(train), "--name", "b77", "--label-column", "category"],
                          env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(done.stderr)
    os.environ["ASSISTANT_MODELS_DIR"] = str(folder / "models_in")
    sys.path.insert(0, str(ROOT))
    from assistant import evaluate, load

    rows = pd.read_csv(test, dtype=str, keep_default_na=False)
    accuracy = evaluate(load("b77"), rows["text"].tolist(), rows["category"].tolist())
    return float(timing.read_text()), accuracy["accuracy"]


def _fasttext_accuracy(model, test: Path) -> float:
    held = pd.read_csv(test, dtype=str, keep_default_na=False)
    predicted = model.predict([" ".join(t.lower().split()) for t in held["text"]])[0]
    right = sum(p[0].removeprefix("__label__") == c
                for p, c in zip(predicted, held["category"], strict=True))
    return right / len(held)


def fasttext(train: Path, test: Path, folder: Path) -> tuple[float, float]:
    """fastText in process (a fresh one, like ours): the same rows as _FASTTEXT_PROCESS,
    timed from writing its training file to the trained model."""
    timing = folder / "ft_seconds.txt"
    done = subprocess.run([sys.executable, "-c", _FASTTEXT_IN_PROCESS, str(train),
                           str(folder / "ft.txt"), str(folder / "ft.bin"), str(timing)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(done.stderr)
    import fasttext as ft

    return float(timing.read_text()), _fasttext_accuracy(ft.load_model(str(folder / "ft.bin")),
                                                        test)


# fastText after its imports, in a fresh process like ours: timed from writing its training
# file to the trained model (the CSV is read before, the model saved after, both untimed).
_FASTTEXT_IN_PROCESS = """
import sys, time
import fasttext, pandas as pd
rows = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
start = time.perf_counter()
with open(sys.argv[2], "w") as fh:
    for text, label in zip(rows["text"], rows["category"]):
        fh.write(f"__label__{label} {' '.join(text.lower().split())}\\n")
model = fasttext.train_supervised(sys.argv[2], epoch=30, lr=0.5, wordNgrams=2, minn=2, maxn=5,
                                  dim=100, thread=2, seed=0, verbose=0)
seconds = time.perf_counter() - start
open(sys.argv[4], "w").write(str(seconds))
model.save_model(sys.argv[3])
"""


# fastText as a whole process, like `assistant train`: start, import, read the CSV, write its
# training file, train, save the model.
_FASTTEXT_PROCESS = """
import sys
import fasttext, pandas as pd
rows = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
with open(sys.argv[2], "w") as fh:
    for text, label in zip(rows["text"], rows["category"]):
        fh.write(f"__label__{label} {' '.join(text.lower().split())}\\n")
model = fasttext.train_supervised(sys.argv[2], epoch=30, lr=0.5, wordNgrams=2, minn=2, maxn=5,
                                  dim=100, thread=2, seed=0, verbose=0)
model.save_model(sys.argv[3])
"""


def fasttext_process(train: Path, test: Path, folder: Path) -> tuple[float, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _FASTTEXT_PROCESS, str(train),
                           str(folder / "ftp.txt"), str(folder / "ftp.bin")],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(done.stderr)
    import fasttext as ft

    model = ft.load_model(str(folder / "ftp.bin"))
    return seconds, _fasttext_accuracy(model, test)


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
    best: dict[str, tuple[float, float]] = {}
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            for name, run in (("assistant train, in process", ours_in_process),
                              ("fastText, in process", fasttext),
                              ("assistant train, whole process", ours),
                              ("fastText, whole process", fasttext_process)):
                seconds, accuracy = run(train, test, Path(tmp))
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, accuracy)
    print(f"{'Banking77 train split':31} {'seconds':>8} {'test accuracy':>14}")
    for name, (seconds, accuracy) in best.items():
        print(f"{name:31} {seconds:8.1f} {accuracy:14.3f}")
    seconds = {name: value[0] for name, value in best.items()}
    print("time ratio (assistant / fastText), in process: "
          f"{seconds['assistant train, in process'] / seconds['fastText, in process']:.2f}x")
    print("time ratio (assistant / fastText), whole process: "
          f"{seconds['assistant train, whole process'] / seconds['fastText, whole process']:.2f}x")
    print("time ratio (assistant as a whole process / fastText in process, the strictest): "
          f"{seconds['assistant train, whole process'] / seconds['fastText, in process']:.2f}x")


if __name__ == "__main__":
    main()
