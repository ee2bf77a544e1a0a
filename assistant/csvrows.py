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
>>> [(r.line, r.fields) for r in result.records]
[(2, ['ok', 'a']), (4, ['fine', 'c'])]
>>> [(b.line, b.reason.split(';')[0]) for b in result.bad]
[(3, 'a double quote opens a cell that never closes')]
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from .errors import DataError

MAX_CELL = 2_000_000
MAX_RECORD_LINES = 2_000
csv.field_size_limit(MAX_CELL)


@dataclass(frozen=True)
class Record:
    line: int
    fields: list[str]


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class Parsed:
    """A chunk of records, the malformed rows met while reading it, and blank lines."""

    records: list[Record] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    blank: int = 0


class _Runaway(Exception):
    pass


def physical_lines(handle: TextIO, block: int = 1 << 20) -> Iterator[str]:
    """The lines of a text handle opened with ``newline=""``, split on ``\\n`` only (a file
    with no ``\\n`` at all is split on ``\\r``, the old Mac convention)."""
    rest, sep = "", None
    while chunk := handle.read(block):
        if sep is None:
            sep = "\n" if "\n" in chunk or "\r" not in chunk else "\r"
        rest += chunk
        pieces = rest.split(sep)
        rest = pieces.pop()
        for piece in pieces:
            yield piece + sep
    if rest:
        yield rest


class _Feed:
    """Hands lines to csv.reader, numbering them and remembering the current record's lines
    so they can be given back after a malformed record."""

    def __init__(self, lines: Iterator[str]):
        self.lines = lines
        self.next_number = 1
        self.returned: list[tuple[str, int]] = []
        self.taken: list[tuple[str, int]] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.returned:
            text, number = self.returned.pop()
        else:
            text, number = next(self.lines), self.next_number
            self.next_number += 1
        self.taken.append((text, number))
        if len(self.taken) > MAX_RECORD_LINES:
            raise _Runaway
        return text

    def give_back_all_but_first(self) -> int:
        first = self.taken[0][1]
        self.returned.extend(reversed(self.taken[1:]))
        self.taken = []
        return first


def _reason(exc: Exception, delimiter: str) -> str:
    text = str(exc)
    if isinstance(exc, _Runaway):
        return (f"a quoted cell runs on for more than {MAX_RECORD_LINES:,} lines; close the "
                "double quote that opens it, or remove it")
    if "field larger than field limit" in text:
        return (f"a cell is longer than {MAX_CELL:,} characters (or a double quote opens a cell "
                "that never closes); shorten the cell or close the quote")
    if "unexpected end of data" in text:
        return ("a double quote opens a cell that never closes; close the quote or remove it")
    if "expected after" in text:
        return (f"a double quote ends a cell but is followed by more text; write a quote inside "
                f"a cell as two quotes (\"\"), and quote cells that contain {delimiter!r}")
    if "new-line character seen in unquoted field" in text:
        return "a line break (carriage return) inside a cell that is not quoted; quote the cell"
    return f"unreadable row ({text})"


def parse(handle: TextIO, delimiter: str, *, path: str = "") -> tuple[list[str], Parsed]:
    """The header and all of a handle's records at once (see :func:`parse_chunks`)."""
    header, chunks = parse_chunks(handle, delimiter=delimiter, path=path)
    return header, next(chunks)


def parse_chunks(handle: TextIO, *, delimiter: str, path: str = "", chunk_rows: int = 0
                 ) -> tuple[list[str], Iterator[Parsed]]:
    """The header, and the data records in chunks of ``chunk_rows`` (0: one chunk).

    Raises DataError when the header is missing, empty or names a column twice.
    """
    where = path or "the input"
    feed = _Feed(physical_lines(handle))
    dialect = {"delimiter": delimiter, "strict": True}
    reader = csv.reader(feed, **dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(f"{where} is empty; give a file with a header row") from None
    except (csv.Error, _Runaway) as exc:
        raise DataError(f"{where}: the header row is not readable: "
                        f"{_reason(exc, delimiter)}") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise DataError(f"{where} has an empty header row; the first line must name the "
                        "columns")
    check_columns(header, where)
    width = len(header)

    def chunks() -> Iterator[Parsed]:
        nonlocal reader
        out = Parsed()
        while True:
            feed.taken = []
            try:
                fields = next(reader)
            except StopIteration:
                break
            except (csv.Error, _Runaway) as exc:
                if not feed.taken:  # pragma: no cover - the reader always takes a line first
                    break
                out.bad.append(BadRow(feed.give_back_all_but_first(), _reason(exc, delimiter)))
                reader = csv.reader(feed, **dialect)
                continue
            line = feed.taken[0][1]
            if not fields or (len(fields) == 1 and not fields[0].strip() and width > 1):
                out.blank += 1
                continue
            if len(fields) != width:
                if len(feed.taken) > 1:  # a quote that opened too early: read those lines again
                    feed.give_back_all_but_first()
                    reader = csv.reader(feed, **dialect)
                hint = (f"; quote cells that contain {delimiter!r}" if len(fields) > width
                        else "")
                out.bad.append(BadRow(line, f"expected {width} fields, saw {len(fields)}{hint}"))
                continue
            out.records.append(Record(line, fields))
            if chunk_rows and len(out.records) >= chunk_rows:
                yield out
                out = Parsed()
        yield out

    return header, chunks()


def check_columns(columns, where: str) -> None:
    """Refuse a header that names a column twice (which column would be the message?)."""
    seen: dict[str, int] = {}
    for number, name in enumerate(map(str, columns), start=1):
        if name in seen:
            raise DataError(f"{where}: the header names the column {name!r} twice (columns "
                            f"{seen[name]} and {number}); rename or remove one of them")
        seen[name] = number
