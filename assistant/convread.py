"""The row level of conversation exports: loading rows (tables and nested JSON), who wrote
each message, when, and its clean text. :mod:`assistant.conversations` builds on it.

>>> reader = RoleReader("direction", "value")
>>> [reader.side(v) for v in ("Inbound", "outbound", "activity", "Anna")]
['buyer', 'seller', 'skip', None]
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from .convlabels import find_named
from .decoding import decode
from .errors import DataError, OrderError
from .orderfields import YEARS, parse_bool
from .tables import Problem, read_table
from .threads import BUYER, SELLER, Turn, clean_text, role_of_name

SKIP = "skip"
# (column name, how its values say who wrote): "value" (buyer/agent/...), "message_type"
# (Chatwoot: 0 incoming, 1 outgoing, 2 activity, 3 template), "buyer_flag" (true = the buyer),
# "seller_flag" (true = the seller). The first column present whose values are all understood
# is used.
ROLE_COLUMNS = (
    ("role", "value"), ("direction", "value"), ("message_type", "message_type"),
    ("from_agent", "seller_flag"), ("incoming", "buyer_flag"), ("inbound", "buyer_flag"),
    ("is_customer", "buyer_flag"), ("from_customer", "buyer_flag"), ("is_buyer", "buyer_flag"),
    ("from_buyer", "buyer_flag"), ("is_incoming", "buyer_flag"), ("outgoing", "seller_flag"),
    ("outbound", "seller_flag"), ("is_agent", "seller_flag"), ("from_seller", "seller_flag"),
    ("is_seller", "seller_flag"), ("is_staff", "seller_flag"), ("sender_type", "value"),
    ("author_type", "value"), ("author_role", "value"), ("sender_role", "value"),
    ("user_type", "value"), ("participant_type", "value"), ("sender", "value"),
    ("author", "value"), ("from", "value"), ("speaker", "value"), ("who", "value"),
    ("party", "value"), ("type", "value"),
)
# Zendesk-style: the buyer is the ticket's requester.
AUTHOR_IDS = ("author_id", "user_id", "sender_id", "from_id")
REQUESTER_IDS = ("requester_id", "customer_id", "buyer_id", "contact_id")
# (column, value that hides a message): internal notes are not part of the conversation.
VISIBILITY = (("public", False), ("private", True), ("is_private", True), ("internal", True),
              ("is_internal", True), ("is_note", True), ("internal_note", True))
_BUYER_VALUES = {"buyer", "customer", "client", "enduser", "contact", "incoming", "inbound",
                 "in", "requester", "visitor", "shopper", "consumer", "guest", "lead"}
_SELLER_VALUES = {"seller", "agent", "staff", "outgoing", "outbound", "out", "admin",
                  "support", "operator", "merchant", "store", "shop", "vendor", "bot",
                  "agentbot", "template", "automation", "assistant"}
_SKIP_VALUES = {"activity", "system", "note", "internal", "internalnote", "privatenote",
                "event", "log", "notification"}
_MESSAGE_TYPES = {"0": BUYER, "1": SELLER, "2": SKIP, "3": SELLER}
MESSAGE_KEYS = ("messages", "comments", "conversations", "thread", "turns", "entries", "posts")
TOP_KEYS = ("conversations", "tickets", "payload", "data", "results", "items", "threads",
            "chats")


def cell(value: Any) -> str:
    """A cell as stripped text: blank for None/NaN, whole floats without ``.0``."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _key(value: str) -> str:
    return re.sub(r"[\s_.-]+", "", value.casefold())


# ---------------------------------------------------------------- loading rows


