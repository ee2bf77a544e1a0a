"""Issue 14, case by case: no input destroyed, no formula smuggled, no row dropped, no code
run, no traceback. Each test is named after what it proves; the case number is in its
section's heading. The CLI is driven in-process through ``assistant.cli.main`` (an exception
escaping ``main`` would fail the test: that is the "no traceback" check), except the SIGKILL
test, which needs a real process to kill.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sklearn

from assistant import registry, replies
from assistant.atomic import csv_bytes
from assistant.cli import main
from assistant.csvrows import MAX_CELL
from assistant.dataset import read_labelled
from assistant.delivery import facts
from assistant.errors import DataError, ModelError, OrderError, TemplateError
from assistant.exports import read_chunks
from assistant.feedback import FeedbackStore
from assistant.orders import Order
from assistant.tables import read_table

ROOT = Path(__file__).resolve().parent.parent
# Where the session's default model is built (before any test points the models folder away).
DEFAULT_FOLDER = registry.model_path(registry.DEFAULT)
FORMULA = ("=", "+", "-", "@")
TRAIN_ROWS = "text,label\n" + "".join(
    f"where is my parcel number {i},not_arrived\nthe mug {i} arrived broken,item_defective\n"
    f"please cancel order {i},cancel_order\n" for i in range(6))


# ---------------------------------------------------------------- helpers


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def error_line(code: int, err: str) -> str:
    """The one error line of a failed command."""
    assert code == 1, err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def workspace(tmp_path, monkeypatch, default_model):
    """A private models folder, feedback database and profile, the session's default model
    served without reloading it from disk for each command, and tmp_path as the working
    directory."""
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    monkeypatch.setenv("ASSISTANT_PROFILE", str(tmp_path / "profile.json"))
    monkeypatch.setattr(registry, "build_default", lambda **_: default_model)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def copy_default(models: Path, name: str) -> Path:
    """A copy of the session's default model (built by the default_model fixture, which the
    workspace fixture asks for) under another models folder."""
    folder = models / name
    shutil.copytree(DEFAULT_FOLDER, folder)
    return folder


def read_back(path: Path, delimiter: str = ",") -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def assert_spreadsheet_safe(rows: list[list[str]]) -> None:
    """Every row as wide as the header and no cell a spreadsheet would run as a formula."""
    width = len(rows[0])
    for row in rows:
        assert len(row) == width, row[:3]
        for cell in row:
            assert not cell.startswith(FORMULA), cell[:40]


def numbers(pattern: str, text: str) -> int:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else 0


# ---------------------------------------------------------------- the broken CSV


LONG_OK = 1_000_000
LONG_BAD = MAX_CELL + 100_000
# (a data record as written in the file, what it is): every kind of breakage the issue names.
BREAKAGE = [
    ("a,my parcel never came {n}", "ok"),
    ('b,"an unclosed quote mid-file {n}', "bad"),
    ("a,the row after the unclosed quote {n}", "ok"),
    ('b,"a quoted lone\rcarriage return {n}"', "ok"),
    ('a,"cell {n}\r=cmd|\' /C calc\'!A0"', "ok"),
    ("b,unquoted {n}\r=2+5", "bad"),
    ("a,too,many,fields {n}", "bad"),
    ("b", "bad"),
    ("", "blank"),
    ('a,"a quoted\nmulti-line\ncell {n}"', "ok"),
    ('b,"stray" quote after a closed quote {n}', "bad"),
    ("a,{n} " + "x" * LONG_BAD, "bad"),
    ("b,{n} " + "y" * LONG_OK, "ok"),
    ("a,=2+5 {n}", "ok"),
    ("b,+1 customs {n}", "ok"),
    ("a,-5 refund {n}", "ok"),
    ("b,@SUM(A1) {n}", "ok"),
    ("   ", "blank"),
    ('a,"tab\t=1+1 {n}"', "ok"),
    ("b,the last row {n}", "ok"),
]


def write_breakage(path: Path, header: str, rows=BREAKAGE) -> dict:
    """Write a CSV of ``rows`` under ``header``; return the expected accounting: records,
    the physical lines (as a text editor shows them: split on \\n only) of the bad ones,
    and the message cells of the good ones."""
    parts, line = [header], 2
    expected = {"records": 0, "bad_lines": [], "ok_messages": [], "ok_lines": []}
    for number, (template, kind) in enumerate(rows):
        text = template.replace("{n}", str(number))
        if kind != "blank":
            expected["records"] += 1
        if kind == "bad":
            expected["bad_lines"].append(line)
        elif kind == "ok":
            expected["ok_lines"].append(line)
            cell = text.split(",", 1)[1]
            expected["ok_messages"].append(cell[1:-1] if cell.startswith('"') else cell)
        parts.append(text)
        line += text.count("\n") + 1
    path.write_bytes(("\n".join(parts) + "\n").encode("utf-8"))
    return expected


# ---------------------------------------------------------------- 1. the input is never overwritten


KEEP = b'id,message\n1,hello\n2,"broken\n3,fine\n'


@pytest.mark.parametrize("target", ["keep.csv", "./keep.csv", "ABSOLUTE", "link.csv",
                                    "hard.csv", "sub/../keep.csv"])
def test_batch_refuses_an_output_that_is_its_input(capsys, workspace, target):
    src = workspace / "keep.csv"
    src.write_bytes(KEEP)
    (workspace / "link.csv").symlink_to(src)
    os.link(src, workspace / "hard.csv")
    (workspace / "sub").mkdir()
    before = sorted(p.name for p in workspace.iterdir())
    target = str(src.resolve()) if target == "ABSOLUTE" else target
    code, _, err = run(capsys, "batch", "keep.csv", "-o", target, "--quiet", "--jobs", "1")
    assert "is the input" in error_line(code, err)
    assert src.read_bytes() == KEEP
    assert sorted(p.name for p in workspace.iterdir()) == before


def test_batch_refuses_a_skipped_rows_list_that_is_its_input(capsys, workspace):
    src = workspace / "out.csv.skipped.csv"
    src.write_bytes(KEEP)
    code, _, err = run(capsys, "batch", src.name, "-o", "out.csv", "--quiet", "--jobs", "1")
    assert "is the input" in error_line(code, err)
    assert src.read_bytes() == KEEP
    assert sorted(p.name for p in workspace.iterdir()) == [src.name]


def test_feedback_export_refuses_to_overwrite_the_database(capsys, workspace):
    db = workspace / "fb.sqlite3"
    FeedbackStore(db).save(message="parcel came empty", final_label="empty_package")
    before = db.read_bytes()
    code, _, err = run(capsys, "feedback", "export", db, "--db", db)
    assert "feedback database" in error_line(code, err)
    assert db.read_bytes() == before
    assert len(FeedbackStore(db).frame()) == 1


def test_data_convert_refuses_to_overwrite_its_source(capsys, workspace):
    src = workspace / "mine.csv"
    src.write_text("text,label,lang\n" + "".join(f"where is my parcel {i},not_arrived,en\n"
                                                  f"the mug {i} is broken,item_defective,en\n"
                                                  for i in range(6)))
    before = src.read_bytes()
    code, _, err = run(capsys, "data", "convert", src, src)
    assert code == 1 and "error:" in err
    assert src.read_bytes() == before


# ---------------------------------------------------------------- 2. no formula smuggled


CR_FORMULAS = ('=cmd|x,message,-neg\n'
               '1,"a\r=2+5",-3\n'
               '2,"\r@SUM(1)",+4\n'
               '3,"\t=x",=HYPERLINK("http://x")\n'
               '4,"line\n=1+1",ok\n')


@pytest.mark.parametrize("suffix,sep", [(".csv", ","), (".tsv", "\t")])
def test_batch_output_quotes_lone_carriage_returns_and_neutralises_formulas(
        capsys, workspace, suffix, sep):
    (workspace / "f.csv").write_bytes(CR_FORMULAS.encode())
    code, _, err = run(capsys, "batch", "f.csv", "-o", f"out{suffix}", "--quiet", "--jobs", "1")
    assert code == 0, err
    raw = (workspace / f"out{suffix}").read_bytes()
    assert b'"a\r=2+5"' in raw  # a cell holding a lone CR is quoted, so it cannot split the row
    rows = read_back(workspace / f"out{suffix}", sep)
    assert len(rows) == 5
    assert_spreadsheet_safe(rows)
    assert rows[0][:3] == ["'=cmd|x", "message", "'-neg"]
    assert [r[1] for r in rows[1:]] == ["a\r=2+5", "'\r@SUM(1)", "'\t=x", "line\n=1+1"]
    assert [r[2] for r in rows[1:]] == ["'-3", "'+4", "'=HYPERLINK(\"http://x\")", "ok"]


def test_page_download_bytes_are_formula_safe():
    frame = pd.DataFrame({"message": ["a\r=2+5", "=1+1", "@x", "-2", "fine"],
                          "=head": ["x", "y", "z", "w", "v"]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode(), newline="")))
    assert len(rows) == 6
    assert_spreadsheet_safe(rows)
    assert [r[0] for r in rows[1:]] == ["a\r=2+5", "'=1+1", "'@x", "'-2", "fine"]


def test_feedback_export_is_formula_safe_and_passes_data_validate(capsys, workspace):
    store = FeedbackStore(workspace / "fb.sqlite3")
    for i in range(6):
        store.save(message=f"parcel {i}\r=2+5 where", final_label="not_arrived")
        store.save(message=f"@SUM({i}) arrived broken", final_label="item_defective")
        store.save(message=f"=cmd|' /C calc'!A{i}", final_label="not_arrived")
        store.save(message=f"two\nlines {i} broken", final_label="item_defective")
    code, out, _ = run(capsys, "feedback", "export", "fx.csv", "--db", "fb.sqlite3")
    assert code == 0 and "wrote 24 labelled messages" in out
    rows = read_back(workspace / "fx.csv")
    assert len(rows) == 25
    assert_spreadsheet_safe(rows)
    code, out, err = run(capsys, "data", "validate", "fx.csv")
    assert code == 0, out + err
    assert "24 rows" in out and "0 error(s)" in out


# ---------------------------------------------------------------- 3. every row accounted for


def test_batch_accounts_for_every_row_of_a_broken_csv_by_physical_line(capsys, workspace):
    expected = write_breakage(workspace / "broken.csv", "tag,message")
    code, _, err = run(capsys, "batch", "broken.csv", "-o", "out.csv", "--quiet", "--jobs", "1")
    assert code == 0, err
    written = numbers(r"(\d+) rows classified", err)
    skipped = numbers(r"skipped (\d+) malformed", err)
    assert written + skipped == expected["records"]
    listed = pd.read_csv(workspace / "out.csv.skipped.csv", dtype=str, keep_default_na=False)
    assert [int(x) for x in listed["line"]] == expected["bad_lines"]
    reasons = dict(zip(listed["line"].astype(int), listed["reason"], strict=True))
    assert "a double quote opens a cell" in reasons[expected["bad_lines"][0]]
    assert f"longer than {MAX_CELL:,} characters" in reasons[expected["bad_lines"][-1]]
    assert_spreadsheet_safe(listed.astype(str).values.tolist())
    rows = read_back(workspace / "out.csv")
    assert len(rows) - 1 == written == len(expected["ok_messages"])
    assert_spreadsheet_safe(rows)
    messages = [cell[1:] if cell.startswith("'") else cell for cell in (r[1] for r in rows[1:])]
    assert messages == expected["ok_messages"]


def test_batch_error_mode_names_the_first_bad_physical_line(capsys, workspace):
    expected = write_breakage(workspace / "broken.csv", "tag,message")
    code, _, err = run(capsys, "batch", "broken.csv", "-o", "out.csv", "--quiet", "--jobs", "1",
                       "--on-bad-lines", "error")
    assert f"line {expected['bad_lines'][0]} " in error_line(code, err)
    assert sorted(p.name for p in workspace.iterdir()) == ["broken.csv"]


def test_data_validate_and_read_labelled_name_the_physical_lines(capsys, workspace):
    expected = write_breakage(workspace / "broken.csv", "label,text")
    code, _, err = run(capsys, "data", "validate", "broken.csv")
    assert code == 1 and err.startswith("error: ")
    reported = [int(n) for n in re.findall(r"broken\.csv:line (\d+):", err)]
    assert reported == expected["bad_lines"]
    assert f"{len(expected['bad_lines'])} problem(s)" in err
    with pytest.raises(DataError) as caught:
        read_labelled([workspace / "broken.csv"])
    assert [int(n) for n in re.findall(r":line (\d+):", str(caught.value))] == \
        expected["bad_lines"]


def test_line_numbers_stay_right_after_quoted_line_breaks(capsys, workspace):
    good = [row for row in BREAKAGE if row[1] == "ok"]
    rows = good + [("a,spare a {n}", "ok")] * 4 + [("b,spare b {n}", "ok")] * 4 + [("a,", "ok")]
    expected = write_breakage(workspace / "clean.csv", "label,text", rows)
    table = read_table(workspace / "clean.csv")
    assert table.frame.index.tolist() == expected["ok_lines"]
    code, out, _ = run(capsys, "data", "validate", "clean.csv")
    assert code == 1
    errors = [line for line in out.splitlines() if "ERROR" in line]
    assert errors == [f"  ERROR   clean.csv:line {expected['ok_lines'][-1]}: empty text; write "
                      "the message or delete the row"]


def test_an_unclosed_quote_in_200000_rows_swallows_nothing(tmp_path):
    lines, bad = ["id,message"], []
    for i in range(200_000):
        if i == 1000:
            lines.append(f'{i},"this quote never closes')
            bad.append(len(lines))
        elif i % 5000 == 7:
            lines.append(f'{i},"a quoted lone\rcarriage return {i}"')
        else:
            lines.append(f"{i},message {i}")
    src = tmp_path / "big.csv"
    src.write_text("\n".join(lines) + "\n", newline="")
    records, skipped = 0, []
    for chunk in read_chunks(str(src)):
        records += len(chunk.frame)
        skipped += chunk.bad
        # The frame's index is the physical line: row i is on line i + 2.
        assert (chunk.frame.index == chunk.frame["id"].astype(int) + 2).all()
    assert records + len(skipped) == 200_000
    assert [line for line, _ in skipped] == bad
    assert "a double quote opens a cell" in skipped[0][1]


@pytest.mark.parametrize("body,bad", [('"0"\t0,0\n', [3]), ('a;b;c;d;e,1\nf;g;h;i;j,2\n', []),
                                      ('"x"\t"y"\t"z",3\n', [3])])
def test_the_delimiter_is_the_one_the_header_uses(capsys, workspace, body, bad):
    (workspace / "m.csv").write_text("message,id\nwhere is my parcel,9\n" + body)
    code, _, err = run(capsys, "batch", "m.csv", "-o", "out.csv", "--quiet", "--jobs", "1")
    assert code == 0, err
    rows = read_back(workspace / "out.csv")
    assert rows[0][:2] == ["message", "id"] and rows[1][:2] == ["where is my parcel", "9"]
    assert len(rows) - 1 + numbers(r"skipped (\d+) malformed", err) == 1 + body.count("\n")
    if bad:
        with pytest.raises(DataError, match="line 3: .*','"):
            read_table(workspace / "m.csv")
    else:
        assert read_table(workspace / "m.csv").frame.columns.tolist() == ["message", "id"]


def test_jsonl_lines_are_counted_as_an_editor_shows_them(capsys, workspace):
    lines = ['{"message": "first"}', '{"message": "a \u2028 and \x85 inside"}', 'not json',
             '{"message": "raw\rcarriage return"}', '', '[1, 2]', '{"message": "last"}']
    (workspace / "m.jsonl").write_bytes(("\n".join(lines) + "\n").encode())
    code, _, err = run(capsys, "batch", "m.jsonl", "-o", "out.csv", "--quiet", "--jobs", "1")
    assert code == 0, err
    listed = pd.read_csv(workspace / "out.csv.skipped.csv")
    assert listed["line"].tolist() == [3, 4, 6]
    assert numbers(r"(\d+) rows classified", err) == 3
    (workspace / "l.jsonl").write_bytes('{"text": "a\u2028b", "label": "x"}\n\n'
                                        '{"text": "c", "label": "y"}\n'.encode())
    assert read_table(workspace / "l.jsonl").frame.index.tolist() == [1, 3]


# ---------------------------------------------------------------- 4. models stay in models/


@pytest.mark.parametrize("name", ["../../evil", "/tmp/evil-abs", ".", "..", ".hidden", "",
                                  "a/b", "a\\b", "x" * 65])
def test_train_refuses_model_names_that_are_paths(capsys, workspace, name):
    (workspace / "train.csv").write_text(TRAIN_ROWS)
    code, _, err = run(capsys, "train", "train.csv", "--name", name)
    assert "is not a model name" in error_line(code, err)
    assert sorted(p.name for p in workspace.iterdir()) == ["train.csv"]
    assert not Path("/tmp/evil-abs").exists()


def test_models_activate_refuses_a_path(capsys, workspace):
    code, _, err = run(capsys, "models", "activate", "../../evil")
    assert "is not a model name" in error_line(code, err)
    assert not (workspace / "models" / "active.json").exists()
    code, out, _ = run(capsys, "classify", "where is my parcel")
    assert code == 0 and out.startswith("not_arrived")


class _Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("how", ["absolute", "relative"])
def test_model_flag_never_loads_a_pickle_from_another_folder(capsys, workspace, how):
    import joblib

    evil = workspace / "evil"
    evil.mkdir()
    marker = workspace / "code-ran"
    joblib.dump({"pipeline": _Payload(str(marker)), "card": {}}, evil / "model.joblib")
    (evil / "model.json").write_text(json.dumps({"versions": {
        "scikit-learn": sklearn.__version__}}))
    (workspace / "models").mkdir()
    where = str(evil) if how == "absolute" else "../evil"
    code, _, err = run(capsys, "classify", "--model", where, "hello")
    assert "--trust-model-path" in error_line(code, err)
    assert not marker.exists()


def test_trust_model_path_says_it_runs_code(capsys):
    with pytest.raises(SystemExit):
        main(["classify", "--help"])
    out = capsys.readouterr().out
    assert "--trust-model-path" in out and "runs code" in " ".join(out.split())


# ---------------------------------------------------------------- 5. templates have limits


EVIL_TEMPLATES = {
    "nested_loops": "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}"
                    "{% endfor %}",
    "lipsum": "{{ lipsum(10**6) }}",
    "huge_power": "{{ 7**(10**8) }}",
    "huge_string": "{{ 'x' * 10**9 }}",
    "recursive_macro": "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "branching_macro": "{% macro f(n) %}{% if n > 0 %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}"
                       "{% endmacro %}{{ f(40) }}",
    "self_include": "{% include 'shipped_notice.txt.j2' %}",
    "squaring_loop": "{% set ns = namespace(v=10**64) %}{% for i in range(40) %}"
                     "{% set ns.v = ns.v * ns.v %}{% endfor %}{{ ns.v > 1 }}",
    "power_chain": "{{ ((((2**64)**64)**64)**64)**64 > 1 }}",
    "star_width": "{{ ('%*s' % (10**9, 'x'))|length }}",
    "join_bomb": "{{ range(10000)|join('x' * 99999)|length }}",
    "replace_bomb": "{{ ('x' * 99999)|replace('x', 'x' * 99999)|length }}",
    "method_replace_bomb": "{{ ('x' * 99999).replace('x', 'x' * 99999)|length }}",
    "indent_bomb": "{{ ('x\n' * 49999)|indent('y' * 99999)|length }}",
    "list_of_long_strings": "{{ ['x' * 99999] * 99999 }}",
    "format_fields": "{{ ('{0}' * 30000).format('x' * 99999)|length }}",
    "nested_brackets": "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
    "nested_blocks": "".join(f"{{% for a{i} in [1] %}}" for i in range(25)) + "x"
                     + "{% endfor %}" * 25,
    "deep_ifs": "{% if 1 %}" * 500 + "x" + "{% endif %}" * 500,
    "range_huge": "{{ range(10**9)|length }}",
    "huge_source": "{{ x }}" * 300_000,
    "captured_set_block": "{% set x %}{% for i in range(10000) %}{{ 'y' * 99999 }}{% endfor %}"
                          "{% endset %}{{ x|length }}",
    "captured_macro": "{% macro m() %}{% for i in range(10000) %}{{ 'y' * 99999 }}{% endfor %}"
                      "{% endmacro %}{{ m()|length }}",
    "captured_filter_block": "{% filter length %}{% for i in range(10000) %}{{ 'y' * 99999 }}"
                             "{% endfor %}{% endfilter %}",
    "literal_list": "{% set a = 'x' * 99999 %}{{ [" + ",".join(["a"] * 3000) + "]|string }}",
    "captured_literal_loop": "{% set x %}{% for i in range(10000) %}" + "z" * 90_000
                             + "{% endfor %}{% endset %}{{ x|length }}",
}


@pytest.fixture
def templates(tmp_path, monkeypatch):
    root = tmp_path / "templates"
    (root / "en").mkdir(parents=True)
    (root / "en" / "other.txt.j2").write_text("Hello.\n")
    monkeypatch.setenv(replies.ENV_VAR, str(root))
    return root


@pytest.mark.parametrize("case", sorted(EVIL_TEMPLATES))
def test_a_hostile_template_stops_with_a_template_error(templates, case):
    (templates / "en" / "shipped_notice.txt.j2").write_text(EVIL_TEMPLATES[case])
    with pytest.raises(TemplateError) as caught:
        replies.render("shipped_notice", Order(order_id="1"))
    assert "shipped_notice.txt.j2" in str(caught.value)


def test_a_slow_template_is_stopped_by_the_time_limit(templates):
    (templates / "en" / "shipped_notice.txt.j2").write_text(
        "{% for i in range(250) %}{{ (range(10000)|list * 10)|sort|length }}{% endfor %}")
    with pytest.raises(TemplateError, match="ran longer than"):
        replies.render("shipped_notice", Order())


@pytest.mark.parametrize("case", ["huge_power", "self_include", "nested_brackets",
                                  "nested_blocks", "join_bomb"])
def test_templates_check_reports_a_hostile_template(capsys, templates, case):
    (templates / "en" / "shipped_notice.txt.j2").write_text(EVIL_TEMPLATES[case])
    code, out, err = run(capsys, "templates", "check")
    assert code == 1
    assert any("shipped_notice.txt.j2" in line for line in out.splitlines())
    assert "problem(s) in the templates" in err


# ---------------------------------------------------------------- 6. SIGKILL leaves nothing running


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and prctl")
def test_sigkill_of_batch_ends_its_workers_and_the_next_run_cleans_up(capsys, workspace):
    copy_default(workspace / "models", "m")
    src = workspace / "big.csv"
    src.write_text("id,message\n" + "".join(f"{i},where is my parcel number {i} please\n"
                                            for i in range(200_000)))
    out = workspace / "out.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "batch", str(src), "-o", str(out), "--quiet",
         "--jobs", "2", "--model", "m"], cwd=workspace, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env={**os.environ, "ASSISTANT_MODELS_DIR":
                                        str(workspace / "models")})
    try:
        deadline = time.monotonic() + 90
        workers: list[int] = []
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            workers = _children(proc.pid)
        assert len(workers) >= 2 and proc.poll() is None, "the workers never started"
        assert list(workspace.glob(".out.csv.*.partial"))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(map(_running, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(_running, workers)), "workers outlived the killed batch"
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(workspace.glob(".out.csv.*.partial")), "the killed run left no partial file"
    (workspace / "small.csv").write_text("id,message\n1,where is my parcel\n")
    code, _, err = run(capsys, "batch", "small.csv", "-o", out, "--quiet", "--jobs", "1")
    assert code == 0, err
    assert not list(workspace.glob(".out.csv.*"))
    assert len(read_back(out)) == 2


# ---------------------------------------------------------------- 7. duplicate column names


@pytest.mark.parametrize("argv", [
    ("data", "validate", "dup.csv"),
    ("evaluate", "dup.csv"),
    ("train", "dup.csv", "--name", "d"),
    ("data", "convert", "dup.csv", "dup.yml"),
    ("data", "split", "dup.csv"),
    ("batch", "dup2.csv", "-o", "out.csv", "--quiet", "--jobs", "1"),
    ("batch", "dup.parquet", "-o", "out.csv", "--quiet", "--jobs", "1"),
])
def test_duplicate_column_names_are_one_clear_error(capsys, workspace, argv):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (workspace / "dup.csv").write_text("text,text,label\na,b,c\n")
    (workspace / "dup2.csv").write_text("message,message,x\nhello,there,1\n")
    pq.write_table(pa.table([pa.array(["hello"]), pa.array(["x"])],
                            names=["message", "message"]), workspace / "dup.parquet")
    before = sorted(p.name for p in workspace.iterdir())
    code, _, err = run(capsys, *argv)
    assert "twice" in error_line(code, err)
    assert sorted(p.name for p in workspace.iterdir()) == before


# ---------------------------------------------------------------- 8. damaged model cards


DAMAGED_CARDS = {
    "a-list": b"[1,2,3]",
    "versions-text": b'{"versions": "1.5"}',
    "not-utf8": b"\xff\xfe\x00garbage\x80",
    "empty": b"",
    "truncated": b'{"versions": {"scikit-learn": "1.',
}


@pytest.mark.parametrize("name", sorted(DAMAGED_CARDS))
def test_a_damaged_model_card_is_one_clear_error(capsys, workspace, name):
    folder = workspace / "models" / name
    folder.mkdir(parents=True)
    (folder / "model.json").write_bytes(DAMAGED_CARDS[name])
    (folder / "model.joblib").write_bytes(b"junk")
    code, _, err = run(capsys, "classify", "--model", name, "hello")
    line = error_line(code, err)
    assert "damaged" in line and f"--name {name}" in line


def test_one_damaged_folder_does_not_break_models_list(capsys, workspace):
    copy_default(workspace / "models", "good")
    for name, data in DAMAGED_CARDS.items():
        (workspace / "models" / name).mkdir()
        (workspace / "models" / name / "model.json").write_bytes(data)
    code, out, _ = run(capsys, "models", "list")
    assert code == 0
    listed = {line.lstrip("* ").split()[0] for line in out.splitlines() if line.strip()}
    assert set(DAMAGED_CARDS) | {"good"} <= listed
    assert re.search(r"good +\d+ labels +\d+ rows +cross-validated accuracy 0\.\d{3}", out)


def test_a_deeply_nested_card_is_a_damaged_card(capsys, workspace):
    folder = workspace / "models" / "deep"
    folder.mkdir(parents=True)
    (folder / "model.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    try:
        code, _, err = run(capsys, "classify", "--model", "deep", "hello")
    except RecursionError:
        pytest.fail("RecursionError escaped")
    assert "damaged" in error_line(code, err)


@pytest.mark.parametrize("field", [{"holdout": "x"}, {"holdout": {"accuracy": "high"}},
                                   {"labels": 5}])
def test_a_card_with_wrong_field_types_does_not_break_models_list(capsys, workspace, field):
    folder = workspace / "models" / "odd"
    folder.mkdir(parents=True)
    (folder / "model.json").write_text(json.dumps(
        {"versions": {"scikit-learn": sklearn.__version__}, **field}))
    try:
        code, out, _ = run(capsys, "models", "list")
    except (AttributeError, TypeError, ValueError) as exc:
        pytest.fail(f"models list crashed: {exc!r}")
    assert code == 0 and "odd" in out


def test_models_list_says_which_model_is_damaged(capsys, workspace):
    folder = workspace / "models" / "broken"
    folder.mkdir(parents=True)
    (folder / "model.json").write_bytes(b"[1,2,3]")
    code, out, _ = run(capsys, "models", "list")
    assert code == 0
    assert any("broken" in line and "damaged" in line for line in out.splitlines())


def test_data_convert_of_a_deeply_nested_yaml_is_one_clear_error(capsys, workspace):
    (workspace / "deep.yml").write_text("nlu: " + "[" * 10_000 + "]" * 10_000 + "\n")
    try:
        code, _, err = run(capsys, "data", "convert", "deep.yml", "out.csv")
    except RecursionError:
        pytest.fail("RecursionError escaped")
    assert error_line(code, err)



# ---------------------------------------------------------------- 9. files are created -rw-r--r--


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_models_outputs_and_exports_are_readable_by_others(capsys, workspace, umask_022):
    (workspace / "train.csv").write_text(TRAIN_ROWS)
    (workspace / "in.csv").write_text(TRAIN_ROWS + 'bad,"unclosed\n')
    assert run(capsys, "train", "train.csv", "--name", "perm", "--activate")[0] == 0
    for suffix in ("csv", "tsv", "jsonl", "parquet"):
        assert run(capsys, "batch", "in.csv", "-o", f"o.{suffix}", "--quiet", "--jobs", "1",
                   "--model", "perm")[0] == 0
    assert run(capsys, "data", "split", "train.csv")[0] == 0
    assert run(capsys, "data", "convert", "train.csv", "c.yml")[0] == 0
    FeedbackStore(workspace / "feedback.sqlite3").save(message="x", final_label="a")
    assert run(capsys, "feedback", "export", "fx.csv")[0] == 0
    made = [workspace / "models" / "perm" / "model.joblib",
            workspace / "models" / "perm" / "model.json", workspace / "models" / "active.json",
            *(workspace / f"o.{s}" for s in ("csv", "tsv", "jsonl", "parquet")),
            workspace / "o.csv.skipped.csv", workspace / "train_train.csv",
            workspace / "train_test.csv", workspace / "c.yml", workspace / "fx.csv"]
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in made}
    assert modes == dict.fromkeys(modes, "0o644")


# ---------------------------------------------------------------- 10. unwritable outputs


def test_an_output_that_is_a_folder_is_refused_before_any_work(capsys, workspace):
    from assistant.batch import run_batch

    (workspace / "in.csv").write_text(TRAIN_ROWS)
    (workspace / "out.csv").mkdir()

    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError("the model was used before the output was checked")

    with pytest.raises(DataError, match="is a folder"):
        run_batch(["in.csv"], "out.csv", model=Untouchable(), jobs=1, progress=False)
    for argv in (("batch", "in.csv", "-o", "out.csv", "--quiet"),
                 ("feedback", "export", "out.csv"),
                 ("data", "convert", "in.csv", "out.csv")):
        code, _, err = run(capsys, *argv)
        assert "out.csv: it is a folder" in error_line(code, err)
    assert (workspace / "out.csv").is_dir() and not any((workspace / "out.csv").iterdir())


def _unwritable_folders(tmp_path: Path) -> list[Path]:
    folders = []
    if os.geteuid() != 0:  # root may write anywhere the file system allows
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        folders.append(locked)
    folders += [p for p in (Path("/proc"), Path("/sys")) if p.is_dir()]
    return folders


def test_an_unwritable_output_folder_is_one_clear_error(capsys, workspace):
    (workspace / "in.csv").write_text("message\nhello\n")
    FeedbackStore(workspace / "feedback.sqlite3").save(message="x", final_label="a")
    folders = _unwritable_folders(workspace)
    assert folders
    before = sorted(p.name for p in workspace.iterdir())
    for folder in folders:
        for argv in (("batch", "in.csv", "-o", folder / "out.csv", "--quiet", "--jobs", "1"),
                     ("batch", "in.csv", "-o", folder / "out.parquet", "--quiet"),
                     ("feedback", "export", folder / "fx.csv")):
            code, _, err = run(capsys, *argv)
            assert "cannot write" in error_line(code, err)
    assert sorted(p.name for p in workspace.iterdir()) == before


@pytest.mark.parametrize("where", ["a-file", "/proc/reports"])
def test_evaluate_report_dir_that_cannot_be_written_is_one_clear_error(capsys, workspace,
                                                                       where):
    (workspace / "train.csv").write_text(TRAIN_ROWS)
    (workspace / "a-file").write_text("x")
    try:
        code, _, err = run(capsys, "evaluate", "train.csv", "--report-dir", where)
    except OSError as exc:
        pytest.fail(f"traceback: {exc!r}")
    assert error_line(code, err)


def test_a_skipped_list_path_that_is_a_folder_is_refused_before_the_run(capsys, workspace):
    (workspace / "in.csv").write_text('message\nhello\n"broken\n')
    (workspace / "out.csv.skipped.csv").mkdir()
    code, _, err = run(capsys, "batch", "in.csv", "-o", "out.csv", "--quiet", "--jobs", "1")
    assert "is a folder" in error_line(code, err)
    assert not (workspace / "out.csv").exists()


def test_a_rerun_with_no_bad_rows_leaves_no_stale_skipped_list(capsys, workspace):
    (workspace / "in.csv").write_text('message\nhello\n"broken\n')
    assert run(capsys, "batch", "in.csv", "-o", "out.csv", "--quiet", "--jobs", "1")[0] == 0
    assert (workspace / "out.csv.skipped.csv").exists()
    (workspace / "in.csv").write_text("message\nhello\n")
    assert run(capsys, "batch", "in.csv", "-o", "out.csv", "--quiet", "--jobs", "1")[0] == 0
    assert not (workspace / "out.csv.skipped.csv").exists()


# ---------------------------------------------------------------- 11. invalid UTF-8


def test_invalid_utf8_arguments_are_shown_as_replacement_characters(capsys, workspace):
    # Python hands bytes that are not UTF-8 over as lone surrogates (surrogateescape).
    code, out, _ = run(capsys, "classify", "caf\udce9 where is my parcel \udcff")
    assert code == 0 and "\ufffd" in out
    code, out, _ = run(capsys, "reply", "where is my parcel \udcff", "--agent", "M\udcffia",
                       "--today", "2026-02-01")
    assert code == 0 and "M\ufffdia" in out


def test_invalid_utf8_on_stdin_is_read_with_a_warning(capsys, workspace, monkeypatch):
    raw = b"caf\xe9 where\xff is my parcel\n\xc3\x28 the mug arrived broken\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    code, out, err = run(capsys, "classify", "--json", "-")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2 and "\ufffd" in rows[0]["text"]
    assert "not valid UTF-8" in err


def test_a_file_name_that_is_not_utf8_can_be_read(capsys, workspace):
    name = os.fsdecode(b"caf\xe9.csv")
    Path(name).write_text("message\nwhere is my parcel\n")
    code, _, err = run(capsys, "batch", name, "-o", "out.csv", "--quiet", "--jobs", "1")
    assert code == 0, err


# ---------------------------------------------------------------- 12. values out of range


@pytest.mark.parametrize("fields,words", [
    ({"promised_days": 99999999999}, "out of range"),
    ({"promised_days": "99999999999"}, "out of range"),
    ({"ship_date": "9999-12-31"}, "not a plausible date"),
    ({"delivered_date": "9999-12-31"}, "not a plausible date"),
    ({"dispute_opened": "0001-01-01"}, "not a plausible date"),
    ({"ship_date": date.max}, "not a plausible date"),
    ({"quantity": 10**30}, "out of range"),
    ({"price": "9" * 50}, "out of range"),
])
def test_values_out_of_range_are_order_errors(fields, words):
    with pytest.raises(OrderError, match=words):
        Order.from_dict(fields)


def test_reply_with_an_out_of_range_order_is_one_clear_error(capsys, workspace):
    (workspace / "order.json").write_text(json.dumps({"ship_date": "9999-12-31"}))
    code, _, err = run(capsys, "reply", "where is my parcel", "--order", "order.json")
    assert "ship_date" in error_line(code, err)


@pytest.mark.parametrize("content", [
    b"[" * 100_000 + b"]" * 100_000,                      # nested past the stack
    b'{"promised_days": ' + b"9" * 5000 + b"}",           # past Python's int digits limit
    b'[{"order_id": "1", "price": ' + b"9" * 5000 + b"}]",
    b'{"promised_days": NaN, "price": Infinity}',
])
@pytest.mark.parametrize("flag", ["--order", "--orders"])
def test_an_order_file_that_is_not_one_is_one_clear_error(capsys, workspace, content, flag):
    (workspace / "o.json").write_bytes(content)
    extra = ["--order-id", "1"] if flag == "--orders" else []
    code, _, err = run(capsys, "reply", "where is my parcel", flag, "o.json", *extra)
    assert error_line(code, err)


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16"])
def test_an_order_file_with_a_byte_order_mark_is_read(capsys, workspace, codec):
    (workspace / "o.json").write_bytes(json.dumps({"order_id": "1043", "buyer_name": "Ana"})
                                       .encode(codec))
    code, out, err = run(capsys, "reply", "where is my parcel", "--order", "o.json", "--json")
    assert code == 0, err
    assert json.loads(out)["order_id"] == "1043"


def test_batch_with_replies_survives_out_of_range_cells(capsys, workspace):
    (workspace / "m.csv").write_text(
        "order_id,message,promised_days,ship_date,price\n"
        "1,where is my parcel,,,\n"
        "2,where is my parcel,99999999999,,\n"
        "3,where is my parcel,,9999-12-31,\n"
        f"4,please cancel my order I do not want it,,,{'9' * 50}\n")
    code, _, err = run(capsys, "batch", "m.csv", "-o", "out.csv", "--with-replies", "--quiet",
                       "--jobs", "1")
    assert code == 0, err
    out = pd.read_csv(workspace / "out.csv", dtype=str, keep_default_na=False)
    assert out["order_id"].tolist() == ["1", "2", "3", "4"]
    problems = out["order_problem"].tolist()
    assert problems[0] == ""
    assert "promised_days" in problems[1] and "ship_date" in problems[2]
    assert "price" in problems[3]
    assert all(out["reply"].str.len() > 20)


# ---------------------------------------------------------------- 13. duplicate order ids


ORDERS = ("order_id,buyer_name,carrier,service,ship_date,destination_country\n"
          "1043,Ana,China Post,small parcel,2026-01-01,ES\n"
          "1043,Tom,ePacket,,2026-01-05,ES\n")


def test_duplicate_order_ids_use_the_last_row_with_a_warning_everywhere(capsys, workspace):
    (workspace / "orders.csv").write_text(ORDERS)
    code, out, err = run(capsys, "reply", "where is my parcel", "--orders", "orders.csv",
                         "--order-id", "1043", "--today", "2026-01-20", "--json")
    assert code == 0
    reply = json.loads(out)
    assert "warning:" in err and "1043" in err and "last" in err
    (workspace / "m.csv").write_text("order_id,message\n1043,where is my parcel\n")
    code, _, err = run(capsys, "batch", "m.csv", "-o", "out.csv", "--with-replies", "--orders",
                       "orders.csv", "--quiet", "--jobs", "1")
    assert code == 0
    assert "warning:" in err and "1043" in err and "last" in err
    batch_reply = pd.read_csv(workspace / "out.csv", dtype=str)["reply"][0]
    assert "Tom" in reply["reply"] and "Ana" not in reply["reply"]
    assert "Tom" in batch_reply and "Ana" not in batch_reply


# ---------------------------------------------------------------- 14. contradictory dates


def test_a_future_ship_date_is_shown_not_computed_with(capsys, workspace):
    order = Order.from_dict({"ship_date": "2027-06-01", "carrier": "China Post",
                             "service": "small parcel", "destination_country": "ES"})
    f = facts(order, today=date(2026, 2, 1))
    assert f.days_in_transit is None and f.days_left is None and f.days_overdue is None
    assert any("after today" in p for p in f.problems)
    (workspace / "order.json").write_text(json.dumps({"ship_date": "2027-06-01",
                                                      "carrier": "China Post",
                                                      "service": "small parcel"}))
    code, out, _ = run(capsys, "reply", "where is my parcel", "--order", "order.json",
                       "--today", "2026-02-01")
    assert code == 0
    assert "Order problem: the ship date 2027-06-01 is after today" in out
    assert not re.search(r"-\d+ (of|days)", out)


def test_a_delivery_before_the_shipment_is_an_order_problem():
    order = Order.from_dict({"ship_date": "2026-01-10", "delivered_date": "2026-01-05"})
    f = facts(order, today=date(2026, 2, 1))
    assert any("before the ship date" in p for p in f.problems)
    assert f.days_in_transit is None or f.days_in_transit >= 0


def test_negative_promised_days_is_out_of_range_not_a_non_number():
    with pytest.raises(OrderError) as caught:
        Order.from_dict({"promised_days": -5})
    assert "out of range" in str(caught.value)
    assert "not a whole number" not in str(caught.value)


# ---------------------------------------------------------------- 15. UTF-16


@pytest.mark.parametrize("codec,bom", [("utf-16", b""), ("utf-16-le", b"\xff\xfe"),
                                       ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""),
                                       ("utf-16-be", b"")])
def test_utf16_files_are_read(capsys, workspace, codec, bom):
    text = "text,label\n" + "".join(f"où est mon colis {i},not_arrived\n"
                                    f"la tasse {i} est cassée,item_defective\n" for i in range(6))
    (workspace / "u.csv").write_bytes(bom + text.encode(codec))
    data = read_labelled([workspace / "u.csv"])
    assert "la tasse 0 est cassée" in data.texts and len(data.texts) == 12
    code, out, _ = run(capsys, "data", "validate", "u.csv")
    assert code == 0 and "12 rows" in out
    code, _, err = run(capsys, "batch", "u.csv", "-o", "out.csv", "--quiet", "--jobs", "1")
    assert code == 0, err
    assert "où est mon colis 0" in (workspace / "out.csv").read_text(encoding="utf-8")


def test_a_stray_nul_in_a_cell_does_not_make_a_csv_binary(capsys, workspace):
    (workspace / "n.csv").write_bytes(b"message,id\nwhere is\x00 my parcel,1\nok,2\n")
    assert read_table(workspace / "n.csv").frame["id"].tolist() == ["1", "2"]
    code, _, err = run(capsys, "batch", "n.csv", "-o", "out.csv", "--quiet", "--jobs", "1")
    assert code == 0, err
    assert numbers(r"(\d+) rows classified", err) == 2
    (workspace / "zeros.csv").write_bytes(bytes(4096))
    code, _, err = run(capsys, "batch", "zeros.csv", "-o", "z.csv", "--quiet", "--jobs", "1")
    assert "binary data" in error_line(code, err)


def test_encoding_utf16_is_accepted(capsys, workspace):
    text = "message\nwhere is my parcel\nthe mug arrived broken\n"
    (workspace / "le.csv").write_bytes(text.encode("utf-16-le"))
    (workspace / "bom.csv").write_bytes(text.encode("utf-16"))
    for name in ("le.csv", "bom.csv"):
        code, _, err = run(capsys, "batch", name, "-o", f"o-{name}", "--quiet", "--jobs", "1",
                           "--encoding", "utf-16")
        assert code == 0, err
        assert "the mug arrived broken" in (workspace / f"o-{name}").read_text()
    (workspace / "tr.csv").write_bytes(TRAIN_ROWS.encode("utf-16"))
    code, out, _ = run(capsys, "data", "validate", "tr.csv", "--encoding", "utf-16")
    assert code == 0 and "18 rows" in out


@pytest.mark.parametrize("argv", [("batch", "in.csv", "-o", "o.csv", "--quiet"),
                                  ("data", "validate", "in.csv")])
def test_an_unknown_or_wrong_encoding_is_one_clear_error(capsys, workspace, argv):
    (workspace / "in.csv").write_bytes("text,label\nhéllo wörld,a\n".encode())
    for encoding in ("nonsense", "utf-16", "ascii"):
        code, _, err = run(capsys, *argv, "--encoding", encoding)
        line = error_line(code, err)
        assert encoding in line or "column" in line
    assert sorted(p.name for p in workspace.iterdir()) == ["in.csv"]


# ---------------------------------------------------------------- 16. right hints


def test_a_5mb_cell_gets_the_cell_length_hint_and_its_line(capsys, workspace):
    (workspace / "big.csv").write_text("message,id\nfine,1\n" + "x" * 5_000_000 + ",2\n"
                                       "also fine,3\n")
    code, _, err = run(capsys, "batch", "big.csv", "-o", "out.csv", "--quiet", "--jobs", "1")
    assert code == 0
    listed = pd.read_csv(workspace / "out.csv.skipped.csv")
    assert listed["line"].tolist() == [3]
    assert f"longer than {MAX_CELL:,} characters" in listed["reason"][0]
    assert "put text that contains" not in listed["reason"][0]
    assert numbers(r"(\d+) rows classified", err) == 2


def test_a_header_only_file_fails_data_validate_like_train(capsys, workspace):
    (workspace / "h.csv").write_text("text,label\n")
    code, out, _ = run(capsys, "data", "validate", "h.csv")
    assert code == 1 and "no data rows" in out
    code, _, err = run(capsys, "train", "h.csv", "--name", "h")
    assert "no rows" in error_line(code, err)


@pytest.mark.parametrize("name", ["shot.png", "shot.csv"])
def test_a_png_given_to_batch_is_called_a_png(capsys, workspace, name):
    (workspace / name).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    code, _, err = run(capsys, "batch", name, "-o", "out.csv", "--quiet")
    line = error_line(code, err)
    assert "PNG image" in line and "the columns are" not in line


def test_a_corrupt_feedback_database_says_retrying_will_not_help(capsys, workspace):
    (workspace / "bad.sqlite3").write_bytes(b"this is not a database at all" * 100)
    code, _, err = run(capsys, "feedback", "export", "x.csv", "--db", "bad.sqlite3")
    line = error_line(code, err)
    assert "retrying will not help" in line and "try again" not in line


def test_a_broken_default_model_says_build_default_force(workspace, default_model):
    folder = copy_default(workspace / "models", "default")
    (folder / "model.joblib").write_bytes(b"garbage")
    with pytest.raises(ModelError) as caught:
        registry.load("default")
    assert "models build-default --force" in str(caught.value)
    assert "retrain" not in str(caught.value)


# ---------------------------------------------------------------- 17. long input is bounded


def test_a_huge_message_is_classified_on_its_start_and_says_so(capsys, workspace):
    from assistant.model import MAX_CHARS

    code, out, _ = run(capsys, "classify", "x" * 2_000_000)
    assert code == 0
    assert f"classified on the first {MAX_CHARS:,} characters" in out
    code, out, _ = run(capsys, "classify", "--json", "where is my parcel " * 50_000)
    result = json.loads(out)
    assert result["truncated"] is True and result["label"] == "not_arrived"


def test_batch_keeps_the_full_text_of_long_messages(capsys, workspace):
    long = "my parcel is late " + "a" * 1_000_000
    (workspace / "m.csv").write_text(f"message\n{long}\nshort one\n")
    code, _, err = run(capsys, "batch", "m.csv", "-o", "out.csv", "--quiet", "--jobs", "1")
    assert code == 0, err
    rows = read_back(workspace / "out.csv")
    assert rows[1][0] == long


def test_a_30mb_line_is_one_skipped_row_and_the_rows_after_it_are_read(capsys, workspace):
    (workspace / "m.csv").write_text("message,id\nfirst,1\n" + "z" * 30_000_000 + ",2\n"
                                     "after,3\n")
    code, _, err = run(capsys, "batch", "m.csv", "-o", "out.csv", "--quiet", "--jobs", "1")
    assert code == 0, err
    assert [r[:2] for r in read_back(workspace / "out.csv")[1:]] == [["first", "1"],
                                                                     ["after", "3"]]
    assert pd.read_csv(workspace / "out.csv.skipped.csv")["line"].tolist() == [3]


def test_language_detection_of_one_long_token_is_bounded():
    from assistant.language import MAX_CHARS, detect

    [(code, _)] = detect(["é" * 3_000_000])
    assert code in ("en", "es", "pt", "fr", "de", "ru", "other")
    assert MAX_CHARS <= 10_000


# ---------------------------------------------------------------- 18. network and terminal


def test_the_app_listens_on_localhost_by_default():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^HOST \?= 127\.0\.0\.1$", makefile, re.MULTILINE)
    assert "--server.address $(HOST)" in makefile
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert re.search(r'^address = "127\.0\.0\.1"', config, re.MULTILINE)


def test_classify_and_reply_print_escape_characters_escaped(capsys, workspace):
    evil = "where is my parcel \x1b[31mred\x07 \x1b]0;title\x07 \u202e"
    code, out, _ = run(capsys, "classify", evil)
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b[31mred" in out
    code, out, _ = run(capsys, "reply", evil, "--agent", "Mia\x1b[2J", "--today", "2026-02-01")
    assert code == 0 and "\x1b" not in out


def test_error_lines_print_escape_characters_escaped(capsys, workspace):
    code, _, err = run(capsys, "batch", "\x1b]0;owned\x07.csv", "-o", "out.csv")
    assert code == 1
    assert "\x1b" not in err and "\x07" not in err


def test_evaluate_prints_labels_escaped(capsys, workspace):
    rows = "text,label\n" + "".join(f"where is my parcel {i},\x1b[2Jevil\n" for i in range(6))
    (workspace / "e.csv").write_text(rows)
    code, out, _ = run(capsys, "evaluate", "e.csv")
    assert code == 0
    assert "\x1b" not in out


def test_readme_states_the_trust_boundaries():
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "validated name" in readme and "--trust-model-path" in readme
    assert "sandbox" in readme and "bounded" in readme
    assert "127.0.0.1" in readme and "login" in readme.lower()
