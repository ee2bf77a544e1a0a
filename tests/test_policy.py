"""Resolution policy: every rule reached, the seeds' situations, dispute dates."""

from __future__ import annotations

import doctest
from dataclasses import dataclass
from datetime import date

import pytest

from assistant import policy
from assistant.orders import Order
from assistant.policy import ACTIONS, DEFAULT_RULE, RULES, decide
from assistant.scenarios import LABELS

TODAY = date(2026, 2, 15)
CHINA_POST = {"carrier": "China Post", "service": "small parcel", "destination_country": "ES"}
IN_TRANSIT_35_OF_60 = CHINA_POST | {"ship_date": "2026-01-11", "tracking_status": "in_transit"}
EPACKET_20_LATE = {"service": "ePacket", "ship_date": "2025-12-30",
                   "tracking_status": "in_transit"}  # due 2026-01-26
EPACKET_5_LATE = EPACKET_20_LATE | {"ship_date": "2026-01-14"}
DELIVERED = CHINA_POST | {"ship_date": "2025-12-20", "delivered_date": "2026-01-11",
                          "tracking_status": "delivered"}
NOT_SHIPPED = {"order_id": "1043", "order_date": "2026-02-14"}
SHIPPED_ABROAD = CHINA_POST | {"ship_date": "2026-02-10", "domestic": "no"}
SHIPPED_HOME = {"carrier": "USPS", "ship_date": "2026-02-10", "domestic": "yes"}

# (label, order fields or None, rule, action, template)
CASES = [
    ("other", None, "needs_a_person", "escalate_to_person", "other"),
    ("shipped_notice", None, "seller_message", "send_seller_message", "shipped_notice"),
    ("card_arrival", None, "no_rule_for_label", "escalate_to_person", "other"),
    ("not_arrived", DELIVERED, "tracking_shows_delivered",
     "check_with_neighbours_and_post_office", "delivered_not_received"),
    ("no_tracking_update", DELIVERED, "tracking_shows_delivered",
     "check_with_neighbours_and_post_office", "delivered_not_received"),
    ("not_arrived", CHINA_POST | {"ship_date": "2026-01-11", "tracking_status": "returned"},
     "tracking_shows_returned", "resend_or_refund", "returned_to_sender"),
    ("not_arrived", EPACKET_5_LATE | {"tracking_status": "customs"}, "tracking_shows_customs",
     "contact_customs", "customs_hold"),
    ("no_tracking_update", CHINA_POST | {"ship_date": "2026-01-11", "tracking_status":
                                         "not_found"},
     "no_tracking_information", "reissue_or_refund", "no_tracking_update"),
    ("not_arrived", NOT_SHIPPED, "no_tracking_information", "reissue_or_refund",
     "no_tracking_update"),
    ("not_arrived", IN_TRANSIT_35_OF_60, "within_promised_time", "wait", "not_arrived"),
    ("no_tracking_update", IN_TRANSIT_35_OF_60, "within_promised_time", "wait", "not_arrived"),
    ("not_arrived", EPACKET_5_LATE, "slightly_overdue", "wait_or_reissue", "not_arrived"),
    ("not_arrived", EPACKET_20_LATE, "long_overdue", "refund", "not_arrived"),
    ("not_arrived", {"carrier": "Yanwen", "ship_date": "2026-01-11"}, "no_promised_time",
     "check_tracking", "not_arrived"),
    ("no_tracking_update", None, "tracking_not_found_reported", "reissue_or_refund",
     "no_tracking_update"),
    ("not_arrived", None, "not_arrived_without_order", "check_tracking", "not_arrived"),
    ("delivered_not_received", DELIVERED, "delivered_per_tracking",
     "check_with_neighbours_and_post_office", "delivered_not_received"),
    ("empty_package", None, "empty_package", "escalate_to_person", "empty_package"),
    ("item_stained", {"item_title": "Linen blouse"}, "stained_item", "ask_for_photos",
     "item_stained"),
    ("item_defective", None, "quality_problem", "ask_for_photos", "item_defective"),
    ("not_as_described", None, "quality_problem", "ask_for_photos", "not_as_described"),
    ("wrong_item", {"sku": "Size M"}, "wrong_item_sent", "ask_for_photos", "wrong_item"),
    ("missing_item", None, "missing_item", "check_package_and_weight", "missing_item"),
    ("returned_to_sender", None, "returned_to_sender", "resend_or_refund",
     "returned_to_sender"),
    ("customs_charge", None, "customs_charge", "partial_refund_or_discount", "customs_charge"),
    ("customs_hold", None, "customs_hold", "contact_customs", "customs_hold"),
    ("shipping_method_changed", None, "shipping_method_changed", "refund_extra_fee",
     "shipping_method_changed"),
    ("cancel_order", NOT_SHIPPED, "cancel_before_shipment", "cancel_and_refund",
     "cancel_order"),
    ("change_address", NOT_SHIPPED, "address_before_shipment", "update_address",
     "change_address"),
    ("cancel_order", SHIPPED_HOME, "domestic_after_shipment", "intercept", "cancel_order"),
    ("change_address", SHIPPED_HOME, "domestic_after_shipment", "intercept",
     "change_address"),
    ("cancel_order", SHIPPED_ABROAD, "international_after_shipment", "cannot_intercept",
     "cancel_order"),
    ("change_address", SHIPPED_ABROAD, "international_after_shipment", "cannot_intercept",
     "change_address"),
    ("cancel_order", {"ship_date": "2026-02-10"}, "shipped_scope_unknown", "intercept",
     "cancel_order"),
    ("cancel_order", None, "after_sale_without_order", "check_order_status", "cancel_order"),
    ("return_or_exchange", None, "buyers_choice_return", "offer_return_or_exchange",
     "return_or_exchange"),
    ("order_received_thanks", None, "received_thanks", "ask_for_review",
     "order_received_thanks"),
]


