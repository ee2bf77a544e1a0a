"""The Streamlit pages, driven by streamlit.testing.v1.AppTest: happy and bad paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from assistant import registry
from assistant.feedback import FeedbackStore

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


@pytest.fixture
def workspace(tmp_path, monkeypatch, default_model):
    """A private models folder (with a copy of the default model) and feedback database."""
    models = tmp_path / "models"
    shutil.copytree(registry.model_path("default"), models / "default")
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(models))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    return tmp_path


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


# ---------------------------------------------------------------- reply page


def test_reply_empty_message_asks_for_one(workspace):
    at = app()
    assert "Paste a buyer message" in at.info[0].value
    assert not at.text_area(key="message").value


def test_reply_happy_path_and_save(workspace):
    at = app()
    at.text_area(key="message").input(
        "Tracking says delivered but I have nothing! order 8183920451726635").run()
    assert not at.exception
    assert "Delivered but not received" in texts(at)
    assert at.text_input(key="order_order_id").value == "8183920451726635"
    at.text_input(key="order_agent_name").input("Mia")
    at.text_input(key="order_store_name").input("Harbour Lane").run()
    draft = [t for t in at.text_area if t.key.startswith("draft_")][0]
    assert "Mia" in draft.value and "Harbour Lane" in draft.value
    assert "No refund" in texts(at)
    at.button(key="save").click().run()
    assert not at.exception
    assert "Saved (#1)" in at.success[0].value
    rows = FeedbackStore(workspace / "feedback.sqlite3").frame()
    assert rows["final_label"].tolist() == ["delivered_not_received"]
    assert rows["order_id"].tolist() == ["8183920451726635"]


def test_reply_override_and_bad_date(workspace):
    at = app()
    at.text_area(key="message").input("where is my parcel, it has been weeks").run()
    scenario = [s for s in at.selectbox if s.key.startswith("scenario_")][0]
    assert scenario.value == "not_arrived"
    scenario.set_value("cancel_order").run()
    at.text_input(key="order_ship_date").input("31/31/2026").run()
    assert not at.exception
    assert any("ship_date" in e.value for e in at.error)
    draft = [t for t in at.text_area if t.key.startswith("draft_")][0]
    assert "cancel" in draft.value.lower()


def test_reply_fills_order_from_export(workspace):
    at = app()
    at.text_area(key="message").input("hi, any news on order 8183920451726635?").run()
    sample = (Path(APP).parent / "data" / "sample_orders.csv").read_bytes()
    at.file_uploader(key="orders_upload").set_value(("orders.csv", sample, "text/csv")).run()
    assert not at.exception
    assert at.text_input(key="order_buyer_name").value == "Ana Souza"
    assert at.text_input(key="order_tracking_number").value == "RR123456789CN"


# ---------------------------------------------------------------- batch page


def test_batch_happy_path(workspace):
    at = app("views/batch.py")
    csv = b"id,message\n1,my parcel arrived empty\n2,=SUM(A1)\n3,where is my order\n"
    at.file_uploader(key="batch_upload").set_value(("export.csv", csv, "text/csv")).run()
    assert not at.exception
    assert at.selectbox(key="batch_column").value == "message"
    table = at.dataframe[0].value
    assert table["label"].tolist()[0] == "empty_package"
    assert {"label", "confidence", "needs_review", "language"} <= set(table.columns)
    assert at.metric[0].value == "3"


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
    assert "only one label" in texts(at)


def test_train_shows_row_problems(workspace):
    at = app("views/train.py")
    bad = b"text,label\nhello,a\n,b\n"
    at.file_uploader(key="train_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    problems = at.dataframe[0].value
    assert problems["row"].tolist() == [3] and "empty text" in problems["problem"][0]


def test_train_activate_and_roll_back(workspace):
    at = app("views/train.py")
    at.toggle(key="train_shipped").set_value(False).run()
    at.file_uploader(key="train_upload").set_value(("mine.csv", _labelled(), "text/csv")).run()
    at.button(key="train_go").click().run()
    assert not at.exception
    assert "New version" in texts(at)
    table = at.dataframe[0].value
    assert set(table["label"]) == {"lost", "balance"}
    at.button(key="train_activate").click().run()
    assert not at.exception
    name = registry.active_name()
    assert name.startswith("v") and (workspace / "models" / name / "model.joblib").exists()
    at = app("views/train.py")
    at.button(key="version_rollback").click().run()
    assert not at.exception
    assert registry.active_name() == "default"


def test_reply_new_message_starts_a_new_case(workspace):
    at = app()
    at.text_area(key="message").input("please cancel order 8183920451726635").run()
    at.text_input(key="order_buyer_name").input("Ana")
    at.text_input(key="order_agent_name").input("Mia").run()
    at.text_area(key="message").input("Mein Paket kam leer an, Bestellung 1043. Nichts drin!")
    at.run()
    assert not at.exception
    assert at.text_input(key="order_order_id").value == "1043"
    assert at.text_input(key="order_buyer_name").value == ""
    assert at.text_input(key="order_agent_name").value == "Mia"  # the agent stays
    lang = [s for s in at.selectbox if s.key.startswith("reply_lang_")][0]
    assert lang.value == "de"
    english = [t for t in at.text_area if t.key.startswith("english_")]
    assert english and "nothing inside (order 1043)" in english[0].value


def test_reply_seller_message_can_be_chosen(workspace):
    at = app()
    at.text_area(key="message").input("order 8183920451726635").run()
    [s for s in at.selectbox if s.key.startswith("scenario_")][0].set_value(
        "shipped_notice").run()
    assert not at.exception
    assert "Send this message to the buyer" in texts(at)
