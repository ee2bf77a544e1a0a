"""Batch throughput and memory: `assistant batch` against a fastText model, same data, same run.

    python benchmarks/batch.py [--rows 1000000] [--jobs 2] [--keep]

Builds a CSV of realistic buyer messages (the shipped messages of every language, varied with
order numbers, greetings, names and casing so that almost every row is distinct), then:
  1. runs `assistant batch` on it (default model, Parquet output) and measures rows/second
     and the peak RSS of its largest process;
  2. trains a fastText supervised model (package fasttext-wheel, `pip install -e .[bench]`)
     on the same training data and classifies the same CSV the same way (streamed in chunks,
     CSV out), measuring the same figures;
  3. prints both, their throughput ratio, and both models' accuracy on data/test.csv.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
GREETINGS = ["", "", "", "Hi, ", "Hello! ", "Good morning. ", "hey ", "Olá, ", "Hola, ",
             "Bonjour, ", "Hallo, ", "Здравствуйте! "]
NAMES = ["Ana", "Lucas", "Emily", "Jonas", "Olga", "Pierre", "Carmen", "Ivan", "Mia", "Tom"]

# Runs a command and prints the peak RSS (KiB) of the largest process it waited for.
MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "r = subprocess.run(sys.argv[1:]); "
           "print('MEASURE', r.returncode, time.perf_counter() - t, "
           "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)")

FASTTEXT_RUN = r"""
import sys, fasttext, pandas as pd
model = fasttext.load_model(sys.argv[1])
first = True
with open(sys.argv[3], "w", encoding="utf-8") as out:
    for chunk in pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False, chunksize=20000):
        texts = [" ".join(t.lower().split()) for t in chunk["message"]]
        labels, probs = model.predict(texts, k=2)
        chunk["label"] = [l[0].removeprefix("__label__") for l in labels]
        chunk["confidence"] = [round(float(p[0]), 4) for p in probs]
        chunk.to_csv(out, index=False, header=first)
        first = False
"""


def build_csv(path: Path, rows: int, seed: int = 0) -> None:
    """A CSV of buyer messages: id, order_id, message."""
    rng = random.Random(seed)
    pool = pd.concat([pd.read_csv(ROOT / "data" / f, dtype=str, keep_default_na=False)
                      for f in ("train.csv", "test.csv")])["text"].tolist()
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id,order_id,message\n")
        for start in range(0, rows, 50_000):
            out = []
            for i in range(start, min(rows, start + 50_000)):
                order = str(rng.randrange(10**15, 10**16))
                text = rng.choice(pool)
                roll = rng.random()
                if roll < 0.35:
                    text = f"{text} (order {order})"
                elif roll < 0.55:
                    text = f"{rng.choice(GREETINGS)}{text} {rng.choice(NAMES)}"
                elif roll < 0.6:
                    text = text.lower()
                out.append((i, order, text))
            pd.DataFrame(out).to_csv(fh, index=False, header=False)


def measure(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a command."""
    result = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True,
                            text=True, cwd=ROOT)
    line = next((x for x in result.stdout.splitlines() if x.startswith("MEASURE")), None)
    if line is None or line.split()[1] != "0":
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    _, _, seconds, rss = line.split()
    return float(seconds), int(rss) / 1024


def fasttext_files(folder: Path) -> tuple[Path, float]:
    """Train fastText on data/train.csv; returns the model path and its test accuracy."""
    import fasttext

    def lines(frame):
        return [f"__label__{lab} {' '.join(t.lower().split())}"
                for t, lab in zip(frame["text"], frame["label"], strict=True)]

    train = pd.read_csv(ROOT / "data" / "train.csv", dtype=str, keep_default_na=False)
    test = pd.read_csv(ROOT / "data" / "test.csv", dtype=str, keep_default_na=False)
    (folder / "ft_train.txt").write_text("\n".join(lines(train)) + "\n", encoding="utf-8")
    model = fasttext.train_supervised(str(folder / "ft_train.txt"), epoch=30, lr=0.5,
                                      wordNgrams=2, minn=2, maxn=5, dim=100, seed=0, thread=1,
                                      verbose=0)
    path = folder / "ft.bin"
    model.save_model(str(path))
    predicted = model.predict([" ".join(t.lower().split()) for t in test["text"]])[0]
    accuracy = sum(p[0].removeprefix("__label__") == t
                   for p, t in zip(predicted, test["label"], strict=True)) / len(test)
    return path, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=None, help="assistant batch --jobs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from assistant import evaluate, get_model

    folder = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    source = folder / "messages.csv"
    start = time.perf_counter()
    build_csv(source, args.rows)
    distinct = pd.read_csv(source, usecols=["message"], dtype=str)["message"].nunique()
    print(f"built {args.rows:,} rows ({distinct:,} distinct messages, "
          f"{source.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.0f}s")

    model = get_model()
    test = pd.read_csv(ROOT / "data" / "test.csv", dtype=str, keep_default_na=False)
    ours_accuracy = evaluate(model, test["text"].tolist(), test["label"].tolist())["accuracy"]
    cmd = [sys.executable, "-m", "assistant", "batch", str(source), "-o",
           str(folder / "ours.parquet"), "--quiet"]
    if args.jobs:
        cmd += ["--jobs", str(args.jobs)]
    ours_s, ours_rss = measure(cmd)
    labelled = pd.read_parquet(folder / "ours.parquet", columns=["label"])
    assert len(labelled) == args.rows, "the output lost rows"

    ft_path, ft_accuracy = fasttext_files(folder)
    ft_s, ft_rss = measure([sys.executable, "-c", FASTTEXT_RUN, str(ft_path), str(source),
                            str(folder / "fasttext.csv")])

    ours_rate, ft_rate = args.rows / ours_s, args.rows / ft_s
    print(json.dumps({"rows": args.rows, "ours": {"seconds": round(ours_s, 1),
                      "rows_per_s": round(ours_rate), "peak_rss_mb": round(ours_rss),
                      "test_accuracy": round(ours_accuracy, 4)},
                      "fasttext": {"seconds": round(ft_s, 1), "rows_per_s": round(ft_rate),
                                   "peak_rss_mb": round(ft_rss),
                                   "test_accuracy": round(ft_accuracy, 4)}}))
    print(f"{'':12} {'rows/s':>10} {'peak RSS':>10} {'test accuracy':>14}")
    print(f"{'assistant':12} {ours_rate:10,.0f} {ours_rss:8,.0f}MB {ours_accuracy:14.3f}")
    print(f"{'fastText':12} {ft_rate:10,.0f} {ft_rss:8,.0f}MB {ft_accuracy:14.3f}")
    print(f"throughput ratio (assistant / fastText): {ours_rate / ft_rate:.2f}x")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"files kept in {folder}")


if __name__ == "__main__":
    main()
