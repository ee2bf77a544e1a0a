"""Random input against the readers, the orders, ``draft`` and ``batch`` (issue 14): nothing
may raise but the project's own errors (AssistantError), and no row may be lost.

The CSV generator knows what it wrote: valid records (written by the csv module, so their
cells may hold quotes, commas, line breaks, NULs and any character) and records broken in a
way a reader can see on their own line (too many or too few fields, an unquoted carriage
return, a stray quote after a closed one, and an unclosed quote at the very end), between
blank lines. Every data record must come back as a row or as a reported skipped row.
"""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import draft
from assistant.batch import run_batch
from assistant.delivery import facts
from assistant.errors import AssistantError
from assistant.exports import read_chunks
from assistant.orders import ORDER_FIELDS, Order, parse_form
from assistant.scenarios import LABELS, SELLER_MESSAGES
from assistant.tables import read_table

FUZZ = settings(deadline=None, database=None, max_examples=60,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
FORMULA = ("=", "+", "-", "@")

# ---------------------------------------------------------------- random CSV shapes

TRICKY = list(',"\r\n\x00 ;|\t\'=+-@\u2028\x85\ufeff') + ["é", "ж", "中", "🙂"]
cells = st.text(alphabet=st.one_of(st.sampled_from(TRICKY),
                                   st.characters(blacklist_categories=("Cs",))), max_size=12)
# Text that cannot break a record: no delimiter, quote or line break.
plain = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters=',"\r\n'), min_size=1, max_size=8)
word = plain.filter(lambda s: s.strip())


def _valid(width):
    return st.lists(cells, min_size=width, max_size=width).map(lambda r: ("ok", r))


def _broken(width):
    too_many = st.lists(plain, min_size=width + 1, max_size=width + 3).map(",".join)
    too_few = st.lists(word, min_size=1, max_size=width - 1).map(",".join)
    bare_cr = st.tuples(plain, word, st.lists(plain, min_size=width - 1, max_size=width - 1)
                        ).map(lambda t: ",".join([f"{t[0]}\r{t[1]}", *t[2]]))
    stray = st.tuples(plain, word, st.lists(plain, min_size=width - 1, max_size=width - 1)
                      ).map(lambda t: ",".join([f'"{t[0]}"{t[1]}', *t[2]]))
    return st.one_of(too_many, too_few, bare_cr, stray).map(lambda line: ("bad", line))


blank = st.sampled_from(["", "   "]).map(lambda line: ("blank", line))


@st.composite
def csv_files(draw, max_records=25):
    """(file text, width, the valid records in order, number of data records)."""
    width = draw(st.integers(min_value=2, max_value=4))
    pieces = draw(st.lists(st.one_of(_valid(width), _broken(width), blank),
                           max_size=max_records))
    header = ["message", *(f"c{i}" for i in range(1, width))]
    lines, valid, records = [",".join(header)], [], 0
    for kind, value in pieces:
        if kind == "ok":
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n").writerow(value)
            lines.append(buffer.getvalue()[:-2])
            valid.append(value)
        else:
            lines.append(value)
        records += kind != "blank"
    if draw(st.booleans()):  # an unclosed quote: only at the end can no later row close it
        lines.append(f'"{draw(plain)}' + "".join(f",{draw(plain)}" for _ in range(width - 1)))
        records += 1
    ends = draw(st.lists(st.sampled_from(["\n", "\r\n"]), min_size=len(lines),
                         max_size=len(lines)))
    text = "".join(line + end for line, end in zip(lines, ends, strict=True))
    return text, width, valid, records


def _write(folder: str, name: str, data: bytes) -> str:
    path = Path(folder) / name
    path.write_bytes(data)
    return str(path)


# ---------------------------------------------------------------- readers


@FUZZ
@given(raw=st.binary(max_size=3000),
       suffix=st.sampled_from([".csv", ".tsv", ".txt", ".jsonl", ".parquet", ".xlsx"]))
def test_read_table_on_random_bytes_raises_only_project_errors(raw, suffix):
    try:
        read_table(raw, name=f"upload{suffix}")
    except AssistantError:
        pass


@FUZZ
@given(raw=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".tsv", ".jsonl",
                                                              ".parquet"]),
       encoding=st.sampled_from([None, None, "utf-8", "utf-16", "cp1252", "ascii"]))
def test_read_chunks_on_random_bytes_raises_only_project_errors(raw, suffix, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, f"in{suffix}", raw)
        try:
            for chunk in read_chunks(path, encoding=encoding, chunk_rows=7):
                assert len(chunk.frame.columns) == len(set(chunk.frame.columns))
        except AssistantError:
            pass


@FUZZ
@given(shape=csv_files(), chunk_rows=st.integers(min_value=1, max_value=10))
def test_read_chunks_accounts_for_every_record_of_a_random_csv(shape, chunk_rows):
    text, width, valid, records = shape
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "in.csv", text.encode("utf-8"))
        rows, skipped = [], []
        for chunk in read_chunks(path, chunk_rows=chunk_rows):
            assert chunk.frame.shape[1] == width
            rows += chunk.frame.values.tolist()
            skipped += chunk.bad
    assert len(rows) + len(skipped) == records
    assert rows == valid
    lines = [line for line, _ in skipped]
    assert lines == sorted(lines) and all(1 < line <= text.count("\n") + 1 for line in lines)


@FUZZ
@given(shape=csv_files())
def test_read_table_on_a_random_csv_reads_it_or_names_its_bad_lines(shape):
    text, _, valid, records = shape
    try:
        table = read_table(text.encode("utf-8"), name="upload.csv")
    except AssistantError as exc:
        assert records > len(valid) or not text.strip(), exc
        return
    assert table.frame.values.tolist() == valid
    physical = text.split("\n")
    for line in table.frame.index:  # each row starts on a line that holds its first cell
        assert 1 < line <= len(physical)


