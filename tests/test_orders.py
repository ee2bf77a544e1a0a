"""Order details: parsing, aliases, files, derived facts and ids found in messages."""

from __future__ import annotations

import doctest
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from assistant import orders
from assistant.delivery import ESCALATION_DAY, carrier_promise, facts
from assistant.errors import DataError, OrderError
from assistant.orderfields import canonical_columns, parse_bool, parse_date
from assistant.orderids import extract_ids
from assistant.orders import ORDER_FIELDS, Order, find_order, read_orders

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample_orders.csv"
TODAY = date(2026, 2, 15)
JAN_11 = date(2026, 1, 11)
CHINA_POST_ES = {"carrier": "China Post", "service": "Small Parcel", "destination_country": "ES"}
SMALL_CSV = "Order Number;Customer Name;Shipped At\n#1043;Ana;2026-01-11\n1044;Ben;bad date\n"


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("2026-01-11", False, JAN_11),
        ("11 Jan 2026", False, JAN_11),
        ("11 January 2026", False, JAN_11),
        ("Jan 11, 2026", False, JAN_11),
        ("January 11, 2026", False, JAN_11),
        ("11th Jan, 2026", False, JAN_11),
        ("01/11/2026", False, JAN_11),
        ("11/01/2026", True, JAN_11),
        ("11.01.2026", True, JAN_11),
        ("2026-01-11T08:30:00", False, JAN_11),
        ("2026-01-11 08:30:00", False, JAN_11),
        ("2026-01-11T08:30:00Z", False, JAN_11),
        ("", False, None),
        ("N/A", False, None),
    ],
)
def test_parse_date_reads_common_formats(text: str, dayfirst: bool, expected: date) -> None:
    assert parse_date(text, "ship_date", dayfirst=dayfirst) == expected


@pytest.mark.parametrize("text", ["2026-13-01", "31/31/2026", "02/30/2026", "yesterday",
                                  "11/01/26", "Jan 2026"])
def test_parse_date_rejects_invalid_dates_naming_field_and_value(text: str) -> None:
    with pytest.raises(OrderError) as info:
        parse_date(text, "ship_date")
    message = str(info.value)
    assert "ship_date" in message and repr(text) in message and "2026-01-11" in message


def test_month_first_is_the_default_and_dayfirst_swaps() -> None:
    assert parse_date("03/04/2026") == date(2026, 3, 4)
    assert parse_date("03/04/2026", dayfirst=True) == date(2026, 4, 3)


@pytest.mark.parametrize(("text", "expected"), [("yes", True), ("No", False), ("TRUE", True),
                                                ("false", False), ("1", True), ("0", False),
                                                ("", None)])
def test_parse_bool(text: str, expected: bool | None) -> None:
    assert parse_bool(text, "domestic") is expected


@pytest.mark.parametrize(("field", "value"), [("quantity", "two"), ("price", "abc"),
                                              ("price", "1.2.3"), ("promised_days", "soon"),
                                              ("domestic", "maybe"),
                                              ("tracking_status", "lost in space"),
                                              ("destination_country", "Atlantis")])
def test_bad_values_raise_order_error_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(OrderError, match=field):
        Order.from_dict({field: value})


@pytest.mark.parametrize(
    ("price", "currency", "amount", "code"),
    [("12.50", "USD", Decimal("12.50"), "USD"), ("US $12.50", None, Decimal("12.50"), "USD"),
     ("12,50 EUR", None, Decimal("12.50"), "EUR"), ("1,049.50", "GBP", Decimal("1049.50"), "GBP"),
     ("€8", None, Decimal("8"), "EUR"), ("$31.00", None, Decimal("31.00"), None)],
)
def test_prices_and_currency_written_with_them(price: str, currency: str | None,
                                               amount: Decimal, code: str | None) -> None:
    order = Order.from_dict({"price": price, "currency": currency})
    assert (order.price, order.currency) == (amount, code)


