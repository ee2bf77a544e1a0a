from __future__ import annotations

import pytest

from assistant.dataset import read_labelled
from assistant.errors import DataError
from assistant.nearduplicates import near_duplicates
from assistant.tables import read_table

GOOD_ROWS = [(f"message number {i} about {lab}", lab) for lab in ("a", "b") for i in range(5)]


def write_csv(path, rows, header=("text", "label"), sep=",", encoding="utf-8", bom=False):
    lines = [sep.join(header)] + [sep.join(f'"{c}"' for c in row) for row in rows]
    data = ("\n".join(lines) + "\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


@pytest.mark.parametrize("header", [("text", "label"), ("Message", "Intent"),
                                    ("body", "category"), ("Content", "Scenario")])
def test_columns_found_by_common_names(tmp_path, header):
    data = read_labelled([write_csv(tmp_path / "d.csv", GOOD_ROWS, header=header)])
    assert data.frame.columns.tolist() == ["text", "label"]
    assert len(data.frame) == 10


@pytest.mark.parametrize("sep,suffix", [(",", ".csv"), (";", ".csv"), ("\t", ".tsv"),
                                        ("\t", ".csv")])
def test_delimiters(tmp_path, sep, suffix):
    data = read_labelled([write_csv(tmp_path / f"d{suffix}", GOOD_ROWS, sep=sep)])
    assert sorted(set(data.labels)) == ["a", "b"]


def test_bom_is_removed(tmp_path):
    data = read_labelled([write_csv(tmp_path / "d.csv", GOOD_ROWS, bom=True)])
    assert data.warnings == []
    assert len(data.frame) == 10


def test_cp1252_falls_back_with_a_warning(tmp_path):
    rows = [*GOOD_ROWS, ("café crème arrivé cassé", "a")]
    data = read_labelled([write_csv(tmp_path / "d.csv", rows, encoding="cp1252")])
    assert "café crème arrivé cassé" in data.texts
    assert any("not UTF-8" in w and "--encoding" in w for w in data.warnings)


def test_explicit_columns(tmp_path):
    path = write_csv(tmp_path / "d.csv", GOOD_ROWS, header=("note", "kind"))
    data = read_labelled([path], text_column="note", label_column="kind")
    assert len(data.frame) == 10


@pytest.mark.parametrize("rows,expected", [
    ([*GOOD_ROWS, ("", "a")], "line 12: empty text"),
    ([*GOOD_ROWS, ("some text", "")], "line 12: empty label"),
    ([*GOOD_ROWS, ("rare one", "c"), ("rare two", "c")], "label 'c' has 2 example(s)"),
    ([*GOOD_ROWS, ("message number 1 about a", "b")], "the same text has different labels"),
    ([(f"only {i}", "a") for i in range(6)], "only one label"),
])
def test_bad_rows_are_named(tmp_path, rows, expected):
    with pytest.raises(DataError) as err:
        read_labelled([write_csv(tmp_path / "d.csv", rows)])
    assert expected in str(err.value)


def test_missing_column_lists_the_columns_found(tmp_path):
    path = write_csv(tmp_path / "d.csv", GOOD_ROWS, header=("words", "label"))
    with pytest.raises(DataError, match="no text column.*the columns are: words, label.*"
                                        "--text-column"):
        read_labelled([path])


def test_unknown_explicit_column(tmp_path):
    with pytest.raises(DataError, match="no column 'msg_body'"):
        read_labelled([write_csv(tmp_path / "d.csv", GOOD_ROWS)], text_column="msg_body")


@pytest.mark.parametrize("content,expected", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text table"),
    (b"", "is empty"),
    (b"text,label\n", "no rows"),
])
def test_not_a_table(tmp_path, content, expected):
    path = tmp_path / "d.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=expected):
        read_labelled([path])


def test_missing_file():
    with pytest.raises(DataError, match="no such file: nowhere.csv"):
        read_labelled(["nowhere.csv"])


def test_exact_duplicates_dropped_with_warning(tmp_path):
    data = read_labelled([write_csv(tmp_path / "d.csv", [*GOOD_ROWS, GOOD_ROWS[0]])])
    assert len(data.frame) == 10
    assert data.warnings == ["dropped 1 exact duplicate row(s)"]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet", ".xlsx"])
def test_read_table_formats(tmp_path, suffix):
    import pandas as pd

    frame = pd.DataFrame({"message": ["where is it", "broken"], "id": ["1", "2"]})
    path = tmp_path / f"t{suffix}"
    {".jsonl": lambda: frame.to_json(path, orient="records", lines=True),
     ".parquet": lambda: frame.to_parquet(path),
     ".xlsx": lambda: frame.to_excel(path, index=False)}[suffix]()
    table = read_table(path)
    assert table.frame["message"].tolist() == ["where is it", "broken"]


def test_read_table_rejects_unknown_type(tmp_path):
    path = tmp_path / "t.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(DataError, match="unsupported file type '.pdf'"):
        read_table(path)


def test_near_duplicates():
    texts = ["my parcel arrived empty with nothing inside at all",
             "my parcel arrived empty with nothing inside at all!!",
             "the blouse has a big stain on the front",
             "hello", "Hello"]
    pairs = near_duplicates(texts)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1), (3, 4)]


def test_unquoted_delimiter_is_reported_not_guessed(tmp_path):
    path = tmp_path / "d.csv"
    lines = ["text,label"] + [f"msg {i},a" for i in range(5)] + [f"msg {i},b" for i in range(5)]
    path.write_text("\n".join([*lines, "hello, it came broken,b"]) + "\n")
    with pytest.raises(DataError, match="line 12: expected 2 fields, saw 3; quote cells that "
                                        "contain ','"):
        read_labelled([path])
