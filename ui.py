"""Streamlit plumbing shared by the pages: cached model and detector, feedback store, uploads.

Only Streamlit glue lives here; every decision is made by the ``assistant`` library.
"""

from __future__ import annotations

import streamlit as st

from assistant import registry
from assistant.dataset import read_labelled, read_table
from assistant.errors import DataError
from assistant.feedback import FeedbackStore, default_path
from assistant.model import MAX_CHARS, Model
from assistant.registry import read_card
from assistant.scenarios import LABELS, SELLER_MESSAGES, title

# The page refuses uploads above this many rows and points to `assistant batch` instead.
MAX_PAGE_ROWS = 200_000
# A pasted message longer than this is cut by the text box (a whole mailbox pasted by mistake);
# the model reads the first MAX_CLASSIFIED_CHARS of what is kept.
MAX_MESSAGE_CHARS = 20_000
MAX_CLASSIFIED_CHARS = MAX_CHARS


@st.cache_resource(show_spinner="Loading the model…", max_entries=2)
def _load(name: str, created: str) -> Model:
    # Keyed on the card's creation time: a retrained or re-activated model is loaded on the
    # next run, while a run in progress keeps the object it already holds (never mutated).
    return registry.get_model(name)


def model() -> Model:
    """The active model (building the default on first use)."""
    name = registry.active_name()
    try:
        created = read_card(name).get("created", "")
    except Exception:  # missing: get_model builds it (default) or reports the problem
        created = ""
    return _load(name, created)


@st.cache_resource
def _feedback(path: str) -> FeedbackStore:
    return FeedbackStore(path)


def feedback() -> FeedbackStore:
    """The feedback database (``$ASSISTANT_FEEDBACK_DB`` or data/feedback.sqlite3)."""
    return _feedback(str(default_path()))


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _table(file_id: str, name: str, _data: bytes):
    # Keyed on the upload's id, not its bytes: hashing a 200 MB upload on every rerun is slow.
    return read_table(_data, name=name)


def table(upload):
    """An uploaded table (st.file_uploader's file), parsed once per upload. A text file with
    far more lines than the page takes is refused before it is parsed (parsing a 200 MB file
    takes gigabytes)."""
    data = upload.getvalue()
    if not upload.name.lower().endswith((".parquet", ".xlsx")):
        lines = data.count(b"\n")
        if lines > MAX_PAGE_ROWS * 3 // 2:
            raise DataError(f"{upload.name} has {lines:,} lines; this page takes up to "
                            f"{MAX_PAGE_ROWS:,} rows. Use `assistant batch {upload.name} -o "
                            "labelled.parquet` for large exports.")
    return _table(upload.file_id, upload.name, data)


def shipped_data():
    """The shipped training data (text, label), read once per version of the files."""
    paths = registry.default_data_paths()
    return _shipped(tuple(str(p) for p in paths), tuple(p.stat().st_mtime for p in paths))


@st.cache_data(max_entries=1)
def _shipped(paths: tuple[str, ...], mtimes: tuple[float, ...]):
    return read_labelled(list(paths)).frame


def scenario_options(labels=None) -> list[str]:
    """Labels of the active model (the default set's order first), then seller messages."""
    labels = list(labels or LABELS)
    known = [lab for lab in LABELS if lab in labels]
    return known + sorted(lab for lab in labels if lab not in known) + list(SELLER_MESSAGES)


def fmt_label(label: str) -> str:
    return f"{title(label)} ({label})"


def stop_with(message: str, kind: str = "info") -> None:
    getattr(st, kind)(message)
    st.stop()
