"""Rendering: placeholders, sandbox, languages, template checks and golden replies.

Golden files in tests/golden/ hold the rendered replies for fixed orders at a fixed date, so a
wording change shows up as a diff to review. Rewrite them with: UPDATE_GOLDEN=1 pytest
"""

from __future__ import annotations

import doctest
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from assistant import paths, replies
from assistant.errors import TemplateError
from assistant.orders import Order
from assistant.policy import decide
from assistant.replies import (
    ENV_VAR,
    available_languages,
    check_templates,
    list_templates,
    render,
)
from assistant.scenarios import LABELS, SELLER_MESSAGES

GOLDEN = Path(__file__).resolve().parent / "golden"
TODAY = date(2026, 2, 15)
SIGN = {"agent_name": "Mia", "store_name": "Harbour Lane Home"}
ALL_TEMPLATES = [*LABELS, *SELLER_MESSAGES]
FULL = {"order_id": "8183920451726635", "buyer_name": "Ana", "item_title": "linen blouse",
        "sku": "White / Size M", "quantity": 1, "price": "12.50", "currency": "USD",
        "order_date": "2026-01-08", "ship_date": "2026-01-11", "carrier": "China Post",
        "service": "small parcel", "tracking_number": "RR123456789CN",
        "tracking_status": "in_transit", "destination_country": "ES", "domestic": "no"}
DELIVERED = FULL | {"ship_date": "2025-12-20", "delivered_date": "2026-01-11",
                    "order_date": "2025-12-18",
                    "tracking_status": "delivered"}
DISPUTE = {"dispute_opened": "2026-02-12"}

# name -> (label or seller message, order fields)
GOLDEN_CASES: dict[str, tuple[str, dict]] = {
    "stained_blouse": ("item_stained", DELIVERED),
    "wrong_size": ("wrong_item", DELIVERED | {"buyer_name": "Lucas"}),
    "empty_parcel": ("empty_package", DELIVERED),
    "delivered_not_received": ("delivered_not_received", DELIVERED | DISPUTE),
    "in_transit_25_days_left": ("not_arrived", FULL | DISPUTE),
    "overdue_5_days": ("not_arrived", FULL | {"service": "ePacket", "ship_date": "2026-01-14"}),
    "overdue_20_days": ("not_arrived", FULL | {"service": "ePacket", "ship_date": "2025-12-30",
                                               "order_date": "2025-12-27"}),
    "no_tracking": ("no_tracking_update", FULL | DISPUTE | {"tracking_status": "not_found"}),
    "returned_to_sender": ("returned_to_sender", FULL | {"tracking_status": "returned"}),
    "customs_tax": ("customs_charge", DELIVERED),
    "cancel_before_shipment": ("cancel_order", {"order_id": "1043", "order_date": "2026-02-14",
                                                "buyer_name": "Hannah",
                                                "price": "45.00", "currency": "USD"}),
    "cancel_after_international_shipment": ("cancel_order", FULL),
    "not_arrived_but_delivered": ("not_arrived", DELIVERED),
    "stained_blouse_recent": ("item_stained", DELIVERED | {"delivered_date": "2026-02-10"}),
    "not_shipped_yet": ("not_arrived", {"order_id": "1043", "order_date": "2026-02-14",
                                        "buyer_name": "Hannah"}),
    "tracking_not_scanned_yet": ("no_tracking_update", FULL | {"ship_date": "2026-02-12",
                                                               "tracking_status": "not_found"}),
    "dispute_with_platform": ("item_defective", DELIVERED | {"dispute_opened": "2026-01-20"}),
    "tiktok_reshipment": ("missing_item", DELIVERED | {"platform": "tiktok_shop",
                                                       "request_type": "reshipment"}),
    "unknown_label": ("card_arrival", FULL | DISPUTE),
    **{f"seller_{m}": (m, DELIVERED if m in {"did_it_arrive", "order_completed",
                                             "review_request"} else FULL)
       for m in SELLER_MESSAGES},
}


@pytest.fixture(autouse=True)
def _repo_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def tmp_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repo's English templates, used through $ASSISTANT_TEMPLATES."""
    root = tmp_path / "templates"
    shutil.copytree(paths.shipped_templates() / "en", root / "en")
    monkeypatch.setenv(ENV_VAR, str(root))
    return root


def _render(name: str, fields: dict | None = None, **kwargs: object) -> replies.Reply:
    order = Order.from_dict(fields) if fields is not None else None
    decision = decide(name, order, today=TODAY) if name not in SELLER_MESSAGES else None
    template = decision.template if decision else name
    return render(template, order, decision, today=TODAY, **(SIGN | kwargs))  # type: ignore


