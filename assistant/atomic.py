"""Writing files so that readers see the old version or the new one, never half of it: write a
temporary file in the same folder, flush it to disk, rename it over the target."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import DataError


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], object], *,
                 make_folder: bool = False) -> None:
    """Call ``write`` with a binary file handle; the result replaces ``path`` only if it
    returns. ``make_folder`` creates missing folders, else a missing folder is a DataError."""
    path = Path(path)
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise DataError(f"cannot write {path}: the folder {path.parent} does not exist; "
                        "create it first")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))


def write_csv_atomic(frame, path: str | os.PathLike) -> None:
    """A DataFrame as UTF-8 CSV (no index, LF line ends)."""
    write_atomic(path, lambda fh: frame.to_csv(fh, index=False, lineterminator="\n",
                                               encoding="utf-8"))
