"""Delivery arithmetic: promised delivery times (the order's own, else the carrier table),
days in transit, days left or overdue, and the platform's dispute dates.

Example:
    >>> from datetime import date
    >>> from assistant.orders import Order
    >>> order = Order.from_dict({"Order No.": "8183920451726635", "Shipped At": "Jan 1, 2026",
    ...     "Carrier": "China Post", "Service": "small parcel", "Country": "ES"})
    >>> f = facts(order, today=date(2026, 2, 5))
    >>> (f.days_in_transit, f.promised_days, f.days_left, f.promised_source)
    (35, 60, 25, 'carrier table')
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import paths
from .errors import DataError
from .orders import Order, _key

RESPONSE_DAYS = 5
# Seed 004: an unsettled dispute goes to the platform "on the 16th day" after it was opened,
# counted like the 5-day response window (days after the opening day): opened + 16.
ESCALATION_DAY = 16
CARRIERS_CSV = paths.shipped_data() / "carriers.csv"


@dataclass(frozen=True)
class CarrierPromise:
    """A carrier table row: the promised delivery time and the usual range, in days."""

    name: str
    promised_days: int
    usual_min_days: int | None
    usual_max_days: int | None


def _carrier_row(row: dict[str, str]) -> tuple[str, tuple[str, ...], str, CarrierPromise]:
    services = tuple(_key(s) for s in row["service"].split("|") if s.strip())
    usual = [int(row[k]) if row[k] else None for k in ("usual_min_days", "usual_max_days")]
    name = " ".join(p for p in (row["carrier"], row["service"].split("|")[0],
                                row["destination_country"]) if p)
    promise = CarrierPromise(name, int(row["promised_days"]), *usual)
    return _key(row["carrier"]), services, row["destination_country"].upper(), promise


@lru_cache(maxsize=4)
def _carrier_rows(path: str) -> tuple[tuple[str, tuple[str, ...], str, CarrierPromise], ...]:
    rows = []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            for number, row in enumerate(csv.DictReader(fh), start=2):
                try:
                    rows.append(_carrier_row(row))
                except (KeyError, ValueError, AttributeError) as exc:
                    raise DataError(
                        f"{path}, row {number}: cannot read the carrier table ({exc!r}); it "
                        "needs the columns carrier, service, destination_country, "
                        "promised_days, usual_min_days, usual_max_days, with whole numbers of "
                        "days.") from None
    except OSError as exc:
        raise DataError(f"cannot open the carrier table {path} ({exc}); restore "
                        "data/carriers.csv.") from None
    # A row for the buyer's country beats the carrier's general row.
    return tuple(sorted(rows, key=lambda r: r[2] == ""))


def carrier_promise(carrier: str | None, service: str | None = None,
                    country: str | None = None, *,
                    path: str | Path | None = None) -> CarrierPromise | None:
    """The carrier table's promise for this carrier/service/country, or None if not listed."""
    text = _key(f"{carrier or ''} {service or ''}")
    if not text:
        return None
    for row_carrier, services, row_country, promise in _carrier_rows(str(path or CARRIERS_CSV)):
        if (row_carrier in text and (not services or any(s in text for s in services))
                and row_country in ("", (country or "").upper())):
            return promise
    return None


@dataclass(frozen=True)
class OrderFacts:
    """What an order's dates mean on a given day. None means not known.

    ``days_left`` and ``days_overdue`` count to or past ``promised_date`` (ship_date plus the
    promised days); only one of them is set, and neither once the parcel is delivered.
    ``promised_source`` is "order", "carrier table" or None, and ``promise_note`` says why
    there is no promise when there is none.
    """

    today: date
    shipped: bool
    delivered: bool
    days_since_order: int | None = None
    days_since_shipment: int | None = None
    days_in_transit: int | None = None
    promised_days: int | None = None
    promised_source: str | None = None
    promise_note: str | None = None
    usual_min_days: int | None = None
    usual_max_days: int | None = None
    promised_date: date | None = None
    days_left: int | None = None
    days_overdue: int | None = None
    dispute_open: bool = False
    response_deadline: date | None = None
    escalation_date: date | None = None
    # Dates that contradict each other or today: shown to the agent, never computed with.
    problems: tuple[str, ...] = ()

    @property
    def usual_days(self) -> tuple[int, int] | None:
        if self.usual_min_days is None or self.usual_max_days is None:
            return None
        return (self.usual_min_days, self.usual_max_days)


