"""Check draft data files: columns, counts per label/split, and near-duplicates.

Usage: python tools/check_drafts.py data/drafts/en_*.csv
"""
import csv
import itertools
import re
import sys
from collections import Counter


def trigrams(text):
    words = re.findall(r"\w+", text.lower())
    if len(words) < 3:
        return {tuple(words)}
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


rows = []
for path in sys.argv[1:]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["text", "label", "split"], (path, reader.fieldnames)
        for i, row in enumerate(reader, start=2):
            assert row["text"].strip(), (path, i, "empty text")
            assert row["split"] in ("train", "test"), (path, i, row["split"])
            rows.append((path, i, row["text"], row["label"], row["split"]))

print(Counter((r[3], r[4]) for r in rows))
grams = [trigrams(r[2]) for r in rows]
bad = 0
for a, b in itertools.combinations(range(len(rows)), 2):
    ga, gb = grams[a], grams[b]
    if not ga or not gb:
        continue
    j = len(ga & gb) / len(ga | gb)
    if j > 0.8 or rows[a][2].strip().lower() == rows[b][2].strip().lower():
        bad += 1
        print(f"NEAR-DUPLICATE {j:.2f}: {rows[a][0]}:{rows[a][1]} {rows[a][2]!r} ~ {rows[b][0]}:{rows[b][1]} {rows[b][2]!r}")
print(f"{len(rows)} rows, {bad} near-duplicate pairs")