@dataclass
class Rows:
    """Message rows as read: ``records`` (dicts), where each came from (``where``, and its
    ``numbers``: line, spreadsheet row or conversation number, per ``unit``)."""

    frame: pd.DataFrame
    path: str
    unit: str
    where: list[str]
    numbers: list[int]
    warnings: list[str] = field(default_factory=list)
    table: Any = None  # the dataset.Table, for tables

    @cached_property
    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts, made when first asked for (a labelled file never needs them)."""
        return self.frame.to_dict("records")


def load(source: str | os.PathLike | bytes, *, name: str | None = None,
         encoding: str | None = None) -> Rows:
    """Rows from a table (via :func:`assistant.dataset.read_table`) or a JSON file."""
    label = str(name or ("upload" if isinstance(source, bytes) else source))
    if Path(label).suffix.lower() != ".json":
        table = read_table(source, name=name, encoding=encoding)
        frame = table.frame
        if any(isinstance(v, dict) for v in frame.head(50).to_numpy().ravel()):
            frame = pd.DataFrame([_flat(r) for r in frame.to_dict("records")],
                                 index=frame.index)
        numbers = [int(n) for n in frame.index]
        return Rows(frame.reset_index(drop=True), table.path, table.unit,
                    [f"{table.unit} {n}" for n in numbers], numbers, list(table.warnings),
                    table)
    try:
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {label}: {exc.strerror or exc}") from None
    text, _, notes = decode(raw, encoding, path=label)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DataError(f"{label} is not valid JSON ({exc}); export it again, or as CSV"
                        ) from None
    rows = _json_rows(data, label)
    rows.warnings += notes
    return rows


def _flat(obj: dict, prefix: str = "") -> dict[str, Any]:
    """Nested objects as ``parent_child`` keys; lists of tags (strings, or objects with a
    ``name``) as one comma-separated cell."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= _flat(value, f"{name}_")
        elif isinstance(value, list):
            if all(isinstance(v, str | int | float) for v in value):
                out[name] = ", ".join(str(v) for v in value)
            elif all(isinstance(v, dict) and "name" in v for v in value):
                out[name] = ", ".join(str(v["name"]) for v in value)
            else:
                out[name] = json.dumps(value, ensure_ascii=False)
        else:
            out[name] = value
    return out


def _json_rows(data: Any, path: str) -> Rows:
    items = data
    if isinstance(data, dict):
        key = next((k for k in TOP_KEYS if isinstance(data.get(k), list)), None)
        lists = [k for k, v in data.items() if isinstance(v, list)]
        key = key or (lists[0] if len(lists) == 1 else None)
        if key is None:
            raise DataError(f"{path}: expected a list of conversations (or of messages), or an "
                            f"object holding one under {', '.join(TOP_KEYS)}")
        items = data[key]
    if not isinstance(items, list):
        raise DataError(f"{path}: expected a list of conversations or messages")
    records, where, numbers = [], [], []
    nested = False
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise DataError(f"{path}: item {i} is not an object; expected a conversation "
                            "with its messages, or a message")
        key = next((k for k in MESSAGE_KEYS if isinstance(item.get(k), list)), None)
        if key is None:
            records.append(_flat(item))
            where.append(f"message {i}")
            numbers.append(i)
            continue
        nested = True
        conv = _flat({k: v for k, v in item.items() if k != key})
        if "id" in conv:
            conv["conversation_id"] = conv.pop("id")
        for j, message in enumerate(item[key], start=1):
            if not isinstance(message, dict):
                raise DataError(f"{path}: conversation {i}, message {j} is not an object")
            flat = _flat(message)
            records.append({**{k: v for k, v in conv.items() if k not in flat}, **flat})
            where.append(f"conversation {i}, message {j}")
            numbers.append(i)
    return Rows(pd.DataFrame.from_records(records), path,
                "conversation" if nested else "message", where, numbers)


# ---------------------------------------------------------------- who wrote it


