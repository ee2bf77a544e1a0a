"""Conversation exports -> conversations of turns, with their labels.

Reads one row per message (CSV, TSV, XLSX, JSONL, Parquet, through
:func:`assistant.dataset.read_table`) and nested JSON (a list of conversations, each with its
list of messages: Chatwoot, Gorgias, Zendesk API dumps). Columns are found by common names (or
named by the caller): the conversation id, who wrote the message, the time, the text, and the
label, tags or none (labels may also come from a separate file). Internal notes and system
messages are left out and counted. Problems are collected with the row they are on.

>>> convs = read_conversations("data/examples/zendesk_comments.csv",
...                            label_map="data/examples/label_map.csv")  # doctest: +SKIP
>>> convs.summary_lines()[0]                                              # doctest: +SKIP
'data/examples/zendesk_comments.csv: 4 conversations, 13 messages'
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from . import convread
from .convlabels import (
    TAG_COLUMNS,
    LabelMap,
    LabelResolver,
    find_named,
    read_label_map,
    read_labels_file,
    resolve,
    split_tags,
)
from .errors import DataError
from .tables import LABEL_COLUMNS, Problem, format_problems
from .threads import BUYER, DEFAULT_EXAMPLES, SELLER, Turn, buyer_side, current_request

__all__ = ["Conversation", "Conversations", "looks_like_conversations", "parse_conversations",
           "read_conversations"]

ID_COLUMNS = ("conversation_id", "conversation", "ticket_id", "ticket", "thread_id", "thread",
              "case_id", "case", "chat_id", "chat", "dialog_id", "dialogue_id", "session_id",
              "order_id", "order_number", "order_no", "order")
TEXT_COLUMNS = ("text", "message", "body_text", "plain_body", "stripped_text", "content",
                "body", "message_text", "message_content", "message_body", "content_text",
                "msg", "comment", "buyer_message")
TIME_COLUMNS = ("created_at", "created_datetime", "sent_datetime", "timestamp", "time",
                "date", "datetime", "sent", "sent_at", "created", "send_time", "message_time",
                "posted_at", "date_created")
CONV_LABEL_COLUMNS = (*(c for c in LABEL_COLUMNS if c != "tag"), "reason", "reason_code",
                      "contact_reason", "disposition", "topic")


@dataclass
class Conversation:
    """One conversation: its turns in order, its label (None when it has none) and where it
    came from (``unit`` and ``row`` of its first message, ``rows`` of every message)."""

    id: str
    turns: list[Turn]
    label: str | None = None
    unlabelled: str | None = None  # why it has no label
    rows: list[str] = field(default_factory=list)
    row: int = 0
    unit: str = "line"
    fields: dict[str, str] = field(default_factory=dict)  # other columns' first values

    @property
    def answered(self) -> bool:
        """The seller wrote last."""
        return bool(self.turns) and self.turns[-1].role == SELLER

    @property
    def last_buyer_message(self) -> str:
        return next((t.text for t in reversed(self.turns) if t.role == BUYER), "")

    @property
    def waiting_since(self):
        """The time of the oldest buyer message after the seller's last answer (None when
        answered or when the messages carry no time)."""
        if self.answered:
            return None
        waiting = None
        for turn in reversed(self.turns):
            if turn.role != BUYER:
                break
            waiting = turn.time or waiting
        return waiting

    @property
    def request(self) -> str:
        """The text the buyer's current scenario is classified on."""
        return current_request(self.turns)

    def example(self, mode: str = DEFAULT_EXAMPLES) -> str:
        """The buyer's side as one training text (see :func:`assistant.threads.buyer_side`)."""
        return buyer_side(self.turns, mode)


