from __future__ import annotations

import pandas as pd
import pytest

from assistant.batch import expand_inputs, neutralise_formulas, run_batch
from assistant.errors import DataError

EXPORT = (
    "id,message,order\r\n"
    "1,my parcel arrived empty nothing inside,11\r\n"
    '2,"=HYPERLINK(""http://x"")",12\r\n'
    "3,,13\r\n"
    "4,too,many,fields,here\r\n"
    "5,where is my order??,15\r\n"
    "6,where is my order??,16\r\n"
    "7,+1 customs want 20 euro tax,17\r\n"
)


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + EXPORT.encode())
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl", ".tsv"])
def test_every_row_kept_with_results(export, tmp_path, default_model, suffix):
    out = tmp_path / f"out{suffix}"
    summary = run_batch([str(export)], str(out), model=default_model, jobs=1)
    frame = {".parquet": pd.read_parquet, ".jsonl": lambda p: pd.read_json(p, lines=True),
             ".csv": lambda p: pd.read_csv(p, dtype=str, keep_default_na=False),
             ".tsv": lambda p: pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False)
             }[suffix](out)
    assert frame.columns.tolist() == ["id", "message", "order", "label", "confidence",
                                      "alt_label", "alt_confidence", "also_label", "needs_review",
                                      "review_reason", "language", "language_confidence"]
    assert frame["id"].astype(str).tolist() == ["1", "2", "3", "5", "6", "7"]
    labels = dict(zip(frame["id"].astype(str), frame["label"], strict=True))
    assert labels["1"] == "empty_package" and labels["5"] == "not_arrived"
    assert labels["3"] == "other"
    assert str(frame.loc[frame["id"].astype(str) == "3", "needs_review"].iloc[0]) in (
        "True", "true")
    assert summary.rows == 6 and summary.empty == 1
    assert summary.unique_messages == 4
    assert [(line, why) for _, line, why in summary.skipped] == [
        (5, "expected 3 fields, saw 5; quote cells that contain ','")]
    skipped = pd.read_csv(summary.skipped_file)
    assert skipped["line"].tolist() == [5]


def test_csv_output_neutralises_formulas(export, tmp_path, default_model):
    out = tmp_path / "out.csv"
    run_batch([str(export)], str(out), model=default_model, jobs=1)
    text = out.read_text()
    assert "'=HYPERLINK" in text and "\n2,=HYPERLINK" not in text
    assert "'+1 customs" in text


def test_on_bad_lines_error_stops_and_writes_nothing(export, tmp_path, default_model):
    out = tmp_path / "out.csv"
    with pytest.raises(DataError, match="malformed row.*line 5"):
        run_batch([str(export)], str(out), model=default_model, on_bad_lines="error", jobs=1)
    assert list(tmp_path.iterdir()) == [export]


def test_interrupted_run_leaves_no_output(export, tmp_path, default_model, monkeypatch):
    from assistant import batch

    def boom(self, pending):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch.Classifier, "collect", boom)
    with pytest.raises(KeyboardInterrupt):
        run_batch([str(export)], str(tmp_path / "out.parquet"), model=default_model, jobs=1)
    assert list(tmp_path.iterdir()) == [export]


def test_parallel_matches_serial(tmp_path, default_model):
    test = pd.read_csv("data/test.csv", dtype=str, keep_default_na=False)
    big = pd.concat([test] * 6, ignore_index=True)
    big["text"] = big["text"] + " #" + big.index.astype(str)  # all distinct
    src = tmp_path / "big.csv"
    big.to_csv(src, index=False)
    one = run_batch([str(src)], str(tmp_path / "one.parquet"), model=default_model, jobs=1)
    two = run_batch([str(src)], str(tmp_path / "two.parquet"), model=default_model, jobs=2,
                    chunk_rows=1000)
    assert one.rows == two.rows == len(big)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one.parquet"),
                                  pd.read_parquet(tmp_path / "two.parquet"))