@dataclass
class RoleReader:
    """Reads who wrote each message from one column (or from author and requester ids)."""

    column: str | None
    kind: str  # value, message_type, buyer_flag, seller_flag, pair, given
    buyer_values: frozenset[str] = frozenset()
    pair: tuple[str, str] | None = None

    def side(self, value: str) -> str | None:
        """buyer, seller, skip (a system message) or None (not understood)."""
        key = _key(value)
        if self.kind == "given":
            return BUYER if key in self.buyer_values else SKIP if key in _SKIP_VALUES else SELLER
        if self.kind in ("buyer_flag", "seller_flag"):
            try:
                flag = parse_bool(value)
            except OrderError:
                return None
            if flag is None:
                return None
            return BUYER if flag == (self.kind == "buyer_flag") else SELLER
        if self.kind == "message_type" and key in _MESSAGE_TYPES:
            return _MESSAGE_TYPES[key]
        if key in _SKIP_VALUES:
            return SKIP
        if key in _BUYER_VALUES:
            return BUYER
        if key in _SELLER_VALUES:
            return SELLER
        return role_of_name(value)

    def read(self, record: dict) -> tuple[str | None, str]:
        """(side, the value it was read from) for one message row."""
        if self.kind == "pair":
            author, requester = (cell(record.get(c)) for c in self.pair)
            if not author or not requester:
                return None, author
            return (BUYER if author == requester else SELLER), author
        value = cell(record.get(self.column))
        return (self.side(value) if value else None), value


def role_column_present(columns: Sequence[str]) -> bool:
    names = [c for c, _ in ROLE_COLUMNS]
    return bool(find_named(columns, None, names, what="", flag="", required=False)
                or id_pair(columns))


def id_pair(columns: Sequence[str]) -> tuple[str, str] | None:
    author = find_named(columns, None, AUTHOR_IDS, what="", flag="", required=False)
    requester = find_named(columns, None, REQUESTER_IDS, what="", flag="", required=False)
    return (author, requester) if author and requester else None


def roles(rows: Rows, column: str | None, buyer_values: Sequence[str] | None,
          pair: tuple[str, str] | None) -> RoleReader:
    """The reader for who wrote each message; DataError when no column says it, or when its
    values are neither a buyer's nor a seller's (listing them, with their rows)."""
    columns = list(rows.frame.columns)
    kinds = dict(ROLE_COLUMNS)
    if column is not None:
        column = find_named(columns, column, (), what="role", flag="--role-column",
                            path=rows.path)
        candidates = [(column, next((k for n, k in ROLE_COLUMNS if _key(n) == _key(column)),
                                    "value"))]
    else:
        present = {_key(c): c for c in columns}
        candidates = [(present[_key(n)], kinds[n]) for n, _ in ROLE_COLUMNS if _key(n) in present]
    if buyer_values:
        if not candidates:
            raise DataError(_no_role_column(rows, columns))
        keys = frozenset(_key(v) for v in buyer_values)
        return RoleReader(candidates[0][0], "given", keys)
    for name, kind in candidates:
        reader = RoleReader(name, kind)
        if not _unknown(rows, reader):
            return reader
    if pair is not None and column is None:
        return RoleReader(None, "pair", pair=pair)
    if not candidates:
        raise DataError(_no_role_column(rows, columns))
    reader = RoleReader(*candidates[0])
    unknown = _unknown(rows, reader)
    shown = "; ".join(f"{v!r} ({', '.join(w[:3])})" for v, w in list(unknown.items())[:6])
    example = next(iter(unknown))
    raise DataError(f"{rows.path}: the {reader.column!r} column has values that are neither a "
                    f"buyer's nor a seller's: {shown}; name the buyer's values with "
                    f"--buyer-values (for example --buyer-values {example!r}; every other "
                    "value is then the seller), or the right column with --role-column")


def _unknown(rows: Rows, reader: RoleReader) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for record, where in zip(rows.records, rows.where, strict=True):
        value = cell(record.get(reader.column))
        if value and reader.side(value) is None:
            found.setdefault(value, []).append(where)
    return found


def _no_role_column(rows: Rows, columns: Sequence[str]) -> str:
    names = ", ".join(n for n, _ in ROLE_COLUMNS[:12])
    return (f"no role column in {rows.path} (who wrote each message): looked for {names}…, "
            f"or author_id with requester_id; the columns are: {', '.join(map(str, columns))}; "
            "name it with --role-column")


# ---------------------------------------------------------------- the messages