@dataclass
class Conversations:
    """What an export held: conversations, the message rows read, the rows left out (with
    why), the tags no label matched, the columns used and warnings."""

    source: str
    items: list[Conversation]
    messages: int = 0
    left_out: Counter = field(default_factory=Counter)
    unmapped: Counter = field(default_factory=Counter)
    columns: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def examples(self, mode: str = DEFAULT_EXAMPLES) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
        """One training row per labelled conversation (the columns of
        :func:`assistant.dataset.labelled_frame`), and the (conversation id, reason) of each
        conversation skipped; the two add up to the conversations read."""
        rows, skipped = [], []
        for conv in self.items:
            if conv.label is None:
                skipped.append((conv.id, conv.unlabelled or "no label"))
                continue
            rows.append((conv.example(mode), conv.label, conv.row, self.source, conv.unit))
        frame = pd.DataFrame(rows, columns=["text", "label", "row", "source", "unit"])
        return frame, skipped

    def summary_lines(self, mode: str | None = None) -> list[str]:
        """Counts for a person: conversations, messages, rows left out, and with ``mode`` the
        examples used and the conversations skipped by reason."""
        kept = sum(len(c.turns) for c in self.items)
        out = [f"{self.source}: {len(self.items)} conversations, {self.messages} messages"
               + (f" ({kept} used; left out: " + ", ".join(
                   f"{n} {why}" for why, n in self.left_out.most_common()) + ")"
                   if self.left_out else "")]
        if mode is not None:
            frame, skipped = self.examples(mode)
            reasons = Counter(why for _, why in skipped)
            out.append(f"  {len(frame)} examples used ({mode}), {len(skipped)} conversations "
                       "skipped" + (": " + "; ".join(f"{n} {why}" for why, n in
                                                     reasons.most_common()) if skipped else ""))
        return out


def looks_like_conversations(columns: Iterable[str]) -> bool:
    """Whether a table's columns make it a conversation export (a conversation id and who
    wrote each message), not a file of labelled messages."""
    columns = [str(c) for c in columns]
    found = find_named(columns, None, ID_COLUMNS, what="", flag="", required=False)
    return found is not None and convread.role_column_present(columns)


@dataclass
class _Options:
    conversation_column: str | None = None
    role_column: str | None = None
    text_column: str | None = None
    time_column: str | None = None
    label_column: str | None = None
    tags_column: str | None = None
    buyer_values: Sequence[str] | None = None
    dayfirst: bool = False


def read_conversations(source: str | os.PathLike | bytes | convread.Rows, *,
                       name: str | None = None, labels: str | os.PathLike | None = None,
                       label_map: str | os.PathLike | Mapping[str, str] | LabelMap | None = None,
                       encoding: str | None = None, known_labels: Iterable[str] | None = None,
                       **columns) -> Conversations:
    """Read a conversation export; raise DataError listing every problem with its row.

    ``source`` is a path, or bytes with ``name`` (an upload). ``labels`` is a separate file
    of conversation id and label (or tags); ``label_map`` maps tags to labels. Column
    overrides: ``conversation_column``, ``role_column``, ``text_column``, ``time_column``,
    ``label_column``, ``tags_column``; ``buyer_values`` lists the role column's values that
    mean the buyer (every other value is the seller); ``dayfirst`` reads 02/03 as 2 March.
    """
    convs, problems = parse_conversations(source, name=name, labels=labels,
                                          label_map=label_map, encoding=encoding,
                                          known_labels=known_labels, **columns)
    if problems:
        raise DataError(format_problems(problems))
    return convs


def parse_conversations(source, *, name=None, labels=None, label_map=None, encoding=None,
                        known_labels=None, with_labels: bool = True,
                        **columns) -> tuple[Conversations, list[Problem]]:
    """Like :func:`read_conversations`, but returns the problems instead of raising.
    ``with_labels`` False reads no labels at all (classifying needs none)."""
    options = _Options(**columns)
    rows = source if isinstance(source, convread.Rows) else convread.load(
        source, name=name, encoding=encoding)
    path = rows.path
    cols = _columns(rows.frame, options, path)
    if not with_labels:
        cols["label"] = cols["tags"] = None
        labels = label_map = None
    roles = convread.roles(rows, cols.get("role"), options.buyer_values, cols.get("pair"))
    cols["role"] = roles.column
    resolver = LabelResolver(read_label_map(label_map, encoding=encoding),
                             frozenset(known_labels) if known_labels else LabelResolver.known)
    messages = convread.messages(rows, cols, roles, options.dayfirst)
    problems = list(messages.problems)
    convs = Conversations(path, [], len(rows.frame), messages.left_out,
                          columns={k: v for k, v in cols.items() if isinstance(v, str)})
    given = (read_labels_file(labels, resolver, id_column=cols["id"], id_names=ID_COLUMNS,
                              label_names=CONV_LABEL_COLUMNS, encoding=encoding)
             if labels else {})
    for cid, group in messages.groups.items():
        conv, problem = _conversation(cid, group, rows, cols, resolver, given)
        if problem:
            problems.append(Problem(problem, path=path))
        convs.items.append(conv)
    if given:
        missing = [cid for cid in given if cid not in messages.groups]
        if missing:
            convs.warnings.append(f"{len(missing)} conversation id(s) in {labels} are not in "
                                  f"{path}: {', '.join(missing[:5])}")
    if not convs.items and not problems:
        problems.append(Problem("no messages under the header; export the conversations again",
                                path=path))
    convs.unmapped = resolver.unmapped
    if note := resolver.unmapped_note():
        convs.warnings.append(note)
    return convs, problems


