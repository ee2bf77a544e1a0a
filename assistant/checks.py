"""Checks the pages make before acting on a user's table, each answered in words: is this
column made of messages, which training rows cannot be used (one finding per row, with its
file, its row and a suggestion), and is a comparison large enough to mean anything.

>>> not_text(pd.Series([1043, 1044, 1045]))
'it holds numbers (for example 1043, 1044, 1045), not messages'
>>> suggest_label("not_arived", ["not_arrived", "wrong_item"])
'did you mean not_arrived?'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .dataset import MIN_EXAMPLES, check_labelled
from .scenarios import LABELS

# Below this many held-out messages a difference between two models is mostly chance.
MIN_COMPARISON_ROWS = 50
_NUMBERISH = r"[\s\d.,:;/%$€£¥₽#+()-]*\d[\s\d.,:;/%$€£¥₽#+()-]*"


def not_text(values: pd.Series, *, sample: int = 2000) -> str | None:
    """Why a column cannot be the buyer's messages ("it holds numbers…"), or None when it
    can. Looks at the first ``sample`` filled cells."""
    if pd.api.types.is_bool_dtype(values):
        return "it holds yes/no values, not messages"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "it holds dates, not messages"
    filled = values.dropna().head(sample)
    text = filled.astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return "every cell in it is empty"
    numeric = text.str.fullmatch(_NUMBERISH)
    if pd.api.types.is_numeric_dtype(values) or numeric.mean() >= 0.9:
        shown = ", ".join(text[numeric].head(3)) if numeric.any() else ", ".join(text.head(3))
        return f"it holds numbers (for example {shown}), not messages"
    words = text.str.count(r"[^\W\d_]{2,}")
    if len(text) >= 20 and (words <= 1).mean() >= 0.9 and text.str.len().median() <= 20 and \
            text.nunique() <= max(10, len(text) // 20):
        shown = ", ".join(text.drop_duplicates().head(3))
        return f"it holds a few repeated codes (for example {shown}), not messages"
    return None


def suggest_label(label: str, known: Iterable[str]) -> str | None:
    """"did you mean not_arrived?" for a label that looks like a typo of a known one."""
    options = [k for k in dict.fromkeys(known) if k != label]
    close = difflib.get_close_matches(label, options, n=1, cutoff=0.75)
    if not close:
        close = difflib.get_close_matches(label.casefold().replace(" ", "_").replace("-", "_"),
                                          options, n=1, cutoff=0.75)
    return f"did you mean {close[0]}?" if close else None


@dataclass(frozen=True)
class RowProblem:
    """One finding about training data: where it is, what is wrong, what to do."""

    file: str
    row: int | None
    problem: str
    suggestion: str = ""


def data_problems(frame: pd.DataFrame, *, min_examples: int = MIN_EXAMPLES,
                  known: Iterable[str] = LABELS) -> list[RowProblem]:
    """Every reason ``frame`` (``dataset.labelled_frame`` parts: text, label, row, source)
    cannot be trained on, one per row where a row is to blame."""
    known = list(known)
    out: list[RowProblem] = []
    for p in check_labelled(frame, min_examples=1, min_labels=2):
        message = p.message
        suggestion = ""
        if "empty text" in message:
            message, suggestion = "empty message", "write the message or delete the row"
        elif "empty label" in message:
            message, suggestion = "empty label", "give the row a label or delete it"
        elif "different labels" in message:
            message, _, suggestion = message.rpartition("; ")
        elif "only one label" in message:
            suggestion = "add examples of at least one other label"
        out.append(RowProblem(_name(p.path), p.row, message, suggestion))
    filled = frame[(frame["text"] != "") & (frame["label"] != "")]
    counts = filled["label"].value_counts()
    common = [lab for lab, n in counts.items() if n >= min_examples]
    for label, count in counts.items():
        if count >= min_examples:
            continue
        hint = suggest_label(str(label), [*known, *common])
        for rec in filled[filled["label"] == label].itertuples(index=False):
            out.append(RowProblem(
                _name(rec.source), _row(rec.row),
                f"label {label!r} has {count} example{'' if count == 1 else 's'}; each label "
                f"needs at least {min_examples}",
                hint or "add examples of it, or relabel or delete the row"))
    return out


def label_warnings(labels: Iterable[str], known: Iterable[str] = LABELS) -> list[str]:
    """Labels the replies and rules do not know (they get the holding reply), with a
    suggestion when one looks like a typo."""
    known = list(known)
    out = []
    for label in sorted(set(labels) - set(known)):
        hint = suggest_label(label, known)
        out.append(f"{label!r} has no reply template or rule (answered with the holding "
                   f"reply){': ' + hint if hint else ''}")
    return out


def comparison_note(rows: int) -> str | None:
    """A warning when a comparison rests on too few held-out messages."""
    if rows >= MIN_COMPARISON_ROWS:
        return None
    step = 100 / rows if rows else 100
    return (f"Only {rows} held-out message{'' if rows == 1 else 's'}: one message more or less "
            f"right moves the figures by {step:.0f} points, so this comparison says little. "
            f"Compare on at least {MIN_COMPARISON_ROWS} (add labelled data).")


def _name(path) -> str:
    return Path(str(path)).name if path else "all files"


def _row(row) -> int | None:
    try:
        return None if row is None or pd.isna(row) else int(row)
    except (TypeError, ValueError):
        return None
