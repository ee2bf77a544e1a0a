"""Accuracy and language detection per language, on files with text, label and lang columns.

    python benchmarks/languages.py [FILE.csv ...]     (default: data/test.csv)

Prints, per file and language: messages, scenario accuracy, and how often the detected
language is the labelled one, as single messages are detected ("accurate") and as batch does
it ("fast").
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import get_model  # noqa: E402


def main() -> None:
    files = sys.argv[1:] or [str(ROOT / "data" / "test.csv")]
    model = get_model()
    for path in files:
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "lang" not in rows.columns:
            sys.exit(f"{path} has no lang column")
        predictions = model.predict(rows["text"].tolist())
        label = np.array([p.label for p in predictions])
        language = np.array([p.language for p in predictions])
        fast = np.array([p.language for p in model.predict(rows["text"].tolist(),
                                                           languages="fast")])
        print(f"{path}: {len(rows)} messages, accuracy "
              f"{(label == rows['label'].to_numpy()).mean():.3f}")
        print(f"  {'lang':<5} {'rows':>5} {'accuracy':>9} {'language detected':>18} "
              f"{'fast mode':>10}")
        for lang, group in rows.groupby("lang"):
            i = group.index.to_numpy()
            accuracy = (label[i] == group["label"].to_numpy()).mean()
            print(f"  {lang:<5} {len(group):>5} {accuracy:>9.3f} "
                  f"{(language[i] == lang).mean():>18.3f} {(fast[i] == lang).mean():>10.3f}")
        print(f"  language right: {(language == rows['lang'].to_numpy()).mean():.3f}, fast mode "
              f"{(fast == rows['lang'].to_numpy()).mean():.3f}")


if __name__ == "__main__":
    main()
