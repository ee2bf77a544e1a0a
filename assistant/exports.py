"""Reading and writing message exports for batch runs: files, folders and globs of CSV, TSV,
JSONL and Parquet read in chunks with malformed rows reported by line; outputs written through
a temporary file and renamed only when complete; spreadsheet formulas neutralised in CSV.
"""

from __future__ import annotations

import glob
import io
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .atomic import check_target, commit, temp_beside, write_table_csv
from .csvrows import check_columns
from .decoding import (
    FALLBACK_ENCODINGS,
    bom_encoding,
    fallback_note,
    refuse_binary,
    utf16_order,
    utf16_without_bom,
)
from .errors import DataError
from .tables import csv_chunks

INPUT_SUFFIXES = (".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".parquet")
OUTPUT_SUFFIXES = (".csv", ".tsv", ".jsonl", ".parquet")
CHUNK_ROWS = 20_000


# ---------------------------------------------------------------- inputs


def expand_inputs(specs: Sequence[str]) -> list[str]:
    """Files named by paths, directories and globs (``-`` is stdin), in a stable order."""
    files: list[str] = []
    for spec in specs:
        if spec == "-":
            files.append(spec)
        elif Path(spec).is_dir():
            found = sorted(str(p) for p in Path(spec).iterdir()
                           if p.suffix.lower() in INPUT_SUFFIXES)
            if not found:
                raise DataError(f"no CSV, TSV, JSONL or Parquet files in the folder {spec}")
            files += found
        elif any(ch in spec for ch in "*?["):
            found = sorted(p for p in glob.glob(spec) if Path(p).suffix.lower() in INPUT_SUFFIXES)
            if not found:
                raise DataError(f"no CSV, TSV, JSONL or Parquet files match {spec}")
            files += found
        elif not Path(spec).exists():
            raise DataError(f"no such file: {spec}")
        else:
            files.append(spec)
    return files


def sniff_encoding(path: str) -> tuple[str, str | None]:
    """A byte-order mark's encoding, else the first of UTF-8, cp1252 and latin-1 that decodes
    the whole file, streamed; a fallback comes with the same warning as for training data.
    A file that is not text (an image, an archive) is refused by name."""
    import codecs

    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if bom := bom_encoding(head):
        return bom, None
    guess = utf16_without_bom(head)
    if guess is None:
        refuse_binary(head, path)
    for encoding in (guess,) if guess else ("utf-8", *FALLBACK_ENCODINGS):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8":
            return "utf-8-sig", None
        return encoding, None if encoding == guess else fallback_note(path, encoding)
    if guess:
        refuse_binary(head, path)
    raise DataError(f"{path} cannot be decoded; pass --encoding")  # pragma: no cover


def checked_encoding(path: str, encoding: str) -> str:
    """An encoding given by the user, known to Python (for ``utf-16`` without a byte-order
    mark: the byte order the file shows)."""
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}; pass one Python knows, such as "
                        "utf-8, cp1252, latin-1 or utf-16") from None
    if path == "-":
        return encoding
    try:
        with open(path, "rb") as fh:
            return utf16_order(fh.read(8192), encoding)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


@dataclass
class Chunk:
    frame: pd.DataFrame
    source: str
    bad: list[tuple[int | None, str]]


def read_chunks(path: str, *, encoding: str | None = None, on_bad_lines: str = "skip",
                chunk_rows: int = CHUNK_ROWS, notes: list[str] | None = None) -> Iterator[Chunk]:
    """Yield the rows of one file (or ``-``, CSV on stdin) in chunks of strings."""
    suffix = Path(path).suffix.lower() if path != "-" else ".csv"
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except Exception as exc:
            raise DataError(f"{path} is not a readable Parquet file: {exc}") from None
        check_columns(pf.schema_arrow.names, path)
        for batch in pf.iter_batches(batch_size=chunk_rows):
            yield Chunk(batch.to_pandas(), path, [])
        return
    if encoding is not None:
        encoding = checked_encoding(path, encoding)
    if suffix in (".jsonl", ".ndjson"):
        try:
            yield from _jsonl_chunks(path, encoding, on_bad_lines, chunk_rows)
        except UnicodeError as exc:
            raise DataError(f"{path} is not {encoding or 'UTF-8'} "
                            f"({getattr(exc, 'reason', exc)}); pass --encoding") from None
        return
    if path == "-":
        handle = io.TextIOWrapper(sys.stdin.buffer, encoding=encoding or "utf-8-sig",
                                  newline="")
    else:
        enc = encoding
        if enc is None:
            enc, note = sniff_encoding(path)
            if note and notes is not None:
                notes.append(note)
        handle = open(path, encoding=enc, newline="")  # closed below
    try:
        sep = "\t" if suffix in (".tsv", ".tab") else _sniff_sep(handle)
        for frame, bad in csv_chunks(handle, delimiter=sep, chunk_rows=chunk_rows, path=path):
            if bad and on_bad_lines == "error":
                line, why = bad[0]
                raise DataError(f"{path}: malformed row at line {line} ({why}); fix the row or "
                                "use --on-bad-lines skip")
            yield Chunk(frame, path, bad)
    except UnicodeError as exc:
        raise DataError(f"{path} is not {handle.encoding} ({getattr(exc, 'reason', exc)}); "
                        "pass --encoding") from None
    finally:
        if path != "-":
            handle.close()
        else:
            handle.detach()


def _sniff_sep(handle) -> str:
    from .tables import sniff_delimiter

    if not handle.seekable():
        return ","
    pos = handle.tell()
    sample = handle.read(20000)
    handle.seek(pos)
    return sniff_delimiter(sample)


