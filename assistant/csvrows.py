"""CSV parsing that accounts for every row: each record comes with the physical line number a
text editor shows, and a malformed record never swallows the rows after it.

Python's csv module, left to itself, lets an unclosed double quote run to the end of the file
(every later row disappears into one cell) and counts a quoted lone carriage return as a line.
Here lines are split on ``\\n`` only, the parser is strict, and when a record is malformed (a
quote that never closes, a cell over ``MAX_CELL`` characters, a record running over
``MAX_RECORD_LINES`` lines, or a multi-line record with the wrong number of fields) its first
line is reported and parsing starts again on the line after it.

>>> import io
>>> header, result = parse(io.StringIO('text,label\\n"ok",a\\n"broken,b\\nfine,c\\n'), ",")
>>> list(zip(result.lines, result.rows))
[(2, ['ok', 'a']), (4, ['fine', 'c'])]
>>> [(b.line, b.reason.split(';')[0]) for b in result.bad]
[(3, 'a double quote opens a cell that never closes')]
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from .errors import DataError

MAX_CELL = 2_000_000
MAX_RECORD_LINES = 2_000
csv.field_size_limit(MAX_CELL)


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class Parsed:
    """A chunk of records (``rows``, and the physical line each starts on in ``lines``), the
    malformed rows met while reading it, and the number of blank lines."""

    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    blank: int = 0


def physical_lines(handle: TextIO, block: int = 1 << 20) -> Iterator[str]:
    """The lines of a text handle opened with ``newline=""``, split on ``\\n`` only (a file
    with no ``\\n`` at all is split on ``\\r``, the old Mac convention)."""
    rest: list[str] = []  # the blocks of a line not ended yet (joined once: a line of
    sep = None            # hundreds of MB is read in linear time)
    while chunk := handle.read(block):
        if sep is None:
            sep = "\n" if "\n" in chunk or "\r" not in chunk else "\r"
        pieces = chunk.split(sep)
        if len(pieces) == 1:
            rest.append(chunk)
            continue
        pieces[0] = "".join(rest) + pieces[0]
        rest = [pieces.pop()]
        yield from (piece + sep for piece in pieces)
    if tail := "".join(rest):
        yield tail


def _reason(exc: Exception | None, delimiter: str) -> str:
    text = str(exc)
    if exc is None:
        return (f"a quoted cell runs on for more than {MAX_RECORD_LINES:,} lines; close the "
                "double quote that opens it, or remove it")
    if "field larger than field limit" in text:
        return (f"a cell is longer than {MAX_CELL:,} characters (or a double quote opens a cell "
                "that never closes); shorten the cell or close the quote")
    if "unexpected end of data" in text:
        return "a double quote opens a cell that never closes; close the quote or remove it"
    if "expected after" in text:
        return (f"a double quote ends a cell but is followed by more text; write a quote inside "
                f"a cell as two quotes (\"\"), and quote cells that contain {delimiter!r}")
    if "new-line character seen in unquoted field" in text:
        return "a line break (carriage return) inside a cell that is not quoted; quote the cell"
    return f"unreadable row ({text})"


class _Lines:
    """Physical lines for csv.reader, numbered by the reader itself (``line_num``), with a
    lagging copy (itertools.tee, in C) so that the lines of a malformed record can be read
    again from the one after its first."""

    def __init__(self, handle: TextIO, delimiter: str):
        self.dialect = {"delimiter": delimiter, "strict": True}
        self.ahead, self.behind = itertools.tee(physical_lines(handle))
        self.reader = csv.reader(self.ahead, **self.dialect)
        self.base = 0      # physical lines before the current reader's first one
        self.behind_at = 0  # physical lines the lagging copy has passed
        self.done = 0      # physical lines of the records read so far

    def record(self):
        """(first line, number of lines, fields) of the next record; raises StopIteration at
        the end and csv.Error (with ``first`` set) for a malformed record."""
        fields = next(self.reader)
        now = self.base + self.reader.line_num
        first, span = self.done + 1, now - self.done
        self.done = now
        return first, span, fields

    def restart_after(self, first: int) -> None:
        """Read again from the line after ``first`` (a malformed record's first line)."""
        for _ in itertools.islice(self.behind, first - self.behind_at):
            pass
        self.behind_at = self.base = self.done = first
        self.ahead, self.behind = itertools.tee(self.behind)
        self.reader = csv.reader(self.ahead, **self.dialect)

    def catch_up(self) -> None:
        """Let the lagging copy drop the lines of the records already read."""
        for _ in itertools.islice(self.behind, self.done - self.behind_at):
            pass
        self.behind_at = self.done


def parse(handle: TextIO, delimiter: str, *, path: str = "") -> tuple[list[str], Parsed]:
    """The header and all of a handle's records at once (see :func:`parse_chunks`)."""
    header, chunks = parse_chunks(handle, delimiter=delimiter, path=path)
    return header, next(chunks)


def parse_chunks(handle: TextIO, *, delimiter: str, path: str = "", chunk_rows: int = 0
                 ) -> tuple[list[str], Iterator[Parsed]]:
    """The header, and the data records in chunks of ``chunk_rows`` (0: one chunk).

    Raises DataError when the header is missing, empty or names a column twice.
    """
    lines = _Lines(handle, delimiter)
    header = _header(lines, delimiter, path or "the input")
    width = len(header)

    def chunks() -> Iterator[Parsed]:
        out = Parsed()
        while True:
            first = lines.done + 1
            try:
                first, span, fields = lines.record()
            except StopIteration:
                break
            except csv.Error as exc:
                out.bad.append(BadRow(first, _malformed(exc, delimiter, lines, first)))
                lines.restart_after(first)
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip() and width > 1):
                out.blank += span
                continue
            if len(fields) != width or span > MAX_RECORD_LINES:
                if span > 1:  # a quote that opened too early: read those lines again
                    lines.restart_after(first)
                hint = (f"; quote cells that contain {delimiter!r}" if len(fields) > width
                        else "")
                out.bad.append(BadRow(first, _reason(None, delimiter) if len(fields) == width
                                      else f"expected {width} fields, saw {len(fields)}{hint}"))
                continue
            out.rows.append(fields)
            out.lines.append(first)
            if chunk_rows and len(out.rows) >= chunk_rows:
                lines.catch_up()
                yield out
                out = Parsed()
        yield out

    return header, chunks()


