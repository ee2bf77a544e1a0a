"""Classify message exports of any size: streamed in chunks, on every core, written atomically.

>>> summary = run_batch(["export.csv"], "labelled.parquet", model=get_model())  # doctest: +SKIP
>>> summary.rows, summary.counts.most_common(1)                                # doctest: +SKIP
"""

from __future__ import annotations

import glob
import io
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .dataset import TEXT_COLUMNS, csv_chunks, find_column
from .errors import DataError
from .model import Model

RESULT_COLUMNS = ("label", "confidence", "alt_label", "alt_confidence", "needs_review",
                  "language")
REPLY_COLUMNS = ("action", "reply", "reply_language", "missing_fields", "order_problem")
INPUT_SUFFIXES = (".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".parquet")
OUTPUT_SUFFIXES = (".csv", ".tsv", ".jsonl", ".parquet")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 20_000
CACHE_LIMIT = 200_000
EMPTY_LABEL = "other"


@dataclass
class BatchSummary:
    """What a batch run did: rows written, labels, reviews, and rows skipped with why."""

    output: str
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    needs_review: int = 0
    empty: int = 0
    skipped: list[tuple[str, int | None, str]] = field(default_factory=list)
    skipped_file: str | None = None
    seconds: float = 0.0
    unique_messages: int = 0

    def lines(self) -> list[str]:
        rate = self.rows / self.seconds if self.seconds else 0
        distinct = f"; {self.unique_messages} distinct messages" if self.unique_messages else ""
        out = [f"{self.rows} rows classified in {self.seconds:.1f}s ({rate:,.0f} rows/s"
               f"{distinct}) -> {self.output}",
               f"needs review: {self.needs_review} rows; empty messages: {self.empty} "
               f"(labelled {EMPTY_LABEL}, needs review)"]
        out += [f"  {label:<26} {count:>9}" for label, count in self.counts.most_common()]
        if self.skipped:
            where = f"; listed in {self.skipped_file}" if self.skipped_file else ""
            out.append(f"skipped {len(self.skipped)} malformed row(s){where}")
        return out


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells a spreadsheet would run as a formula with an apostrophe."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            values = out[col]
            mask = values.astype(str).str.startswith(FORMULA_START) & values.notna()
            if mask.any():
                out[col] = values.astype(object).where(~mask, "'" + values.astype(str))
    return out


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
    """UTF-8 (with or without BOM) if the whole file decodes, else cp1252, with a warning."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            while block := fh.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
            return "utf-8-sig", None
        except UnicodeDecodeError:
            return "cp1252", (f"{path} is not UTF-8; read it as cp1252. If accents look wrong, "
                              "pass --encoding with the file's real encoding")


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
        for batch in pf.iter_batches(batch_size=chunk_rows):
            yield Chunk(batch.to_pandas(), path, [])
        return
    if suffix in (".jsonl", ".ndjson"):
        yield from _jsonl_chunks(path, encoding, on_bad_lines, chunk_rows)
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
        handle = open(path, encoding=enc, newline="")  # noqa: SIM115 (closed below)
    try:
        sep = "\t" if suffix in (".tsv", ".tab") else _sniff_sep(handle)
        for frame, bad in csv_chunks(handle, delimiter=sep, chunk_rows=chunk_rows, path=path):
            if bad and on_bad_lines == "error":
                line, why = bad[0]
                raise DataError(f"{path}: malformed row at line {line} ({why}); fix the row or "
                                "use --on-bad-lines skip")
            yield Chunk(frame, path, bad)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not {handle.encoding} ({exc.reason}); "
                        "pass --encoding") from None
    finally:
        if path != "-":
            handle.close()
        else:
            handle.detach()


def _sniff_sep(handle) -> str:
    from .dataset import sniff_delimiter

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
    with open(path, encoding=encoding or "utf-8-sig") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                keys.update(dict.fromkeys(record))
    return list(keys)


def _jsonl_chunks(path, encoding, on_bad_lines, chunk_rows) -> Iterator[Chunk]:
    if path == "-":
        raise DataError("stdin takes CSV; save the JSONL to a file and pass its name")
    keys = _jsonl_keys(path, encoding)
    records, bad = [], []
    with open(path, encoding=encoding or "utf-8-sig") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError as exc:
                if on_bad_lines == "error":
                    raise DataError(f"{path}: line {number} is not a JSON object ({exc}); fix "
                                    "it or use --on-bad-lines skip") from None
                bad.append((number, f"not a JSON object: {exc}"))
                continue
            records.append(record)
            if len(records) >= chunk_rows:
                yield Chunk(pd.DataFrame.from_records(records, columns=keys), path, bad)
                records, bad = [], []
    if records or bad:
        yield Chunk(pd.DataFrame.from_records(records, columns=keys), path, bad)


# ---------------------------------------------------------------- classifying


_WORKER_MODEL: Model | None = None
EMPTY_ROW = (EMPTY_LABEL, 0.0, "", 0.0, True, "other")


def _predict_rows(model: Model, texts: list[str]) -> list[tuple]:
    """The result columns' values for distinct, non-empty messages."""
    rows = []
    for p in model.predict(texts, alternatives=1, languages="fast"):
        alt = p.alternatives[0] if p.alternatives else None
        rows.append((p.label, round(p.confidence, 4), alt.label if alt else "",
                     round(alt.confidence, 4) if alt else 0.0, p.needs_review, p.language))
    return rows


def _worker_rows(texts: list[str]) -> list[tuple]:
    return _predict_rows(_WORKER_MODEL, texts)


@dataclass
class Pending:
    """A chunk whose new messages are being classified (possibly in worker processes)."""

    texts: pd.Series
    known: dict[str, tuple]
    parts: list[list[str]]
    futures: list


class Classifier:
    """Predicts each distinct message once (bounded cache) and, with jobs > 1, in forked
    worker processes, so the caller can read and write the next chunk meanwhile."""

    def __init__(self, model: Model, jobs: int | None = None):
        global _WORKER_MODEL
        self.model = model
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.cache: dict[str, tuple] = {}
        self.classified = 0  # distinct messages sent to the model
        self.pool = None
        if self.jobs > 1:
            # Forked workers inherit the loaded model: it is never pickled or sent.
            _WORKER_MODEL = model
            self.pool = ProcessPoolExecutor(self.jobs,
                                            mp_context=multiprocessing.get_context("fork"))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def submit(self, texts: pd.Series) -> Pending:
        """Start classifying a chunk's messages; :meth:`collect` returns the columns."""
        texts = texts.fillna("").astype(str)
        unique = [t for t in pd.unique(texts) if t.strip()]
        known = {t: self.cache[t] for t in unique if t in self.cache}
        todo = [t for t in unique if t not in known]
        self.classified += len(todo)
        if self.pool is not None and len(todo) >= 2000:
            parts = [list(p) for p in np.array_split(np.asarray(todo, dtype=object),
                                                     self.jobs)]
            return Pending(texts, known, parts, [self.pool.submit(_worker_rows, p)
                                                 for p in parts])
        return Pending(texts, known, [todo], [_predict_rows(self.model, todo) if todo else []])

    def collect(self, pending: Pending) -> pd.DataFrame:
        """The result columns for a submitted chunk (empty messages: other, needs review)."""
        if len(self.cache) > CACHE_LIMIT:
            self.cache.clear()
        for part, rows in zip(pending.parts, pending.futures, strict=True):
            rows = rows.result() if hasattr(rows, "result") else rows
            new = dict(zip(part, rows, strict=True))
            pending.known.update(new)
            self.cache.update(new)
        rows = [pending.known.get(t, EMPTY_ROW) for t in pending.texts]
        return pd.DataFrame(rows, columns=list(RESULT_COLUMNS), index=pending.texts.index)

    def results(self, texts: pd.Series) -> pd.DataFrame:
        """The result columns for a series of messages, at once."""
        return self.collect(self.submit(texts))


def classify_frame(frame: pd.DataFrame, model: Model, *, text_column: str | None = None,
                   chunk_rows: int = 5000, progress: Callable[[float], None] | None = None,
                   notes: list[str] | None = None) -> pd.DataFrame:
    """A table already in memory (an upload) with the result columns added, in chunks so a
    caller can show progress."""
    column = find_column(frame.columns, text_column, TEXT_COLUMNS, role="text")
    clf = Classifier(model, jobs=1)
    parts = []
    for start in range(0, len(frame), chunk_rows):
        parts.append(clf.results(frame[column].iloc[start:start + chunk_rows]))
        if progress:
            progress(min(1.0, (start + chunk_rows) / len(frame)))
    results = pd.concat(parts) if parts else clf.results(frame[column])
    renamed = frame.rename(columns=rename_clashes(frame.columns, notes if notes is not None
                                                  else []))
    return pd.concat([renamed, results], axis=1)


def reply_columns(*, orders=None, lang: str | None = None, today=None,
                  agent_name: str | None = None, store_name: str | None = None):
    """An ``extra`` callback for run_batch: the decision's action and the drafted reply per
    row, with order fields from the row's own columns (export aliases) or from ``orders``
    (order id -> Order), joined on the order number."""
    from .assist import respond
    from .errors import OrderError
    from .model import Alternative, Prediction
    from .orders import Order, canonical_columns, order_key

    def extra(frame: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
        mapping = {c: f for c, f in canonical_columns(frame.columns).items()}
        column = find_column(frame.columns, None, TEXT_COLUMNS, role="text")
        rows = []
        for record, res in zip(frame.to_dict("records"), results.itertuples(index=False),
                               strict=True):
            problem = ""
            fields = {mapping[c]: v for c, v in record.items() if c in mapping and v != ""}
            try:
                order = Order.from_dict(fields)
            except OrderError as exc:
                order, problem = Order(), str(exc)
            text = "" if record[column] is None else str(record[column])
            prediction = Prediction(text, res.label, res.confidence,
                                    (Alternative(res.alt_label, res.alt_confidence),),
                                    res.needs_review, res.language)
            if orders is not None:
                from .assist import order_from_message

                key = order_key(order_from_message(text, order).order_id)
                order = orders.get(key, order) if key else order
            result = respond(prediction, order, lang=lang, today=today, agent_name=agent_name,
                             store_name=store_name)
            rows.append((result.decision.action, result.reply.text, result.reply.lang,
                         ",".join(result.reply.missing_fields), problem))
        return pd.DataFrame(rows, columns=list(REPLY_COLUMNS))

    return extra


# ---------------------------------------------------------------- writing


class AtomicOutput:
    """Writes chunks to a temp file beside the output; renamed into place only on success."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.suffix = self.path.suffix.lower()
        if self.suffix not in OUTPUT_SUFFIXES:
            raise DataError(f"cannot write {self.path.name}: the output's ending must be one of "
                            f"{', '.join(OUTPUT_SUFFIXES)}")
        if not self.path.parent.exists():
            raise DataError(f"the folder {self.path.parent} does not exist; create it first")
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.",
                                   suffix=".partial")
        os.close(fd)
        self.tmp = Path(tmp)
        self.parquet = None
        self.fh = None if self.suffix == ".parquet" else open(  # noqa: SIM115
            self.tmp, "w", encoding="utf-8", newline="")
        self.first = True

    def write(self, frame: pd.DataFrame) -> None:
        if self.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self.parquet is None:
                self.parquet = pq.ParquetWriter(self.tmp, table.schema)
            self.parquet.write_table(table.cast(self.parquet.schema))
        elif self.suffix == ".jsonl":
            frame.to_json(self.fh, orient="records", lines=True, force_ascii=False)
        else:
            sep = "\t" if self.suffix == ".tsv" else ","
            neutralise_formulas(frame).to_csv(self.fh, sep=sep, index=False, header=self.first,
                                              lineterminator="\n")
        self.first = False

    def commit(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
        if self.fh is not None:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            if self.parquet is not None:
                self.parquet.close()
            if self.fh is not None:
                self.fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def run_batch(inputs: Sequence[str], output: str, *, model: Model, text_column: str | None = None,
              jobs: int | None = None, on_bad_lines: str = "skip", encoding: str | None = None,
              chunk_rows: int = CHUNK_ROWS, extra: Callable[[pd.DataFrame, pd.DataFrame],
                                                            pd.DataFrame] | None = None,
              progress: bool | None = None, notes: list[str] | None = None) -> BatchSummary:
    """Classify every row of ``inputs`` into ``output`` (CSV/TSV/JSONL/Parquet by its ending).

    Keeps every input column and adds label, confidence, alt_label, alt_confidence and
    needs_review. ``extra(chunk, results)`` may return more columns (drafted replies).
    Malformed rows are skipped and listed in ``<output>.skipped.csv`` (or raise DataError with
    ``on_bad_lines="error"``). The output appears only when the whole run succeeded.
    """
    if on_bad_lines not in ("skip", "error"):
        raise DataError(f"--on-bad-lines must be skip or error, not {on_bad_lines!r}")
    files = expand_inputs(inputs)
    summary = BatchSummary(output=str(output))
    notes = notes if notes is not None else []
    out = AtomicOutput(output)
    bar = None
    start = time.perf_counter()
    seen_columns: list[str] | None = None
    try:
        bar = _progress(files, progress)
        with Classifier(model, jobs) as clf:
            in_flight = None
            for path in files:
                column = None
                for chunk in read_chunks(path, encoding=encoding, on_bad_lines=on_bad_lines,
                                         chunk_rows=chunk_rows, notes=notes):
                    summary.skipped += [(path, line, why) for line, why in chunk.bad]
                    frame = chunk.frame
                    if column is None:
                        column = find_column(frame.columns, text_column, TEXT_COLUMNS,
                                             role="text", path=path)
                        if seen_columns is not None and list(frame.columns) != seen_columns:
                            raise DataError(f"{path} has other columns than {files[0]}; batch "
                                            "files in one run must share their columns")
                        seen_columns = list(frame.columns)
                    # One chunk in flight: the workers classify it while this process
                    # writes the previous one and reads the next.
                    pending = (frame, column, clf.submit(frame[column]))
                    if in_flight is not None:
                        _emit(in_flight, clf, out, summary, extra, notes, bar)
                    in_flight = pending
            if in_flight is not None:
                _emit(in_flight, clf, out, summary, extra, notes, bar)
            summary.unique_messages = clf.classified
        if seen_columns is None:
            raise DataError("no rows to classify in " + ", ".join(files))
        out.commit()
    except BaseException:
        out.abort()
        raise
    finally:
        if bar is not None:
            bar.close()
    summary.seconds = time.perf_counter() - start
    if summary.skipped:
        summary.skipped_file = f"{output}.skipped.csv"
        pd.DataFrame(summary.skipped, columns=["file", "line", "reason"]).to_csv(
            summary.skipped_file, index=False)
    return summary


def _emit(item, clf: Classifier, out: AtomicOutput, summary: BatchSummary, extra, notes,
          bar) -> None:
    """Collect a chunk's results, add them to its columns and write it."""
    frame, column, pending = item
    results = clf.collect(pending).reset_index(drop=True)
    frame = frame.reset_index(drop=True)
    combined = pd.concat([frame.rename(columns=rename_clashes(frame.columns, notes)), results],
                         axis=1)
    if extra is not None:
        combined = pd.concat([combined, extra(frame, results)], axis=1)
    out.write(combined)
    summary.rows += len(frame)
    summary.counts.update(results["label"].tolist())
    summary.needs_review += int(results["needs_review"].sum())
    summary.empty += int((frame[column].fillna("").astype(str).str.strip() == "").sum())
    bar.update(len(frame))


def rename_clashes(columns, notes: list[str]) -> dict[str, str]:
    """Input columns that share a result column's name keep their values as NAME_original."""
    clash = {c: f"{c}_original" for c in columns if c in (*RESULT_COLUMNS, *REPLY_COLUMNS)}
    note = f"input column(s) {', '.join(clash)} renamed to {', '.join(clash.values())}"
    if clash and note not in notes:
        notes.append(note)
    return clash


def _progress(files: Sequence[str], enabled: bool | None):
    from tqdm import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty()
    total = count_rows(files) if enabled else None
    return tqdm(total=total, unit=" rows", unit_scale=True, disable=not enabled,
                file=sys.stderr, desc="classifying", smoothing=0.1)


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
