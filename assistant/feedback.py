"""Agents' saved replies and corrections, in SQLite, exported as labelled data for retraining.

Each save opens its own connection (WAL mode, busy timeout), so several agents (threads of one
Streamlit server, or several processes) can save at once and every row is kept.

>>> store = FeedbackStore("data/feedback.sqlite3")                     # doctest: +SKIP
>>> store.save(message="parcel came empty", predicted_label="empty_package",
...            confidence=0.93, final_label="empty_package", reply="Dear...")  # doctest: +SKIP
1
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from . import paths
from .errors import DataError

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    message TEXT NOT NULL,
    predicted_label TEXT,
    confidence REAL,
    final_label TEXT NOT NULL,
    order_id TEXT,
    reply TEXT,
    language TEXT,
    agent TEXT
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created);
"""


def default_path() -> Path:
    """``$ASSISTANT_FEEDBACK_DB``, else ``data/feedback.sqlite3``."""
    return paths.feedback_db()


def _fix(exc: Exception) -> str:
    """What to do about a database error: retrying helps only when it was busy."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "another program is writing to it; try again in a moment"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return ("the file is damaged, so retrying will not help: move it aside (the next save "
                "starts a new database) and restore a backup if you have one")
    return ("check the path (ASSISTANT_FEEDBACK_DB), that its folder is writable and that the "
            "disk has room")


class FeedbackStore:
    """The feedback database at ``path`` (created on first use)."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise DataError(f"cannot open the feedback database {self.path}: {exc}; "
                            f"{_fix(exc)}") from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout=30000")
        return db

    def save(self, *, message: str, final_label: str, predicted_label: str | None = None,
             confidence: float | None = None, order_id: str | None = None,
             reply: str | None = None, language: str | None = None,
             agent: str | None = None) -> int:
        """Store one reviewed message; returns its id. The row is committed when this returns."""
        if not str(message).strip():
            raise DataError("nothing to save: the message is empty")
        if not str(final_label).strip():
            raise DataError("choose the scenario before saving")
        row = (datetime.now(UTC).isoformat(timespec="seconds"), str(message), predicted_label,
               None if confidence is None else float(confidence), str(final_label), order_id,
               reply, language, agent)
        try:
            with closing(self._connect()) as db:
                cur = db.execute(
                    "INSERT INTO feedback (created, message, predicted_label, confidence, "
                    "final_label, order_id, reply, language, agent) VALUES (?,?,?,?,?,?,?,?,?)",
                    row)
                return int(cur.lastrowid)
        except sqlite3.Error as exc:
            raise DataError(f"could not save to {self.path}: {exc}; nothing was stored; "
                            f"{_fix(exc)}") from None

    def frame(self) -> pd.DataFrame:
        """Every saved row, oldest first."""
        try:
            with closing(self._connect()) as db:
                return pd.read_sql_query("SELECT * FROM feedback ORDER BY id", db)
        except (sqlite3.Error, pd.errors.DatabaseError) as exc:
            raise DataError(f"cannot read the feedback database {self.path}: {exc}; "
                            f"{_fix(exc)}") from None

    def count(self) -> int:
        with closing(self._connect()) as db:
            return int(db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])

    def labelled(self) -> pd.DataFrame:
        """The saved messages as training data (text, label): the agents' final labels, the
        latest answer winning when a message was saved more than once."""
        frame = self.frame()
        if frame.empty:
            return pd.DataFrame({"text": [], "label": []}, dtype=object)
        out = frame.rename(columns={"message": "text", "final_label": "label"})
        out["text"] = out["text"].astype(str).str.strip()
        return out.drop_duplicates("text", keep="last")[["text", "label"]].reset_index(drop=True)

    def export_csv(self, target: str | os.PathLike) -> int:
        """Write the labelled corrections as a CSV that `assistant train` accepts."""
        from .atomic import write_csv_atomic

        frame = self.labelled()
        write_csv_atomic(frame, Path(target))
        return len(frame)
