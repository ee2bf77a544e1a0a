"""The agent's draft against the suggested one: what is still a placeholder, what a new
suggestion would change, and folding that change into the agent's edits when they do not
touch the same lines.

The page keeps three texts: ``base`` (the suggestion the agent started from), ``mine`` (the
text on screen) and ``theirs`` (the suggestion for the case as it is now). The agent's text is
never replaced without asking; :func:`merge` says whether the new suggestion can be applied
around the agent's edits.

>>> placeholders("Kind regards,\\n[agent name]\\n[store name]\\n")
['agent name', 'store name']
>>> merge("Hello,\\nThanks\\n[agent name]\\n", "Hi Ana,\\nThanks\\n[agent name]\\n",
...       "Hello,\\nThanks\\nMia\\n")
'Hi Ana,\\nThanks\\nMia\\n'
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable

from .replies import KNOWN_FIELDS

# A value the template could not fill renders as "[field name]" (see replies._Placeholder).
_PLACEHOLDER = re.compile(r"\[([a-z][a-z0-9 ]{1,40})\]")
_KNOWN = frozenset(name.replace("_", " ") for name in KNOWN_FIELDS)


def placeholders(text: str) -> list[str]:
    """The unfilled placeholders in a draft ("agent name", "tracking number"), in order, once
    each. Only names of fields a template can use count, so "[photo attached]" is the agent's
    own text, not a gap."""
    found = (m.group(1) for m in _PLACEHOLDER.finditer(text or ""))
    return list(dict.fromkeys(name for name in found if name in _KNOWN))


def field_of(placeholder: str) -> str:
    """The field behind a placeholder name: "agent name" -> "agent_name"."""
    return placeholder.replace(" ", "_")


def fingerprint(*parts: object) -> str:
    """A short stable digest of what a save stores, so the same save is never stored twice."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return digest.hexdigest()[:16]


def _lines(text: str) -> list[str]:
    return (text or "").splitlines(keepends=True)


def changes(old: str, new: str) -> list[tuple[str, str]]:
    """What turning ``old`` into ``new`` changes, line by line: ("-", removed line) and
    ("+", added line) pairs, unchanged lines left out."""
    out: list[tuple[str, str]] = []
    a, b = _lines(old), _lines(new)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        out += [("-", line.rstrip("\n")) for line in a[i1:i2]]
        out += [("+", line.rstrip("\n")) for line in b[j1:j2]]
    return out


def _edits(base: list[str], other: list[str]) -> list[tuple[int, int, list[str]]]:
    """(start, end, replacement) over ``base`` for every stretch ``other`` changed."""
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return [(i1, i2, other[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"]


def _clash(a: tuple[int, int, list[str]], b: tuple[int, int, list[str]]) -> bool:
    (a1, a2, _), (b1, b2, _) = a, b
    if a1 == a2 and b1 == b2:  # two insertions at one point: which goes first is unclear
        return a1 == b1
    if a1 == a2:  # an insertion inside what the other replaces
        return b1 < a1 < b2
    if b1 == b2:
        return a1 < b1 < a2
    return a1 < b2 and b1 < a2  # two replacements clash only when they share a line


def merge(base: str, mine: str, theirs: str) -> str | None:
    """``mine`` with the changes from ``base`` to ``theirs`` applied, or None when both
    changed the same lines (then only the agent can decide)."""
    a, m, t = _lines(base), _lines(mine), _lines(theirs)
    ours, new = _edits(a, m), _edits(a, t)
    if any(_clash(x, y) for x in ours for y in new):
        return None
    out: list[str] = []
    pos = 0
    # At one point an insertion goes before a replacement that starts there.
    for start, end, replacement in sorted(ours + new, key=lambda e: (e[0], e[1] > e[0])):
        out += a[pos:start] + replacement
        pos = max(pos, end)
    return "".join(out + a[pos:])


def added_lines(base: str, mine: str) -> list[str]:
    """The lines the agent wrote or changed (for saying what a translation leaves out)."""
    return [line for sign, line in changes(base, mine) if sign == "+" and line.strip()]


def describe(names: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
