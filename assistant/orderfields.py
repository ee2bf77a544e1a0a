"""Reading an order's fields from an export: which column holds which field, and each value.

Column names are matched loosely (case, spaces and punctuation ignored; common aliases such
as "Order No." or "Tracking Number"). Every field is optional: a blank value is None, and a
bad one raises OrderError naming the field and the value instead of being guessed. The
``Order`` record built from these fields is in ``orders.py``.

>>> parse_date("Jan 11, 2026"), parse_bool("Yes")
(datetime.date(2026, 1, 11), True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import pandas as pd

from .errors import OrderError

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


def loose_key(name: object) -> str:
    """A name with case, spaces and punctuation ignored, as columns and values are matched."""
    return re.sub(r"[^0-9a-z]", "", str(name).casefold())


_ALIASES = {loose_key(alias): field for field, text in _ALIASES_TEXT.items()
            for alias in (field, *text.split(","))}


def canonical_columns(columns: Iterable[str]) -> dict[str, str]:
    """Map each recognised column name to its Order field; unrecognised columns are left out.

    The first column wins when two map to the same field.

    >>> canonical_columns(["Order No.", "Tracking Number", "Notes"])
    {'Order No.': 'order_id', 'Tracking Number': 'tracking_number'}
    """
    found: dict[str, str] = {}
    for column in columns:
        name = _ALIASES.get(loose_key(column)) if column is not None else None
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
_CHOICE_IDS = {field: {loose_key(alias): choice for choice, text in ids.items()
                       for alias in (choice, *text.split(","))}
               for field, ids in _CHOICE_ALIASES.items()}


def _choice(value: Any, field: str) -> str:
    """The id for a word an export uses; a platform it does not know is "other" (any other
    marketplace or the seller's own store)."""
    found = _CHOICE_IDS[field].get(loose_key(value))
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


def parse_field(name: str, value: Any, dayfirst: bool = False) -> Any:
    """One field's value read from an export cell: a date, int, Decimal, bool, choice id,
    country code or text; None for a blank. The price is (amount, currency code or None).

    >>> parse_field("price", "US $12.50")
    (Decimal('12.50'), 'USD')
    """
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

