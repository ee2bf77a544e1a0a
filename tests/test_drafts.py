"""The agent's draft against the suggestion: placeholders, what an update changes, merging."""

from __future__ import annotations

import pytest

from assistant.drafts import added_lines, changes, describe, fingerprint, merge, placeholders

BASE = "Hello,\n\nYour parcel is on its way.\n\nKind regards,\n[agent name]\n[store name]\n"


def test_placeholders_are_the_template_fields_only():
    text = BASE + "PS: [photo attached] and [tracking number] and [agent name]"
    assert placeholders(text) == ["agent name", "store name", "tracking number"]
    assert placeholders("Dear Ana, all done.") == []


@pytest.mark.parametrize("mine,theirs,expected", [
    # The agent changed the greeting; the new suggestion fills the sign-off: both kept.
    ("Hi Ana,\n\nYour parcel is on its way.\n\nKind regards,\n[agent name]\n[store name]\n",
     BASE.replace("[agent name]", "Mia"),
     "Hi Ana,\n\nYour parcel is on its way.\n\nKind regards,\nMia\n[store name]\n"),
    # A line added at the top, and the first line changed below it.
    ("P.S. first\n" + BASE, BASE.replace("Hello,", "Dear Ana,"),
     "P.S. first\n" + BASE.replace("Hello,", "Dear Ana,")),
    # Nothing edited: the update is the new suggestion.
    (BASE, BASE.replace("[store name]", "Harbour Lane"), BASE.replace("[store name]",
                                                                       "Harbour Lane")),
])
def test_merge_keeps_the_agents_edits(mine, theirs, expected):
    assert merge(BASE, mine, theirs) == expected


def test_merge_refuses_when_both_changed_the_same_line():
    mine = BASE.replace("Hello,", "Hi there,")
    assert merge(BASE, mine, BASE.replace("Hello,", "Dear Ana,")) is None


def test_changes_and_added_lines():
    new = BASE.replace("Hello,", "Dear Ana,")
    assert changes(BASE, new) == [("-", "Hello,"), ("+", "Dear Ana,")]
    assert added_lines(BASE, BASE + "Thanks again!\n") == ["Thanks again!"]


def test_fingerprint_and_describe():
    assert fingerprint("a", "b") == fingerprint("a", "b") != fingerprint("a", "c")
    assert describe(["a"]) == "a" and describe(["a", "b", "c"]) == "a, b and c"