# ---------------------------------------------------------------- orders


ORDER_NAMES = [*ORDER_FIELDS, "Order No.", "Shipped At", "Delivery Time", "Country", "Qty",
               "Amount", "Tracking No", "Logistics Status", "Promised Delivery Days"]
ODD_TEXT = ["2026-01-05", "5 Jan 2026", "Jan 5, 2026", "01/13/2026", "13/01/2026",
            "2026-01-05T09:30:00+14:00", "9999-12-31", "0001-01-01", "2026-02-30", "-5", "0",
            "99999999999", "1e400", "1" * 60, "US $12.50", "12,50 EUR", "€8", "1.234,56",
            "yes", "maybe", "delivered", "in transit", "ES", "Spain", "XX", "n/a", "", "NaN",
            "inf", "-inf", "  ", "\x00", "\ufffd", "12 days", "3.0", "+7"]
order_values = st.one_of(
    st.none(), st.booleans(), st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.dates(), st.datetimes(), st.sampled_from(ODD_TEXT), st.text(max_size=30),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                         max_size=2),
    st.just(pd.NaT), st.just(float("nan")), st.just(pd.Timestamp("2026-01-01")),
)
orders = st.dictionaries(st.sampled_from(ORDER_NAMES), order_values, max_size=8)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@FUZZ
@given(values=orders, dayfirst=st.booleans(), today=days)
def test_orders_from_random_values_raise_only_order_errors(values, dayfirst, today):
    try:
        order = Order.from_dict(values, dayfirst=dayfirst)
    except AssistantError:
        order = None
    form, problems = parse_form(values, dayfirst=dayfirst)
    assert isinstance(form, Order) and all(isinstance(p, str) for p in problems)
    for one in (order, form):
        if one is not None:
            f = facts(one, today=today)
            for number in (f.days_in_transit, f.days_left, f.days_overdue):
                assert number is None or number >= 0


# ---------------------------------------------------------------- draft


messages = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["where is my parcel", "my order 8183920451726635 never came",
                     "tracking LP00123456789CN says delivered but nothing",
                     "\x1b[31m=cmd|' /C calc'!A0\x07", "", "   ", "#1043 ##### 00 +34"]),
    st.text(alphabet="order #0123456789 tracking:", max_size=200),
)


@FUZZ
@given(message=messages, values=orders,
       label=st.sampled_from([None, *LABELS, *SELLER_MESSAGES, "nonsense", ""]),
       lang=st.sampled_from([None, "en", "es", "pt", "fr", "de", "ru", "xx", "", "../../etc",
                             "pt_BR", "zz-ZZ"]),
       agent=st.one_of(st.none(), st.text(max_size=20)), today=days)
def test_draft_on_random_input_raises_only_project_errors(default_model, message, values,
                                                          label, lang, agent, today):
    order, _ = parse_form(values)
    try:
        result = draft(message, model=default_model, order=order, label=label, lang=lang,
                       agent_name=agent, store_name=agent, today=today)
    except AssistantError:
        return
    assert result.reply.text.strip()
    assert result.label


# ---------------------------------------------------------------- batch


@settings(FUZZ, max_examples=30)
@given(shape=csv_files(max_records=15), suffix=st.sampled_from([".csv", ".tsv", ".jsonl",
                                                                ".parquet"]))
def test_batch_on_random_csvs_loses_no_row(default_model, shape, suffix):
    text, width, valid, records = shape
    with tempfile.TemporaryDirectory() as folder:
        src = _write(folder, "in.csv", text.encode("utf-8"))
        out = str(Path(folder) / f"out{suffix}")
        try:
            summary = run_batch([src], out, model=default_model, jobs=1, chunk_rows=4,
                                progress=False)
        except AssistantError as exc:
            assert not valid, exc  # only "no rows to classify"
            return
        assert summary.rows + len(summary.skipped) == records
        assert summary.rows == len(valid)
        if suffix == ".csv":
            with open(out, newline="", encoding="utf-8") as fh:
                rows = list(csv.reader(fh))
            assert len(rows) == len(valid) + 1
            for row in rows:
                assert len(row) == len(rows[0])
                assert not any(cell.startswith(FORMULA) for cell in row)
        elif suffix == ".parquet":
            assert len(pd.read_parquet(out)) == len(valid)
        if summary.skipped:
            assert Path(summary.skipped_file).is_file()


@settings(FUZZ, max_examples=25)
@given(records=st.lists(st.dictionaries(
    st.sampled_from(["message", "id", "note", "price", "Ship Date"]),
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
              st.floats(), st.text(max_size=20), st.lists(st.integers(), max_size=2),
              st.dictionaries(st.text(max_size=2), st.integers(), max_size=1)),
    max_size=4), max_size=12),
    garbage=st.lists(st.sampled_from(["not json", "[1, 2]", "{", "\"x\"", "", "  ",
                                      "{\"message\": \"raw\rcr\"}"]), max_size=4),
    suffix=st.sampled_from([".csv", ".parquet", ".jsonl"]))
def test_batch_on_random_jsonl_loses_no_row(default_model, records, garbage, suffix):
    import json

    lines = [json.dumps(r) for r in records] + garbage
    bad = sum(1 for g in garbage if g.strip())
    if not any("message" in r for r in records):
        return
    with tempfile.TemporaryDirectory() as folder:
        src = _write(folder, "in.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))
        out = str(Path(folder) / f"out{suffix}")
        summary = run_batch([src], out, model=default_model, jobs=1, chunk_rows=3,
                            progress=False)
        assert summary.rows == len(records)
        assert summary.rows + len(summary.skipped) == len(records) + bad
