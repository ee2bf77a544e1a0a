"""Order details: reading them from dicts, JSON, forms and exports; order and tracking
numbers found in a buyer's message. The delivery arithmetic is in ``delivery.py``.

Every field is optional. Export column names are matched loosely (case, spaces and
punctuation ignored; common aliases such as "Order No." or "Tracking Number"), and bad values
raise OrderError naming the field and the value instead of being guessed.

Example:
    >>> order = Order.from_dict({"Order No.": "1043", "Shipped At": "Jan 1, 2026"})
    >>> order.order_id, order.ship_date.isoformat()
    ('1043', '2026-01-01')
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import DataError, OrderError


@dataclass(frozen=True)
class Order:
    """One order's details; any field may be None (unknown)."""

    order_id: str | None = None
    buyer_name: str | None = None
    item_title: str | None = None
    sku: str | None = None
    quantity: int | None = None
    price: Decimal | None = None
    currency: str | None = None
    order_date: date | None = None
    ship_date: date | None = None
    delivered_date: date | None = None
    carrier: str | None = None
    service: str | None = None
    tracking_number: str | None = None
    tracking_status: str | None = None
    promised_days: int | None = None
    destination_country: str | None = None
    domestic: bool | None = None
    dispute_opened: date | None = None
    agent_name: str | None = None
    store_name: str | None = None
    platform: str | None = None
    request_type: str | None = None
    supplier_issue: str | None = None
    return_reason: str | None = None
    shipping_fee: Decimal | None = None
    actual_shipping_fee: Decimal | None = None
    customs_fee: Decimal | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, dayfirst: bool = False) -> Order:
        """Build from canonical names or an export row's column names; others are ignored.

        Raises OrderError for a value that cannot be read (a date, number, boolean, status
        or country), naming the field, the value and what is accepted.
        """
        values: dict[str, Any] = {}
        for column, name in canonical_columns(data).items():
            values[name] = _parse(name, data[column], dayfirst)
        price = values.get("price")
        if isinstance(price, tuple):
            values["price"], code = price
            values["currency"] = values.get("currency") or code
        return cls(**values)

    @classmethod
    def from_json(cls, path: str | Path, *, dayfirst: bool = False) -> Order:
        """Read one order from a JSON file holding an object with the canonical names."""
        data = _read_json(Path(path))
        if not isinstance(data, dict):
            raise OrderError(f"{path}: expected one JSON object with order fields, "
                             f"found {type(data).__name__}; use read_orders() for a list.")
        return cls.from_dict(data, dayfirst=dayfirst)


ORDER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Order))

_ALIASES_TEXT = {
    "order_id": "order no, order number, order num, order, order code, order sn, order ref",
    "buyer_name": "buyer, customer, customer name, buyer username, recipient, recipient name,"
                  " ship to name, consignee, contact name, full name",
    "item_title": "item, title, product, product name, product title, item name",
    "sku": "variant, variation, sku attributes, option, product sku, item sku",
    "quantity": "qty, count, units, pieces",
    "price": "amount, total, order total, order amount, total price, paid, amount paid,"
             " item price",
    "currency": "currency code",
    "order_date": "ordered at, placed at, order time, created at, order created, purchase date",
    "ship_date": "shipped at, shipped date, shipping date, dispatch date, dispatched at,"
                 " shipped on, ship time",
    "delivered_date": "delivered at, delivery date, delivered on",
    "carrier": "shipping carrier, logistics company, courier, shipping company, logistics",
    "service": "shipping service, shipping method, logistics service, method, service level",
    "tracking_number": "tracking no, tracking, tracking id, tracking code, waybill, awb",
    "tracking_status": "shipment status, delivery status, logistics status",
    "promised_days": "promised delivery days, delivery time days, delivery days,"
                     " promised delivery time, delivery time",
    "destination_country": "country, ship to country, country code, destination,"
                           " buyer country, shipping country",
    "domestic": "is domestic",
    "dispute_opened": "dispute date, dispute opened at, dispute opened on, refund requested,"
                      " refund request date, dispute start",
    "agent_name": "agent",
    "store_name": "store, shop, shop name, seller, seller name",
    "platform": "marketplace, sales channel, channel, store platform",
    "request_type": "after sales type, aftersales type, return type, request type, refund type",
    "supplier_issue": "supplier status, supplier problem, fulfilment issue, fulfillment issue",
    "return_reason": "returned reason, reason returned, return cause",
    "shipping_fee": "shipping paid, shipping cost, postage, postage paid, shipping charge,"
                    " delivery fee, shipping price",
    "actual_shipping_fee": "actual shipping cost, used shipping fee, shipping cost used,"
                           " actual postage",
    "customs_fee": "customs charge, import tax, import duty, customs paid, vat paid",
}