def test_folder_and_glob_inputs(tmp_path, default_model):
    for i in range(2):
        (tmp_path / f"part{i}.csv").write_text(f"message\nparcel {i} never arrived\n")
    assert len(expand_inputs([str(tmp_path)])) == 2
    assert len(expand_inputs([str(tmp_path / "part*.csv")])) == 2
    summary = run_batch([str(tmp_path)], str(tmp_path / "out.jsonl"), model=default_model, jobs=1)
    assert summary.rows == 2


@pytest.mark.parametrize("spec,match", [("nowhere.csv", "no such file"),
                                        ("none*.csv", "no CSV, TSV, JSONL or Parquet")])
def test_bad_inputs(tmp_path, spec, match, default_model):
    with pytest.raises(DataError, match=match):
        run_batch([str(tmp_path / spec)], str(tmp_path / "o.csv"), model=default_model)


def test_no_text_column(tmp_path, default_model):
    src = tmp_path / "x.csv"
    src.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="no text column.*the columns are: a, b"):
        run_batch([str(src)], str(tmp_path / "o.csv"), model=default_model)
    assert not (tmp_path / "o.csv").exists()


def test_cp1252_input(tmp_path, default_model):
    src = tmp_path / "x.csv"
    src.write_bytes('message\n"le colis est arrivé vide, rien dedans"\n'.encode("cp1252"))
    notes = []
    run_batch([str(src)], str(tmp_path / "o.csv"), model=default_model, notes=notes)
    assert "arrivé" in (tmp_path / "o.csv").read_text()
    assert notes and "not UTF-8" in notes[0]


def test_neutralise_formulas():
    frame = pd.DataFrame({"a": ["=1+1", "-5", "ok", "@x", "\tt"], "n": [1, 2, 3, 4, 5]})
    out = neutralise_formulas(frame)
    assert out["a"].tolist() == ["'=1+1", "'-5", "ok", "'@x", "'\tt"]
    assert out["n"].tolist() == [1, 2, 3, 4, 5]


def test_a_ctrl_c_while_the_workers_are_forked_is_not_lost(tmp_path):
    """A Ctrl-C that lands while the pool forks its workers used to be swallowed by the fork's
    handlers (the run then went on to the end): here it lands in every fork, on purpose."""
    import subprocess
    import sys

    script = tmp_path / "fork_interrupted.py"
    script.write_text(
        "import os, signal\n"
        "import pandas as pd\n"
        "from assistant.batch import Classifier\n"
        "os.register_at_fork(after_in_parent=lambda: os.kill(os.getpid(), signal.SIGINT))\n"
        "classifier = Classifier(None, jobs=2)\n"
        "try:\n"
        "    classifier.submit(pd.Series([f'message {i}' for i in range(2000)]))\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
        "    os._exit(0)\n"
        "print('not interrupted', flush=True)\n"
        "os._exit(0)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "interrupted", done.stderr


def test_ctrl_c_leaves_no_output(tmp_path, default_model):
    import os
    import signal
    import subprocess
    import sys
    import time

    test = pd.read_csv("data/test.csv", dtype=str, keep_default_na=False)
    big = pd.concat([test] * 80, ignore_index=True)
    big["text"] = big["text"] + " #" + big.index.astype(str)
    src = tmp_path / "big.csv"
    big.to_csv(src, index=False)
    out = tmp_path / "out.csv"
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "batch", str(src), "-o",
                             str(out), "--quiet", "--jobs", "2"], stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.csv.*.partial")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]


def test_jsonl_records_with_different_keys(tmp_path, default_model):
    src = tmp_path / "m.jsonl"
    src.write_text('{"id": 1, "message": "my parcel arrived empty"}\n'
                   '{"id": 2, "message": "where is my order", "order": "8183920451726635"}\n'
                   'not json\n')
    summary = run_batch([str(src)], str(tmp_path / "o.csv"), model=default_model, jobs=1,
                        chunk_rows=1)
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert out[["id", "order"]].values.tolist() == [["1", ""], ["2", "8183920451726635"]]
    assert [(line, why[:17]) for _, line, why in summary.skipped] == [(3, "not a JSON object")]


