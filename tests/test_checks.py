"""Checks before acting on a user's table: text columns, training rows, comparisons."""

from __future__ import annotations

import pandas as pd
import pytest

from assistant.checks import comparison_note, data_problems, label_warnings, not_text


@pytest.mark.parametrize("values,reason", [
    ([1043, 1044, 1045], "numbers"),
    (["2026-01-02", "2026-01-03"], "numbers"),
    ([True, False], "yes/no"),
    ([None, " "], "empty"),
    (["A", "B", "A", "C"] * 10, "repeated codes"),
])
def test_columns_that_are_not_messages(values, reason):
    assert reason in not_text(pd.Series(values))


def test_a_message_column_passes():
    assert not_text(pd.Series(["where is my order", "it came broken", "12"])) is None


def test_data_problems_one_per_row_with_a_suggestion():
    frame = pd.DataFrame({"text": ["a b", "c d", "", "x y"] + [f"lost {i}" for i in range(5)],
                          "label": ["not_arived", "not_arrived", "lost", ""] + ["lost"] * 5,
                          "row": list(range(2, 11)), "source": ["/tmp/mine.csv"] * 9})
    found = {(p.file, p.row, p.problem.split(";")[0], p.suggestion)
             for p in data_problems(frame, min_examples=2)}
    assert ("mine.csv", 4, "empty message", "write the message or delete the row") in found
    assert ("mine.csv", 5, "empty label", "give the row a label or delete it") in found
    assert ("mine.csv", 2, "label 'not_arived' has 1 example",
            "did you mean not_arrived?") in found


def test_label_warnings_and_comparisons():
    assert label_warnings(["not_arrivd", "lost"]) == [
        "'lost' has no reply template or rule (answered with the holding reply)",
        "'not_arrivd' has no reply template or rule (answered with the holding reply): "
        "did you mean not_arrived?"]
    assert "Only 3 held-out messages" in comparison_note(3)
    assert "33 points" in comparison_note(3)
    assert comparison_note(500) is None
