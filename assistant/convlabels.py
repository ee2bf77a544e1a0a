"""Labels of conversation exports: a label column, a tags field, a separate labels file, and
``--label-map`` (CSV ``tag,label``) from a helpdesk's tags to our labels.

Nothing is guessed: a tag is a label only when the map says so, or when it is one of the
known label ids already; every other tag is counted and reported as unmapped. A map row with
an empty label marks a tag to ignore (``vip``, ``urgent``), so it is not reported.

>>> resolver = LabelResolver(LabelMap({"broken": "item_defective", "vip": ""}))
>>> [resolver.tag(t) for t in split_tags("broken, vip, fragile")]
['item_defective', None, None]
>>> dict(resolver.unmapped)
{'fragile': 1}
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .errors import DataError
from .scenarios import LABELS
from .tables import Table, _normalise, find_column, read_table

TAG_COLUMNS = ("tags", "tag", "labels", "tag_list", "ticket_tags", "conversation_labels")
MAP_TAG_COLUMNS = ("tag", "tags", "helpdesk_tag", "source", "from", "category", "reason")
MAP_LABEL_COLUMNS = ("label", "scenario", "intent", "to", "target")


def find_named(columns: Iterable[str], wanted: str | None, candidates: Iterable[str], *,
               what: str, flag: str, path: str = "", required: bool = True) -> str | None:
    """The column holding ``what``: ``wanted`` if given, else the first known name present
    (case, spaces and punctuation ignored); None, or an error naming ``flag``, when absent."""
    columns = [str(c) for c in columns]
    if wanted is not None:
        return find_column(columns, wanted, (), role=what, path=path)
    by_norm = {_normalise(c): c for c in columns}
    candidates = tuple(candidates)
    found = next((by_norm[_normalise(n)] for n in candidates if _normalise(n) in by_norm), None)
    if found is None and required:
        where = f" in {path}" if path else ""
        raise DataError(f"no {what} column{where}: looked for {', '.join(candidates)}; the "
                        f"columns are: {', '.join(columns) or '(none)'}; name the right one "
                        f"with {flag}")
    return found


def tag_key(tag: str) -> str:
    """Tags compare case-folded with spacing, dashes and underscores ignored."""
    return re.sub(r"[\s_-]+", "", str(tag).casefold())


def split_tags(cell: object) -> list[str]:
    """The tags in one cell: split on commas, semicolons or pipes, else on spaces (Zendesk
    writes its tags space-separated; they never contain spaces)."""
    text = "" if cell is None else str(cell).strip()
    if not text:
        return []
    parts = re.split(r"[,;|]", text) if re.search(r"[,;|]", text) else text.split()
    return [p.strip().strip("[]\"'").strip() for p in parts if p.strip().strip("[]\"'").strip()]


@dataclass
class LabelMap:
    """Helpdesk tag -> label ("" ignores the tag)."""

    labels: dict[str, str]
    source: str = "the label map"

    def __post_init__(self):
        self.labels = {tag_key(k): str(v).strip() for k, v in self.labels.items()}

    def get(self, tag: str) -> str | None:
        return self.labels.get(tag_key(tag))


def read_label_map(source: str | os.PathLike | Mapping[str, str] | LabelMap | None,
                   *, encoding: str | None = None) -> LabelMap | None:
    """A label map from a CSV/TSV/XLSX file with a tag and a label column, or a mapping.

    A tag given twice with different labels is an error naming both rows.
    """
    if source is None or isinstance(source, LabelMap):
        return source
    if isinstance(source, Mapping):
        return LabelMap(dict(source))
    table = read_table(source, encoding=encoding)
    return LabelMap(_pairs(table, MAP_TAG_COLUMNS, MAP_LABEL_COLUMNS, "tag"), str(source))


def _pairs(table: Table, key_names: Iterable[str], label_names: Iterable[str], what: str,
           key_column: str | None = None) -> dict[str, str]:
    """key -> label from a two-column table; a key with two labels is an error."""
    frame = table.frame
    key_col = find_named(frame.columns, key_column, key_names, what=what,
                         flag="a header such as 'tag,label'", path=table.path)
    rest = [c for c in frame.columns if c != key_col]
    label_col = find_named(rest, None, label_names, what="label",
                           flag="a header such as 'tag,label'", path=table.path)
    out: dict[str, str] = {}
    first: dict[str, tuple[str, int]] = {}
    problems = []
    for number, key, label in zip(frame.index, frame[key_col], frame[label_col], strict=True):
        key = "" if key is None else str(key).strip()
        label = "" if label is None or str(label) == "nan" else str(label).strip()
        if not key:
            problems.append(f"{table.unit} {number}: empty {what}; fill it or delete the row")
            continue
        norm = tag_key(key) if what == "tag" else key
        if norm in first and first[norm][0] != label:
            problems.append(f"{table.unit} {number}: {what} {key!r} is {label!r} here but "
                            f"{first[norm][0]!r} on {table.unit} {first[norm][1]}; keep one")
            continue
        first.setdefault(norm, (label, int(number)))
        out[key] = label
    if problems:
        raise DataError(f"{table.path}: " + "; ".join(problems[:10]))
    return out


@dataclass
class LabelResolver:
    """Turns label cells and tags into labels, counting the tags it cannot map."""

    label_map: LabelMap | None = None
    known: frozenset[str] = frozenset(LABELS)
    unmapped: Counter = field(default_factory=Counter)
    ignored: Counter = field(default_factory=Counter)

    def label(self, value: str) -> str | None:
        """A label cell: as written, or through the map when one is given."""
        value = str(value).strip()
        if not value or self.label_map is None:
            return value or None
        return self.tag(value)

    def tag(self, tag: str) -> str | None:
        """A tag's label: the map's, or the tag itself when it is a known label id."""
        mapped = self.label_map.get(tag) if self.label_map is not None else None
        if mapped is not None:
            if not mapped:
                self.ignored[tag] += 1
            return mapped or None
        if tag in self.known:
            return tag
        self.unmapped[tag] += 1
        return None

    def unmapped_note(self) -> str | None:
        """The unmapped tags with their counts, most common first, and how to map them."""
        if not self.unmapped:
            return None
        shown = ", ".join(f"{t} ({n})" for t, n in self.unmapped.most_common(15))
        more = len(self.unmapped) - 15
        return (f"{len(self.unmapped)} tag(s) map to no label: {shown}"
                f"{f' and {more} more' if more > 0 else ''}; add them to --label-map FILE "
                "(CSV tag,label; an empty label ignores a tag)")


def resolve(found: list[tuple[str, str, str]]) -> tuple[str | None, str | None]:
    """One conversation's label from its (label, where, raw value) findings: the label, or a
    conflict message naming where each label came from."""
    labels = list(dict.fromkeys(label for label, _, _ in found))
    if len(labels) <= 1:
        return (labels[0] if labels else None), None
    parts = []
    for label in labels:
        where = [f"{w} ({raw!r})" if raw != label else w for lab, w, raw in found if lab == label]
        parts.append(f"{label} at {', '.join(where[:3])}")
    return None, "conflicting labels: " + "; ".join(parts) + (
        "; keep one label per conversation, or map the tags to one label")


def read_labels_file(path: str | os.PathLike, resolver: LabelResolver, *,
                     id_column: str | None = None, id_names: Iterable[str] = (),
                     label_names: Iterable[str] = (), encoding: str | None = None
                     ) -> dict[str, tuple[list[tuple[str, str, str]], str]]:
    """conversation id -> (label findings, where) from a separate labels file (--labels)."""
    table = read_table(path, encoding=encoding)
    frame = table.frame
    given = id_column if id_column in frame.columns else None
    id_col = find_named(frame.columns, given, id_names, what="conversation id",
                        flag="a header naming the export's conversation id column",
                        path=table.path)
    rest = [c for c in frame.columns if c != id_col]
    label_col = find_named(rest, None, (*label_names, *TAG_COLUMNS), what="label",
                           flag="a header such as 'conversation_id,label'", path=table.path)
    is_tags = any(tag_key(label_col) == tag_key(t) for t in TAG_COLUMNS)
    out: dict[str, tuple[list[tuple[str, str, str]], str]] = {}
    for number, cid, cell in zip(frame.index, frame[id_col], frame[label_col], strict=True):
        cid = _text(cid)
        where = f"{table.path}:{table.unit} {number}"
        if not cid:
            continue
        values = split_tags(cell) if is_tags else [_text(cell)]
        found = [(lab, where, raw) for raw in values if raw
                 if (lab := (resolver.tag(raw) if is_tags else resolver.label(raw)))]
        previous = out.get(cid, ([], where))
        out[cid] = (previous[0] + found, previous[1])
    return out


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
