"""How the shipped model does on real buyers' messages (evaluation only, never training).

    python benchmarks/realdev.py [--data PATH] [--model NAME] [--errors N]

Default data: ``../shared/realdev/real_dev.csv`` beside the project (columns text,label).
Prints in-scope accuracy, out-of-scope caught (an `other` row predicted `other` or flagged
needs_review), the share of rows wrong and not flagged, the precision and coverage of the
confident answers, and a per-label table. Nothing is written or saved.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import get_model  # noqa: E402
from assistant.evaluation import review_figures  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "realdev" / "real_dev.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--model", default=None)
    parser.add_argument("--errors", type=int, default=0, help="print N confident errors")
    args = parser.parse_args()
    if not Path(args.data).exists():
        sys.exit(f"no development set at {args.data}; pass --data PATH")
    rows = pd.read_csv(args.data, dtype=str, keep_default_na=False)
    model = get_model(args.model)
    predictions = model.predict(rows["text"].tolist(), languages=None)
    f = review_figures(rows["label"].tolist(), predictions)
    print(f"{args.data}: {f['rows']} messages ({f['in_scope']} in scope, "
          f"{f['out_of_scope']} other), model {model.name!r}")
    print(f"  in-scope accuracy       {f['in_scope_accuracy']:.3f}")
    print(f"  out-of-scope caught     {f['out_of_scope_caught']:.3f}")
    print(f"  wrong and not flagged   {f['wrong_not_flagged']:.3f}")
    print(f"  confident precision     {f['confident_precision']:.3f} "
          f"(coverage {f['confident_coverage']:.3f})")
    label = np.array([p.label for p in predictions])
    review = np.array([p.needs_review for p in predictions])
    also = np.array([bool(getattr(p, "also", None)) for p in predictions])
    print(f"  flagged for review      {review.mean():.3f}; with a second label {also.mean():.3f}")
    print(f"  {'label':<24} {'rows':>5} {'recall':>7} {'precision':>9}")
    truth = rows["label"].to_numpy()
    for lab in sorted(set(truth) | set(label)):
        t, p = truth == lab, label == lab
        recall = (label[t] == lab).mean() if t.any() else float("nan")
        precision = (truth[p] == lab).mean() if p.any() else float("nan")
        print(f"  {lab:<24} {int(t.sum()):>5} {recall:>7.3f} {precision:>9.3f}")
    shown = 0
    for text, lab, pred in zip(rows["text"], truth, predictions, strict=True):
        if shown < args.errors and pred.label != lab and not pred.needs_review:
            print(f"  [{lab} -> {pred.label} {pred.confidence:.2f}] {' '.join(text.split())[:150]}")
            shown += 1


if __name__ == "__main__":
    main()
