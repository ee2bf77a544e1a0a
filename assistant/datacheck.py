"""Checks and conversions for labelled data: ``assistant data validate|split|convert``.

>>> report = validate(["my_labels.csv"])          # doctest: +SKIP
>>> report.ok, [str(p) for p in report.problems]   # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from .atomic import write_csv_atomic, write_text_atomic
from .dataset import MIN_EXAMPLES, check_labelled, labelled_frame
from .errors import DataError
from .nearduplicates import near_duplicates
from .tables import Problem, read_table

LONG_TEXT = 1000
IMBALANCE = 10.0


@dataclass
class Report:
    """What ``validate`` found: problems (errors stop training, warnings do not) and counts."""

    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    rows: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(paths: Sequence[str | os.PathLike], *, text_column: str | None = None,
             label_column: str | None = None, encoding: str | None = None,
             min_examples: int = MIN_EXAMPLES, known_labels: Iterable[str] | None = None,
             near: float = 0.8, frames: Sequence[pd.DataFrame] = ()) -> Report:
    """Every finding about labelled files, with file and row: nothing is fixed or dropped.

    ``frames`` are labelled rows read already (in :func:`assistant.dataset.labelled_frame`'s
    columns; conversation exports give them), checked together with the files'.
    """
    report = Report()
    frames = list(frames)
    for path in paths:
        frames.append(_read_file(path, report, text_column=text_column,
                                 label_column=label_column, encoding=encoding))
    frame = pd.concat(frames, ignore_index=True)
    report.rows = len(frame)
    if frame.empty:
        report.problems.append(Problem("no data rows under the header; add labelled messages "
                                       "(one per row: text and label)", None,
                                       ", ".join(map(str, paths))))
        return report
    blank = (frame["text"] == "") & (frame["label"] == "")
    for rec in frame[blank].itertuples(index=False):
        report.problems.append(Problem("empty row (no text, no label); delete it", rec.row,
                                       rec.source, kind=rec.unit))
    rest = frame[~blank]
    report.problems += check_labelled(rest, min_examples=min_examples)
    filled = rest[(rest["text"] != "") & (rest["label"] != "")]
    report.counts = {str(k): int(v) for k, v in filled["label"].value_counts().items()}
    _duplicates(filled, report, near)
    for rec in filled[filled["text"].str.len() > LONG_TEXT].itertuples(index=False):
        report.problems.append(Problem(f"very long text ({len(rec.text)} characters); check "
                                       "that it is one message, not a whole conversation",
                                       rec.row, rec.source, "warning"))
    _label_warnings(report, known_labels)
    return report


def _read_file(path: str | os.PathLike, report: Report, *, text_column: str | None,
               label_column: str | None, encoding: str | None) -> pd.DataFrame:
    """One file's labelled rows; what reading it found goes into ``report``."""
    table = read_table(path, encoding=encoding)
    head = Path(path).read_bytes()[:3]
    if head == b"\xef\xbb\xbf":
        report.problems.append(Problem(
            "the file starts with a UTF-8 byte-order mark (BOM); it is read correctly here, "
            "but some tools take it as part of the first column's name", None, str(path),
            "warning"))
    for note in table.warnings:
        report.problems.append(Problem(note, None, str(path), "warning"))
    return labelled_frame(table, text_column=text_column, label_column=label_column)


def _label_warnings(report: Report, known_labels: Iterable[str] | None) -> None:
    """Warnings about the labels counted: a strong imbalance, labels with no reply template."""
    if len(report.counts) > 1:
        most, least = max(report.counts.values()), min(report.counts.values())
        if most / least > IMBALANCE:
            big = max(report.counts, key=report.counts.get)
            small = min(report.counts, key=report.counts.get)
            report.problems.append(Problem(
                f"strong class imbalance: {big!r} has {most} examples, {small!r} has {least} "
                f"({most / least:.0f}x); add examples to the small labels", severity="warning"))
    if known_labels is not None:
        known = set(known_labels)
        for label in sorted(set(report.counts) - known):
            report.problems.append(Problem(
                f"label {label!r} has no reply template; its replies will use the holding "
                f"reply (add templates/en/{label}.txt.j2)", severity="warning"))


