from __future__ import annotations

import pandas as pd
import pytest

from assistant.datacheck import convert, read_rasa, split, validate
from assistant.errors import DataError

# A seller's file with planted problems: a BOM, an empty row, the same text under two labels,
# a label with two examples, an exact duplicate, a near-duplicate and a very long text.
PLANTED = ("\ufefftext,label\n"
           "where is my parcel,not_arrived\n"
           "where is my parcel,other\n"
           ",\n"
           "hello there,greet\n"
           "hi there friend,greet\n"
           "my parcel never came to my house at all,not_arrived\n"
           "my parcel never came to my house at all!,not_arrived\n"
           "still waiting for the box,not_arrived\n"
           "still waiting for the box,not_arrived\n"
           + "".join(f"cancel order {i} now,cancel\n" for i in range(5))
           + "a" * 1200 + ",cancel\n")


def test_validate_names_every_planted_problem(tmp_path):
    path = tmp_path / "seller.csv"
    path.write_text(PLANTED, encoding="utf-8")
    report = validate([path], known_labels={"not_arrived", "other", "cancel"})
    text = "\n".join(str(p) for p in report.problems)
    assert not report.ok
    assert "byte-order mark" in text
    assert "line 4: empty row" in text
    assert "'where is my parcel' is not_arrived (rows seller.csv:2); other (rows seller.csv:3)" \
        in text
    assert "label 'greet' has 2 example(s)" in text
    assert "exact duplicate under 'not_arrived' at rows seller.csv:9, seller.csv:10" in text
    assert "near-duplicate texts" in text and "seller.csv:7 and seller.csv:8" in text
    assert "very long text (1200 characters)" in text
    assert "label 'greet' has no reply template" in text
    assert "strong class imbalance" not in text


def test_validate_clean_file(tmp_path):
    path = tmp_path / "ok.csv"
    rows = [f"message about topic a number {i},a" for i in range(5)] + [
        f"text on subject b item {i},b" for i in range(5)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    report = validate([path], known_labels={"a", "b"})
    assert report.ok and report.problems == [] and report.counts == {"a": 5, "b": 5}


def test_split_is_stratified_and_seeded(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"text": [f"t{i}" for i in range(20)], "label": ["a"] * 10 + ["b"] * 10}
                 ).to_csv(path, index=False)
    train, test = split(path, test_size=0.2, seed=1)
    first = pd.read_csv(test)
    assert first["label"].value_counts().to_dict() == {"a": 2, "b": 2}
    assert len(pd.read_csv(train)) == 16
    split(path, test_size=0.2, seed=1)
    assert pd.read_csv(test).equals(first)
    with pytest.raises(DataError, match="--test-size must be between 0 and 1"):
        split(path, test_size=1.5)


RASA = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hey
    - hello there
- intent: book_flight
  examples: |
    - fly to [Berlin](city) tomorrow
    - a ticket to [Paris]{"entity": "city"}
- synonym: NYC
  examples: |
    - New York
"""


def test_rasa_round_trip(tmp_path):
    src = tmp_path / "nlu.yml"
    src.write_text(RASA)
    frame = read_rasa(src)
    assert frame.values.tolist() == [["hey", "greet"], ["hello there", "greet"],
                                     ["fly to Berlin tomorrow", "book_flight"],
                                     ["a ticket to Paris", "book_flight"]]
    assert convert(src, tmp_path / "out.csv") == 4
    assert convert(tmp_path / "out.csv", tmp_path / "back.yaml") == 4
    back = read_rasa(tmp_path / "back.yaml")
    assert sorted(back.values.tolist()) == sorted(frame.values.tolist())
    assert (tmp_path / "back.yaml").read_text().startswith('version: "3.1"\nnlu:\n- intent:')


@pytest.mark.parametrize("content,match", [("just: text", "no 'nlu:' list"),
                                           ("nlu: [", "not valid YAML")])
def test_rasa_errors(tmp_path, content, match):
    src = tmp_path / "bad.yml"
    src.write_text(content)
    with pytest.raises(DataError, match=match):
        read_rasa(src)
