from __future__ import annotations

import json

import pytest

from assistant.cli import build_parser, main

TRAIN_ROWS = "\n".join(
    ["text,label"]
    + [f"where is my parcel number {i},not_arrived" for i in range(6)]
    + [f"the mug {i} arrived broken,item_defective" for i in range(6)]
    + [f"please cancel order {i},cancel_order" for i in range(6)]
) + "\n"


def run(capsys, *argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        import io

        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_classify_readable(capsys, default_model):
    code, out, _ = run(capsys, "classify", "my parcel arrived completely empty, nothing inside")
    assert code == 0
    assert out.startswith("empty_package (")
    assert "<- my parcel arrived" in out


def test_classify_json(capsys, default_model):
    code, out, _ = run(capsys, "classify", "--json", "tracking says delivered but I have nothing")
    result = json.loads(out)
    assert code == 0
    assert result["label"] == "delivered_not_received"
    assert set(result) >= {"label", "confidence", "alternatives", "needs_review"}
    assert len(result["alternatives"]) == 3
    assert all(set(a) == {"label", "confidence"} for a in result["alternatives"])


def test_classify_stdin(capsys, monkeypatch, default_model):
    code, out, _ = run(capsys, "classify", "--json", "-", monkeypatch=monkeypatch,
                       stdin="customs want me to pay 30 euro tax\n\nI want to cancel my order\n")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["label"] for r in rows] == ["customs_charge", "cancel_order"]


def test_classify_without_text(capsys, default_model):
    code, _, err = run(capsys, "classify")
    assert code == 1
    assert err.startswith("error: give a message")


def test_train_and_use_a_custom_model(capsys, tmp_path, models_dir):
    data = tmp_path / "mine.csv"
    data.write_text(TRAIN_ROWS)
    code, out, err = run(capsys, "train", str(data), "--name", "mine")
    assert code == 0
    assert "Saved model 'mine'" in out
    assert (models_dir / "mine" / "model.joblib").exists()
    # The thresholds line says what the card says: a bar, or every message to a person.
    from assistant.registry import read_card

    met = read_card("mine")["threshold_selection"]["met"]
    assert ("needs_review when confidence <" in out) is met
    assert ("needs_review on every message" in err) is not met
    code, out, _ = run(capsys, "classify", "--model", "mine", "--json", "cancel order 99 please")
    assert json.loads(out)["label"] == "cancel_order"
    code, out, _ = run(capsys, "evaluate", str(data), "--model", "mine", "--json")
    figures = json.loads(out)
    assert code == 0
    assert {"accuracy", "macro_f1", "per_label"} <= set(figures)
    assert set(figures["per_label"]) == {"not_arrived", "item_defective", "cancel_order"}


@pytest.mark.parametrize("content,expected", [
    ("words,label\nhello,a\n", "error: no text column in"),
    ("text,label\n" + "hi there,a\n" * 2 + ",b\n", "empty text"),
    ("text,label\n" + "".join(f"t{i},a\n" for i in range(6)), "only one label"),
])
def test_train_errors_are_one_clear_message(capsys, tmp_path, models_dir, content, expected):
    data = tmp_path / "bad.csv"
    data.write_text(content)
    code, out, err = run(capsys, "train", str(data), "--name", "bad")
    assert code == 1
    assert expected in err
    assert "Traceback" not in err
    assert not (models_dir / "bad").exists()


