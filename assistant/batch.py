"""Classify message exports of any size: streamed in chunks, on every core, written atomically.

>>> summary = run_batch(["export.csv"], "labelled.parquet", model=get_model())  # doctest: +SKIP
>>> summary.rows, summary.counts.most_common(1)                                # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .assist import order_from_message, respond
from .atomic import neutralise_formulas, write_csv_atomic
from .errors import DataError, OrderError
from .exports import CHUNK_ROWS, AtomicOutput, count_rows, expand_inputs, read_chunks
from .model import Model, Prediction
from .orderfields import canonical_columns
from .orders import Order, order_key
from .settings import Settings
from .tables import TEXT_COLUMNS, find_column

__all__ = ["BatchSummary", "Classifier", "classify_frame", "expand_inputs",
           "neutralise_formulas", "reply_columns", "run_batch"]

RESULT_COLUMNS = Prediction.ROW_COLUMNS
REPLY_COLUMNS = ("action", "reply", "reply_language", "missing_fields", "order_problem")
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


# ---------------------------------------------------------------- classifying


_WORKER_MODEL: Model | None = None
EMPTY_ROW = Prediction("", EMPTY_LABEL, 0.0, (), True, "other", 0.0,
                       review_reason="empty").to_row()


def _cache_key(text: str) -> bytes:
    """A 16-byte digest of a message: the cache keeps these instead of the messages (a third
    of the memory; two different messages share a digest with odds of about 2^-128)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _predict_rows(model: Model, texts: list[str]) -> list[tuple]:
    """The result columns' values for distinct, non-empty messages."""
    return [p.to_row() for p in model.predict(texts, alternatives=1, languages="fast")]


def _worker_rows(texts: list[str]) -> list[tuple]:
    return _predict_rows(_WORKER_MODEL, texts)


@contextlib.contextmanager
def _interrupts_held():
    """Ctrl-C held back while the pool forks its workers (on its first task), and delivered
    the moment the forks are done: one that lands during a fork is raised inside the fork's
    own handlers, which swallow it, and the run would go on to the end."""
    if not hasattr(signal, "pthread_sigmask"):  # (not on Windows, which does not fork)
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _die_with(parent: int) -> None:
    """Run in each worker: end it when the batch process ends, even by SIGKILL (which leaves
    no chance to shut the pool down), instead of lingering with a copy of the model. Ctrl-C,
    held back while it was forked (_interrupts_held), reaches it again."""
    import threading

    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    try:  # Linux: the kernel signals the worker the moment its parent dies.
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # elsewhere, and as a second guard: notice being orphaned
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


@dataclass
class Pending:
    """A chunk whose new messages are being classified (possibly in worker processes)."""

    texts: pd.Series
    known: dict[str, tuple]
    parts: list[list[str]]
    futures: list
    keys: dict[str, bytes]  # each distinct message -> its cache key


class Classifier:
    """Predicts each distinct message once (bounded cache) and, with jobs > 1, in forked
    worker processes, so the caller can read and write the next chunk meanwhile."""

    def __init__(self, model: Model, jobs: int | None = None):
        global _WORKER_MODEL
        self.model = model
        cores = os.cpu_count() or 1
        if jobs is not None and not 1 <= jobs <= 4 * cores:
            raise DataError(f"--jobs {jobs}: give 1 to {4 * cores} processes (this machine has "
                            f"{cores} cores; each process holds a copy of the model)")
        self.jobs = jobs or cores
        self.cache: dict[bytes, tuple] = {}  # _cache_key(message) -> its result row
        self.classified = 0  # distinct messages sent to the model
        self.pool = None
        if self.jobs > 1:
            # Forked workers inherit the loaded model: it is never pickled or sent.
            _WORKER_MODEL = model
            self.pool = ProcessPoolExecutor(self.jobs,
                                            mp_context=multiprocessing.get_context("fork"),
                                            initializer=_die_with, initargs=(os.getpid(),))

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
        keys = {t: _cache_key(t) for t in unique}
        known = {t: self.cache[keys[t]] for t in unique if keys[t] in self.cache}
        todo = [t for t in unique if t not in known]
        self.classified += len(todo)
        if self.pool is not None and len(todo) >= 2000:
            parts = [list(p) for p in np.array_split(np.asarray(todo, dtype=object),
                                                     self.jobs)]
            with _interrupts_held():
                futures = [self.pool.submit(_worker_rows, p) for p in parts]
            return Pending(texts, known, parts, futures, keys)
        return Pending(texts, known, [todo], [_predict_rows(self.model, todo) if todo else []],
                       keys)

    def collect(self, pending: Pending) -> pd.DataFrame:
        """The result columns for a submitted chunk (empty messages: other, needs review)."""
        if len(self.cache) > CACHE_LIMIT:
            self.cache.clear()
        for part, rows in zip(pending.parts, pending.futures, strict=True):
            rows = rows.result() if hasattr(rows, "result") else rows
            new = dict(zip(part, rows, strict=True))
            pending.known.update(new)
            self.cache.update((pending.keys[t], row) for t, row in new.items())
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


