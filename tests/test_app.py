"""The Streamlit pages, driven by streamlit.testing.v1.AppTest: happy and bad paths."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from assistant import paths, registry
from assistant.feedback import FeedbackStore

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SAMPLE_ORDERS = Path(APP).parent / "data" / "sample_orders.csv"
TIMEOUT = 60
ORDER = "8183920451726635"
WHERE = f"where is my parcel, order {ORDER}, it has been weeks"


@pytest.fixture
def workspace(tmp_path, monkeypatch, default_model):
    """A private models folder (with a copy of the default model), feedback database and
    profile."""
    models = tmp_path / "models"
    shutil.copytree(registry.model_path("default"), models / "default")
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(models))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    monkeypatch.setenv("ASSISTANT_PROFILE", str(tmp_path / "profile.json"))
    return tmp_path


@pytest.fixture
def signed(workspace):
    """A workspace whose agent has set a profile."""
    (workspace / "profile.json").write_text(json.dumps(
        {"agent_name": "Mia", "store_name": "Harbour Lane"}))
    return workspace


def app(page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception
    return at


def ask(at: AppTest, message: str) -> AppTest:
    at.text_area(key="case_message").input(message).run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The shown table that has this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def draft(at: AppTest) -> str:
    return at.text_area(key="case_draft").value


def more(at: AppTest) -> AppTest:
    """Open "More order fields" (drawn only when open)."""
    at.session_state["more_fields"] = True
    at.run()
    assert not at.exception
    return at


def order(at: AppTest, name: str):
    return at.text_input(key=f"case_order_{name}")


# ---------------------------------------------------------------- reply page


def test_reply_empty_message_asks_for_one(workspace):
    at = app()
    assert "Paste a buyer message" in at.info[0].value
    assert not at.text_area(key="case_message").value


def test_reply_happy_path_and_one_save(signed):
    at = ask(app(), f"Tracking says delivered but I have nothing! order {ORDER}")
    assert "Delivered but not received" in texts(at)
    assert order(at, "order_id").value == ORDER
    assert "Mia" in draft(at) and "Harbour Lane" in draft(at)
    assert "**Recommended:**" in texts(at)
    at.button(key="save").click().run()
    assert not at.exception
    assert "Saved as #1" in at.success[0].value
    assert at.button(key="save").disabled  # the same reply cannot be stored twice
    rows = FeedbackStore(signed / "feedback.sqlite3").frame()
    assert rows["final_label"].tolist() == ["delivered_not_received"]
    assert rows["order_id"].tolist() == [ORDER] and rows["agent"].tolist() == ["Mia"]


def test_reply_save_refuses_placeholders(workspace):
    at = ask(app(), WHERE)
    assert "[agent name]" in draft(at)
    at.button(key="save").click().run()
    assert "Not saved: the reply still has [agent name] and [store name]" in at.error[0].value
    assert "your profile (sidebar)" in at.error[0].value
    assert FeedbackStore(workspace / "feedback.sqlite3").count() == 0


def test_reply_profile_is_set_once_and_kept_on_disk(workspace):
    at = app()
    at.text_input(key="profile_agent").input("Mia").run()
    at.text_input(key="profile_store").input("Harbour Lane").run()
    saved = json.loads((workspace / "profile.json").read_text())
    assert (saved["agent_name"], saved["store_name"]) == ("Mia", "Harbour Lane")
    again = ask(app(), WHERE)  # a new session reads it back
    assert again.text_input(key="profile_agent").value == "Mia"
    assert draft(again).rstrip().endswith("Mia\nHarbour Lane")


def test_reply_edit_survives_an_order_change_and_update_merges(signed):
    at = ask(app(), WHERE)
    mine = "P.S. I asked the carrier myself.\n" + draft(at)
    at.text_area(key="case_draft").input(mine).run()
    order(at, "buyer_name").input("Ana").run()
    assert draft(at) == mine  # not overwritten
    assert "- Hello,\n+ Dear Ana," in at.code[0].value  # what the update would change
    at.button(key="update_draft").click().run()
    assert draft(at).startswith("P.S. I asked the carrier myself.\nDear Ana,")
    assert not [b for b in at.button if b.key == "update_draft"]


def test_reply_conflicting_edit_can_be_kept(signed):
    at = ask(app(), WHERE)
    mine = draft(at).replace("Hello,", "Hi there,")
    at.text_area(key="case_draft").input(mine).run()
    order(at, "buyer_name").input("Ana").run()
    assert "replace_draft" in [b.key for b in at.button]  # the same line: no silent merge
    at.button(key="keep_draft").click().run()
    assert draft(at) == mine
    assert not {"replace_draft", "update_draft"} & {b.key for b in at.button}


def test_reply_case_survives_a_page_switch_and_a_reload(signed):
    at = ask(app(), WHERE)
    order(at, "buyer_name").input("Ana").run()
    mine = draft(at) + "P.S. Mine.\n"
    at.text_area(key="case_draft").input(mine).run()
    at.switch_page("views/batch.py").run()
    at.switch_page("views/reply.py").run()
    assert draft(at) == mine and order(at, "buyer_name").value == "Ana"
    session = at.query_params["s"]
    reloaded = app(s=session[0] if isinstance(session, list) else session)
    assert reloaded.text_area(key="case_message").value == WHERE
    assert draft(reloaded) == mine and order(reloaded, "buyer_name").value == "Ana"


def test_reply_field_errors_are_at_the_field_in_words(signed):
    at = ask(app(), WHERE)
    at.selectbox(key="case_scenario").set_value("cancel_order").run()
    order(at, "price").input("twelve dollars").run()
    at.date_input(key="case_order_ship_date").set_value(date.today() + timedelta(days=3)).run()
    assert not at.exception
    shown = [c.value for c in at.caption if c.value.startswith(":red[")]
    assert any("'twelve dollars' is not an amount" in c for c in shown)
    assert any("is after today" in c and "check the ship date" in c for c in shown)
    assert not any("price:" in c or "ship_date" in c or "dayfirst" in c for c in shown)
    assert "cancel" in draft(at).lower()


def test_reply_words_not_codes_outside_the_details(signed):
    at = ask(app(), WHERE)
    at.selectbox(key="case_order_tracking_status").set_value("in_transit").run()
    more(at).segmented_control(key="case_order_domestic").set_value("no").run()
    assert at.selectbox(key="case_order_tracking_status").format_func("in_transit") == \
        "In transit"
    details = next(e for e in at.expander if e.label.startswith("Details"))
    inside = {m.value for m in details.markdown}
    outside = [m.value for m in [*at.markdown, *at.caption] if m.value not in inside]
    for code in ("not_arrived", "in_transit", "no_tracking_update", "within_promised_time",
                 "rule", "template"):
        assert not any(code in text for text in outside), code
    assert any("`not_arrived`" in text for text in inside)


def test_reply_needs_a_person_with_reason_and_alternatives(signed):
    at = ask(app(), "hello?")
    warning = next(w.value for w in at.warning if "Needs a person" in w.value)
    assert "the policy leaves this decision to a person" in warning
    # Lateness and a frozen status at once: two scenarios about equally likely.
    at = ask(app(), f"{WHERE}, tracking has not moved")
    pills = at.pills(key="pick_alternative")
    assert pills.options and "%" in pills.options[0]
    first = at.session_state["case_prediction"].alternatives[0].label
    pills.set_value(first).run()
    assert at.selectbox(key="case_scenario").value == first


def test_reply_without_order_facts_says_what_to_check_first(signed):
    at = ask(app(), WHERE)
    assert "Check first:** the tracking status, ship date and carrier" in texts(at)
    at.selectbox(key="case_order_tracking_status").set_value("in_transit").run()
    at.date_input(key="case_order_ship_date").set_value(date.today() - timedelta(days=10)).run()
    order(at, "carrier").input("China Post").run()
    assert "Check first" not in texts(at)
    assert "Promised by:" in texts(at) and "Shipped:" in texts(at)


def test_reply_stain_shows_no_transit_dates(signed):
    at = more(ask(app(), "the blouse arrived with a big stain on it"))
    at.date_input(key="case_order_ship_date").set_value(date.today() - timedelta(days=300))
    at.run()
    assert "days late" not in texts(at) and "Promised by" not in texts(at)


def test_reply_short_message_uses_the_default_language(signed):
    profile = json.loads((signed / "profile.json").read_text())
    (signed / "profile.json").write_text(json.dumps(profile | {"language": "es"}))
    at = ask(app(), "hello?")
    assert "Too short to tell the language" in texts(at)
    assert "answering in Spanish, your default" in texts(at)
    assert at.selectbox(key="case_lang").value == "es"


def test_reply_foreign_message_gets_an_english_gloss_and_version(signed):
    at = ask(app(), "Mein Paket kam leer an, Bestellung 1043. Nichts drin! 25,90 EUR bezahlt.")
    assert "**In English:** Empty package — the parcel arrived with nothing inside" in texts(at)
    assert "order 1043" in texts(at) and "€25,90" in texts(at)
    assert at.selectbox(key="case_lang").value == "de"
    assert "the same reply, for you to read" in texts(at)
    assert "arrived with nothing inside" in texts(at) and "order 1043" in texts(at)
    at.text_area(key="case_draft").input(draft(at) + "Viele Grüße!\n").run()
    assert "out of date" in texts(at)


def test_reply_fills_order_from_export(signed):
    at = ask(app(), f"hi, any news on order {ORDER}?")
    at.file_uploader(key="orders_upload").set_value(
        ("orders.csv", SAMPLE_ORDERS.read_bytes(), "text/csv")).run()
    assert not at.exception
    assert order(at, "buyer_name").value == "Ana Souza"
    assert order(at, "tracking_number").value == "RR123456789CN"
    assert at.selectbox(key="case_order_tracking_status").value == "in_transit"
    assert more(at).segmented_control(key="case_order_domestic").value == "no"
    assert "Dear Ana Souza" in draft(at)
    assert "Filled in from orders.csv" in texts(at)


def test_reply_new_message_starts_a_new_case(signed):
    at = ask(app(), f"please cancel order {ORDER}")
    order(at, "buyer_name").input("Ana").run()
    ask(at, "Mein Paket kam leer an, Bestellung 1043. Nichts drin!")
    assert order(at, "order_id").value == "1043"
    assert order(at, "buyer_name").value == ""
    assert at.text_input(key="profile_agent").value == "Mia"  # the agent stays
    assert at.selectbox(key="case_scenario").value == "empty_package"


def test_reply_new_ticket_clears_everything(signed):
    at = ask(app(), WHERE)
    at.button(key="new_ticket").click().run()
    assert at.text_area(key="case_message").value == ""
    assert "Paste a buyer message" in at.info[0].value


def test_reply_pasted_thread_is_read_turn_by_turn(signed):
    import ui

    if ui.thread_tools() is None:
        pytest.skip("no conversations module in this library")
    at = ask(app(), "Buyer: where is my parcel? order 1043\nSeller: it is on its way\n"
                    "Buyer: it has been six weeks now and the tracking has not moved at all, "
                    "I want my money back")
    thread = next(e for e in at.expander if "Thread: 3 messages" in e.label)
    assert "**You:** it is on its way" in [m.value for m in thread.markdown]
    assert at.selectbox(key="case_scenario").value in ("not_arrived", "no_tracking_update")


def test_reply_seller_message_can_be_chosen(signed):
    at = ask(app(), f"order {ORDER}")
    at.selectbox(key="case_scenario").set_value("shipped_notice").run()
    assert not at.exception
    assert "Send this message to the buyer" in texts(at)


def test_reply_shows_the_active_model_and_the_policy(signed):
    at = ask(app(), WHERE)
    assert "Model in use: **default**" in texts(at)
    try:
        import assistant.settings  # noqa: F401
    except ImportError:
        return
    assert any(p.proto.popover.label.startswith("Policy:") for p in at.get("popover"))


# ---------------------------------------------------------------- batch page

EXPORT = b"id,message\n1,my parcel arrived empty\n2,=SUM(A1)\n3,where is my order\n"


def test_batch_happy_path(workspace):
    at = app("views/batch.py")
    at.file_uploader(key="batch_upload").set_value(("export.csv", EXPORT, "text/csv")).run()
    assert not at.exception
    assert at.selectbox(key="batch_column").value == "message"
    table = at.dataframe[0].value
    assert table.columns[:4].tolist() == ["message", "label", "confidence", "needs_review"]
    assert table["label"].tolist()[0] == "Empty package"  # words, not ids
    assert at.metric[0].value == "3" and "3 of 3 rows" in texts(at)


def test_batch_downloads_follow_the_filters(workspace):
    at = app("views/batch.py")
    at.file_uploader(key="batch_upload").set_value(("export.csv", EXPORT, "text/csv")).run()
    at.multiselect(key="batch_filter_labels").set_value(["empty_package"]).run()
    assert "1 of 3 rows" in texts(at)
    _, data_csv, _ = at.session_state["batch"]["downloads"]
    assert data_csv.decode().count("\n") == 2  # header and the one row shown
    assert [b.label for b in at.get("download_button")][0] == "Download CSV (1 of 3 rows)"


def test_batch_results_survive_a_page_switch(workspace):
    at = app("views/batch.py")
    at.file_uploader(key="batch_upload").set_value(("export.csv", EXPORT, "text/csv")).run()
    at.switch_page("views/reply.py").run()
    at.switch_page("views/batch.py").run()
    assert not at.exception
    assert "from earlier in this session" in texts(at)
    assert len(at.dataframe[0].value) == 3


def test_batch_refuses_a_column_that_is_not_text(workspace):
    at = app("views/batch.py")
    at.file_uploader(key="batch_upload").set_value(("export.csv", EXPORT, "text/csv")).run()
    at.selectbox(key="batch_column").set_value("id").run()
    assert "cannot be classified: it holds numbers (for example 1, 2, 3)" in at.error[0].value
    assert not at.dataframe


def test_batch_no_text_column(workspace):
    at = app("views/batch.py")
    at.file_uploader(key="batch_upload").set_value(("x.csv", b"a,b\n1,2\n", "text/csv")).run()
    assert not at.exception
    assert "No message column found" in at.warning[0].value
    assert at.selectbox(key="batch_column").value is None


def test_batch_not_a_table(workspace):
    at = app("views/batch.py")
    at.file_uploader(key="batch_upload").set_value(
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary", "text/csv")).run()
    assert not at.exception
    assert "cannot be read" in at.error[0].value and "not a text table" in at.error[0].value


# ---------------------------------------------------------------- train page


def _labelled(rows: int = 8) -> bytes:
    frame = pd.DataFrame({"text": [f"lost card {i} today" for i in range(rows)]
                          + [f"check balance {i} please" for i in range(rows)],
                          "label": ["lost"] * rows + ["balance"] * rows})
    return frame.to_csv(index=False).encode()


def test_train_single_label_is_refused(workspace):
    at = app("views/train.py")
    at.toggle(key="train_shipped").set_value(False).run()
    one = b"text,label\n" + b"".join(f"msg {i},only\n".encode() for i in range(6))
    at.file_uploader(key="train_upload").set_value(("one.csv", one, "text/csv")).run()
    assert not at.exception
    problems = table(at, "what to do")
    assert "only one label" in problems["problem"][0]


def test_train_problems_one_per_row_and_versions_stay(workspace):
    at = app("views/train.py")
    bad = b"text,label\nhello there,not_arived\n,not_arrived\n"
    at.file_uploader(key="train_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    problems = table(at, "what to do")
    rows = {(r.file, r.row): (r.problem, r["what to do"]) for _, r in problems.iterrows()}
    assert rows[("bad.csv", 3)] == ("empty message", "write the message or delete the row")
    assert rows[("bad.csv", 2)][1] == "did you mean not_arrived?"
    assert table(at, "Version")["Version"].tolist() == ["default"]
    assert at.button(key="version_rollback")  # versions and rollback still there


def test_train_name_activate_and_roll_back(workspace):
    at = app("views/train.py")
    at.toggle(key="train_shipped").set_value(False).run()
    at.file_uploader(key="train_upload").set_value(("mine.csv", _labelled(), "text/csv")).run()
    at.button(key="train_go").click().run()
    assert not at.exception
    assert "The new version" in texts(at)
    assert "Only" in at.warning[0].value and "says little" in at.warning[0].value
    per_label = table(at, "precision")
    assert set(per_label["scenario"]) == {"lost", "balance"}
    assert per_label["precision"].str.endswith("%").all()
    assert "None" not in per_label.to_string()
    at.text_input(key="train_name").input("default").run()
    assert "exists already" in texts(at) and at.button(key="train_activate").disabled
    at.text_input(key="train_name").input("cards-v1").run()
    at.button(key="train_activate").click().run()
    assert not at.exception
    assert registry.active_name() == "cards-v1"
    assert (workspace / "models" / "cards-v1" / "model.joblib").exists()
    assert "Saved as cards-v1" in texts(at)
    at = app("views/train.py")
    versions = table(at, "Version")
    assert versions.loc[versions["Version"] == "cards-v1", "In use"].item() == "● in use"
    at.button(key="version_rollback").click().run()
    assert not at.exception
    assert registry.active_name() == "default" and "Rolled back" in texts(at)


def test_a_broken_template_does_not_stop_the_page(signed, tmp_path, monkeypatch):
    """The app compiles every template when it loads; one that does not compile leaves the
    page and the other scenarios working, and only its own draft says what is wrong."""
    root = tmp_path / "templates"
    shutil.copytree(paths.templates_dir(), root)
    (root / "en" / "cancel_order.txt.j2").write_text("{% if x %}broken", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_TEMPLATES", str(root))
    at = ask(app(), WHERE)
    assert "hasn't arrived yet" in draft(at) and "Mia" in draft(at)