def test_train_refuses_the_default_name(capsys, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text(TRAIN_ROWS)
    code, _, err = run(capsys, "train", str(data), "--name", "default")
    assert code == 1
    assert "choose another --name" in err


def test_unknown_model(capsys, models_dir):
    code, _, err = run(capsys, "classify", "--model", "nope", "hello")
    assert code == 1
    assert "no model at" in err and "assistant train" in err


def test_every_command_has_an_example():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, cmd in sub.choices.items():
        assert "Example:" in cmd.description, name
        nested = [a for a in cmd._actions if getattr(a, "choices", None) and a.dest.endswith(
            "_command")]
        for action in nested:
            for sub_name, sub_cmd in action.choices.items():
                assert "Example:" in sub_cmd.description, f"{name} {sub_name}"


def test_reply_rejects_an_unknown_label(capsys, default_model):
    code, _, err = run(capsys, "reply", "hello", "--label", "shiped_notice")
    assert code == 1 and "unknown --label 'shiped_notice'" in err and "shipped_notice" in err


def test_reply_seller_message_json(capsys, default_model):
    code, out, _ = run(capsys, "reply", "-", "--label", "shipped_notice", "--orders",
                       "data/sample_orders.csv", "--order-id", "8183920451726637", "--json",
                       "--lang", "en", "--today", "2026-01-05")
    result = json.loads(out)
    assert code == 0
    assert result["decision"]["action"] == "send_seller_message"
    assert "UB123456789CN" in result["reply"]


def test_reply_json_for_the_seeds_case(capsys, tmp_path, default_model):
    order = tmp_path / "order.json"
    order.write_text(json.dumps({"order_id": "8183920451726635", "carrier": "China Post",
                                 "service": "small parcel", "ship_date": "2026-01-01",
                                 "destination_country": "ES", "tracking_status": "in_transit"}))
    code, out, _ = run(capsys, "reply", "my parcel still has not arrived", "--order",
                       str(order), "--today", "2026-02-05", "--json", "--agent", "Mia",
                       "--store", "Harbour Lane")
    result = json.loads(out)
    assert code == 0 and result["label"] == "not_arrived"
    assert result["decision"]["rule"] == "within_promised_time"
    assert result["decision"]["deadlines"] == {"promised_date": "2026-03-02"}
    assert "25 days" in result["reply"] and result["missing_fields"] == []
    assert result["language"] == "en"


def test_dask_refuses_local_only_options(capsys, tmp_path, default_model):
    code, _, err = run(capsys, "batch", str(tmp_path), "-o", str(tmp_path / "o"), "--engine",
                       "dask", "--with-replies")
    assert code == 1 and "--with-replies work with the local engine only" in err


@pytest.mark.parametrize("options, message", [
    (["--engine", "dask", "--orders", "o.csv"], "--orders work with the local engine only"),
    (["--engine", "dask", "--orders", "o.csv", "--with-replies"],
     "--with-replies, --orders work with the local engine only"),
    (["--conversations", "--engine", "dask"], "--conversations works with the local engine only"),
    (["--conversations", "--scheduler", "tcp://x:1"],
     "--conversations works with the local engine only"),
    (["--scheduler", "tcp://x:1"], "--scheduler goes with --engine dask"),
    (["--orders", "o.csv"], "--orders goes with --with-replies"),
])
def test_batch_refuses_options_that_do_not_go_together(capsys, tmp_path, monkeypatch, options,
                                                       message):
    """Each refusal names every option that is wrong at once, before any model is loaded."""
    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded before the options were checked")

    monkeypatch.setattr("assistant.registry.get_model", no_model)
    code, _, err = run(capsys, "batch", str(tmp_path), "-o", str(tmp_path / "o"), *options)
    assert code == 1 and message in err


def test_convert_into_a_missing_folder(capsys, tmp_path):
    src = tmp_path / "d.csv"
    src.write_text("text,label\nhello,a\n")
    code, _, err = run(capsys, "data", "convert", str(src), str(tmp_path / "no" / "x.yml"))
    assert code == 1 and "does not exist; create it first" in err


def test_out_of_scope_threshold_is_reported_and_saved(capsys, tmp_path, models_dir):
    data = tmp_path / "mine.csv"
    data.write_text(TRAIN_ROWS)
    assert run(capsys, "train", str(data), "--name", "mine")[0] == 0
    scope = tmp_path / "scope.csv"
    scope.write_text("text,label\nwhere is my parcel number 3,not_arrived\n"
                     "the mug 2 arrived broken,item_defective\nwhat is the weather in Lima,OOS\n"
                     "play some jazz,OOS\n")
    code, out, err = run(capsys, "evaluate", str(scope), "--model", "mine", "--out-of-scope",
                         "OOS", "--set-threshold")
    assert code == 0
    assert "threshold  in-scope accuracy  out-of-scope recall" in out and "<- suggested" in out
    saved = json.loads((models_dir / "mine" / "model.json").read_text())
    assert saved["threshold_selection"]["out_of_scope_label"] == "OOS"
    assert f"set to {saved['thresholds']['min_confidence']:.2f}" in err
    code, _, err = run(capsys, "evaluate", str(scope), "--model", "default", "--out-of-scope",
                       "OOS", "--set-threshold")
    assert code == 1 and "train your own model" in err