def _duplicates(frame: pd.DataFrame, report: Report, near: float) -> None:
    where = [f"{Path(s).name}:{r}" for s, r in zip(frame["source"], frame["row"], strict=True)]
    exact = frame.duplicated(subset=["text", "label"], keep=False)
    groups = frame[exact].groupby(["text", "label"], sort=False)
    for (text, label), group in groups:
        rows = [where[frame.index.get_loc(i)] for i in group.index]
        report.problems.append(Problem(f"exact duplicate under {label!r} at rows "
                                       f"{', '.join(rows)}: {text[:60]!r}; keep one",
                                       severity="warning"))
    texts = frame["text"].tolist()
    labels = frame["label"].tolist()
    for i, j, score in near_duplicates(texts, near):
        if texts[i].casefold() == texts[j].casefold():
            continue  # reported above (same label) or as a label conflict
        same = "same label" if labels[i] == labels[j] else f"labels {labels[i]!r} and " \
                                                           f"{labels[j]!r}"
        report.problems.append(Problem(
            f"near-duplicate texts ({score:.0%} shared word trigrams, {same}) at rows "
            f"{where[i]} and {where[j]}: {texts[i][:50]!r}", severity="warning"))


def format_report(report: Report) -> str:
    lines = [f"{report.rows} rows, {len(report.counts)} labels: "
             f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"]
    for p in report.errors + report.warnings:
        lines.append(f"  {p.severity.upper():7} {p}")
    if report.ok and not report.warnings:
        lines.append("  no problems found")
    return "\n".join(lines)


# ---------------------------------------------------------------- split


def split(path: str | os.PathLike, *, test_size: float = 0.2, seed: int = 0,
          text_column: str | None = None, label_column: str | None = None,
          encoding: str | None = None) -> tuple[Path, Path]:
    """Stratified, seeded split of one labelled file into NAME_train.csv and NAME_test.csv
    beside it (columns text,label). Returns both paths."""
    from .dataset import read_labelled

    if not 0 < test_size < 1:
        raise DataError(f"--test-size must be between 0 and 1, got {test_size}")
    data = read_labelled([path], text_column=text_column, label_column=label_column,
                         encoding=encoding, min_examples=2)
    train, test = train_test_split(data.frame, test_size=test_size, random_state=seed,
                                   stratify=data.frame["label"])
    base = Path(path)
    out = (base.with_name(f"{base.stem}_train.csv"), base.with_name(f"{base.stem}_test.csv"))
    for frame, target in zip((train, test), out, strict=True):
        write_csv_atomic(frame.sort_values("label", kind="stable"), target)
    return out


# ---------------------------------------------------------------- Rasa NLU YAML

_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def read_rasa(path: str | os.PathLike) -> pd.DataFrame:
    """Rasa NLU YAML (``nlu:`` list of ``- intent:`` with ``examples: |``) to text,label.
    Entity markup such as ``[Berlin](city)`` becomes plain text."""
    import yaml

    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path} is not valid YAML: {exc}") from None
    except RecursionError:
        raise DataError(f"{path} is nested too deeply to be a Rasa NLU training file") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("nlu"), list):
        raise DataError(f"{path} has no 'nlu:' list; is it a Rasa NLU training file?")
    rows = []
    for item in doc["nlu"]:
        if not isinstance(item, dict) or "intent" not in item:
            continue  # synonyms, regexes, lookups: not training examples
        examples = item.get("examples") or ""
        for line in str(examples).splitlines():
            line = line.strip()
            if line.startswith("- "):
                rows.append((_ENTITY.sub(r"\1", line[2:].strip()), str(item["intent"])))
    if not rows:
        raise DataError(f"{path} has no intent examples")
    return pd.DataFrame(rows, columns=["text", "label"])


def write_rasa(frame: pd.DataFrame, target: str | os.PathLike) -> None:
    """text,label rows to Rasa NLU YAML (version 3.1), one block per intent."""
    import json

    lines = ['version: "3.1"', "nlu:"]
    for label, group in frame.groupby("label", sort=True):
        lines.append(f"- intent: {json.dumps(str(label), ensure_ascii=False)}")
        lines.append("  examples: |")
        for text in group["text"]:
            lines.append(f"    - {' '.join(str(text).split())}")
    write_text_atomic(target, "\n".join(lines) + "\n")


def convert(source: str | os.PathLike, target: str | os.PathLike, **read_options) -> int:
    """Convert between labelled CSV/TSV and Rasa NLU YAML, by the files' endings."""
    from .dataset import read_labelled
    from .exports import refuse_overwriting_inputs

    yaml_ends = (".yml", ".yaml")
    src, dst = Path(source), Path(target)
    refuse_overwriting_inputs(dst, [str(src)])
    if src.suffix.lower() in yaml_ends:
        frame = read_rasa(src)
    else:
        frame = read_labelled([src], min_examples=1, min_labels=1, **read_options).frame
    if dst.suffix.lower() in yaml_ends:
        write_rasa(frame, dst)
    elif dst.suffix.lower() == ".csv":
        write_csv_atomic(frame[["text", "label"]], dst)
    else:
        raise DataError(f"cannot write {dst.name}: use .csv, .yml or .yaml")
    return len(frame)