@pytest.mark.parametrize(
    ("column", "field"),
    [("Order ID", "order_id"), ("order_no", "order_id"), ("Order Number", "order_id"),
     ("ORDER-NO.", "order_id"), ("Tracking Number", "tracking_number"),
     ("tracking_no", "tracking_number"), ("Buyer", "buyer_name"),
     ("Customer Name", "buyer_name"), ("Ship Date", "ship_date"), ("Shipped At", "ship_date"),
     ("Country", "destination_country"), ("Qty", "quantity"), ("Shipping Method", "service"),
     ("Logistics Company", "carrier"), ("Shipment Status", "tracking_status")],
)
def test_canonical_columns_matches_aliases_loosely(column: str, field: str) -> None:
    assert canonical_columns([column, "Notes"]) == {column: field}


def test_canonical_columns_first_column_wins() -> None:
    assert canonical_columns(["Order No", "Order ID"]) == {"Order No": "order_id"}


def test_status_and_country_are_normalised() -> None:
    order = Order.from_dict({"Shipment Status": "Returned to Sender", "Country": "Brazil"})
    assert (order.tracking_status, order.destination_country) == ("returned", "BR")


def test_read_sample_orders() -> None:
    orders = read_orders(SAMPLE)
    assert len(orders) == 12
    first = orders[0]
    assert (first.order_id, first.buyer_name, first.ship_date, first.tracking_status,
            first.destination_country, first.domestic) == (
        "8183920451726635", "Ana Souza", date(2025, 12, 22), "in_transit", "BR", False)
    assert {o.tracking_status for o in orders} >= {"in_transit", "delivered", "returned",
                                                   "not_found", "customs"}