def _jsonl_keys(path: str, encoding: str | None) -> list[str]:
    """Every key of a JSONL file's objects, in order of first appearance (records may differ:
    each chunk gets them all, so no field is dropped and the output's columns stay fixed)."""
    keys: dict[str, None] = {}
    with open(path, encoding=encoding or "utf-8-sig", newline="\n") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                keys.update(dict.fromkeys(record))
    return list(keys)


def _json_object(line: str) -> dict:
    """A JSONL line's object with its values as text, as a CSV's are (so every chunk's
    columns hold the same type); ValueError when the line is not an object."""
    try:
        record = json.loads(line)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    if not isinstance(record, dict):
        raise ValueError("not an object")
    return {_valid_text(key): value if value is None else _valid_text(
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in record.items()}


def _valid_text(text: str) -> str:
    """``text`` with any lone surrogate (JSON allows "\\ud800" alone; no text encoding does)
    replaced by U+FFFD, so it can be classified and written like any other message."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _jsonl_chunks(path, encoding, on_bad_lines, chunk_rows) -> Iterator[Chunk]:
    if path == "-":
        raise DataError("stdin takes CSV; save the JSONL to a file and pass its name")
    if encoding is None:
        encoding = sniff_encoding(path)[0]
    keys = _jsonl_keys(path, encoding)
    records, bad = [], []
    # Lines end at "\n" only, as a text editor shows them (a lone "\r" is not a line end).
    with open(path, encoding=encoding or "utf-8-sig", newline="\n") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = _json_object(line)
            except ValueError as exc:
                if on_bad_lines == "error":
                    raise DataError(f"{path}: line {number} is not a JSON object ({exc}); fix "
                                    "it or use --on-bad-lines skip") from None
                bad.append((number, f"not a JSON object: {exc}"))
                continue
            records.append(record)
            if len(records) >= chunk_rows:
                yield Chunk(_frame(records, keys), path, bad)
                records, bad = [], []
    if records or bad:
        yield Chunk(_frame(records, keys), path, bad)


def _frame(records: list[dict], keys: list[str]) -> pd.DataFrame:
    """Records as a frame of text, a missing key being None (not NaN, a number: a column
    empty in one chunk must take text in the next)."""
    return pd.DataFrame([[r.get(k) for k in keys] for r in records], columns=keys,
                        dtype=object)


# ---------------------------------------------------------------- writing


class AtomicOutput:
    """Writes chunks to a temp file beside the output; renamed into place only on success."""

    def __init__(self, path: str, *, inputs: Sequence[str] = ()):
        self.path = Path(path)
        self.suffix = self.path.suffix.lower()
        if self.suffix not in OUTPUT_SUFFIXES:
            raise DataError(f"cannot write {self.path.name}: the output's ending must be one of "
                            f"{', '.join(OUTPUT_SUFFIXES)}")
        refuse_overwriting_inputs(self.path, inputs)
        check_target(self.path)
        self.tmp = temp_beside(self.path, ".partial")
        self.parquet = None
        self.fh = None if self.suffix == ".parquet" else open(  # closed by commit or abort
            self.tmp, "w", encoding="utf-8", newline="")
        self.first = True

    def write(self, frame: pd.DataFrame) -> None:
        if self.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            try:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if self.parquet is None:
                    # A column empty in the first chunk holds text (as every CSV cell does),
                    # not nothing: later chunks' values must fit it.
                    schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type)
                                        else f for f in table.schema], table.schema.metadata)
                    self.parquet = pq.ParquetWriter(self.tmp, schema)
                self.parquet.write_table(table.cast(self.parquet.schema))
            except pa.ArrowException as exc:
                raise DataError(f"cannot write {self.path.name}: a column's values do not fit "
                                f"one Parquet type ({exc}); write .csv or .jsonl "
                                "instead") from None
        elif self.suffix == ".jsonl":
            frame.to_json(self.fh, orient="records", lines=True, force_ascii=False)
        else:
            sep = "\t" if self.suffix == ".tsv" else ","
            write_table_csv(frame, self.fh, sep=sep, header=self.first)
        self.first = False

    def commit(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
        if self.fh is not None:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
        commit(self.tmp, self.path)

    def abort(self) -> None:
        try:
            if self.parquet is not None:
                self.parquet.close()
            if self.fh is not None:
                self.fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def refuse_overwriting_inputs(output: str | os.PathLike, inputs: Sequence[str]) -> None:
    """An output may never be one of the inputs (nor its skipped-rows list): a run that
    replaced its input would lose every row it could not read."""
    out = Path(output)
    targets = [out, Path(f"{out}.skipped.csv")]
    for spec in inputs:
        if spec == "-":
            continue
        for target in targets:
            try:
                same = target.exists() and os.path.samefile(spec, target)
            except OSError:
                same = False
            if same or Path(spec).resolve() == target.resolve():
                raise DataError(f"the output {target} is the input {spec}; write to a new file "
                                "(the input is never overwritten)")


def count_rows(files: Sequence[str]) -> int | None:
    """Rows to expect (for the progress bar's time left): lines, or Parquet's row count."""
    total = 0
    for path in files:
        if path == "-":
            return None
        if path.lower().endswith(".parquet"):
            import pyarrow.parquet as pq

            try:
                total += pq.ParquetFile(path).metadata.num_rows
            except Exception as exc:
                raise DataError(f"{path} is not a readable Parquet file: {exc}") from None
            continue
        with open(path, "rb") as fh:
            lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
        total += max(0, lines - (0 if path.lower().endswith((".jsonl", ".ndjson")) else 1))
    return total
