"""Agents' saved replies and corrections, in SQLite, exported as labelled data for retraining;
and each order's case history: the replies saved for it and the steps already taken (photos
asked for, a reissue offered, the dispute's cancellation asked), for the next decision.

Each save opens its own connection (WAL mode, busy timeout), so several agents (threads of one
Streamlit server, or several processes) can save at once and every row is kept.

>>> store = FeedbackStore("data/feedback.sqlite3")                     # doctest: +SKIP
>>> store.save(message="parcel came empty", predicted_label="empty_package",
...            confidence=0.93, final_label="empty_package", reply="Dear...")  # doctest: +SKIP
1
>>> store.history("7731").last_step                                 # doctest: +SKIP
'photos_requested'
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import paths
from .errors import DataError
from .orders import order_key

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
# Columns added after the first release: added to older databases when they are opened.
ADDED_COLUMNS = {"action": "TEXT", "step": "TEXT", "order_key": "TEXT"}
# The case steps a saved reply records, by the decision's action.
STEP_OF_ACTION = {
    "ask_for_photos": "photos_requested",
    "reissue_or_refund": "reissue_offered", "wait_or_reissue": "reissue_offered",
    "resend_or_refund": "reissue_offered", "resend_once": "reissue_offered",
    "reship": "reissue_offered", "source_elsewhere_or_refund": "reissue_offered",
    "ask_to_cancel_dispute": "dispute_cancellation_asked",
}
STEPS = ("photos_requested", "reissue_offered", "dispute_cancellation_asked")


def case_step(decision: Any) -> str | None:
    """The case step a decision takes (see ``STEPS``), from its action; None for the rest."""
    return STEP_OF_ACTION.get(getattr(decision, "action", decision))


@dataclass(frozen=True)
class CaseEvent:
    """One saved reply of an order's case."""

    id: int
    created: str
    message: str
    label: str
    action: str | None
    step: str | None
    reply: str | None
    agent: str | None


@dataclass(frozen=True)
class CaseHistory:
    """The replies saved for one order, oldest first; what a decision needs to follow on."""

    order_id: str
    events: tuple[CaseEvent, ...] = ()

    def __len__(self) -> int:
        return len(self.events)

    @property
    def last_action(self) -> str | None:
        """The action of the latest saved reply that recorded one."""
        return next((e.action for e in reversed(self.events) if e.action), None)

    @property
    def last_step(self) -> str | None:
        """The latest case step taken (photos_requested, reissue_offered,
        dispute_cancellation_asked), or None."""
        return next((e.step for e in reversed(self.events) if e.step), None)

    @property
    def steps(self) -> tuple[str, ...]:
        """Every step taken, in order."""
        return tuple(e.step for e in self.events if e.step)


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
                _migrate(db)
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
             agent: str | None = None, action: str | None = None,
             step: str | None = None) -> int:
        """Store one reviewed message; returns its id. The row is committed when this returns.

        ``action`` is the decision's action; ``step`` the case step it took (by default from
        the action, see :func:`case_step`), so the order's next message follows on from it.
        """
        if not str(message).strip():
            raise DataError("nothing to save: the message is empty")
        if not str(final_label).strip():
            raise DataError("choose the scenario before saving")
        row = (datetime.now(UTC).isoformat(timespec="seconds"), str(message), predicted_label,
               None if confidence is None else float(confidence), str(final_label), order_id,
               reply, language, agent, action, step or case_step(action),
               order_key(order_id) if order_id else None)
        try:
            with closing(self._connect()) as db:
                cur = db.execute(
                    "INSERT INTO feedback (created, message, predicted_label, confidence, "
                    "final_label, order_id, reply, language, agent, action, step, order_key) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", row)
                return int(cur.lastrowid)
        except sqlite3.Error as exc:
            raise DataError(f"could not save to {self.path}: {exc}; nothing was stored; "
                            f"{_fix(exc)}") from None

    def history(self, order_id: str) -> CaseHistory:
        """The replies saved for this order (a leading '#' and case are ignored), oldest
        first."""
        try:
            with closing(self._connect()) as db:
                rows = db.execute(
                    "SELECT id, created, message, final_label, action, step, reply, agent "
                    "FROM feedback WHERE order_key = ? ORDER BY id", (order_key(order_id),)
                ).fetchall()
        except sqlite3.Error as exc:
            raise DataError(f"cannot read the feedback database {self.path}: {exc}; "
                            f"{_fix(exc)}") from None
        return CaseHistory(str(order_id), tuple(CaseEvent(*row) for row in rows))

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

        target = Path(target)
        for kept in (self.path, *(Path(f"{self.path}{end}") for end in ("-wal", "-shm",
                                                                         "-journal"))):
            if target.resolve() == kept.resolve() or (
                    target.exists() and kept.exists() and os.path.samefile(target, kept)):
                raise DataError(f"cannot write {target}: it is the feedback database's file "
                                f"{kept}; export to a new .csv file")
        frame = self.labelled()
        write_csv_atomic(frame, target)
        return len(frame)


def _migrate(db: sqlite3.Connection) -> None:
    """Add the columns a database made by an older version lacks, and fill order_key."""
    have = {row[1] for row in db.execute("PRAGMA table_info(feedback)")}
    for name, kind in ADDED_COLUMNS.items():
        if name not in have:
            try:
                db.execute(f"ALTER TABLE feedback ADD COLUMN {name} {kind}")
            except sqlite3.OperationalError as exc:  # another process added it meanwhile
                if "duplicate column" not in str(exc).lower():
                    raise
    db.execute("CREATE INDEX IF NOT EXISTS feedback_order ON feedback (order_key)")
    todo = db.execute("SELECT id, order_id FROM feedback WHERE order_key IS NULL AND "
                      "order_id IS NOT NULL AND order_id != ''").fetchall()
    for row_id, order_id in todo:
        db.execute("UPDATE feedback SET order_key = ? WHERE id = ?", (order_key(order_id), row_id))
