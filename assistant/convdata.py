"""Labelled data from any mix of files: labelled messages (one per row) and conversation
exports (one example per labelled conversation, from the buyer's side), for ``assistant
train``, ``evaluate`` and ``data validate``.

>>> data = read_training(["data/train.csv", "data/examples/zendesk_comments.csv"],
...                      label_map="data/examples/label_map.csv")     # doctest: +SKIP
>>> print("\\n".join(data.lines()))                                      # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import convread
from .conversations import (
    ID_COLUMNS,
    Conversations,
    looks_like_conversations,
    parse_conversations,
)
from .convlabels import find_named
from .dataset import MIN_EXAMPLES, LabelledData, labelled_frame, validated
from .errors import DataError
from .tables import LABEL_COLUMNS, Problem, format_problems
from .threads import DEFAULT_EXAMPLES, EXAMPLE_MODES

__all__ = ["Sources", "read_sources", "read_training", "validate_files"]

# The options read_conversations takes besides the file (labels, map, columns...).
CONVERSATION_OPTIONS = ("labels", "label_map", "known_labels", "conversation_column",
                        "role_column", "time_column", "tags_column", "buyer_values",
                        "dayfirst")


_NO_LABELS = ("no labelled conversations in {}; give them a label column, tags with "
              "--label-map, or --labels FILE")


@dataclass
class Sources:
    """Labelled rows from several files, the conversation exports among them, and the
    problems found (each with its file and row)."""

    frames: list[pd.DataFrame] = field(default_factory=list)
    conversations: list[Conversations] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    mode: str = DEFAULT_EXAMPLES

    def lines(self) -> list[str]:
        """Per conversation export: conversations and messages read, examples used and the
        conversations skipped, by reason."""
        return [line for convs in self.conversations for line in convs.summary_lines(self.mode)]


def is_conversation_rows(rows: convread.Rows, flag: bool | None) -> bool:
    """Whether loaded rows are a conversation export: ``flag`` if given, else JSON files,
    tables with a conversation id and a role column, and tables with one of the two but no
    label column (an export missing a column, reported as such, not as a labelled file)."""
    if flag is not None:
        return flag
    columns = [str(c) for c in rows.frame.columns]
    if rows.table is None or looks_like_conversations(columns):
        return True
    partial = (find_named(columns, None, ID_COLUMNS, what="", flag="", required=False)
               or convread.role_column_present(columns))
    label = find_named(columns, None, LABEL_COLUMNS, what="", flag="", required=False)
    return bool(partial) and label is None


def read_sources(paths: Sequence[str | os.PathLike | convread.Rows], *,
                 conversations: bool | None = None,
                 mode: str = DEFAULT_EXAMPLES, text_column: str | None = None,
                 label_column: str | None = None, encoding: str | None = None,
                 **options) -> Sources:
    """Read every file: a conversation export (detected by its columns, or every file when
    ``conversations`` is True) gives one row per labelled conversation (``mode``: see
    :func:`assistant.threads.buyer_side`); any other file is read as labelled messages.
    An upload is given as ``convread.load(data, name=file_name)``."""
    if mode not in EXAMPLE_MODES:
        raise DataError(f"--examples must be one of {', '.join(EXAMPLE_MODES)}, not {mode!r}")
    unknown = set(options) - set(CONVERSATION_OPTIONS)
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    out = Sources(mode=mode)
    for path in paths:
        rows = path if isinstance(path, convread.Rows) else convread.load(path, encoding=encoding)
        if not is_conversation_rows(rows, conversations):
            out.warnings += rows.warnings
            out.frames.append(labelled_frame(rows.table, text_column=text_column,
                                             label_column=label_column))
            continue
        convs, problems = parse_conversations(rows, text_column=text_column,
                                              label_column=label_column, encoding=encoding,
                                              **options)
        out.conversations.append(convs)
        out.problems += problems
        out.warnings += rows.warnings + convs.warnings
        out.frames.append(convs.examples(mode)[0])
    return out


def read_training(paths: Sequence[str | os.PathLike | convread.Rows], *,
                  min_examples: int = MIN_EXAMPLES,
                  min_labels: int = 2, **options) -> tuple[LabelledData, Sources]:
    """:func:`read_sources`, then checked as :func:`assistant.dataset.read_labelled` checks:
    a DataError lists every problem with its row."""
    if not paths:
        raise DataError("no data files given")
    sources = read_sources(paths, **options)
    if sources.problems:
        raise DataError(format_problems(sources.problems))
    frame = pd.concat(sources.frames, ignore_index=True)
    names = [p.path if isinstance(p, convread.Rows) else str(p) for p in paths]
    if frame.empty and sources.conversations:
        raise DataError(_NO_LABELS.format(", ".join(names)))
    data = validated(frame, names, sources.warnings,
                     min_examples=min_examples, min_labels=min_labels)
    return data, sources


def validate_files(paths: Sequence[str | os.PathLike], *, known_labels: Iterable[str] | None,
                   min_examples: int = MIN_EXAMPLES, conversations: bool | None = None,
                   mode: str = DEFAULT_EXAMPLES, text_column: str | None = None,
                   label_column: str | None = None, encoding: str | None = None, **options):
    """``assistant data validate`` over any mix of files: every problem, nothing raised for
    bad rows. Returns the :class:`assistant.datacheck.Report` and the Sources."""
    from .datacheck import Report, validate

    plain = [p for p in paths if not _conversation_path(p, conversations, encoding)]
    exports = [p for p in paths if p not in plain]
    sources = read_sources(exports, conversations=True, mode=mode, text_column=text_column,
                           label_column=label_column, encoding=encoding,
                           **options) if exports else Sources(mode=mode)
    if not plain and not any(len(f) for f in sources.frames):
        report = Report(problems=sources.problems or [Problem(_NO_LABELS.format(
            ", ".join(map(str, exports))))])
        report.problems += [Problem(w, severity="warning") for w in sources.warnings]
        return report, sources
    report = validate(plain, text_column=text_column, label_column=label_column,
                      encoding=encoding, min_examples=min_examples, known_labels=known_labels,
                      frames=sources.frames)
    warnings = [Problem(w, severity="warning") for w in sources.warnings]
    report.problems = sources.problems + report.problems + warnings
    return report, sources


def _conversation_path(path, flag: bool | None, encoding: str | None) -> bool:
    if flag is not None:
        return flag
    if Path(path).suffix.lower() == ".json":
        return True
    return is_conversation_rows(convread.load(path, encoding=encoding), None)
