"""The seller's policy file: the shipped defaults, validation with line numbers, which file is
in effect, and a custom file changing decisions and replies."""

from __future__ import annotations

import doctest
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from assistant import paths, settings
from assistant.errors import PolicyError
from assistant.orders import Order
from assistant.policy import decide
from assistant.replies import render
from assistant.settings import DEFAULTS, KEYS, Settings, check_text, read_text

TODAY = date(2026, 2, 15)
SHIPPED = settings.shipped_path()


def test_the_shipped_file_holds_the_defaults() -> None:
    assert read_text(SHIPPED.read_text("utf-8"), "x") == replace(DEFAULTS, source="x")
    assert settings.check(SHIPPED) == []


def test_the_shipped_file_names_every_key_with_a_comment() -> None:
    text = SHIPPED.read_text("utf-8")
    for key in KEYS:
        section, name = key.split(".", 1)
        assert f"[{section}" in text, key
        assert re.search(rf"^(# )?\[?{re.escape(name)}\]?( =|$)", text, re.M) or \
            f"[{key}]" in text, key
    assert text.count("seed 00") >= 6  # the figures say where they come from


def test_the_seed_figures() -> None:
    assert (DEFAULTS.refund_after_days_late, DEFAULTS.protection_extension_days,
            DEFAULTS.partial_refund_low, DEFAULTS.partial_refund_high, DEFAULTS.currency,
            DEFAULTS.source_elsewhere_after_days, DEFAULTS.keep_wrong_item) == (
        15, 30, Decimal("1.00"), Decimal("2.00"), "USD", 4, True)
    assert DEFAULTS.laundry_cost_cap is None  # seed 002 pays the laundry's cost


def test_a_partial_file_keeps_the_other_defaults() -> None:
    mine = read_text("[shipping]\nhandling_days = 5\n\n[store]\ncountry = \"us\"\n", "m")
    assert (mine.handling_days, mine.store_country, mine.tracking_grace_days) == (5, "US", 7)
    assert mine.source == "m"


def test_every_setting_has_a_key_and_a_meaning() -> None:
    rows = settings.describe(DEFAULTS)
    assert [r[0] for r in rows] == list(KEYS)
    assert all(meaning for _, _, meaning in rows)
    assert Settings.key("handling_days") == "shipping.handling_days"
    assert DEFAULTS.value("shipping.handling_days") == 3


BAD = [
    ("[shipping]\nhandling_day = 5\n", 2, "unknown key 'handling_day' in [shipping]; did you "
     "mean 'handling_days'?"),
    ("[store]\ncountry = \"CN\"\n\n[shiping]\nhandling_days = 5\n", 4,
     "unknown section [shiping]; did you mean [shipping]?"),
    ("handling_days = 5\n", 1, "write it under [shipping]"),
    ("[shipping]\nhandling_days = \"5\"\n", 2, "must be a whole number of days"),
    ("[shipping]\nhandling_days = 2.5\n", 2, "must be a whole number of days"),
    ("[shipping]\nhandling_days = true\n", 2, "must be a whole number of days"),
    ("[shipping]\n\nhandling_days = -1\n", 3, "is impossible: it must be between 0 and 60"),
    ("[shipping]\nrefund_after_days_late = 400\n", 2, "between 0 and 180"),
    ("[compensation]\ncustoms_share = 1.5\n", 2, "between 0 and 1"),
    ("[compensation]\npartial_refund_low = -2\n", 2, "is impossible"),
    ("[compensation]\npartial_refund_low = 3.00\npartial_refund_high = 2.00\n", 3,
     "is below compensation.partial_refund_low"),
    ("[compensation]\npartial_refund = \"share\"\npartial_refund_high = 2.0\n", 3,
     "more than the whole price"),
    ("[compensation]\npartial_refund = \"percent\"\n", 2, "must be one of 'amount', 'share'"),
    ("[compensation]\ncurrency = \"DOLLARS\"\n", 2, "three-letter currency code"),
    ("[compensation]\nkeep_wrong_item = \"yes\"\n", 2, "must be true or false"),
    ("[store]\ncountry = \"China\"\n", 2, "two-letter ISO country code"),
    ("[store]\nplatform = \"ebay\"\n", 2, "must be one of 'aliexpress', 'tiktok_shop'"),
    ("[returns]\npostage = 1\n", 2, "must be a string in double quotes"),
    ("[shipping.promised_days]\n\"YunExpress\" = 30\n\"4PX\" = 0\n", 3,
     "shipping.promised_days.4PX = 0 is impossible"),
    ("[shipping]\npromised_days = 30\n", 2, "must be a section of carrier = days lines"),
    ("[store]\ncountry = CN\n", 2, "not valid TOML"),
    ("[store]\ncountry = \"CN\"\n[store]\nplatform = \"tmall\"\n", 3, "not valid TOML"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD, ids=[b[2][:40] for b in BAD])
def test_a_broken_file_is_refused_with_the_line_to_fix(text: str, line: int,
                                                       message: str) -> None:
    [problem] = check_text(text, "mine.toml")
    assert problem.startswith(f"mine.toml, line {line}: "), problem
    assert message in problem
    with pytest.raises(PolicyError, match=re.escape(f"line {line}")):
        read_text(text, "mine.toml")


def test_every_problem_is_listed_not_only_the_first() -> None:
    problems = check_text("[shipping]\nhandling_day = 1\ntracking_grace_days = -3\n"
                          "[returns]\nwindow = 3\n", "m")
    assert [p.split(":")[0] for p in problems] == ["m, line 2", "m, line 3", "m, line 5"]


def test_which_file_is_in_effect(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, explicit, env = tmp_path / "home", tmp_path / "explicit.toml", tmp_path / "env.toml"
    home.mkdir()
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    monkeypatch.delenv(settings.ENV_VAR)
    assert settings.policy_path() == SHIPPED
    (home / "policy.toml").write_text("[shipping]\nhandling_days = 1\n")
    assert settings.policy_path() == home / "policy.toml"
    assert settings.load().handling_days == 1
    monkeypatch.setenv(settings.ENV_VAR, str(env))
    assert settings.policy_path() == env
    with pytest.raises(PolicyError, match=r"env.toml \(from \$ASSISTANT_POLICY\)"):
        settings.load()
    assert settings.policy_path(explicit) == explicit
    explicit.write_text("[shipping]\nhandling_days = 2\n")
    assert settings.load(explicit).handling_days == 2


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[shipping]\nhandling_days = 1\n")
    assert settings.load(path).handling_days == 1
    path.write_text("[shipping]\nhandling_days = 12\n")
    assert settings.load(path).handling_days == 12


def test_a_missing_or_unreadable_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy file not found: .*nope.toml"):
        settings.load(tmp_path / "nope.toml")
    assert "cannot read" in settings.check(tmp_path / "nope.toml")[0]
    (tmp_path / "latin.toml").write_bytes("# caf\xe9\n".encode("latin-1"))
    assert "save it as UTF-8" in settings.check(tmp_path / "latin.toml")[0]


def test_init_copies_the_policy_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path))
    done = paths.init_home()
    assert (tmp_path / "policy.toml").read_text() == SHIPPED.read_text()
    assert any("copied the policy" in line for line in done)
    (tmp_path / "policy.toml").write_text("[shipping]\nhandling_days = 9\n")
    done = paths.init_home(force=True)
    assert (tmp_path / "policy.toml").read_text() == "[shipping]\nhandling_days = 9\n"
    assert any("kept your policy" in line for line in done)