def test_find_order_ignores_hash_and_parses_only_that_row(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(SMALL_CSV, encoding="utf-8")
    assert find_order(path, "1043") == Order(order_id="#1043", buyer_name="Ana", ship_date=JAN_11)
    with pytest.raises(OrderError, match=r"line 3: ship_date"):
        find_order(path, "1044")


def test_find_order_not_found() -> None:
    with pytest.raises(OrderError, match="'999' not found"):
        find_order(SAMPLE, "999")


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(OrderError, match="not found"):
        read_orders(tmp_path / "nope.csv")


def test_file_without_order_id_column_lists_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("Customer,Item\nAna,Mug\n", encoding="utf-8")
    with pytest.raises(OrderError, match="found columns: Customer, Item"):
        read_orders(path)


def test_order_from_json_file(tmp_path: Path) -> None:
    path = tmp_path / "order.json"
    path.write_text(json.dumps({"order_id": 1043, "ship_date": "2026-01-11", "quantity": 2}))
    assert Order.from_json(path) == Order(order_id="1043", ship_date=JAN_11, quantity=2)
    assert read_orders(path) == [Order.from_json(path)]


def test_every_field_is_optional() -> None:
    assert all(getattr(Order(), name) is None for name in ORDER_FIELDS)


@pytest.mark.parametrize(
    ("order", "promised", "usual", "source"),
    [(CHINA_POST_ES, 60, (20, 40), "carrier table"),
     (CHINA_POST_ES | {"destination_country": "BR"}, 90, (20, 40), "carrier table"),
     ({"carrier": "China Post", "service": "ePacket"}, 27, (5, 15), "carrier table"),
     ({"service": "e-Packet"}, 27, (5, 15), "carrier table"),
     (CHINA_POST_ES | {"promised_days": "45"}, 45, (20, 40), "order"),
     ({"carrier": "Yanwen"}, None, None, None)],
)
def test_promised_days_from_order_or_carrier_table(order: dict, promised: int | None,
                                                   usual: tuple | None, source: str | None
                                                   ) -> None:
    got = facts(Order.from_dict(order | {"ship_date": "2026-01-01"}), TODAY)
    assert (got.promised_days, got.usual_days, got.promised_source) == (promised, usual, source)


def test_unknown_carrier_says_there_is_no_promise() -> None:
    got = facts(Order.from_dict({"carrier": "Yanwen", "ship_date": "2026-01-01"}), TODAY)
    assert got.promised_date is None and got.days_left is None
    assert "'Yanwen' is not in the carrier table" in (got.promise_note or "")


def test_days_left_within_promised_time() -> None:
    got = facts(Order.from_dict(CHINA_POST_ES | {"ship_date": "2026-01-11"}), TODAY)
    assert (got.days_in_transit, got.promised_date, got.days_left, got.days_overdue) == (
        35, date(2026, 3, 12), 25, None)


def test_days_overdue_past_promised_time() -> None:
    got = facts(Order.from_dict({"service": "ePacket", "ship_date": "2025-12-31"}), TODAY)
    assert (got.promised_date, got.days_left, got.days_overdue) == (date(2026, 1, 27), None, 19)


def test_delivered_parcel_has_no_days_left_or_overdue() -> None:
    got = facts(Order.from_dict(CHINA_POST_ES | {"ship_date": "2026-01-01",
                                                 "delivered_date": "2026-01-21"}), TODAY)
    assert got.delivered and got.days_in_transit == 20
    assert got.days_left is None and got.days_overdue is None


def test_dispute_deadlines() -> None:
    got = facts(Order(dispute_opened=date(2026, 2, 1)), TODAY)
    assert got.dispute_open
    assert got.response_deadline == date(2026, 2, 6)
    assert ESCALATION_DAY == 16 and got.escalation_date == date(2026, 2, 17)


def test_carrier_table_errors_are_data_errors(tmp_path: Path) -> None:
    path = tmp_path / "carriers.csv"
    path.write_text("carrier,service\nX,Y\n", encoding="utf-8")
    with pytest.raises(DataError, match="promised_days"):
        carrier_promise("X", "Y", path=path)


@pytest.mark.parametrize(
    ("message", "expected"),
    [("where is my order 8183920451726635??", {"order_id": "8183920451726635"}),
     ("Order #1043 hasn't come", {"order_id": "1043"}),
     ("order 12345678 is late", {"order_id": "12345678"}),
     ("order number: 12345678", {"order_id": "12345678"}),
     ("8183920451726635 still not here", {"order_id": "8183920451726635"}),
     ("tracking LP00123456789CN says nothing", {"tracking_number": "LP00123456789CN"}),
     ("UB123456789CN", {"tracking_number": "UB123456789CN"}),
     ("rr123456789cn not moving", {"tracking_number": "RR123456789CN"}),
     ("UPS 1Z999AA10123456784", {"tracking_number": "1Z999AA10123456784"}),
     ("YT2212345678901234 no update", {"tracking_number": "YT2212345678901234"}),
     ("order 1043, tracking UB123456789CN",
      {"order_id": "1043", "tracking_number": "UB123456789CN"})],
)
def test_extract_ids_finds_order_and_tracking_numbers(message: str, expected: dict) -> None:
    assert extract_ids(message) == expected


@pytest.mark.parametrize(
    "message",
    ["call me on +8613800138000", "my phone 8613800138000", "whatsapp 0086 138 0013 8000",
     "call 008613800138000 please", "my number is 13800138000", "I paid $1043.50",
     "the order cost 45.99 dollars", "order 1043.50 USD refunded", "it costs 12.50 EUR",
     "tel: +44 7911 123456", "I want to cancel"],
)
def test_extract_ids_ignores_phone_numbers_and_prices(message: str) -> None:
    assert "order_id" not in extract_ids(message)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(orders)
    assert result.attempted > 0 and result.failed == 0


def test_delivery_docstring_examples_run() -> None:
    from assistant import delivery

    result = doctest.testmod(delivery)
    assert result.attempted > 0 and result.failed == 0