def _key(name: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).casefold())


_ALIASES = {_key(alias): field for field, text in _ALIASES_TEXT.items()
            for alias in (field, *text.split(","))}


def canonical_columns(columns: Iterable[str]) -> dict[str, str]:
    """Map each recognised column name to its Order field; unrecognised columns are left out.

    The first column wins when two map to the same field.

    >>> canonical_columns(["Order No.", "Tracking Number", "Notes"])
    {'Order No.': 'order_id', 'Tracking Number': 'tracking_number'}
    """
    found: dict[str, str] = {}
    for column in columns:
        name = _ALIASES.get(_key(column)) if column is not None else None
        if name and name not in found.values():
            found[column] = name
    return found


_BLANK = {"", "-", "n/a", "na", "null", "none"}
_DATE_HELP = ("2026-01-11, 11 Jan 2026, Jan 11, 2026, 01/11/2026 (month first; dayfirst=True "
              "reads 11/01/2026 as 11 January) or an ISO date-time such as 2026-01-11T09:30:00")


def parse_date(value: Any, field: str = "date", *, dayfirst: bool = False) -> date | None:
    """Read a date in one of the common formats, in the years 2000 to 2099; None for a blank
    value.

    Raises OrderError naming the field, the value and the accepted formats.
    """
    found = _parse_date(value, field, dayfirst)
    if found is not None and not YEARS[0] <= found.year <= YEARS[1]:
        raise OrderError(f"{field}: {found.isoformat()} is not a plausible date (the year must "
                         f"be between {YEARS[0]} and {YEARS[1]}); check the year.")
    return found


def _parse_date(value: Any, field: str, dayfirst: bool) -> date | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    text = str(value).strip()
    if text.casefold() in _BLANK:
        return None
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    numeric = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if numeric:
        first, second, year = map(int, numeric.groups())
        day, month = (first, second) if dayfirst else (second, first)
        candidates = [f"{year:04d}-{month:02d}-{day:02d}"] if month <= 12 and day <= 31 else []
        formats = ["%Y-%m-%d"]
    else:
        cleaned = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text, flags=re.IGNORECASE)
        candidates = [" ".join(cleaned.replace(",", " ").split())]
        formats = ["%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%Y/%m/%d"]
    for candidate in candidates:
        for fmt in formats:
            try:
                return datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    raise OrderError(f"{field}: cannot read {text!r} as a date. Use {_DATE_HELP}.")