def _golden_text(name: str, fields: dict) -> str:
    order = Order.from_dict(fields)
    lines = [f"case: {name}"]
    decision = None
    if name not in SELLER_MESSAGES:
        decision = decide(name, order, today=TODAY)
        lines += [f"label: {decision.label}", f"action: {decision.action}",
                  f"rule: {decision.rule}", f"reason: {decision.reason}"]
    reply = render(decision.template if decision else name, order, decision, today=TODAY,
                   **SIGN)
    lines += [f"template: {reply.template}", f"note: {reply.note or '-'}",
              f"missing: {', '.join(reply.missing_fields) or '-'}", "---"]
    return "\n".join(lines) + "\n" + reply.text


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_golden_replies(case: str) -> None:
    name, fields = GOLDEN_CASES[case]
    text = _golden_text(name, fields)
    path = GOLDEN / f"{case}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run with UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8")


def test_no_stale_golden_files() -> None:
    assert {p.stem for p in GOLDEN.glob("*.txt")} == set(GOLDEN_CASES)


@pytest.mark.parametrize("name", ALL_TEMPLATES)
@pytest.mark.parametrize("fields", [None, FULL, DELIVERED | DISPUTE], ids=["empty", "full",
                                                                            "delivered"])
def test_every_template_renders_tidily(name: str, fields: dict | None) -> None:
    reply = _render(name, fields)
    assert reply.text.endswith("Kind regards,\nMia\nHarbour Lane Home\n")
    assert "\n\n\n" not in reply.text and "{" not in reply.text
    assert all(line == line.strip() for line in reply.text.splitlines())
    if fields is not None:
        assert reply.text.startswith("Dear Ana,\n\n") and reply.missing_fields == ()
    else:
        assert reply.text.startswith("Hello,\n\n")


def test_missing_value_shows_a_placeholder_and_is_reported() -> None:
    reply = render("shipped_notice", Order(order_id="1043", carrier="ePacket"), **SIGN)
    assert "Tracking number: [tracking number]" in reply.text
    assert reply.missing_fields == ("tracking_number",)


def test_missing_sign_off_is_reported() -> None:
    reply = render("order_completed")
    assert reply.text.endswith("[agent name]\n[store name]\n")
    assert reply.missing_fields == ("agent_name", "store_name")


def test_value_used_only_in_if_is_not_missing() -> None:
    reply = render("delivered_not_received", **SIGN)
    assert reply.missing_fields == ()
    # With no order facts the reply claims no delivery: it says the tracking is being checked.
    assert "we're checking the tracking" in reply.text.lower()
    assert "delivered" not in reply.text.lower()


def test_agent_and_store_arguments_override_the_order() -> None:
    order = Order(agent_name="Bob", store_name="Old Shop")
    text = render("order_completed", order, agent_name="Mia", store_name="New Shop").text
    assert text.endswith("Mia\nNew Shop\n")
    assert render("order_completed", order).text.endswith("Bob\nOld Shop\n")


def test_dates_and_money_are_formatted_with_babel() -> None:
    delivered = _render("delivered_not_received", DELIVERED)
    assert "delivered on 11 January 2026" in delivered.text
    cancel = _render("cancel_order", {"order_id": "1043", "order_date": "2026-02-14",
                                      "price": "12.50", "currency": "USD"})
    assert "(US$12.50)" in cancel.text


def test_money_without_currency_asks_for_it() -> None:
    reply = _render("cancel_order", {"order_id": "1043", "order_date": "2026-02-14",
                                     "price": "12.50"})
    assert "(12.50 [currency])" in reply.text and reply.missing_fields == ("currency",)


def test_unknown_label_gets_the_holding_reply_with_a_note() -> None:
    reply = render("card_arrival", **SIGN)
    assert (reply.template, reply.fallback) == ("other", False)
    assert reply.note == "no template for label 'card_arrival'; using the holding reply"


def test_missing_language_falls_back_to_english() -> None:
    reply = render("item_stained", lang="it", **SIGN)
    assert (reply.lang, reply.fallback) == ("en", True)
    assert reply.note == "no 'it' templates; using English"


def test_partial_translation_falls_back_per_template(tmp_templates: Path) -> None:
    (tmp_templates / "es").mkdir()
    (tmp_templates / "es" / "order_completed.txt.j2").write_text(
        '{% extends "_base.txt.j2" %}{% block body %}Pedido {{ order_id }} completado.'
        "{% endblock %}", encoding="utf-8")
    spanish = render("order_completed", Order(order_id="7"), lang="es", **SIGN)
    assert (spanish.lang, spanish.fallback, spanish.note) == ("es", False, None)
    assert "Pedido 7 completado." in spanish.text
    english = render("item_stained", lang="es", **SIGN)
    assert (english.lang, english.fallback) == ("en", True)
    assert english.note == "no 'es' translation of 'item_stained'; using English"
    assert available_languages() == ["en", "es"]