CUSTOM = """
[store]
country = "ES"
platform = "shopify"

[shipping]
handling_days = 2
refund_after_days_late = 5

[compensation]
currency = "EUR"
partial_refund_low = 3.00
partial_refund_high = 5.00
laundry_cost_cap = 8.00
keep_wrong_item = false

[returns]
window_days = 30
postage = "seller"
"""


@pytest.fixture
def custom(tmp_path: Path) -> Settings:
    path = tmp_path / "custom.toml"
    path.write_text(CUSTOM, encoding="utf-8")
    return settings.load(path)


CHANGES = [
    # (label, order, action with the shipped policy, action with the custom one)
    ("not_arrived", {"order_date": "2026-02-09"}, "chase_supplier", "source_elsewhere_or_refund"),
    ("not_arrived", {"service": "ePacket", "ship_date": "2026-01-10"}, "wait_or_reissue",
     "refund"),
    ("cancel_order", {"ship_date": "2026-02-10", "destination_country": "ES"},
     "cannot_intercept", "intercept"),
    ("return_or_exchange", {"delivered_date": "2026-01-20"}, "decline_return",
     "offer_return_or_exchange"),
]


@pytest.mark.parametrize(("label", "fields", "shipped", "changed"), CHANGES,
                         ids=[f"{c[0]}-{c[3]}" for c in CHANGES])
def test_a_custom_policy_changes_the_decision(custom: Settings, label: str, fields: dict,
                                              shipped: str, changed: str) -> None:
    order = Order.from_dict(fields)
    assert decide(label, order, today=TODAY).action == shipped
    decision = decide(label, order, today=TODAY, settings=custom)
    assert decision.action == changed
    assert decision.policy == custom.source


def test_a_custom_policy_changes_the_replies(custom: Settings) -> None:
    order = Order.from_dict({"price": "40.00", "currency": "EUR", "sku": "Size M",
                             "item_title": "scarf", "delivered_date": "2026-02-10"})
    stained = decide("item_stained", order, today=TODAY, settings=custom)
    assert stained.amount_texts() == {"partial_refund": "€5.00", "partial_refund_low": "€3.00",
                                      "laundry_cost_cap": "€8.00"}
    english = render(stained.template, order, stained, today=TODAY).text
    assert "up to €8.00" in english and "refund €5.00 instead" in english
    german = render(stained.template, order, stained, lang="de", today=TODAY).text
    assert "bis zu 8,00\xa0€" in german and "5,00\xa0€" in german
    wrong = decide("wrong_item", order, today=TODAY, settings=custom)
    assert "welcome to keep it" not in render(wrong.template, order, wrong, today=TODAY).text
    back = decide("return_or_exchange", order, today=TODAY, settings=custom)
    assert "we cover the return postage" in render(back.template, order, back,
                                                   today=TODAY).text
    # Shopify, the custom default platform, has no dispute clock in the seeds.
    disputed = decide("item_defective", replace(order, dispute_opened=date(2026, 2, 1)),
                      today=TODAY, settings=custom)
    assert disputed.deadlines == {} and "no deadline" in disputed.reason
    assert "store.platform" in disputed.settings


def test_docstring_examples_run() -> None:
    result = doctest.testmod(settings)
    assert result.attempted > 0 and result.failed == 0