@dataclass
class Message:
    """One row: its position, where it is, the number to report, who wrote it (as written),
    its time and its turn (None when left out)."""

    index: int
    where: str
    row: int
    role_value: str
    time: Any
    turn: Turn | None


@dataclass
class MessageSet:
    groups: dict[str, list[Message]]
    left_out: Counter
    problems: list[Problem]


def messages(rows: Rows, cols: dict, reader: RoleReader, dayfirst: bool = False) -> MessageSet:
    """Every row as a Message, grouped by conversation in order of first appearance and
    sorted by time when every message of a conversation has one."""
    times, problems = parse_times(
        [r.get(cols["time"]) for r in rows.records] if cols.get("time") else None,
        rows, dayfirst)
    hidden = _visibility(rows)
    groups: dict[str, list[Message]] = {}
    left_out: Counter = Counter()
    for pos, record in enumerate(rows.records):
        where = rows.where[pos]
        cid = cell(record.get(cols["id"]))
        if not cid:
            problems.append(Problem(f"{where}: no conversation id in {cols['id']!r}; fill it "
                                    "or delete the row", path=rows.path))
            continue
        side, value = reader.read(record)
        turn = None
        if hidden(record):
            left_out["internal note(s)"] += 1
        elif side == SKIP:
            left_out["system message(s)"] += 1
        elif side is None:
            what = reader.column or "/".join(reader.pair or ())
            problems.append(Problem(f"{where}: no {what!r} value, so who wrote this message is "
                                    "unknown; fill it or delete the row", path=rows.path))
        elif not (text := clean_text(cell(record.get(cols["text"])))):
            left_out["empty message(s)"] += 1
        else:
            turn = Turn(side, text, times[pos])
        groups.setdefault(cid, []).append(Message(pos, where, rows.numbers[pos], value,
                                                  times[pos], turn))
    for cid, group in groups.items():
        if all(m.time is not None for m in group):
            groups[cid] = sorted(group, key=lambda m: m.time)
    return MessageSet(groups, left_out, problems)


def _visibility(rows: Rows):
    names = [c for c, _ in VISIBILITY]
    column = find_named(rows.frame.columns, None, names, what="", flag="", required=False)
    if column is None:
        return lambda record: False
    hides = dict((_key(c), v) for c, v in VISIBILITY)[_key(column)]

    def hidden(record: dict) -> bool:
        try:
            return parse_bool(cell(record.get(column))) is hides
        except OrderError:
            return False

    return hidden


_EPOCH = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_AWARE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
TIME_HELP = ("write it as 2026-03-02 10:32, ISO 8601 (2026-03-02T10:32:00Z) or Unix seconds, or "
             "name another column with --time-column")


def parse_times(values: Sequence[Any] | None, rows: Rows, dayfirst: bool = False
                ) -> tuple[list, list[Problem]]:
    """Each value as a pandas Timestamp (None for a blank), and a problem per value that is
    not a time. Unix seconds or milliseconds are read as UTC; when no value names its time
    zone, times stay as written (naive)."""
    n = len(rows.records)
    if values is None:
        return [None] * n, []
    texts = [cell(v) if not isinstance(v, pd.Timestamp) else v.isoformat() for v in values]
    aware = any(_EPOCH.match(t) or _AWARE.search(t) for t in texts if t)
    out: list = [None] * n
    problems = []
    for pos, text in enumerate(texts):
        if not text:
            continue
        if _EPOCH.match(text):
            number = float(text)
            found = pd.to_datetime(number, unit="ms" if number > 1e11 else "s", utc=True)
        else:
            found = pd.to_datetime(text, errors="coerce", dayfirst=dayfirst, utc=True)
        if pd.isna(found) or not YEARS[0] <= found.year <= YEARS[1]:
            problems.append(Problem(f"{rows.where[pos]}: cannot read the time {text!r}; "
                                    f"{TIME_HELP}", path=rows.path))
            continue
        out[pos] = found if aware else found.tz_localize(None)
    return out, problems