def test_with_replies_reads_orders_from_the_row(tmp_path, default_model):
    from datetime import date

    from assistant.batch import reply_columns

    frame = pd.DataFrame({"message": ["where is my parcel??", "tracking says delivered, nothing"],
                          "Order ID": ["8183920451726635", "77"],
                          "Ship Date": [pd.Timestamp("2026-01-01"), pd.NaT],
                          "Logistics Company": ["China Post", None],
                          "Shipping Method": ["small parcel", None],
                          "Buyer": [None, "Tom"]})
    src = tmp_path / "in.parquet"
    frame.to_parquet(src)
    run_batch([str(src)], str(tmp_path / "out.parquet"), model=default_model, jobs=1,
              extra=reply_columns(today=date(2026, 1, 20), agent_name="Mia", store_name="S"))
    out = pd.read_parquet(tmp_path / "out.parquet")
    # The second row's order says nothing about delivery: the tracking is looked up first.
    assert out["action"].tolist() == ["wait", "check_tracking"]
    assert "Dear Tom" in out["reply"][1] and "Hello," in out["reply"][0]
    assert out["order_problem"].tolist() == ["", ""]


def test_with_replies_uses_the_named_text_column(tmp_path, default_model):
    from datetime import date

    from assistant.batch import reply_columns

    src = tmp_path / "in.csv"
    src.write_text('ticket,note\n1,"Please cancel my order 8183920451726635"\n')
    run_batch([str(src)], str(tmp_path / "out.csv"), model=default_model, jobs=1,
              text_column="note", extra=reply_columns(today=date(2026, 1, 20)))
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert out["label"].tolist() == ["cancel_order"]
    assert "8183920451726635" in out["reply"][0]  # the order number came from the message


def test_bytes_cp1252_cannot_read_fall_back_to_latin1(tmp_path, default_model):
    src = tmp_path / "x.csv"
    src.write_bytes(b'message\n"caf\x81 ol\xe9, my parcel is empty"\n')  # 0x81 is not cp1252
    notes = []
    summary = run_batch([str(src)], str(tmp_path / "o.csv"), model=default_model, notes=notes)
    assert summary.rows == 1
    assert notes and "read it as latin-1" in notes[0]


def test_repeated_messages_are_classified_once_and_answered_alike(default_model):
    from assistant.batch import Classifier, _predict_rows

    first = pd.Series(["where is my parcel", "the mug came broken", "where is my parcel"])
    second = pd.Series(["the mug came broken", "ok thanks", "where is my parcel"])
    with Classifier(default_model, jobs=1) as clf:
        a, b = clf.results(first), clf.results(second)
        assert clf.classified == 3  # three distinct messages over both chunks
        assert all(isinstance(key, bytes) and len(key) == 16 for key in clf.cache)
    fresh = dict(zip(["where is my parcel", "the mug came broken", "ok thanks"],
                     _predict_rows(default_model, ["where is my parcel", "the mug came broken",
                                                   "ok thanks"]), strict=True))
    for frame, texts in ((a, first), (b, second)):
        assert [tuple(r) for r in frame.itertuples(index=False)] == [fresh[t] for t in texts]


def test_a_lone_surrogate_in_jsonl_is_replaced_not_a_crash(tmp_path, default_model):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "message": "the mug came broken \\ud800 help"}\n'
                   '{"id": 2, "message": "pair \\ud83d\\ude00 kept", "x": {"k": "\\udfff"}}\n',
                   encoding="utf-8")
    out = tmp_path / "out.csv"
    summary = run_batch([str(src)], str(out), model=default_model, jobs=1)
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert summary.rows == 2
    assert frame["message"].tolist() == ["the mug came broken \ufffd help", "pair 😀 kept"]
    assert frame["x"].tolist() == ["", '{"k": "\ufffd"}']
    assert frame["label"].iloc[0] == "item_defective"