def _order(fields: dict | None) -> Order | None:
    return None if fields is None else Order.from_dict(fields)


@pytest.mark.parametrize(("label", "fields", "rule", "action", "template"), CASES)
def test_rule_reached(label: str, fields: dict | None, rule: str, action: str,
                      template: str) -> None:
    decision = decide(label, _order(fields), today=TODAY)
    assert (decision.rule, decision.action, decision.template, decision.label) == (
        rule, action, template, label)
    assert decision.title == ACTIONS[action]


def test_every_rule_is_reached_by_a_case() -> None:
    names = {r.name for r in RULES} | {DEFAULT_RULE.name}
    assert names == {case[2] for case in CASES}


def test_rule_names_are_unique_and_actions_documented() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert {r.action for r in (*RULES, DEFAULT_RULE)} <= set(ACTIONS)


def test_every_default_label_has_a_rule_of_its_own() -> None:
    for label in LABELS:
        assert decide(label).rule != DEFAULT_RULE.name, label


# The seeds' situations and what the seeds prescribe.
SEEDS = [
    ("stained blouse", "item_stained", {"item_title": "Linen blouse"}, "ask_for_photos"),
    ("wrong size", "wrong_item", {"sku": "Size M"}, "ask_for_photos"),
    ("empty parcel", "empty_package", DELIVERED, "escalate_to_person"),
    ("delivered, not received", "delivered_not_received", DELIVERED,
     "check_with_neighbours_and_post_office"),
    ("25 of 60 days left", "not_arrived", IN_TRANSIT_35_OF_60, "wait"),
    ("20 days overdue", "not_arrived", EPACKET_20_LATE, "refund"),
    ("no tracking", "no_tracking_update", CHINA_POST | {"tracking_status": "not_found"},
     "reissue_or_refund"),
    ("returned to sender", "returned_to_sender", CHINA_POST | {"tracking_status": "returned"},
     "resend_or_refund"),
    ("customs tax", "customs_charge", EPACKET_5_LATE, "partial_refund_or_discount"),
    ("cancel after international shipment", "cancel_order", SHIPPED_ABROAD, "cannot_intercept"),
]


@pytest.mark.parametrize(("situation", "label", "fields", "action"), SEEDS,
                         ids=[s[0] for s in SEEDS])
def test_seed_situations(situation: str, label: str, fields: dict, action: str) -> None:
    assert decide(label, _order(fields), today=TODAY).action == action


def test_reason_has_the_numbers_filled_in() -> None:
    decision = decide("not_arrived", _order(IN_TRANSIT_35_OF_60), today=TODAY)
    assert decision.reason == ("In transit for 35 of 60 promised days: 25 days remain before a "
                               "refund is due.")
    assert decision.deadlines == {"promised_date": date(2026, 3, 12)}


def test_overdue_reason_counts_days_past_the_promise() -> None:
    decision = decide("not_arrived", _order(EPACKET_20_LATE), today=TODAY)
    assert decision.reason.startswith("20 days past the promised 27 days")


def test_delivered_reason_gives_the_delivery_date() -> None:
    decision = decide("delivered_not_received", _order(DELIVERED), today=TODAY)
    assert "on 11 January 2026" in decision.reason


def test_unknown_label_reason_names_it() -> None:
    assert "'card_arrival'" in decide("card_arrival").reason


def test_open_dispute_adds_deadlines_to_every_decision() -> None:
    order = _order(IN_TRANSIT_35_OF_60 | {"dispute_opened": "2026-02-12"})
    for label in (*LABELS, "card_arrival"):
        decision = decide(label, order, today=TODAY)
        assert decision.deadlines["response_deadline"] == date(2026, 2, 17), label
        assert decision.deadlines["escalation_date"] == date(2026, 2, 28), label
        assert "answer it by 17 February 2026" in decision.reason, label
        assert "takes it over on 28 February 2026" in decision.reason, label


def test_past_dispute_deadlines_are_said_to_have_passed() -> None:
    order = _order({"dispute_opened": "2026-01-20"})
    reason = decide("item_defective", order, today=TODAY).reason
    assert "closed on 25 January 2026" in reason and "took it over on 5 February 2026" in reason


@dataclass
class _Prediction:
    label: str


def test_decide_accepts_a_prediction_object() -> None:
    assert decide(_Prediction("customs_hold")).action == "contact_customs"


def test_overdue_threshold_is_fifteen_days() -> None:
    late_15 = _order(EPACKET_20_LATE | {"ship_date": "2026-01-04"})  # due 31 Jan: 15 days late
    late_16 = _order(EPACKET_20_LATE | {"ship_date": "2026-01-03"})
    assert decide("not_arrived", late_15, today=TODAY).action == "wait_or_reissue"
    assert decide("not_arrived", late_16, today=TODAY).action == "refund"


def test_docstring_examples_run() -> None:
    result = doctest.testmod(policy)
    assert result.attempted > 0 and result.failed == 0
