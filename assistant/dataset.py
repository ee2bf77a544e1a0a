"""Reading tables of messages: labelled training CSVs and message exports.

Labelled data is read into a two-column frame (``text``, ``label``) after checking every row;
problems are reported with the spreadsheet row number (the header is row 1) and how to fix them.

>>> data = read_labelled(["data/train.csv"])          # doctest: +SKIP
>>> data.frame.columns.tolist()                        # doctest: +SKIP
['text', 'label']
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .csvrows import check_columns, parse_chunks
from .errors import AssistantError, DataError
from .optional import require

TEXT_COLUMNS = ("text", "message", "body", "content", "buyer_message", "msg", "question",
                "sentence", "utterance", "query")
LABEL_COLUMNS = ("label", "intent", "category", "scenario", "class", "tag")
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
MIN_EXAMPLES = 5
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


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
         (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# The first bytes of files that are often given by mistake, and what they are.
_MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"%PDF", "a PDF document"), (b"GIF8", "a GIF image"), (b"\x1f\x8b", "a gzip archive"),
          (b"PK\x03\x04", "a ZIP archive (an .xlsx? name it .xlsx)"),
          (b"PAR1", "a Parquet file (name it .parquet)"),
          (b"SQLite format 3", "an SQLite database"))


def bom_encoding(raw: bytes) -> str | None:
    """The encoding a byte-order mark announces (UTF-8, UTF-16 or UTF-32), if any."""
    return next((enc for bom, enc in _BOMS if raw.startswith(bom)), None)


def utf16_without_bom(raw: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` for UTF-16 text without a byte-order mark (mostly
    ASCII characters, so every other byte is zero), else None."""
    sample = raw[:8192]
    half = len(sample) // 2
    if half < 2:
        return None
    zeros_even, zeros_odd = sample[0:2 * half:2].count(0), sample[1:2 * half:2].count(0)
    if zeros_odd > 0.4 * half and zeros_even < 0.05 * half:
        return "utf-16-le"
    if zeros_even > 0.4 * half and zeros_odd < 0.05 * half:
        return "utf-16-be"
    return None


def utf16_order(raw: bytes, encoding: str) -> str:
    """``encoding``, or for ``utf-16`` asked of a file without a byte-order mark the byte
    order its bytes show (Python would assume little-endian)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding
    if name == "utf-16" and not bom_encoding(raw):
        return utf16_without_bom(raw) or encoding
    return encoding


def _binary(sample: bytes) -> bool:
    """NUL bytes, unless in UTF-8 text (a cell of an export may hold one): binary data, or a
    file of nothing but NULs."""
    if b"\x00" not in sample:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample)
    except UnicodeDecodeError:
        return True
    return not sample.strip(b"\x00")


def refuse_binary(raw: bytes, path: str) -> None:
    """A clear error for a file that is not text at all (an image, an archive...)."""
    what = next((name for magic, name in _MAGIC if raw.startswith(magic)), None)
    if what is None and _binary(raw[:8192]):
        what = "binary data"
    if what:
        raise DataError(f"{path} is not a text table: it looks like {what}; give a CSV, TSV, "
                        "JSONL, Parquet or XLSX file with a header row")


def decode(raw: bytes, encoding: str | None = None, *, path: str = "") -> tuple[str, str, list]:
    """Bytes to text: a byte-order mark's encoding (UTF-8/16/32), else UTF-8, else
    cp1252/latin-1 with a warning."""
    where = path or "the input"
    if encoding:
        try:
            return raw.decode(utf16_order(raw, encoding)), encoding, []
        except (UnicodeError, LookupError) as exc:
            raise DataError(f"{where} cannot be read as {encoding}: {exc}") from None
    if bom := bom_encoding(raw):
        try:
            return raw.decode(bom), bom.removesuffix("-sig"), []
        except UnicodeDecodeError as exc:
            raise DataError(f"{where} starts like {bom} but is not ({exc.reason}); pass "
                            "--encoding") from None
    if guess := utf16_without_bom(raw):
        try:
            return raw.decode(guess), guess, []
        except UnicodeDecodeError:
            pass
    refuse_binary(raw, where)
    try:
        return raw.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    for enc in FALLBACK_ENCODINGS:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        return text, enc, [fallback_note(where, enc)]
    raise DataError(f"{where} is not UTF-8; pass --encoding")  # pragma: no cover


def fallback_note(path: str, encoding: str) -> str:
    """The warning given when a file is read in a fallback encoding."""
    return (f"{path} is not UTF-8; read it as {encoding}. If accents look wrong, pass "
            "--encoding with the file's real encoding")


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
    for rec in frame.itertuples(index=False):
        if not rec.text:
            problems.append(Problem("empty text; write the message or delete the row",
                                    rec.row, rec.source, kind=_unit(rec)))
        if not rec.label:
            problems.append(Problem("empty label; give the row a label or delete it",
                                    rec.row, rec.source, kind=_unit(rec)))
    filled = frame[(frame["text"] != "") & (frame["label"] != "")]
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for rec in filled.itertuples(index=False):
        seen[rec.text.casefold()][rec.label].append(f"{Path(rec.source).name}:{rec.row}")
    for text, by_label in seen.items():
        if len(by_label) > 1:
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


def format_problems(problems: Sequence[Problem], limit: int = MAX_ERRORS_SHOWN) -> str:
    """A readable, bounded list of problems for an error message."""
    lines = [str(p) for p in problems[:limit]]
    more = len(problems) - limit
    if more > 0:
        lines.append(f"... and {more} more problem(s)")
    head = f"{len(problems)} problem(s) in the data:"
    return "\n".join([head, *("  " + line for line in lines)])


def near_duplicates(texts: Sequence[str], threshold: float = 0.8) -> list[tuple[int, int, float]]:
    """Pairs of rows whose word-trigram sets have a Jaccard similarity above ``threshold``.

    Texts of fewer than three words are compared as whole (lower-cased) strings.
    """
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    texts = [str(t) for t in texts]
    pairs: list[tuple[int, int, float]] = []
    vec = CountVectorizer(ngram_range=(3, 3), binary=True, token_pattern=r"(?u)\b\w+\b",
                          lowercase=True)
    try:
        x = vec.fit_transform(texts).astype(np.float32).tocsr()
    except ValueError:  # no text has three words
        x = None
    if x is not None:
        sizes = np.asarray(x.sum(axis=1)).ravel()
        inter = (x @ x.T).tocoo()
        for i, j, shared in zip(inter.row, inter.col, inter.data, strict=True):
            if i < j:
                score = shared / (sizes[i] + sizes[j] - shared)
                if score > threshold:
                    pairs.append((int(i), int(j), float(score)))
    short: dict[str, int] = {}
    for i, text in enumerate(texts):
        key = " ".join(text.lower().split())
        if len(key.split()) < 3:
            if key in short:
                pairs.append((short[key], i, 1.0))
            else:
                short[key] = i
    return sorted(pairs)