def parse_bool(value: Any, field: str = "value") -> bool | None:
    """Read yes/no, true/false, y/n or 1/0 (any case); None for a blank value."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _BLANK:
        return None
    if text in {"yes", "y", "true", "t", "1"}:
        return True
    if text in {"no", "n", "false", "f", "0"}:
        return False
    raise OrderError(f"{field}: {value!r} is not a yes/no value; write yes, no, true, false, "
                     "1 or 0.")


# The values a real order can hold; anything outside is a typo, not arithmetic to attempt.
# A promise of 0 days is read, then shown to the agent as an order problem (delivery.py).
_RANGES = {"quantity": (1, 100_000), "promised_days": (0, 365)}
YEARS = (2000, 2099)
MAX_AMOUNT = Decimal(1_000_000_000)


def _int(value: Any, field: str) -> int:
    match = re.fullmatch(r"([-+]?\d+)(?:\.0+)?(?:\s*days?)?", str(value).strip(), re.IGNORECASE)
    if not match or isinstance(value, bool):
        raise OrderError(f"{field}: {value!r} is not a whole number; write it in digits, e.g. 2.")
    number = int(match.group(1))
    low, high = _RANGES.get(field, (0, 10**9))
    if not low <= number <= high:
        raise OrderError(f"{field}: {number} is out of range; it must be between {low} and "
                         f"{high:,}.")
    return number


def _price(value: Any, field: str = "price") -> tuple[Decimal, str | None]:
    """The amount and a currency code written with it ("US $12.50", "12,50 EUR", "€8")."""
    text = str(value).strip().upper()
    match = re.fullmatch(r"(US|[A-Z]{3})?\s*([$€£])?\s*(\d[\d.,]*)\s*([A-Z]{3})?", text)
    number = match[3] if match else ""
    if "," in number and "." in number:  # the last mark is the decimal one
        mark = "." if number.rfind(".") > number.rfind(",") else ","
        number = number.replace("," if mark == "." else ".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(,\d{3})+", number):
        number = number.replace(",", "")
    try:
        amount = Decimal(number.replace(",", "."))
    except InvalidOperation:
        raise OrderError(f"{field}: {value!r} is not an amount; write digits with an optional "
                         "currency, e.g. 12.50, US $12.50 or 12,50 EUR.") from None
    if amount > MAX_AMOUNT:
        shown = number if len(number) <= 20 else number[:20] + "…"
        raise OrderError(f"{field}: {shown} is out of range; an amount must be at most "
                         f"{MAX_AMOUNT:,}.")
    symbol = {"€": "EUR", "£": "GBP", "US$": "USD"}.get((match[1] or "")[:2] + (match[2] or ""))
    code = match[1] if match[1] and match[1] != "US" else match[4]
    return amount, code or symbol


# The fields that hold one of a few ids, and the words exports use for each id.
_CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "tracking_status": {
        "not_found": "not found, no information, no info, no tracking, pending, info received,"
                     " label created",
        "in_transit": "in transit, transit, shipped, on the way, out for delivery, dispatched,"
                      " picked up, accepted, in transit abroad",
        "delivered": "delivered, signed, signed for, received",
        "returned": "returned, returned to sender, return to sender, returning",
        "customs": "customs, customs hold, held by customs, in customs, customs clearance",
    },
    "platform": {
        "aliexpress": "aliexpress, ali express, ae",
        "tiktok_shop": "tiktok, tiktok shop, tik tok, tik tok shop, tts",
        "tmall": "tmall, dsers, tmall dsers, taobao",
        "shopify": "shopify",
        "other": "other, own store, own shop, website, web shop, webshop",
    },
    "request_type": {
        "refund_only": "refund only, refund",
        "return_and_refund": "return and refund, return refund, return",
        "reshipment": "reshipment, reship, resend, replacement, send missing items",
        "exchange": "exchange, swap",
    },
    "supplier_issue": {
        "no_stock": "no stock, out of stock, sold out, no stock available",
        "oversized": "oversized, oversize, too large",
        "overweight": "overweight, too heavy",
        "unresponsive": "unresponsive, supplier unresponsive, no response, not responding",
    },
    "return_reason": {
        "wrong_address": "wrong address, bad address, incomplete address, address",
        "not_collected": "not collected, not picked up, unclaimed, uncollected",
        "refused": "refused, rejected, refused by recipient",
        "customs_unpaid": "customs unpaid, unpaid customs, duties not paid, customs not paid",
        "unknown": "unknown, unclear, other",
    },
}
CHOICES: dict[str, tuple[str, ...]] = {f: tuple(ids) for f, ids in _CHOICE_ALIASES.items()}
TRACKING_STATUSES = CHOICES["tracking_status"]
_CHOICE_IDS = {field: {_key(alias): choice for choice, text in ids.items()
                       for alias in (choice, *text.split(","))}
               for field, ids in _CHOICE_ALIASES.items()}


def _choice(value: Any, field: str) -> str:
    """The id for a word an export uses; a platform it does not know is "other" (any other
    marketplace or the seller's own store)."""
    found = _CHOICE_IDS[field].get(_key(value))
    if found is None and field == "platform":
        return "other"
    if found is None:
        raise OrderError(f"{field}: {value!r} is not a known value; use one of "
                         f"{', '.join(CHOICES[field])}.")
    return found


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from babel import Locale

    names = {name.casefold(): code for code, name in Locale("en").territories.items()
             if re.fullmatch(r"[A-Z]{2}", code)}
    return names | {"uk": "GB", "usa": "US", "great britain": "GB", "england": "GB"}


def _country(value: Any) -> str:
    text = str(value).strip()
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return "GB" if text.upper() == "UK" else text.upper()
    code = _country_names().get(text.casefold())
    if code is None:
        raise OrderError(f"destination_country: {value!r} is not a country I know; use the "
                         "two-letter ISO code, e.g. BR, ES or US.")
    return code


_DATE_FIELDS = {"order_date", "ship_date", "delivered_date", "dispute_opened"}
_MONEY_FIELDS = {"price", "shipping_fee", "actual_shipping_fee", "customs_fee"}


def _is_blank(value: Any) -> bool:
    """None, an empty or "n/a"-like string, or a table's missing value (NaN, NaT, NA)."""
    if value is None or (isinstance(value, str) and value.strip().casefold() in _BLANK):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError, ArithmeticError):  # containers, a signalling NaN
        return False


