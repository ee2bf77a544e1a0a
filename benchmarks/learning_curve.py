"""What a seller gains by labelling their own buyers' messages: accuracy on held-out real
messages as 0, 25, 50, 100 and 150 labelled real messages are added to the shipped data.

    python benchmarks/learning_curve.py [--data PATH] [--png PATH] [--folds 5] [--repeats 2]

Default data: ``../shared/realdev/real_dev.csv`` beside the project (columns text,label), read
at run time only. K-fold cross-validation over it, repeated with other shuffles: for each fold,
the default pipeline is trained on data/train.csv plus the first N messages of a shuffle of the
other folds' messages, and measured on the fold. Everything stays in memory: no model, no row
of the real messages is written anywhere; only the figure is saved (``--png``, default
/tmp/learning_curve.png).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.model import OUT_OF_SCOPE, build_pipeline  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "realdev" / "real_dev.csv"
SIZES = (0, 25, 50, 100, 150)


def _scores(pipe, texts: list[str], labels: np.ndarray) -> tuple[float, float]:
    """(accuracy, in-scope accuracy: rows whose label is not `other`)."""
    predicted = pipe.predict(texts)
    right = predicted == labels
    scope = labels != OUT_OF_SCOPE
    return float(right.mean()), float(right[scope].mean()) if scope.any() else float("nan")


def curve(real: pd.DataFrame, train: pd.DataFrame, sizes, folds: int, repeats: int,
          seed: int) -> dict[int, list[tuple[float, float]]]:
    """Scores per number of real messages added, one per (repeat, fold)."""
    base_texts, base_labels = train["text"].tolist(), train["label"].tolist()
    texts, labels = real["text"].tolist(), real["label"].to_numpy()
    results: dict[int, list[tuple[float, float]]] = {n: [] for n in sizes}
    shipped = build_pipeline().fit(base_texts, base_labels) if 0 in sizes else None
    for repeat in range(repeats):
        splitter = KFold(folds, shuffle=True, random_state=seed + repeat)
        for fold, (pool, held) in enumerate(splitter.split(texts)):
            rng = np.random.default_rng(seed * 1000 + repeat * 100 + fold)
            pool = rng.permutation(pool)
            held_texts = [texts[i] for i in held]
            for n in sizes:
                if n > len(pool):
                    raise SystemExit(f"{n} messages to add, but a fold's pool has {len(pool)}; "
                                     "use fewer --folds' worth of sizes or more data")
                if n == 0:
                    pipe = shipped
                else:
                    added = pool[:n]
                    pipe = build_pipeline().fit(base_texts + [texts[i] for i in added],
                                                base_labels + [labels[i] for i in added])
                results[n].append(_scores(pipe, held_texts, labels[held]))
            print(f"  repeat {repeat + 1}, fold {fold + 1} done", file=sys.stderr)
    return results


def draw(results: dict[int, list[tuple[float, float]]], path: str, title: str) -> None:
    """The curve as a PNG (matplotlib's Figure API: no pyplot, no display needed)."""
    from matplotlib.figure import Figure

    sizes = sorted(results)
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    for column, name in ((0, "accuracy"), (1, "in-scope accuracy")):
        values = np.array([[r[column] for r in results[n]] for n in sizes])
        ax.errorbar(sizes, values.mean(axis=1), yerr=values.std(axis=1), marker="o",
                    capsize=3, label=name)
    ax.set_xlabel("labelled real messages added to data/train.csv")
    ax.set_ylabel("on held-out real messages")
    ax.set_xticks(sizes)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--png", default="/tmp/learning_curve.png")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args()
    if not Path(args.data).exists():
        sys.exit(f"no labelled real messages at {args.data}; pass --data PATH")
    real = pd.read_csv(args.data, dtype=str, keep_default_na=False)[["text", "label"]]
    train = pd.read_csv(ROOT / "data" / "train.csv", dtype=str, keep_default_na=False)
    sizes = [int(s) for s in args.sizes.split(",")]
    start = time.perf_counter()
    results = curve(real, train, sizes, args.folds, args.repeats, args.seed)
    runs = args.folds * args.repeats
    print(f"{Path(args.data).name}: {len(real)} real messages, {args.folds}-fold x "
          f"{args.repeats} cross-validation ({runs} held-out folds of ~{len(real) // args.folds}"
          f"); data/train.csv {len(train)} rows; {time.perf_counter() - start:.0f}s")
    print(f"  {'added':>5}  {'accuracy':>15}  {'in-scope accuracy':>17}  "
          f"{'gain over ' + str(sizes[0]) + ' (same folds)':>26}")
    first = np.array([r[0] for r in results[sizes[0]]])
    for n in sizes:
        acc = np.array([r[0] for r in results[n]])
        scope = np.array([r[1] for r in results[n]])
        gain = acc - first
        print(f"  {n:>5}  {acc.mean():.3f} ± {acc.std():.3f}  "
              f"{scope.mean():9.3f} ± {scope.std():.3f}  {gain.mean():+13.3f} ± "
              f"{gain.std():.3f} ({int((gain > 0).sum())}/{len(gain)} up, "
              f"{int((gain < 0).sum())} down)")
    draw(results, args.png, f"Learning curve: {len(real)} real messages, {args.folds}-fold x "
         f"{args.repeats}")
    print(f"figure: {args.png}")


if __name__ == "__main__":
    main()
