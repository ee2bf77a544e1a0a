"""Classify conversation exports: one row per conversation, on the buyer's current request.

>>> summary = run_conversation_batch(["tickets.csv"], "triage.csv",
...                                  model=get_model())          # doctest: +SKIP
>>> summary.conversations == summary.answered + summary.waiting  # doctest: +SKIP
True
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from .batch import REPLY_COLUMNS, Classifier, draft_row
from .conversations import Conversation, Conversations, read_conversations
from .errors import DataError
from .exports import AtomicOutput, expand_inputs
from .model import Model, Prediction
from .orders import Order
from .settings import Settings
from .threads import BUYER

__all__ = ["CONVERSATION_COLUMNS", "ConversationSummary", "classify_conversations",
           "run_conversation_batch"]

CONVERSATION_COLUMNS = ("conversation_id", "turns", "last_buyer_message", "label",
                        "confidence", "needs_review", "also_label", "answered", "waiting_since")


@dataclass
class ConversationSummary:
    """What a run did: conversations and messages read, answered and waiting, labels."""

    output: str
    conversations: int = 0
    messages: int = 0
    left_out: Counter = field(default_factory=Counter)
    answered: int = 0
    waiting: int = 0
    replies: int = 0
    needs_review: int = 0
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        left = (" (left out: " + ", ".join(f"{n} {why}" for why, n in self.left_out.items())
                + ")") if self.left_out else ""
        out = [f"{self.conversations} conversations from {self.messages} messages{left} "
               f"classified in {self.seconds:.1f}s -> {self.output}",
               f"answered (the seller wrote last): {self.answered}; waiting for an answer: "
               f"{self.waiting}" + (f" ({self.replies} replies drafted)" if self.replies else ""),
               f"needs review: {self.needs_review} conversations"]
        out += [f"  {label:<26} {count:>9}" for label, count in self.counts.most_common()]
        return out


def _iso(value) -> str:
    return "" if value is None else pd.Timestamp(value).isoformat()


def classify_conversations(convs: Sequence[Conversation], model: Model, *,
                           jobs: int | None = 1) -> pd.DataFrame:
    """``CONVERSATION_COLUMNS`` for each conversation, classified on its current request
    (:func:`assistant.threads.current_request`), plus the model's other result columns."""
    requests = pd.Series([c.request for c in convs], dtype=object)
    with Classifier(model, jobs) as clf:
        results = clf.results(requests).reset_index(drop=True)
    frame = pd.DataFrame({
        "conversation_id": [c.id for c in convs],
        "turns": [len(c.turns) for c in convs],
        "last_buyer_message": [c.last_buyer_message for c in convs],
        "answered": [c.answered for c in convs],
        "waiting_since": [_iso(c.waiting_since) for c in convs],
    })
    combined = pd.concat([frame, results], axis=1)
    rest = [c for c in results.columns if c not in CONVERSATION_COLUMNS]
    combined["request"] = requests
    return combined[[*CONVERSATION_COLUMNS, *rest, "request"]]


def _replies(convs: Sequence[Conversation], frame: pd.DataFrame, options: dict
             ) -> pd.DataFrame:
    """The decision and drafted reply for each conversation still waiting for the seller
    (order numbers are looked for in all the buyer's messages)."""
    rows = []
    for conv, record in zip(convs, frame.to_dict("records"), strict=True):
        if conv.answered or not conv.request:
            rows.append(("",) * len(REPLY_COLUMNS))
            continue
        values = tuple(record[c] for c in Prediction.ROW_COLUMNS)
        buyer = "\n".join(t.text for t in conv.turns if t.role == BUYER)
        rows.append(draft_row(conv.fields, conv.request, values, order_text=buyer, **options))
    return pd.DataFrame(rows, columns=list(REPLY_COLUMNS))


def run_conversation_batch(inputs: Sequence[str], output: str, *, model: Model,
                           jobs: int | None = None, with_replies: bool = False,
                           orders: dict[str, Order] | None = None, lang: str | None = None,
                           agent_name: str | None = None, store_name: str | None = None,
                           today: date | None = None, notes: list[str] | None = None,
                           settings: Settings | None = None,
                           **read_options) -> ConversationSummary:
    """Classify every conversation of ``inputs`` into ``output`` (CSV/TSV/JSONL/Parquet),
    written atomically. ``with_replies`` adds the action and a drafted reply for each
    conversation waiting for an answer, decided under the seller's policy ``settings``
    (default: the one in effect). ``read_options`` go to
    :func:`assistant.conversations.read_conversations`."""
    files = expand_inputs(inputs)
    if "-" in files:
        raise DataError("conversation exports are read from files; save stdin to a file first")
    start = time.perf_counter()
    summary = ConversationSummary(output=str(output))
    out = AtomicOutput(output, inputs=files)
    try:
        for path in files:
            convs: Conversations = read_conversations(path, with_labels=False, **read_options)
            if notes is not None:
                notes.extend(convs.warnings)
            frame = classify_conversations(convs.items, model, jobs=jobs)
            if with_replies:
                options = {"orders": orders, "lang": lang, "today": today,
                           "agent_name": agent_name, "store_name": store_name,
                           "settings": settings}
                replies = _replies(convs.items, frame, options)
                summary.replies += int((replies["reply"] != "").sum())
                frame = pd.concat([frame, replies], axis=1)
            out.write(frame.drop(columns=["request"]))
            _count(summary, convs, frame)
        out.commit()
    except BaseException:
        out.abort()
        raise
    summary.seconds = time.perf_counter() - start
    return summary


def _count(summary: ConversationSummary, convs: Conversations, frame: pd.DataFrame) -> None:
    summary.conversations += len(frame)
    summary.messages += convs.messages
    summary.left_out.update(convs.left_out)
    summary.answered += int(frame["answered"].sum())
    summary.waiting += int((~frame["answered"]).sum())
    summary.needs_review += int(frame["needs_review"].sum())
    summary.counts.update(frame["label"].tolist())
