"""Resolution policy: the case table in policy_cases.yaml (every rule, every edge, in every
language for the facts a reply carries), and the rules' own invariants."""

from __future__ import annotations

import doctest
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.dates import format_date
from babel.numbers import format_currency

from assistant import actions, policy, rules, settings
from assistant.orders import Order
from assistant.policy import ACTIONS, DEFAULT_RULE, DISPUTE_RULES, RULES, decide
from assistant.replies import LOCALES, render
from assistant.scenarios import LABELS

TABLE = yaml.safe_load((Path(__file__).with_name("policy_cases.yaml")).read_text("utf-8"))
CASES: list[dict[str, Any]] = TABLE["cases"]
TODAY = date.fromisoformat(TABLE["today"])
SIGN = {"agent_name": "Mia", "store_name": "Harbour Lane"}
IDS = [case["id"] for case in CASES]


def _decide(case: dict[str, Any], tmp_path: Path):
    order = Order.from_dict(case["order"]) if case["order"] is not None else None
    chosen = None
    if "policy" in case:
        path = tmp_path / "policy.toml"
        path.write_text(case["policy"], encoding="utf-8")
        chosen = path
    decision = decide(case["label"], order, today=TODAY, settings=chosen,
                      message=case.get("message"), photos=case.get("photos"),
                      severity=case.get("severity"))
    return order, decision


def _reply(order: Order | None, decision, lang: str):
    return render(decision.template, order, decision, lang=lang, today=TODAY, **SIGN)