def _header(lines: _Lines, delimiter: str, where: str) -> list[str]:
    """The column names in the first record; DataError when it is missing, empty or names a
    column twice."""
    try:
        _, _, header = lines.record()
    except StopIteration:
        raise DataError(f"{where} is empty; give a file with a header row") from None
    except csv.Error as exc:
        raise DataError(f"{where}: the header row is not readable: "
                        f"{_reason(exc, delimiter)}") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise DataError(f"{where} has an empty header row; the first line must name the "
                        "columns")
    check_columns(header, where)
    return header


def _malformed(exc: csv.Error, delimiter: str, lines: _Lines, first: int) -> str:
    """Why the record starting on line ``first`` cannot be read (asked before reading again
    from the line after it)."""
    if "expected after" in str(exc) and lines.base + lines.reader.line_num > first:
        # The quote that "ends a cell" lines below is the one closing a quote opened on
        # this line: that opening quote is the mistake.
        return ("a double quote opens a cell that does not close on its line; close the "
                "quote or remove it (write a quote inside a cell as two quotes, \"\")")
    return _reason(exc, delimiter)


def check_columns(columns, where: str) -> None:
    """Refuse a header that names a column twice (which column would be the message?)."""
    seen: dict[str, int] = {}
    for number, name in enumerate(map(str, columns), start=1):
        if name in seen:
            raise DataError(f"{where}: the header names the column {name!r} twice (columns "
                            f"{seen[name]} and {number}); rename or remove one of them")
        seen[name] = number
