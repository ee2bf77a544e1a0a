"""`assistant policy check|show` and `--policy FILE` on reply and batch."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from assistant import settings
from assistant.cli import main
from assistant.policy import DEFAULT_RULE, DISPUTE_RULES, RULES


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _policy(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_policy_check_accepts_the_shipped_file(capsys):
    code, out, _ = run(capsys, "policy", "check")
    assert code == 0 and out.strip() == f"policy OK: {settings.shipped_path()}"


def test_policy_check_lists_each_problem_with_its_line(capsys, tmp_path):
    path = _policy(tmp_path, "[shipping]\nhandling_day = 3\n\n[compensation]\n"
                             "customs_share = 2\n")
    code, out, err = run(capsys, "policy", "check", path)
    assert code == 1
    assert out.splitlines() == [
        f"{path}, line 2: unknown key 'handling_day' in [shipping]; did you mean "
        "'handling_days'?",
        f"{path}, line 5: compensation.customs_share = 2 is impossible: it must be between 0 "
        "and 1"]
    assert "2 problem(s)" in err


def test_a_broken_policy_stops_reply_with_one_clear_line(capsys, tmp_path, default_model):
    path = _policy(tmp_path, "[store]\ncountry = CN\n")
    code, _, err = run(capsys, "reply", "where is my order", "--policy", path)
    assert code == 1
    assert err.startswith(f"error: {path}, line 2: not valid TOML")
    assert "assistant policy check" in err


def test_policy_show_prints_the_settings_and_the_rules_in_order(capsys, tmp_path):
    path = _policy(tmp_path, "[shipping]\nhandling_days = 6\n")
    code, out, _ = run(capsys, "policy", "show", "--policy", path)
    assert code == 0
    assert f"Policy in effect: {path}" in out
    assert any(line.split()[:2] == ["shipping.handling_days", "6"] for line in out.splitlines())
    names = [line.split(". ", 1)[1].split(" -> ")[0] for line in out.splitlines()
             if line[:4].strip().rstrip(".").isdigit()]
    assert names == [r.name for r in (*DISPUTE_RULES, *RULES, DEFAULT_RULE)]
    assert "reads:  shipping.handling_days, shipping.source_elsewhere_after_days" in out


def test_reply_follows_the_policy_file(capsys, tmp_path, default_model):
    order = tmp_path / "order.json"
    order.write_text(json.dumps({"order_id": "1043", "order_date": "2026-02-10"}))
    argv = ["reply", "where is my order?", "--label", "not_arrived", "--order", str(order),
            "--today", "2026-02-15", "--json"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and json.loads(out)["decision"]["action"] == "chase_supplier"
    path = _policy(tmp_path, "[shipping]\nhandling_days = 8\n")
    code, out, _ = run(capsys, *argv, "--policy", path)
    decision = json.loads(out)["decision"]
    assert decision["action"] == "tell_ship_date" and decision["policy"] == path
    assert decision["settings"][0] == "shipping.handling_days"
    assert decision["deadlines"] == {"ship_by": "2026-02-18"}


def test_reply_shows_the_amounts_and_the_two_options(capsys, tmp_path, default_model):
    order = tmp_path / "order.json"
    order.write_text(json.dumps({"price": "24.90", "currency": "USD", "item_title": "blouse"}))
    code, out, _ = run(capsys, "reply", "I sent you the photos of the small stain",
                       "--label", "item_stained", "--order", str(order), "--lang", "fr")
    assert code == 0
    assert "  partial refund: 2,00\xa0$US" in out
    assert "Option 1:  Offer part of the cost back" in out
    assert "Option 2:  Send a replacement or refund" in out
    assert "vous rembourser 2,00\xa0$US" in out


def test_batch_replies_follow_the_policy_file(capsys, tmp_path, default_model):
    ordered = (date.today() - timedelta(days=10)).isoformat()  # batch counts from today
    src = tmp_path / "in.csv"
    src.write_text(f"message,Order ID,Order Date\nwhere is my order,1043,{ordered}\n")
    path = _policy(tmp_path, "[shipping]\nhandling_days = 60\n")
    out = tmp_path / "out.csv"
    code, _, _ = run(capsys, "batch", str(src), "-o", str(out), "--with-replies", "--quiet",
                     "--jobs", "1", "--lang", "en", "--policy", path)
    assert code == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert frame["action"].tolist() == ["tell_ship_date"]
    assert "it will ship by" in frame["reply"][0]


def test_conversation_batch_replies_follow_the_policy_file(capsys, tmp_path, default_model):
    ordered = (date.today() - timedelta(days=10)).isoformat()
    src = tmp_path / "tickets.csv"
    src.write_text("conversation_id,role,message,Order ID,Order Date\n"
                   f"t1,buyer,where is my order,1043,{ordered}\n")
    path = _policy(tmp_path, "[shipping]\nhandling_days = 60\n")
    out = tmp_path / "out.csv"
    code, _, _ = run(capsys, "batch", str(src), "-o", str(out), "--conversations",
                     "--with-replies", "--jobs", "1", "--lang", "en", "--policy", path)
    assert code == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert frame["action"].tolist() == ["tell_ship_date"]
