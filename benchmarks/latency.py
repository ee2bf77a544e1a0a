"""Time of one buyer message through the whole chain (classify, decide, render), warm.

    python benchmarks/latency.py [--rounds 2000]

Prints p50, p90, p99 and max in milliseconds, for messages taken from data/test.csv with an
order from data/sample_orders.csv, and for messages of the longest length classified
(assistant.model.MAX_CHARS characters; longer ones are cut to it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import draft, get_model, read_orders  # noqa: E402
from assistant.assist import prepare  # noqa: E402
from assistant.model import MAX_CHARS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    model = get_model()
    messages = pd.read_csv(ROOT / "data" / "test.csv", dtype=str, keep_default_na=False)
    texts = messages["text"].tolist()
    orders = read_orders(ROOT / "data" / "sample_orders.csv")
    today = date(2026, 2, 1)
    # Warm, as the app is after its first load (ui.py): prepared, a few messages answered.
    prepare(model)
    for i in range(50):
        draft(texts[i % len(texts)], model=model, order=orders[i % len(orders)], today=today)
    longest = [" ".join(texts[i:i + 60])[:MAX_CHARS] for i in range(0, 600, 60)]
    for name, pool, rounds in (("realistic", texts, args.rounds),
                               (f"longest ({MAX_CHARS:,} characters)", longest,
                                max(50, args.rounds // 10))):
        times = []
        for i in range(rounds):
            text, order = pool[i % len(pool)], orders[i % len(orders)]
            start = time.perf_counter()
            draft(text, model=model, order=order, today=today)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        q = statistics.quantiles(times, n=100)
        print(f"{name} messages through classify + decide + render, warm, {rounds} rounds:")
        print(f"  p50 {q[49]:.2f} ms   p90 {q[89]:.2f} ms   p99 {q[98]:.2f} ms   "
              f"max {times[-1]:.2f} ms")


if __name__ == "__main__":
    main()