@pytest.mark.parametrize("expression", ["''.__class__.__mro__", "cycler.__init__.__globals__",
                                        "order_id.__class__.__subclasses__()"])
def test_sandbox_blocks_unsafe_access(tmp_templates: Path, expression: str) -> None:
    (tmp_templates / "en" / "other.txt.j2").write_text(f"{{{{ {expression} }}}}\n")
    with pytest.raises(TemplateError, match="other.txt.j2"):
        render("other", Order(order_id="1"))


def test_syntax_error_is_a_template_error_with_the_line(tmp_templates: Path) -> None:
    (tmp_templates / "en" / "other.txt.j2").write_text("Hello\n{% if %}\n")
    with pytest.raises(TemplateError, match="line 2"):
        render("other")


def test_check_templates_passes_for_the_shipped_templates() -> None:
    assert check_templates() == []


def test_list_templates_has_every_label_and_seller_message() -> None:
    names = list_templates("en")
    assert set(ALL_TEMPLATES) <= set(names) and "_base" not in names
    assert available_languages()[0] == "en"
    for lang in available_languages():
        assert set(list_templates(lang)) == set(names), lang


def test_check_templates_catches_a_typo(tmp_templates: Path) -> None:
    path = tmp_templates / "en" / "shipped_notice.txt.j2"
    path.write_text(path.read_text().replace("{{ tracking_number }}", "{{ trackng_number }}"))
    problems = check_templates()
    assert len(problems) == 2
    assert "en/shipped_notice.txt.j2: unknown variable(s) trackng_number" in problems[0]
    assert "trackng_number even with a complete order" in problems[1]


def test_check_templates_catches_a_missing_template(tmp_templates: Path) -> None:
    (tmp_templates / "en" / "customs_hold.txt.j2").unlink()
    assert check_templates() == ["label 'customs_hold': no en/customs_hold.txt.j2, so its "
                                 "replies would be the holding reply; add the template."]


def test_check_templates_catches_parse_errors(tmp_templates: Path) -> None:
    (tmp_templates / "en" / "review_request.txt.j2").write_text("{% if %}")
    problems = check_templates()
    assert len(problems) == 1 and problems[0].startswith("en/review_request.txt.j2: does not "
                                                         "parse")


def test_check_templates_reports_labels_of_another_label_set() -> None:
    problems = check_templates(["card_arrival", "item_stained"])
    assert problems == ["label 'card_arrival': no en/card_arrival.txt.j2, so its replies "
                        "would be the holding reply; add the template."]


def test_check_templates_compares_translations_with_english(tmp_templates: Path) -> None:
    (tmp_templates / "es").mkdir()
    good = '{% extends "_base.txt.j2" %}{% block body %}Pedido{% if order_id %} {{ order_id }}' \
           '{% endif %}: ¡que disfrutes tu {{ item_title|default("compra") }}!{% endblock %}'
    (tmp_templates / "es" / "order_completed.txt.j2").write_text(good, encoding="utf-8")
    assert check_templates() == []
    bad = '{% extends "_base.txt.j2" %}{% block body %}Pedido {{ order_id }}.{% endblock %}'
    (tmp_templates / "es" / "order_completed.txt.j2").write_text(bad, encoding="utf-8")
    problems = check_templates()
    assert len(problems) == 1
    assert problems[0].startswith("es/order_completed.txt.j2: variables differ from the "
                                  "English version (item_title)")


def test_missing_fields_are_per_render_across_threads() -> None:
    with_tracking = Order(order_id="1", carrier="UPS", tracking_number="1Z999AA10123456784")
    without = Order(order_id="2", carrier="UPS")

    def work(i: int) -> tuple[int, tuple[str, ...]]:
        order = with_tracking if i % 2 else without
        return i, render("shipped_notice", order, **SIGN).missing_fields

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(400)))
    assert all(missing == (() if i % 2 else ("tracking_number",)) for i, missing in results)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(replies)
    assert result.attempted > 0 and result.failed == 0


def test_compiling_every_template_skips_a_broken_one(tmp_path) -> None:
    from assistant.replies import compile_templates, templates_dir

    root = tmp_path / "templates"
    shutil.copytree(templates_dir(), root)
    all_of_them = compile_templates(root=root)
    (root / "en" / "cancel_order.txt.j2").write_text("{% if x %}broken", encoding="utf-8")
    assert compile_templates(root=root) == all_of_them - 1
