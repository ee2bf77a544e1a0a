"""Bytes to text: the encoding a byte-order mark announces, UTF-16 without one, UTF-8, else a
fallback (cp1252, latin-1) with a warning; a file that is not text at all is refused.

>>> decode("café".encode("cp1252"), path="notes.csv")[:2]
('café', 'cp1252')
"""

from __future__ import annotations

import codecs

from .errors import DataError

FALLBACK_ENCODINGS = ("cp1252", "latin-1")


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