def order_problems(order: Order, today: date) -> dict[str, str]:
    """Dates of an order that cannot be right (a shipment in the future, a delivery before the
    shipment, an order placed after it shipped), in words for the agent, by the field that is
    set aside because of it."""
    found: dict[str, str] = {}
    if order.ship_date and order.ship_date > today:
        found["ship_date"] = (f"the ship date {order.ship_date.isoformat()} is after today "
                              f"({today.isoformat()}); check the ship date")
    elif order.ship_date and order.delivered_date and order.delivered_date < order.ship_date:
        found["delivered_date"] = (f"the delivery date {order.delivered_date.isoformat()} is "
                                   f"before the ship date {order.ship_date.isoformat()}; check "
                                   "both dates")
    if order.delivered_date and order.delivered_date > today:
        found["delivered_date"] = (f"the delivery date {order.delivered_date.isoformat()} is "
                                   "after today; check it")
    if order.order_date and (order.order_date > today or (
            order.ship_date and order.ship_date < order.order_date)):
        found["order_date"] = (f"the order date {order.order_date.isoformat()} is after the "
                               "ship date or today; check it")
    if order.dispute_opened and order.dispute_opened > today:
        found["dispute_opened"] = (f"the dispute date {order.dispute_opened.isoformat()} is "
                                   "after today; check it")
    return found


def facts(order: Order, today: date | None = None) -> OrderFacts:
    """Derive days in transit, the promised date, days left/overdue and dispute deadlines.

    Dates that contradict each other are listed in ``problems`` and not computed with.
    """
    today = today or date.today()
    problems = order_problems(order, today)
    if problems:
        order = replace(order, **dict.fromkeys(problems))
    status = order.tracking_status
    delivered = status == "delivered" or order.delivered_date is not None
    shipped = order.ship_date is not None or status in {"in_transit", "delivered", "customs",
                                                        "returned"}
    table = carrier_promise(order.carrier, order.service, order.destination_country)
    values: dict[str, Any] = {"today": today, "shipped": shipped, "delivered": delivered}
    if table:
        values.update(usual_min_days=table.usual_min_days, usual_max_days=table.usual_max_days)
    if order.promised_days is not None:
        values.update(promised_days=order.promised_days, promised_source="order")
    elif table:
        values.update(promised_days=table.promised_days, promised_source="carrier table")
    elif order.carrier or order.service:
        what = " ".join(p for p in (order.carrier, order.service) if p)
        values["promise_note"] = (f"no promised delivery time: {what!r} is not in the carrier "
                                  "table and the order sets none")
    else:
        values["promise_note"] = "no promised delivery time: the order names no carrier"
    if order.order_date:
        values["days_since_order"] = (today - order.order_date).days
    if order.ship_date:
        values["days_since_shipment"] = (today - order.ship_date).days
        values["days_in_transit"] = ((order.delivered_date or today) - order.ship_date).days
        if values.get("promised_days") is not None:
            promised_date = order.ship_date + timedelta(days=values["promised_days"])
            values["promised_date"] = promised_date
            if not delivered:
                gap = (promised_date - today).days
                values["days_left" if gap >= 0 else "days_overdue"] = abs(gap)
    elif "promise_note" not in values:
        values["promise_note"] = "no promised delivery date: the ship date is unknown"
    if order.dispute_opened:
        values.update(dispute_open=True,
                      response_deadline=order.dispute_opened + timedelta(days=RESPONSE_DAYS),
                      escalation_date=order.dispute_opened + timedelta(days=ESCALATION_DAY))
    return OrderFacts(**values, problems=tuple(problems.values()))


FACT_FIELDS: tuple[str, ...] = (*(f.name for f in fields(OrderFacts)), "usual_days")