def draft_row(record: dict, text: str, result_row, *, mapping: dict[str, str] | None = None,
              orders: dict[str, Order] | None = None, lang: str | None = None, today=None,
              agent_name: str | None = None, store_name: str | None = None,
              order_text: str | None = None, settings: Settings | None = None) -> tuple:
    """The ``REPLY_COLUMNS`` values for one message: its order from the record's columns
    (export aliases; ``mapping`` is their canonical_columns), else ``orders`` joined on the
    order number (the record's, else the one in ``order_text``, by default the message),
    then decided (under the seller's policy ``settings``, default the one in effect) and
    drafted."""
    mapping = canonical_columns(record) if mapping is None else mapping
    problem = ""
    fields = {mapping[c]: v for c, v in record.items() if c in mapping and v != ""}
    try:
        order = Order.from_dict(fields)
    except OrderError as exc:
        order, problem = Order(), str(exc)
    order = order_from_message(text if order_text is None else order_text, order)
    if orders is not None and order.order_id:
        order = orders.get(order_key(order.order_id), order)
    prediction = Prediction.from_row(text, result_row)
    result = respond(prediction, order, lang=lang, today=today, agent_name=agent_name,
                     store_name=store_name, english=False, settings=settings)
    return (result.decision.action, result.reply.text, result.reply.lang,
            ",".join(result.reply.missing_fields), problem)


def reply_columns(*, orders: dict[str, Order] | None = None, lang: str | None = None,
                  today=None, agent_name: str | None = None, store_name: str | None = None,
                  settings: Settings | None = None):
    """An ``extra`` callback for run_batch: the decision's action and the drafted reply per
    row (see :func:`draft_row`), under the seller's policy ``settings``."""

    def extra(frame: pd.DataFrame, results: pd.DataFrame, column: str) -> pd.DataFrame:
        mapping = canonical_columns(frame.columns)
        rows = [draft_row(record, "" if record[column] is None else str(record[column]), res,
                          mapping=mapping, orders=orders, lang=lang, today=today,
                          agent_name=agent_name, store_name=store_name, settings=settings)
                for record, res in zip(frame.to_dict("records"),
                                       results.itertuples(index=False), strict=True)]
        return pd.DataFrame(rows, columns=list(REPLY_COLUMNS))

    return extra


