"""Conversation exports, pasted threads, per-conversation batch, reply --thread, case memory
and the labelling queue."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from assistant.cli import main
from assistant.convbatch import CONVERSATION_COLUMNS, run_conversation_batch
from assistant.convdata import read_training
from assistant.conversations import read_conversations
from assistant.errors import DataError
from assistant.feedback import FeedbackStore
from assistant.threads import current_request, split_thread

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
LABEL_MAP = str(EXAMPLES / "label_map.csv")

# (file, options, {conversation id: label}, rows left out)
SHAPES = [
    ("zendesk_comments.csv", {"label_map": LABEL_MAP},
     {"5001": "item_defective", "5002": "not_arrived", "5003": "wrong_item",
      "5004": "cancel_order"}, {"internal note(s)": 1}),
    ("chatwoot_conversations.json", {"label_map": LABEL_MAP},
     {"201": "empty_package", "202": "customs_charge", "203": "change_address", "204": None,
      "205": "no_tracking_update"}, {"internal note(s)": 1, "system message(s)": 1}),
    ("gorgias_messages.jsonl", {"labels": str(EXAMPLES / "gorgias_labels.csv")},
     {"301": "delivered_not_received", "302": "missing_item", "303": "returned_to_sender",
      "304": "order_received_thanks"}, {"internal note(s)": 1}),
    ("freshdesk_conversations.xlsx", {"label_map": LABEL_MAP},
     {"401": "item_stained", "402": "not_as_described", "403": "return_or_exchange",
      "404": "shipping_method_changed"}, {"internal note(s)": 1}),
    ("message_centre.csv", {},
     {"8100201": "cancel_order", "8100202": "not_arrived", "8100203": "item_defective"}, {}),
    ("chat_log.tsv", {},
     {"T-11": "item_defective", "T-12": "no_tracking_update", "T-13": "return_or_exchange"}, {}),
    ("messages.parquet", {},
     {"C-1": "customs_hold", "C-2": "missing_item", "C-3": "returned_to_sender"}, {}),
]


@pytest.mark.parametrize(("name", "options", "labels", "left_out"), SHAPES,
                         ids=[s[0] for s in SHAPES])
def test_each_helpdesk_shape_reads_without_column_options(name, options, labels, left_out):
    convs = read_conversations(EXAMPLES / name, **options)
    assert {c.id: c.label for c in convs} == labels
    assert dict(convs.left_out) == left_out
    kept = sum(len(c.turns) for c in convs)
    assert kept + sum(left_out.values()) == convs.messages
    for conv in convs:
        assert conv.turns[0].role == "buyer"
        assert conv.answered == (conv.turns[-1].role == "seller")
        assert (conv.waiting_since is None) == conv.answered
    frame, skipped = convs.examples()
    assert len(frame) + len(skipped) == len(convs)
    assert all(why == "no label" for _, why in skipped)


def test_turns_are_in_time_order_and_keep_their_times():
    [conv] = [c for c in read_conversations(EXAMPLES / "chatwoot_conversations.json")
              if c.id == "205"]
    assert [t.role for t in conv.turns] == ["buyer", "seller", "buyer"]
    assert str(conv.waiting_since) == "2026-03-10 10:00:00+00:00"  # Unix seconds, UTC


def test_quoted_email_history_is_cut_from_a_message():
    [conv] = [c for c in read_conversations(EXAMPLES / "gorgias_messages.jsonl") if c.id == "301"]
    assert "wrote:" not in conv.turns[1].text and ">" not in conv.turns[1].text


def test_label_map_reports_unmapped_tags_with_counts_and_never_guesses():
    convs = read_conversations(EXAMPLES / "zendesk_comments.csv", label_map=LABEL_MAP)
    assert dict(convs.unmapped) == {"urgent": 2}  # vip is mapped to nothing: ignored
    assert any("urgent (2)" in w and "--label-map" in w for w in convs.warnings)
    bare = read_conversations(EXAMPLES / "zendesk_comments.csv")
    assert all(c.label is None for c in bare)
    assert bare.unmapped["damaged_item"] == 1 and bare.unmapped["vip"] == 1
    first = next(iter(bare))
    assert first.unlabelled == "no tag maps to a label (tags: damaged_item, vip)"


def test_label_map_as_a_mapping_and_tags_that_are_labels_already(tmp_path):
    export = tmp_path / "t.csv"
    export.write_text("ticket_id,role,message,tags\n1,customer,box came empty,empty_package\n"
                      "2,customer,it broke,Broken;vip\n")
    convs = read_conversations(export, label_map={"broken": "item_defective"})
    assert [c.label for c in convs] == ["empty_package", "item_defective"]
    assert dict(convs.unmapped) == {"vip": 1}


def _export(tmp_path, body: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "expected"), [
    ("id,sender,message\n1,buyer,hi\n",
     "no conversation id column in .*the columns are: id, sender, message; name the right one "
     "with --conversation-column"),
    ("ticket_id,message\n1,hi\n",
     "no role column in .*the columns are: ticket_id, message; name it with --role-column"),
    ("ticket_id,role,message\n1,buyer,box came empty\n2,agent,your order shipped\n",
     "line 3: conversation 2 has no buyer message .*--buyer-values"),
    ("ticket_id,role,message,label\n1,buyer,wrong size,wrong_item\n"
     "1,buyer,can I swap it,return_or_exchange\n",
     "line 2 to line 3: conversation 1: conflicting labels: wrong_item at line 2; "
     "return_or_exchange at line 3"),
    ("ticket_id,role,message,created_at\n1,buyer,where is it,2026-03-01 10:00\n"
     "2,buyer,hello,yesterday-ish\n", "line 3: cannot read the time 'yesterday-ish'"),
    ("ticket_id,sender,message\n1,Anna K.,where is it\n1,Harbour Lane,on its way\n",
     "'Anna K.' \\(line 2\\); 'Harbour Lane' \\(line 3\\); name the buyer's values with "
     "--buyer-values"),
], ids=["no id column", "no role column", "no buyer message", "conflicting labels",
        "bad time", "unknown role values"])
def test_errors_name_the_row(tmp_path, body, expected):
    with pytest.raises(DataError, match=expected):
        read_conversations(_export(tmp_path, body))


def test_buyer_values_name_the_buyer_side(tmp_path):
    path = _export(tmp_path, "ticket_id,sender,message\n1,Anna K.,where is it\n"
                             "1,Harbour Lane,on its way\n")
    [conv] = read_conversations(path, buyer_values=["anna k."])
    assert [t.role for t in conv.turns] == ["buyer", "seller"] and conv.answered


def test_nested_json_errors_name_the_conversation_and_message(tmp_path):
    path = _export(tmp_path, '{"conversations": [{"id": 7, "messages": ['
                             '{"role": "customer", "text": "hi", "created_at": "nope"}]}]}',
                   "c.json")
    with pytest.raises(DataError, match="conversation 1, message 1: cannot read the time"):
        read_conversations(path)


# ---------------------------------------------------------------- pasted threads

SIX_TURNS = (EXAMPLES / "thread.txt").read_text()


@pytest.mark.parametrize(("text", "roles", "names"), [
    ("Buyer: where is my parcel?\nSeller: on its way\nBuyer: still nothing",
     ["buyer", "seller", "buyer"], [None, None, None]),
    ("Customer 10:32 my order never came\nAgent 10:40 Sorry, checking.\nIt is in transit.\n"
     "Customer 11:02 it's been 40 days", ["buyer", "seller", "buyer"], [None, None, None]),
    ((EXAMPLES / "message_centre_thread.txt").read_text(), ["buyer", "seller", "buyer"],
     ["Noor A.", "Harbour Lane Store", "Noor A."]),
    ("[10:32] Anna: where's my stuff\n[10:35] Bob: checking\n[10:36] Anna: thanks",
     ["buyer", "seller", "buyer"], ["Anna", "Bob", "Anna"]),
    ("You 10:32: Your order has shipped\nMaria 10:50: thanks, but the tracking is empty",
     ["seller", "buyer"], [None, "Maria"]),
    (SIX_TURNS, ["buyer", "seller", "buyer", "seller", "buyer", "buyer"], [None] * 6),
], ids=["buyer-seller", "customer-time", "message-centre", "stamp-first", "you-name",
        "six-turns"])
def test_split_thread(text, roles, names):
    turns = split_thread(text)
    assert [t.role for t in turns] == roles
    assert [t.name for t in turns] == names


def test_split_thread_keeps_times_and_multi_line_turns():
    turns = split_thread((EXAMPLES / "message_centre_thread.txt").read_text())
    assert turns[0].time.isoformat() == "2026-03-05T08:12:00"
    six = split_thread(SIX_TURNS)
    assert six[2].text == "Sure, here is the photo.\nThe crack goes all the way across the base."


@pytest.mark.parametrize("text", [
    "I got it on Tuesday 10:30 but the box was empty",
    "Hello, my order: 123 has not arrived.\nTracking: LP123\nPlease help",
    "Note: the parcel was open\nPS: the tape was torn",
])
def test_unsplittable_text_is_one_buyer_message(text):
    assert [(t.role, t.text) for t in split_thread(text)] == [("buyer", text)]


def test_current_request_adds_context_only_when_the_latest_says_little():
    nudge = split_thread("Buyer: the lamp arrived with a cracked base\nSeller: photo please?\n"
                         "Buyer: here it is")
    assert current_request(nudge) == "here it is\nthe lamp arrived with a cracked base"
    switch = split_thread(SIX_TURNS)
    assert current_request(switch) == ("Also, I was charged an extra delivery fee even though I "
                                       "chose free shipping.\nCan you refund that fee?")
    assert current_request(split_thread("Seller: your order shipped")) == ""


# ---------------------------------------------------------------- training data


def test_read_training_mixes_files_with_counts_that_add_up():
    data, sources = read_training(
        [str(EXAMPLES / "zendesk_comments.csv"), str(EXAMPLES / "chatwoot_conversations.json")],
        label_map=LABEL_MAP, min_examples=1)
    assert len(data.frame) == 8
    assert sources.lines()[1] == "  4 examples used (first_answer), 0 conversations skipped"
    assert sources.lines()[3] == ("  4 examples used (first_answer), 1 conversations skipped: "
                                  "1 no label")
    row = data.frame[data.frame["label"] == "item_defective"].iloc[0]
    assert row["text"].startswith("Hi, the ceramic vase") and "Photos attached" not in row["text"]
    all_buyer, _ = read_training([str(EXAMPLES / "zendesk_comments.csv")], label_map=LABEL_MAP,
                                 min_examples=1, mode="all_buyer")
    assert "Photos attached" in all_buyer.frame["text"].iloc[0]


def _small_export(tmp_path) -> Path:
    rows = ["ticket_id,direction,message,tag"]
    for i in range(5):
        rows += [f"a{i},inbound,the parcel came empty nothing inside box {i},empty-box",
                 f"a{i},outbound,sorry to hear that,empty-box",
                 f"b{i},inbound,please cancel my order number {i},cancel-please",
                 f"b{i},outbound,done,"]
    rows.append("c1,inbound,do you sell lamps,")
    return _export(tmp_path, "\n".join(rows) + "\n")


def test_train_and_data_validate_on_a_conversation_export(tmp_path, models_dir, capsys):
    export = _small_export(tmp_path)
    label_map = _export(tmp_path, "tag,label\nempty-box,empty_package\ncancel-please,"
                                  "cancel_order\n", "map.csv")
    assert main(["data", "validate", str(export), "--label-map", str(label_map)]) == 0
    out = capsys.readouterr().out
    assert "11 conversations, 21 messages" in out
    assert "10 examples used (first_answer), 1 conversations skipped: 1 no label" in out
    assert main(["train", str(export), "--label-map", str(label_map), "--name", "conv",
                 "--min-examples", "3"]) == 0
    err = capsys.readouterr().err
    assert "10 examples used" in err and "Training on 10 messages, 2 labels" in err
    assert (models_dir / "conv" / "model.json").exists()


def test_evaluate_a_conversation_export_with_a_labels_file(default_model, capsys):
    assert main(["evaluate", str(EXAMPLES / "gorgias_messages.jsonl"), "--labels",
                 str(EXAMPLES / "gorgias_labels.csv")]) == 0
    captured = capsys.readouterr()
    assert "4 conversations, 9 messages (8 used; left out: 1 internal note(s))" in captured.err
    assert "on 4 messages" in captured.out


# ---------------------------------------------------------------- batch per conversation


def test_batch_one_row_per_conversation_with_counts_that_add_up(tmp_path, default_model):
    out = tmp_path / "triage.csv"
    summary = run_conversation_batch([str(EXAMPLES / "chatwoot_conversations.json")], str(out),
                                     model=default_model, jobs=1, with_replies=True,
                                     agent_name="Mia", store_name="Harbour Lane")
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert tuple(frame.columns[:len(CONVERSATION_COLUMNS)]) == CONVERSATION_COLUMNS
    assert frame["conversation_id"].tolist() == ["201", "202", "203", "204", "205"]
    assert frame["turns"].tolist() == ["3", "2", "1", "2", "3"]
    assert summary.conversations == 5 == summary.answered + summary.waiting
    assert summary.messages == 13 == frame["turns"].astype(int).sum() + sum(
        summary.left_out.values())
    answered = frame["answered"] == "True"
    assert (frame.loc[answered, "waiting_since"] == "").all()
    assert (frame.loc[~answered, "waiting_since"] != "").all()
    assert (frame.loc[answered, "reply"] == "").all()
    assert (frame.loc[~answered, "reply"].str.contains("Harbour Lane")).all()
    assert summary.replies == summary.waiting == 3
    assert frame.loc[0, "last_buyer_message"] == "No, it looked closed. It was just empty."
    assert frame.loc[0, "label"] == "empty_package"


def test_batch_conversations_from_the_command_line(tmp_path, default_model, capsys):
    out = tmp_path / "triage.parquet"
    assert main(["batch", str(EXAMPLES / "zendesk_comments.csv"), "-o", str(out),
                 "--conversations"]) == 0
    err = capsys.readouterr().err
    assert "4 conversations from 11 messages (left out: 1 internal note(s))" in err
    assert "answered (the seller wrote last): 2; waiting for an answer: 2" in err
    assert len(pd.read_parquet(out)) == 4


# ---------------------------------------------------------------- reply --thread


def test_reply_to_a_six_turn_thread(default_model, capsys):
    assert main(["reply", "--thread", str(EXAMPLES / "thread.txt"), "--agent", "Mia",
                 "--store", "Harbour Lane", "--today", "2026-03-10"]) == 0
    out = capsys.readouterr().out
    assert "Thread: 6 turns, 4 from the buyer" in out
    assert "Answering: Also, I was charged an extra delivery fee" in out
    assert "Scenario:  shipping_method_changed" in out
    assert "Mia\nHarbour Lane" in out


def test_reply_thread_from_stdin_as_json(default_model, capsys, monkeypatch):
    import json

    stdin = io.TextIOWrapper(io.BytesIO(SIX_TURNS.encode()), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["reply", "--thread", "-", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["turns"]) == 6 and result["turns"][1]["role"] == "seller"
    assert result["label"] == "shipping_method_changed"
    assert result["order_id"] == "7788"  # from the buyer's first message


def test_reply_needs_a_message_or_a_thread(capsys):
    assert main(["reply"]) == 1
    assert "--thread FILE" in capsys.readouterr().err


# ---------------------------------------------------------------- case memory


def test_saved_replies_make_an_order_history(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.save(message="the vase broke", final_label="item_defective", order_id="#7731",
               action="ask_for_photos", reply="Could you send a photo?")
    store.save(message="other order", final_label="not_arrived", order_id="9999", action="wait")
    history = store.history("7731")
    assert len(history) == 1 and history.last_action == "ask_for_photos"
    assert history.last_step == "photos_requested" and history.steps == ("photos_requested",)
    assert len(store.history("nope")) == 0 and store.history("nope").last_step is None


def test_an_older_database_gains_the_case_columns(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT "
                   "NOT NULL, message TEXT NOT NULL, predicted_label TEXT, confidence REAL, "
                   "final_label TEXT NOT NULL, order_id TEXT, reply TEXT, language TEXT, "
                   "agent TEXT)")
        db.execute("INSERT INTO feedback (created, message, final_label, order_id) VALUES "
                   "('2026-01-01', 'hi', 'other', 'A-1')")
    store = FeedbackStore(path)
    assert len(store.history("a-1")) == 1 and store.count() == 1


def test_the_decision_follows_on_from_photos_asked_for(tmp_path, default_model):
    from assistant import draft

    store = FeedbackStore(tmp_path / "f.sqlite3")
    first = draft("the vase arrived broken, order 7731", model=default_model)
    assert first.decision.action == "ask_for_photos"
    store.save(message="the vase arrived broken", final_label=first.label, order_id="7731",
               action=first.decision.action, reply=first.reply.text)
    follow = draft("the vase arrived broken, order 7731", model=default_model,
                   history=store.history("7731"))
    assert follow.decision.action != "ask_for_photos"
    assert follow.decision.rule.startswith("photos_received")


# ---------------------------------------------------------------- the labelling queue


def test_data_suggest_picks_uncertain_varied_messages(tmp_path, default_model, capsys):
    test = pd.read_csv(EXAMPLES.parent / "test.csv", dtype=str, keep_default_na=False)
    texts = test["text"].head(300).tolist()
    texts += [texts[0], texts[0].upper(), "=HYPERLINK(\"http://x\") parcel broken?"]
    export = tmp_path / "export.csv"
    pd.DataFrame({"message": texts, "label": [""] * (len(texts) - 1) + ["item_defective"]}
                 ).to_csv(export, index=False)
    out = tmp_path / "to_label.csv"
    assert main(["data", "suggest", str(export), "-n", "12", "-o", str(out)]) == 0
    queue = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert queue.columns.tolist() == ["line", "text", "guess", "confidence", "second_guess",
                                      "label"]
    assert len(queue) == 12 and queue["text"].str.lower().is_unique
    assert (queue["label"] == "").all() and queue["guess"].nunique() >= 4
    assert "HYPERLINK" not in " ".join(queue["text"])  # labelled already
    confidences = queue["confidence"].astype(float)
    assert confidences.median() < 0.8
    err = capsys.readouterr().err
    assert "12 of 302 candidates picked (left out: 2 duplicate, 1 labelled already)" in err


def test_data_suggest_writes_a_formula_safe_csv(tmp_path, default_model):
    from assistant.suggest import suggest_file

    export = _export(tmp_path, "message\n=SUM(A1:A9) where is my parcel 4471\n"
                               "my zebra lamp came with a dent on its ear\n")
    out = tmp_path / "queue.csv"
    result = suggest_file(export, out, default_model, 5)
    assert len(result.frame) == 2
    assert "'=SUM(A1:A9)" in out.read_text()
    with pytest.raises(DataError, match="is the input"):
        suggest_file(export, export, default_model, 5)


def test_data_suggest_on_conversations_lists_unlabelled_ones(tmp_path, default_model):
    from assistant.suggest import suggest_file

    out = tmp_path / "queue.csv"
    result = suggest_file(EXAMPLES / "chatwoot_conversations.json", out, default_model, 10,
                          label_map=LABEL_MAP)
    assert result.frame["conversation_id"].tolist() == ["204"]
    assert result.left_out["labelled already"] == 4
    assert out.read_text().startswith("conversation_id,text,guess")
