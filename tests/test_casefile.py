"""One ticket in the agent's words: fields per scenario, dates, reasons, language, form."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.casefile import (
    arrange,
    check_first,
    choices,
    choose_language,
    dates_for,
    field_kind,
    fields_for,
    form_values,
    in_words,
    is_new_case,
    read_order,
    review_reasons,
)
from assistant.delivery import facts
from assistant.model import Alternative, Prediction
from assistant.orders import Order

TODAY = date(2026, 2, 15)


def prediction(label="not_arrived", confidence=0.45, reason="low confidence", also=None,
               text="where is my parcel", language="en"):
    return Prediction(text, label, confidence, (Alternative("no_tracking_update", 0.40),),
                      reason is not None, language, 0.9, also=also, review_reason=reason)


def test_fields_that_matter_come_first_and_missing_ones_before_known():
    assert fields_for("item_stained")[:3] == ("order_id", "buyer_name", "item_title")
    needed, known, rest = arrange("not_arrived", {"order_id": "1043", "carrier": "China Post"},
                                  known_elsewhere=["promised_days"])
    assert needed[:2] == ["buyer_name", "tracking_status"] and "promised_days" not in needed
    assert known == ["order_id", "carrier", "promised_days"]
    assert "item_title" in rest and "agent_name" not in needed + known + rest


def test_read_order_keeps_each_problem_at_its_field_in_words():
    order, problems = read_order({"price": "twelve", "carrier": "China Post",
                                  "ship_date": date(2026, 3, 1)}, TODAY)
    assert order.carrier == "China Post" and order.price is None
    assert problems["price"].startswith("'twelve' is not an amount")
    assert problems["ship_date"] == ("The ship date 1 Mar 2026 is after today (15 Feb 2026); "
                                     "check the ship date")
    assert not any(k in " ".join(problems.values()) for k in ("ship_date:", "dayfirst"))


def test_form_values_from_an_export_order():
    values = form_values(Order(order_id="1", domestic=False, quantity=2,
                               ship_date=date(2026, 1, 2), tracking_status="in_transit"))
    assert values["domestic"] == "no" and values["quantity"] == 2
    assert values["ship_date"] == date(2026, 1, 2) and values["tracking_status"] == "in_transit"
    assert field_kind("tracking_status") == "choice"
    assert choices("tracking_status")["in_transit"] == "In transit"


def test_check_first_names_what_decides_the_advice():
    assert check_first("not_arrived", Order()) == ["tracking status", "ship date", "carrier"]
    assert check_first("not_arrived", Order(tracking_status="delivered")) == []
    assert check_first("item_stained", Order()) == []


def test_dates_only_where_they_matter():
    shipped = Order(ship_date=date(2025, 6, 1), carrier="China Post", service="small parcel",
                    destination_country="ES")
    late = dict(dates_for("not_arrived", shipped, facts(shipped, TODAY)))
    assert "late" in late["Promised by"] and "Shipped" in late
    assert dates_for("item_stained", shipped, facts(shipped, TODAY)) == []
    disputed = Order(dispute_opened=date(2026, 2, 12))
    assert dict(dates_for("item_stained", disputed, facts(disputed, TODAY))) == {
        "Answer the dispute by": "17 Feb 2026", "Platform steps in": "28 Feb 2026"}


@pytest.mark.parametrize("kwargs,expected", [
    ({}, "the model is 45% sure; it needs 90% to answer alone"),
    ({"reason": "close runner-up"}, "No tracking information is almost as likely (40% against "
                                    "45%)"),
    ({"reason": "two problems", "also": "wrong_item"},
     "the buyer also seems to raise a second problem: Wrong item sent"),
    ({"reason": "empty", "text": ""}, "the message is empty"),
])
def test_review_reasons_in_words(kwargs, expected):
    assert review_reasons(prediction(**kwargs), min_confidence=0.9) == [expected]


def test_a_model_that_flags_everything_says_so_in_words():
    assert review_reasons(prediction(confidence=0.99), min_confidence=1.01) == [
        "the model is 99% sure; this model answers nothing alone (no threshold kept its "
        "confident answers right often enough in training)"]


def test_policy_escalation_is_a_reason():
    sure = prediction(confidence=0.99, reason=None)
    assert review_reasons(sure) == []
    assert review_reasons(sure, policy_escalates=True) == [
        "the policy leaves this decision to a person"]


def test_language_choice():
    langs = ["en", "de", "es"]
    short = prediction(text="hello?", language="es")
    choice = choose_language(short, sure=None, default="de", available=langs)
    assert choice.lang == "de" and choice.buyer is None
    assert choice.note.startswith("Too short to tell the language (it may be Spanish)")
    # However sure the detector is, two words do not tell a language.
    assert choose_language(short, sure="es", default="en", available=langs).lang == "en"
    spanish = prediction(text="¿dónde está mi pedido?", language="es")
    assert choose_language(spanish, sure="es", default="en", available=langs).lang == "es"
    other = choose_language(prediction(language="other"), sure=None, default="en",
                            available=langs)
    assert other.lang == "en" and "without reply templates" in other.note
    assert "No Russian templates" in choose_language(prediction(), sure="ru", default="en",
                                                     available=langs).note


def test_new_case_or_the_same_message_edited():
    old = "please cancel order 8183920451726635"
    assert is_new_case("", old)
    assert not is_new_case(old, old + ", thanks")
    assert is_new_case(old, "Bestellung 1043 kam leer an")
    assert is_new_case(old, "my parcel came empty, nothing inside at all, I am very upset")


def test_in_words():
    assert in_words("ship_date: the date 2026-01-05 is odd", "ship_date") == \
        "The date 5 Jan 2026 is odd"