def test_the_table_is_big_and_its_ids_unique() -> None:
    assert len(CASES) >= 80
    assert len(IDS) == len(set(IDS))
    for case in CASES:
        assert {"action", "rule", "deadlines", "reply"} <= set(case["expect"]), case["id"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case(case: dict[str, Any], tmp_path: Path) -> None:
    expect = case["expect"]
    order, decision = _decide(case, tmp_path)
    assert (decision.rule, decision.action) == (expect["rule"], expect["action"])
    assert decision.title == ACTIONS[decision.action]
    assert decision.template == expect.get("template", case["label"])
    assert decision.case_rule == expect.get("case_rule")
    assert {k: v.isoformat() for k, v in decision.deadlines.items()} == expect["deadlines"]
    assert set(expect.get("settings", ())) <= set(decision.settings), decision.settings
    assert set(decision.settings) <= set(settings.KEYS)
    if "amounts" in expect:
        assert decision.amount_texts("en_GB") == expect["amounts"]
    if "options" in expect:
        assert [o.action for o in decision.options] == expect["options"]
    for phrase in expect.get("problems", ()):
        assert any(phrase in p for p in decision.facts.problems), decision.facts.problems
    for phrase in expect.get("reason", ()):
        assert phrase in decision.reason, decision.reason
    reply = _reply(order, decision, "en")
    for phrase in expect["reply"]:
        assert phrase in reply.text, reply.text
    for phrase in expect.get("reply_not", ()):
        assert phrase.lower() not in reply.text.lower(), reply.text
    assert list(reply.missing_fields) == expect.get("missing", []), reply.text


def _written(name: str, order: Order | None, decision, locale: str) -> str:
    """A fact as the reply in ``locale`` writes it."""
    if name in decision.amounts:
        return decision.amounts[name].format(locale)
    if name == "price":
        return format_currency(order.price, order.currency, locale=locale)
    value = next(v for source in (decision.deadlines, vars(decision.facts or ()),
                                  vars(order or ()), decision.details)
                 if (v := source.get(name)) is not None)
    return format_date(value, "long", locale=locale) if isinstance(value, date) else str(value)


LANGUAGE_CASES = [(case, lang) for case in CASES if case["expect"].get("every_language")
                  for lang in LOCALES]


@pytest.mark.parametrize(("case", "lang"), LANGUAGE_CASES,
                         ids=[f"{c['id']}-{lang}" for c, lang in LANGUAGE_CASES])
def test_case_facts_in_every_language(case: dict[str, Any], lang: str, tmp_path: Path) -> None:
    order, decision = _decide(case, tmp_path)
    reply = _reply(order, decision, lang)
    assert reply.lang == lang and not reply.fallback
    assert reply.missing_fields == ()
    for name in case["expect"]["every_language"]:
        written = _written(name, order, decision, LOCALES[lang])
        assert written in reply.text, (name, written, reply.text)


def test_the_table_covers_every_language_case_and_platform() -> None:
    assert len({case["id"] for case, _ in LANGUAGE_CASES}) >= 30
    platforms = {str((c["order"] or {}).get("platform", "")).casefold() for c in CASES}
    assert {"tiktok_shop", "tmall", "shopify", "aliexpress"} <= platforms | {"tiktok", "dsers"}
    assert sum("policy" in c for c in CASES) >= 15


def test_every_rule_is_reached_by_a_case() -> None:
    names = {r.name for r in (*DISPUTE_RULES, *RULES, DEFAULT_RULE)}
    reached = {c["expect"]["rule"] for c in CASES} | {
        c["expect"].get("case_rule") for c in CASES}
    assert names - reached == set()


def test_every_action_is_used_and_documented() -> None:
    used = {r.action for r in (*DISPUTE_RULES, *RULES, DEFAULT_RULE) if r.action}
    used |= {a for p in rules.PLATFORMS.values() for a in p.request_types.values()}
    assert used == set(ACTIONS)
    assert actions.REISSUE_ACTIONS <= used and actions.WAIT_ACTIONS <= used


def test_rule_names_are_unique_and_say_what_they_read() -> None:
    names = [r.name for r in (*DISPUTE_RULES, *RULES)]
    assert len(names) == len(set(names))
    for rule in (*DISPUTE_RULES, *RULES):
        assert set(rule.reads) <= set(settings.KEYS), rule.name
        assert rule.condition, rule.name


def test_every_default_label_has_a_rule_of_its_own() -> None:
    for label in LABELS:
        assert decide(label).rule != DEFAULT_RULE.name, label


def test_an_unshipped_order_is_never_offered_a_reissue() -> None:
    unshipped = Order.from_dict({"order_id": "1", "order_date": "2026-01-01",
                                 "platform": "tiktok_shop", "request_type": "reshipment"})
    # A buyer reporting a missing part has a parcel whatever the order says: the parcel is
    # checked first (check_package_and_weight), nothing is sent yet.
    sending = actions.REISSUE_ACTIONS - {"check_package_and_weight"}
    for label in LABELS:
        for days in (0, 2, 3, 5, 10, 40):
            decision = decide(label, unshipped, today=date(2026, 1, 1) + timedelta(days))
            assert decision.action not in sending, (label, days)


def test_a_complaint_about_the_item_is_never_delivered_not_received() -> None:
    delivered = Order.from_dict({"ship_date": "2026-01-01", "delivered_date": "2026-01-20"})
    for label in ("item_stained", "item_defective", "wrong_item", "missing_item",
                  "not_as_described", "empty_package"):
        for order in (delivered, Order(tracking_status="in_transit"), None):
            decision = decide(label, order, today=TODAY)
            assert decision.template not in ("delivered_not_received", "not_arrived"), label
            assert decision.action != "check_with_neighbours_and_post_office", label


def test_every_reissue_carries_its_preconditions() -> None:
    for case in CASES:
        order = Order.from_dict(case["order"]) if case["order"] is not None else None
        decision = decide(case["label"], order, today=TODAY, message=case.get("message"),
                          photos=case.get("photos"), severity=case.get("severity"))
        if decision.action in actions.PRECONDITION_ACTIONS:
            assert "size and address" in decision.reason, case["id"]
            assert "cancelled" in decision.reason, case["id"]


@dataclass
class _Prediction:
    label: str


def test_decide_accepts_a_prediction_object_and_the_old_signature() -> None:
    assert decide(_Prediction("customs_hold")).action == "contact_customs"
    order = Order.from_dict({"ship_date": "2026-01-11", "carrier": "China Post",
                             "service": "small parcel"})
    assert decide("not_arrived", order, today=TODAY).action == "wait"


def test_settings_may_be_given_as_an_object_or_a_path(tmp_path: Path) -> None:
    order = Order.from_dict({"order_date": "2026-02-10"})
    own = settings.read_text("[shipping]\nhandling_days = 9\n", "mine")
    path = tmp_path / "mine.toml"
    path.write_text("[shipping]\nhandling_days = 9\n", encoding="utf-8")
    for chosen in (own, path, str(path)):
        decision = decide("not_arrived", order, today=TODAY, settings=chosen)
        assert decision.action == "tell_ship_date"
        assert decision.deadlines["ship_by"] == date(2026, 2, 19)
    assert decide("not_arrived", order, today=TODAY).action == "chase_supplier"
    assert decide("not_arrived", order, today=TODAY).policy == str(settings.shipped_path())


def test_a_policy_in_the_environment_changes_the_decision(tmp_path: Path,
                                                          monkeypatch) -> None:
    path = tmp_path / "env.toml"
    path.write_text("[shipping]\nrefund_after_days_late = 2\n", encoding="utf-8")
    order = Order.from_dict({"service": "ePacket", "ship_date": "2026-01-14"})  # 5 days late
    assert decide("not_arrived", order, today=TODAY).action == "wait_or_reissue"
    monkeypatch.setenv(settings.ENV_VAR, str(path))
    decision = decide("not_arrived", order, today=TODAY)
    assert decision.action == "refund" and decision.policy == str(path)


def test_describe_rules_lists_every_rule_in_order() -> None:
    rows = policy.describe_rules()
    assert [r["name"] for r in rows] == [r.name for r in (*DISPUTE_RULES, *RULES,
                                                         DEFAULT_RULE)]
    by_name = {r["name"]: r for r in rows}
    assert "shipping.handling_days" in by_name["within_handling_time"]["reads"]
    assert "compensation.partial_refund_high" in by_name["quality_problem"]["reads"]
    assert by_name["platform_request"]["action"].startswith("by request type")


@pytest.mark.parametrize("module", [policy, rules, actions])
def test_docstring_examples_run(module) -> None:
    result = doctest.testmod(module)
    assert result.failed == 0
