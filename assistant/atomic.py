"""Writing files so that readers see the old version or the new one, never half of it: write a
temporary file in the same folder, flush it to disk, rename it over the target.

Also the one place that writes CSV/TSV for people to open: cells a spreadsheet would run as a
formula are neutralised, and every cell holding a line break (a lone carriage return too) is
quoted, so no cell can spill into a row of its own.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, BinaryIO

from .errors import DataError

# OWASP's list: a cell starting with one of these is a formula to a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# RFC 4180 line ends: Python's csv module quotes a field only for the characters of its line
# terminator, so with "\n" alone a lone "\r" inside a cell would be written unquoted.
LINE_END = "\r\n"
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.(?:tmp|partial)$")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_target(path: str | os.PathLike, *, make_folder: bool = False) -> Path:
    """Refuse, before any work is done, an output that cannot be written: a folder, a missing
    folder (unless ``make_folder``), or a folder this account may not write to."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"cannot write {path}: it is a folder; give a file name")
    if make_folder:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataError(f"cannot create the folder {path.parent}: "
                            f"{exc.strerror or exc}") from None
    elif not path.parent.is_dir():
        raise DataError(f"cannot write {path}: the folder {path.parent} does not exist; "
                        "create it first")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise DataError(f"cannot write {path}: the folder {path.parent} is not writable by "
                        "this account; choose another output path")
    return path


def temp_beside(path: Path, suffix: str = ".tmp") -> Path:
    """A new empty file beside ``path``, named after it and this process (so a run that was
    killed can be cleaned up by the next one), with the permissions a new file would get."""
    clean_stale(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.",
                                   suffix=suffix)
    except OSError as exc:
        raise DataError(f"cannot write in {path.parent}: {exc.strerror or exc}; choose another "
                        "output path") from None
    os.close(fd)
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mode = 0o666 & ~_umask()
    os.chmod(tmp, mode)
    return Path(tmp)


def clean_stale(path: Path) -> list[Path]:
    """Remove temporary files beside ``path`` left by processes that no longer run."""
    removed = []
    try:
        candidates = list(path.parent.glob(f".{path.name}.*"))
    except OSError:
        return removed
    for candidate in candidates:
        match = _TEMP.match(candidate.name)
        if not match or match["name"] != path.name or _alive(int(match["pid"])):
            continue
        try:
            candidate.unlink()
            removed.append(candidate)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def commit(tmp: Path, path: Path) -> None:
    """Move a finished temporary file over its target."""
    try:
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], object], *,
                 make_folder: bool = False) -> None:
    """Call ``write`` with a binary file handle; the result replaces ``path`` only if it
    returns. ``make_folder`` creates missing folders, else a missing folder is a DataError."""
    path = check_target(path, make_folder=make_folder)
    tmp = temp_beside(path)
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    commit(tmp, path)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))


def neutralise_formulas(frame):
    """Prefix text cells (and column names) a spreadsheet would run as a formula with an
    apostrophe."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            values = out[col]
            text = values.astype(str)
            mask = (text.str.startswith(FORMULA_START) & values.notna()
                    & values.map(lambda v: isinstance(v, str)))
            if mask.any():
                out[col] = values.astype(object).where(~mask, "'" + text)
    out.columns = [f"'{c}" if isinstance(c, str) and c.startswith(FORMULA_START) else c
                   for c in out.columns]
    return out


def write_table_csv(frame, fh: IO[Any], *, sep: str = ",", header: bool = True) -> None:
    """A DataFrame as CSV (or TSV) for people to open: formula-safe, every line break in a
    cell quoted, no index."""
    neutralise_formulas(frame).to_csv(fh, sep=sep, index=False, header=header,
                                      lineterminator=LINE_END)


def csv_bytes(frame, *, sep: str = ",") -> bytes:
    """:func:`write_table_csv` into bytes (downloads)."""
    import io

    buffer = io.StringIO()
    write_table_csv(frame, buffer, sep=sep)
    return buffer.getvalue().encode("utf-8")


def write_csv_atomic(frame, path: str | os.PathLike) -> None:
    """A DataFrame as a UTF-8, formula-safe CSV, written atomically."""
    write_atomic(path, lambda fh: fh.write(csv_bytes(frame)))