def _parse(name: str, value: Any, dayfirst: bool) -> Any:
    if _is_blank(value):
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp from Parquet/XLSX
        value = value.to_pydatetime()
    if name in _DATE_FIELDS:
        return parse_date(value, name, dayfirst=dayfirst)
    if name in {"quantity", "promised_days"}:
        return _int(value, name)
    if name in _MONEY_FIELDS:
        amount, code = _price(value, name)
        return (amount, code) if name == "price" else amount
    if name == "domestic":
        return parse_bool(value, name)
    if name in CHOICES:
        return _choice(value, name)
    if name == "destination_country":
        return _country(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text.upper() if name in {"currency", "tracking_number"} else text


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise OrderError(f"order file not found: {path}; check the path.")
    from .dataset import bom_encoding

    try:
        raw = path.read_bytes()
        return json.loads(raw.decode(bom_encoding(raw) or "utf-8"))  # a byte-order mark is fine
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OrderError(f"{path}: not valid UTF-8 JSON ({exc}); fix the file or export "
                         "it again.") from None
    except (ValueError, RecursionError) as exc:  # a number too long, nesting too deep
        raise OrderError(f"{path}: not an order file ({exc}); fix the file or export it "
                         "again.") from None
    except OSError as exc:
        raise OrderError(f"cannot read {path}: {exc.strerror or exc}") from None


def _rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(row number, row) for a CSV export (header is row 1) or a JSON list of objects."""
    if not path.is_file():
        raise OrderError(f"orders file not found: {path}; check the path, or export the orders "
                         "as CSV.")
    if path.suffix.casefold() == ".json":
        data = _read_json(path)
        for number, item in enumerate(data if isinstance(data, list) else [data], start=1):
            if not isinstance(item, dict):
                raise OrderError(f"{path}, item {number}: expected an object of order fields.")
            yield number, item
        return
    from .dataset import read_table

    try:
        table = read_table(path)
    except DataError as exc:
        raise OrderError(str(exc)) from None
    columns = [str(c) for c in table.frame.columns]
    if "order_id" not in canonical_columns(columns).values():
        raise OrderError(f"{path}: no order-id column; found columns: {', '.join(columns)}. "
                         "Name the order number column 'order_id' or 'Order ID'.")
    for number, row in zip(table.frame.index, table.frame.to_dict("records"), strict=True):
        yield int(number), row


def order_key(order_id: Any) -> str:
    return str(order_id).strip().lstrip("#").strip().casefold()


def parse_form(values: Mapping[str, Any], *, dayfirst: bool = False
               ) -> tuple[Order, list[str]]:
    """An order from loosely typed fields (a form an agent fills in): every field that cannot
    be read is left out and reported, so the rest still counts."""
    good, problems = {}, []
    for name, value in values.items():
        try:
            Order.from_dict({name: value}, dayfirst=dayfirst)
            good[name] = value
        except OrderError as exc:
            problems.append(str(exc))
    return Order.from_dict(good, dayfirst=dayfirst), problems


def read_orders(path: str | Path, *, dayfirst: bool = False) -> list[Order]:
    """Every order in a CSV export (aliases allowed) or a JSON list; errors name the row."""
    orders = []
    for number, row in _rows(Path(path)):
        try:
            orders.append(Order.from_dict(row, dayfirst=dayfirst))
        except OrderError as exc:
            raise OrderError(f"{path}, line {number}: {exc}") from None
    return orders


def index_orders(orders: Iterable[Order], *, where: str = "the orders",
                 notes: list[str] | None = None) -> dict[str, Order]:
    """Orders by :func:`order_key`. An id on several rows: the last row wins (exports list the
    newest state last), and a note says so."""
    found: dict[str, Order] = {}
    repeated: dict[str, int] = {}
    for order in orders:
        if not order.order_id:
            continue
        key = order_key(order.order_id)
        if key in found:
            repeated[key] = repeated.get(key, 1) + 1
        found[key] = order
    if repeated and notes is not None:
        shown = ", ".join(f"{found[k].order_id} ({n} rows)" for k, n in list(repeated.items())[:5])
        notes.append(f"{where}: {len(repeated)} order id(s) appear on more than one row: {shown}; "
                     "the last row of each is used")
    return found


def find_order(path: str | Path, order_id: str, *, dayfirst: bool = False,
               notes: list[str] | None = None) -> Order:
    """The order with this id (a leading '#' is ignored); only matching rows are parsed."""
    return find_order_in(_rows(Path(path)), order_id, dayfirst=dayfirst, where=str(path),
                         notes=notes)


def find_order_in(rows: Iterable[tuple[int, Mapping[str, Any]]], order_id: str, *,
                  dayfirst: bool = False, where: str = "the orders",
                  notes: list[str] | None = None) -> Order:
    """The order with this id among (row number, row) pairs, e.g. an uploaded export. An id
    on several rows: the last row wins, as in :func:`index_orders`, with a note."""
    count, matches = 0, []
    for number, row in rows:
        count += 1
        column = next((c for c, n in canonical_columns(row).items() if n == "order_id"), None)
        if column is not None and row[column] is not None and \
                order_key(row[column]) == order_key(order_id):
            matches.append((number, row))
    if not matches:
        raise OrderError(f"order {order_id!r} not found in {where} ({count} orders); check the "
                         "number or export a newer orders file.")
    number, row = matches[-1]
    if len(matches) > 1 and notes is not None:
        notes.append(f"{where}: order {order_id} appears on {len(matches)} rows "
                     f"({', '.join(str(n) for n, _ in matches)}); using the last, {number}")
    try:
        return Order.from_dict(row, dayfirst=dayfirst)
    except OrderError as exc:
        raise OrderError(f"{where}, line {number}: {exc}") from None



_TRACKING = re.compile(
    r"\b(1Z[0-9A-Z]{16}|YT\d{16}|[A-Z]{2}\d{9,14}[A-Z]{2})\b"
    r"|tracking\s*(?:number|no\.?|num|code|id|#)?\s*(?:is|:|#)?\s*\b([A-Z0-9]*\d[A-Z0-9]{8,29})\b",
    re.IGNORECASE)
_NOT_MONEY = r"(?![\d.,]*\d)(?!\s*(?:usd|eur|gbp|dollars?|euros?|pounds?|[$€£]))"
_ORDER_PATTERNS = (
    # "order", and the word for it in the served languages (pedido, encomenda, commande,
    # Bestellung/Auftrag, заказ), with the usual "number" abbreviations.
    re.compile(r"\b(?:order|pedido|encomenda|commande|bestellung|auftrag|заказ\w*)\s*"
               r"(?:number|no\.?|num|id|nr\.?|n[°º.]|nº|número|numéro|nummer|номер|№|#)?\s*"
               r"(?:is|:|-)?\s*[#№]?\s*(\d{4,20})\b" + _NOT_MONEY, re.IGNORECASE),
    re.compile(r"(?<![\w&#])#\s?(\d{3,12})\b" + _NOT_MONEY),
    re.compile(r"\b(\d{3}-\d{7}-\d{7})\b"),
    re.compile(r"(?<![\d+])\b((?!00)\d{13,20})\b" + _NOT_MONEY),
)
_PHONE_WORDS = re.compile(
    r"\b(phone|tel|mobile|cell|whats\s?app|call|contact|sms)\b\W*(\w+\W*){0,3}$", re.IGNORECASE)


def extract_ids(message: str) -> dict[str, str]:
    """Order and tracking numbers written in a buyer's message: keys present only when found.

    Phone numbers (after "+", "00" or words like "phone"/"call") and amounts are not taken.

    >>> extract_ids("Order #1043 still not here, tracking LP00123456789CN. Call +34 612 345 678")
    {'order_id': '1043', 'tracking_number': 'LP00123456789CN'}
    """
    found: dict[str, str] = {}
    taken: list[range] = []
    for match in _TRACKING.finditer(message):
        group = 1 if match.group(1) else 2
        found.setdefault("tracking_number", match.group(group).upper())
        taken.append(range(*match.span(group)))
    for pattern in _ORDER_PATTERNS:
        for match in pattern.finditer(message):
            start, end = match.span(1)
            if any(start in r or end - 1 in r for r in taken):
                continue
            # "order 12345678" is explicit; a bare or '#' number near "phone" is not an order.
            if pattern is not _ORDER_PATTERNS[0] and _PHONE_WORDS.search(
                    message[max(0, start - 40):start]):
                continue
            found.setdefault("order_id", match.group(1))
            break
        if "order_id" in found:
            break
    return {key: found[key] for key in ("order_id", "tracking_number") if key in found}
