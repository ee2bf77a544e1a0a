"""Orders: the ``Order`` record, built from a dict, a JSON file or a form, and the orders of
an export (CSV, XLSX... or a JSON list), read whole or found by order number.

How each field's value is read (column aliases, dates, amounts, statuses) is in
``orderfields.py``; order and tracking numbers in a buyer's message in ``orderids.py``; the
delivery arithmetic in ``delivery.py``.

Example:
    >>> order = Order.from_dict({"Order No.": "1043", "Shipped At": "Jan 1, 2026"})
    >>> order.order_id, order.ship_date.isoformat()
    ('1043', '2026-01-01')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import DataError, OrderError
from .orderfields import canonical_columns, parse_field


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
            values[name] = parse_field(name, data[column], dayfirst)
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


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise OrderError(f"order file not found: {path}; check the path.")
    from .decoding import bom_encoding

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
    from .tables import read_table

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