def run_batch(inputs: Sequence[str], output: str, *, model: Model, text_column: str | None = None,
              jobs: int | None = None, on_bad_lines: str = "skip", encoding: str | None = None,
              chunk_rows: int = CHUNK_ROWS,
              extra: Callable[[pd.DataFrame, pd.DataFrame, str], pd.DataFrame] | None = None,
              progress: bool | None = None, notes: list[str] | None = None) -> BatchSummary:
    """Classify every row of ``inputs`` into ``output`` (CSV/TSV/JSONL/Parquet by its ending).

    Keeps every input column and adds label, confidence, alt_label, alt_confidence and
    needs_review. ``extra(chunk, results, text_column)`` may return more columns (drafted
    replies, see :func:`reply_columns`).
    Malformed rows are skipped and listed in ``<output>.skipped.csv`` (or raise DataError with
    ``on_bad_lines="error"``). The output appears only when the whole run succeeded.
    """
    if on_bad_lines not in ("skip", "error"):
        raise DataError(f"--on-bad-lines must be skip or error, not {on_bad_lines!r}")
    files = expand_inputs(inputs)
    summary = BatchSummary(output=str(output))
    notes = notes if notes is not None else []
    skipped_list = Path(f"{output}.skipped.csv")
    if skipped_list.is_dir():
        raise DataError(f"cannot list skipped rows in {skipped_list}: it is a folder; move it "
                        "or choose another output name")
    out = AtomicOutput(output, inputs=files)
    bar = None
    start = time.perf_counter()
    try:
        bar = _progress(files, progress)
        with Classifier(model, jobs) as clf:
            in_flight = None
            for frame, column in _frames(files, summary, text_column=text_column,
                                         encoding=encoding, on_bad_lines=on_bad_lines,
                                         chunk_rows=chunk_rows, notes=notes):
                # One chunk in flight: the workers classify it while this process
                # writes the previous one and reads the next.
                pending = (frame, column, clf.submit(frame[column]))
                if in_flight is not None:
                    _emit(in_flight, clf, out, summary, extra, notes, bar)
                in_flight = pending
            if in_flight is not None:
                _emit(in_flight, clf, out, summary, extra, notes, bar)
            summary.unique_messages = clf.classified
        out.commit()
    except BaseException:
        out.abort()
        raise
    finally:
        if bar is not None:
            bar.close()
    summary.seconds = time.perf_counter() - start
    _list_skipped(summary, skipped_list)
    return summary


def _frames(files: Sequence[str], summary: BatchSummary, *, text_column: str | None,
            encoding: str | None, on_bad_lines: str, chunk_rows: int, notes: list[str]):
    """(chunk, its text column) for every chunk of every input, its malformed rows added to
    ``summary.skipped``. Raises DataError for inputs whose columns differ or hold no rows."""
    seen_columns: list[str] | None = None
    for path in files:
        column = None
        for chunk in read_chunks(path, encoding=encoding, on_bad_lines=on_bad_lines,
                                 chunk_rows=chunk_rows, notes=notes):
            summary.skipped += [(path, line, why) for line, why in chunk.bad]
            frame = chunk.frame
            if column is None:
                column = find_column(frame.columns, text_column, TEXT_COLUMNS, role="text",
                                     path=path)
                if seen_columns is not None and list(frame.columns) != seen_columns:
                    raise DataError(f"{path} has other columns than {files[0]}; batch files "
                                    "in one run must share their columns")
                seen_columns = list(frame.columns)
            yield frame, column
    if seen_columns is None:
        raise DataError("no rows to classify in " + ", ".join(files))


def _list_skipped(summary: BatchSummary, skipped_list: Path) -> None:
    """Write the skipped rows beside the output, or remove an earlier run's list."""
    if summary.skipped:
        summary.skipped_file = str(skipped_list)
        write_csv_atomic(pd.DataFrame(summary.skipped, columns=["file", "line", "reason"]),
                         summary.skipped_file)
    else:  # a list left by an earlier run would describe rows this output does not lack
        skipped_list.unlink(missing_ok=True)


def _emit(item, clf: Classifier, out: AtomicOutput, summary: BatchSummary, extra, notes,
          bar) -> None:
    """Collect a chunk's results, add them to its columns and write it."""
    frame, column, pending = item
    results = clf.collect(pending).reset_index(drop=True)
    frame = frame.reset_index(drop=True)
    combined = pd.concat([frame.rename(columns=rename_clashes(frame.columns, notes)), results],
                         axis=1)
    if extra is not None:
        combined = pd.concat([combined, extra(frame, results, column)], axis=1)
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