def _columns(frame: pd.DataFrame, o: _Options, path: str) -> dict[str, str | None]:
    """The columns to read, by override or by name; the id and text columns are required."""
    columns = list(frame.columns)
    cols: dict[str, str | None] = {
        "id": find_named(columns, o.conversation_column, ID_COLUMNS, what="conversation id",
                         flag="--conversation-column", path=path),
        "text": find_named(columns, o.text_column, TEXT_COLUMNS, what="message text",
                           flag="--text-column", path=path),
        "time": find_named(columns, o.time_column, TIME_COLUMNS, what="time",
                           flag="--time-column", path=path, required=False),
        "label": find_named(columns, o.label_column, CONV_LABEL_COLUMNS, what="label",
                            flag="--label-column", path=path, required=False),
        "tags": find_named(columns, o.tags_column, TAG_COLUMNS, what="tags",
                           flag="--tags-column", path=path, required=False),
        "role": o.role_column,
        "pair": convread.id_pair(columns),
    }
    if cols["label"] == cols["id"]:
        cols["label"] = None
    return cols


def _conversation(cid: str, group: list[convread.Message], rows: convread.Rows,
                  cols: dict, resolver: LabelResolver, given: dict) -> tuple[Conversation, str]:
    """Build one conversation and say what is wrong with it (or "")."""
    first = group[0]
    turns = [m.turn for m in group if m.turn is not None]
    conv = Conversation(cid, turns, rows=[m.where for m in group], row=first.row,
                        unit=rows.unit,
                        fields=_fields(group, rows, cols))
    span = f"{first.where}" + (f" to {group[-1].where}" if len(group) > 1 else "")
    if not any(t.role == BUYER for t in turns) and turns:
        values = sorted({m.role_value for m in group if m.role_value})
        return conv, (f"{span}: conversation {cid} has no buyer message (who wrote: "
                      f"{', '.join(values) or 'nobody'}); if some are the buyer's, name those "
                      "values with --buyer-values")
    found = given[cid][0] if cid in given else _label_findings(group, rows, cols, resolver)
    conv.label, conflict = resolve(found)
    if conflict:
        return conv, f"{span}: conversation {cid}: {conflict}"
    if conv.label is None:
        conv.unlabelled = _why_unlabelled(group, rows, cols)
    return conv, ""


def _label_findings(group, rows: convread.Rows, cols: dict, resolver: LabelResolver):
    """(label, where, value) for each label cell, else each tag (a tag repeated on several
    rows of a conversation counts once)."""
    found = []
    for m in group:
        raw = convread.cell(rows.records[m.index].get(cols["label"])) if cols["label"] else ""
        if raw and (label := resolver.label(raw)):
            found.append((label, m.where, raw))
    if found or not cols.get("tags"):
        return found
    seen: dict[str, str] = {}
    for m in group:
        for raw in split_tags(convread.cell(rows.records[m.index].get(cols["tags"]))):
            seen.setdefault(raw, m.where)
    return [(label, where, raw) for raw, where in seen.items() if (label := resolver.tag(raw))]


def _why_unlabelled(group, rows: convread.Rows, cols: dict) -> str:
    tags = [t for m in group if cols.get("tags")
            for t in split_tags(convread.cell(rows.records[m.index].get(cols["tags"])))]
    if tags:
        return "no tag maps to a label (tags: " + ", ".join(dict.fromkeys(tags)) + ")"
    return "no label"


def _fields(group, rows: convread.Rows, cols: dict) -> dict[str, str]:
    """The first non-empty value of each column that is not the message itself (order
    number, buyer name... for drafting replies)."""
    used = {v for v in cols.values() if isinstance(v, str)}
    out: dict[str, str] = {}
    for m in group:
        for column, value in rows.records[m.index].items():
            if column not in used and column not in out and (text := convread.cell(value)):
                out[str(column)] = text
    return out


def read_many(paths: Sequence[str | os.PathLike], **options) -> list[Conversations]:
    """:func:`read_conversations` for several files; every file's problems are reported
    together."""
    out, problems = [], []
    for path in paths:
        convs, found = parse_conversations(path, **options)
        out.append(convs)
        problems += found
    if problems:
        raise DataError(format_problems(problems))
    return out
