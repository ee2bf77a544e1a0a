"""Reading a whole table, from a file or an upload: CSV, TSV, JSONL, Parquet or XLSX, its
rows numbered as a text editor or a spreadsheet shows them; which column holds the text or
the label; and a row's problem said with its file and line.

Labelled training data is read on top of this in ``dataset.py``; exports too large to hold
are streamed by ``exports.py``.

>>> table = read_table(b"message,order\\nwhere is it?,1043\\n", name="upload.csv")
>>> find_column(table.frame.columns, None, TEXT_COLUMNS, role="text"), table.frame.index.tolist()
('message', [2])
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .csvrows import check_columns, parse_chunks
from .decoding import decode
from .errors import AssistantError, DataError
from .optional import require

TEXT_COLUMNS = ("text", "message", "body", "content", "buyer_message", "msg", "question",
                "sentence", "utterance", "query")
LABEL_COLUMNS = ("label", "intent", "category", "scenario", "class", "tag")
MAX_ERRORS_SHOWN = 10


@dataclass(frozen=True)
class Problem:
    """One finding about a data file: where (file, spreadsheet row) and what to do."""

    message: str
    row: int | None = None
    path: str | None = None
    severity: str = "error"
    kind: str = "row"  # "line" for a line of a CSV/TSV file

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.path, f"{self.kind} {self.row}" if self.row
                                          else None) if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Table:
    """A table read from a file, with the encoding used and any warnings."""

    frame: pd.DataFrame
    path: str
    encoding: str
    warnings: list[str] = field(default_factory=list)
    # How the frame's index numbers rows: "line" (a CSV/TSV/JSONL file's line, as a text
    # editor shows it) or "row" (a spreadsheet's row, the header being row 1).
    unit: str = "line"


def _normalise(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def find_column(columns: Sequence[str], wanted: str | None, candidates: Iterable[str],
                *, role: str, path: str = "") -> str:
    """The column holding ``role`` (text or label): ``wanted`` if given, else a known name."""
    columns = [str(c) for c in columns]
    where = f" in {path}" if path else ""
    if wanted is not None:
        if wanted in columns:
            return wanted
        by_norm = {_normalise(c): c for c in columns}
        if _normalise(wanted) in by_norm:
            return by_norm[_normalise(wanted)]
        raise DataError(f"no column {wanted!r}{where}; the columns are: {', '.join(columns)}")
    by_norm = {_normalise(c): c for c in columns}
    for name in candidates:
        if _normalise(name) in by_norm:
            return by_norm[_normalise(name)]
    flag = "--text-column" if role == "text" else "--label-column"
    raise DataError(
        f"no {role} column{where}: looked for {', '.join(candidates)}; the columns are: "
        f"{', '.join(columns) or '(none)'}; name the right one with {flag}"
    )


def sniff_delimiter(sample: str, default: str = ",") -> str:
    """The delimiter of a CSV-like text: comma, semicolon, tab or pipe, one that its header
    row uses (so a quote or a tab in a cell below cannot mislead the guess); a header with
    none of them is one column, split on ``default``.

    >>> sniff_delimiter('message,c1\\n,\\n"0"\\t0,0\\n')
    ','
    """
    header = re.split(r"\r\n|\n|\r", sample, maxsplit=1)[0]
    used = "".join(d for d in ",;\t|" if d in header)
    if len(used) <= 1:
        return used or default
    try:
        return csv.Sniffer().sniff(sample[:20000], delimiters=used).delimiter
    except csv.Error:
        return max(used, key=header.count)


def csv_chunks(handle, *, delimiter: str, chunk_rows: int = 0, path: str = ""
               ) -> Iterator[tuple[pd.DataFrame, list[tuple[int, str]]]]:
    """Parse CSV text from a handle into frames of strings, with the rows that do not fit.

    Each frame's index is the physical line number of its rows (as a text editor shows it).
    A malformed row is never guessed at: it is returned in the second item as (line number,
    reason), and the rows after it are read normally (see :mod:`assistant.csvrows`).
    ``chunk_rows`` 0 means one chunk.
    """
    header, chunks = parse_chunks(handle, delimiter=delimiter, path=path, chunk_rows=chunk_rows)
    for chunk in chunks:
        frame = pd.DataFrame(chunk.rows, columns=header, dtype=object,
                             index=pd.Index(chunk.lines, name="line"))
        yield frame, [(b.line, b.reason) for b in chunk.bad]


def read_csv_text(text: str, *, path: str = "", delimiter: str | None = None) -> pd.DataFrame:
    """Parse CSV/TSV text with a header into a frame of strings indexed by line number; a
    malformed row is an error naming its line."""
    if not text.strip():
        raise DataError(f"{path or 'the input'} is empty; give a file with a header row")
    sep = delimiter or sniff_delimiter(text)
    frame, bad = next(csv_chunks(io.StringIO(text, newline=""), delimiter=sep, path=path))
    if bad:
        raise DataError(format_problems([Problem(why, line, path, kind="line")
                                         for line, why in bad]))
    return frame


def read_table(source: str | os.PathLike | bytes, *, name: str | None = None,
               encoding: str | None = None) -> Table:
    """Read a whole table from CSV, TSV, JSONL, Parquet or XLSX (by the file name's ending).

    ``source`` is a path, or raw bytes with ``name`` giving the file name (uploads).
    """
    label = str(name or source if not isinstance(source, bytes) else name or "upload")
    suffix = Path(label).suffix.lower()
    raw = source if isinstance(source, bytes) else _read_bytes(source)
    try:
        if suffix == ".parquet":
            return _numbered(Table(pd.read_parquet(io.BytesIO(raw)), label, "binary",
                                   unit="row"), 1)
        if suffix in (".xlsx", ".xlsm"):
            require("openpyxl", "xlsx", f"reading {label}")
            frame = pd.read_excel(io.BytesIO(raw), dtype=str).fillna("")
            return _numbered(Table(frame, label, "binary", unit="row"), 2)
        if suffix in (".jsonl", ".ndjson"):
            text, enc, notes = decode(raw, encoding, path=label)
            # Numbered as a text editor shows them, and as pandas splits them: on "\n" only.
            lines = [n for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
            frame = pd.read_json(io.StringIO(text), lines=True, dtype=False)
            frame.index = pd.Index(lines[: len(frame)], name="line")
            return Table(frame, label, enc, notes)
    except AssistantError:
        raise
    except Exception as exc:  # the readers raise many types for a file that is not what it says
        raise DataError(f"{label} is not a readable {suffix[1:]} file: {exc}") from None
    if suffix not in ("", ".csv", ".tsv", ".tab", ".txt"):
        raise DataError(f"{label}: unsupported file type {suffix!r}; use CSV, TSV, JSONL, "
                        "Parquet or XLSX")
    text, enc, notes = decode(raw, encoding, path=label)
    delimiter = "\t" if suffix in (".tsv", ".tab") else None
    return Table(read_csv_text(text, path=label, delimiter=delimiter), label, enc, notes)


def _numbered(table: Table, first: int) -> Table:
    check_columns(table.frame.columns, table.path)
    table.frame.index = pd.RangeIndex(first, first + len(table.frame), name=table.unit)
    return table


def _read_bytes(path: str | os.PathLike) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder; give a file") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None


def format_problems(problems: Sequence[Problem], limit: int = MAX_ERRORS_SHOWN) -> str:
    """A readable, bounded list of problems for an error message."""
    lines = [str(p) for p in problems[:limit]]
    more = len(problems) - limit
    if more > 0:
        lines.append(f"... and {more} more problem(s)")
    head = f"{len(problems)} problem(s) in the data:"
    return "\n".join([head, *("  " + line for line in lines)])
