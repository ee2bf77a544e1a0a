"""Labelled training data: files read into one ``text``/``label`` frame after checking
every row; problems are reported with the row a spreadsheet or a text editor shows (the header
is row 1) and how to fix them.

Reading the files themselves is ``tables.py``; near-duplicate texts are found by
``nearduplicates.py``.

>>> data = read_labelled(["data/train.csv"])          # doctest: +SKIP
>>> data.frame.columns.tolist()                        # doctest: +SKIP
['text', 'label']
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import DataError
from .tables import (
    LABEL_COLUMNS,
    TEXT_COLUMNS,
    Problem,
    Table,
    find_column,
    format_problems,
    read_table,
)

MIN_EXAMPLES = 5


@dataclass
class LabelledData:
    """Validated labelled data: ``frame`` has columns ``text`` and ``label``."""

    frame: pd.DataFrame
    sources: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return self.frame["text"].tolist()

    @property
    def labels(self) -> list[str]:
        return self.frame["label"].tolist()

    @property
    def languages(self) -> list[str] | None:
        """Each message's language when every file had a ``lang`` column, else None."""
        if "lang" not in self.frame or (self.frame["lang"] == "").any():
            return None
        return self.frame["lang"].tolist()


def labelled_frame(table: Table, *, text_column: str | None = None,
                   label_column: str | None = None) -> pd.DataFrame:
    """The ``text``/``label`` columns of a table, stripped, with a ``row`` (spreadsheet) column."""
    frame = table.frame
    text_col = find_column(frame.columns, text_column, TEXT_COLUMNS, role="text", path=table.path)
    label_col = find_column(frame.columns, label_column, LABEL_COLUMNS, role="label",
                            path=table.path)
    if text_col == label_col:
        raise DataError(f"{table.path}: the text and label columns are both {text_col!r}; "
                        "name them with --text-column and --label-column")
    out = pd.DataFrame({
        "text": frame[text_col].fillna("").astype(str).str.strip(),
        "label": frame[label_col].fillna("").astype(str).str.strip(),
        "row": frame.index,
        "source": table.path,
        "unit": table.unit,
        "lang": (frame["lang"].fillna("").astype(str).str.strip() if "lang" in frame.columns
                 and "lang" not in (text_col, label_col) else ""),
    }).reset_index(drop=True)
    return out


def _unit(rec) -> str:
    return getattr(rec, "unit", "row")


def check_labelled(frame: pd.DataFrame, *, min_examples: int = MIN_EXAMPLES,
                   min_labels: int = 2) -> list[Problem]:
    """Every problem that stops training: empty cells, conflicting labels, rare labels."""
    problems: list[Problem] = []
    no_text, no_label = frame["text"] == "", frame["label"] == ""
    for rec in frame[no_text | no_label].itertuples(index=False):
        if not rec.text:
            problems.append(Problem("empty text; write the message or delete the row",
                                    rec.row, rec.source, kind=_unit(rec)))
        if not rec.label:
            problems.append(Problem("empty label; give the row a label or delete it",
                                    rec.row, rec.source, kind=_unit(rec)))
    filled = frame[~no_text & ~no_label]
    # The same text (case aside) under two labels: only those rows are looked at one by one.
    key = filled["text"].str.casefold()
    conflicting = filled["label"].groupby(key, sort=False).transform("nunique") > 1
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for text, rec in zip(key[conflicting], filled[conflicting].itertuples(index=False),
                         strict=True):
        seen[text][rec.label].append(f"{Path(rec.source).name}:{rec.row}")
    for text, by_label in seen.items():
        where = "; ".join(f"{lab} (rows {', '.join(rows)})" for lab, rows in by_label.items())
        problems.append(Problem(f"the same text has different labels: {text[:60]!r} is "
                                f"{where}; keep one label"))
    counts = filled["label"].value_counts()
    if len(counts) < min_labels and len(filled):
        problems.append(Problem(f"only one label ({counts.index[0]!r}); a classifier needs at "
                                "least two labels"))
    for label, count in counts.items():
        if count < min_examples:
            problems.append(Problem(f"label {label!r} has {count} example(s); each label needs at "
                                    f"least {min_examples}: add examples or remove the label"))
    return problems


def read_labelled(paths: Sequence[str | os.PathLike], *, text_column: str | None = None,
                  label_column: str | None = None, encoding: str | None = None,
                  min_examples: int = MIN_EXAMPLES, min_labels: int = 2) -> LabelledData:
    """Read and validate one or more labelled files into one ``text``/``label`` frame.

    Raises DataError listing the problems (with rows) when any row is unusable. Exact duplicate
    rows (same text, same label) are dropped with a warning.
    """
    if not paths:
        raise DataError("no data files given")
    parts, warnings = [], []
    for path in paths:
        table = read_table(path, encoding=encoding)
        warnings.extend(table.warnings)
        parts.append(labelled_frame(table, text_column=text_column, label_column=label_column))
    frame = pd.concat(parts, ignore_index=True)
    return validated(frame, [str(p) for p in paths], warnings, min_examples=min_examples,
                     min_labels=min_labels)


def validated(frame: pd.DataFrame, sources: list[str], warnings: list[str] | None = None,
              *, min_examples: int = MIN_EXAMPLES, min_labels: int = 2) -> LabelledData:
    """Check a frame from :func:`labelled_frame`; raise DataError or return LabelledData."""
    warnings = list(warnings or [])
    if frame.empty:
        raise DataError(f"no rows in {', '.join(sources)}; add labelled messages under the header")
    problems = check_labelled(frame, min_examples=min_examples, min_labels=min_labels)
    if problems:
        raise DataError(format_problems(problems))
    dupes = frame.duplicated(subset=["text", "label"])
    if dupes.any():
        warnings.append(f"dropped {int(dupes.sum())} exact duplicate row(s)")
    keep = ["text", "label"] + (["lang"] if "lang" in frame and (frame["lang"] != "").any()
                                else [])
    clean = frame.loc[~dupes, keep]
    clean = clean.reset_index(drop=True)
    return LabelledData(clean, sources, warnings)
