"""Delivery arithmetic: promised delivery times (the order's own, the seller's policy, else the
carrier table), days in transit, days left or overdue, the handling time of an unshipped
order, the tracking grace period, whether the parcel crosses a border, and the platform's
dispute dates.

Example:
    >>> from datetime import date
    >>> from assistant.orders import Order
    >>> order = Order.from_dict({"Order No.": "8183920451726635", "Shipped At": "Jan 1, 2026",
    ...     "Carrier": "China Post", "Service": "small parcel", "Country": "ES"})
    >>> f = facts(order, today=date(2026, 2, 5))
    >>> (f.days_in_transit, f.promised_days, f.days_left, f.promised_source, f.domestic)
    (35, 60, 25, 'carrier table', False)
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
from .orderfields import loose_key
from .orders import Order
from .platforms import PLATFORMS
from .settings import Settings, load

RESPONSE_DAYS = PLATFORMS["aliexpress"].response_days
# Seed 004: an unsettled dispute goes to the platform "on the 16th day" after it was opened,
# counted like the 5-day response window (days after the opening day): opened + 16.
ESCALATION_DAY = PLATFORMS["aliexpress"].escalation_day
CARRIERS_CSV = paths.shipped_data() / "carriers.csv"
# A carrier table row whose service is "(none)" applies only to orders that name no service.
_NO_SERVICE = ("none",)


@dataclass(frozen=True)
class CarrierPromise:
    """A carrier table row: the promised delivery time and the usual range, in days; None
    where the table (like the seeds) gives no figure."""

    name: str
    promised_days: int | None
    usual_min_days: int | None
    usual_max_days: int | None


def _carrier_row(row: dict[str, str]) -> tuple[str, tuple[str, ...], str, CarrierPromise]:
    services = tuple(loose_key(s) for s in row["service"].split("|") if s.strip())
    days = [int(row[k]) if row[k].strip() else None
            for k in ("promised_days", "usual_min_days", "usual_max_days")]
    shown = "" if services == _NO_SERVICE else row["service"].split("|")[0]
    name = " ".join(p for p in (row["carrier"], shown, row["destination_country"]) if p)
    return (loose_key(row["carrier"]), services, row["destination_country"].upper(),
            CarrierPromise(name, *days))


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
                        "days (or nothing, when no figure is known).") from None
    except OSError as exc:
        raise DataError(f"cannot open the carrier table {path} ({exc}); restore "
                        "data/carriers.csv.") from None
    # A row naming the service beats the carrier's general row; the buyer's country beats
    # every country.
    return tuple(sorted(rows, key=lambda r: (not r[1], r[2] == "")))


def carrier_promise(carrier: str | None, service: str | None = None,
                    country: str | None = None, *,
                    path: str | Path | None = None) -> CarrierPromise | None:
    """The carrier table's row for this carrier/service/country, or None if not listed."""
    text = loose_key(f"{carrier or ''} {service or ''}")
    if not text:
        return None
    for row_carrier, services, row_country, promise in _carrier_rows(str(path or CARRIERS_CSV)):
        if row_carrier not in text or row_country not in ("", (country or "").upper()):
            continue
        if services == _NO_SERVICE:
            if not loose_key(service or ""):
                return promise
        elif not services or any(s in text for s in services):
            return promise
    return None


@dataclass(frozen=True)
class OrderFacts:
    """What an order's dates mean on a given day. None means not known.

    ``days_left`` and ``days_overdue`` count to or past ``promised_date`` (ship_date plus the
    promised days); only one of them is set, and neither once the parcel is delivered.
    ``promised_source`` is "order", "policy", "carrier table" or None, and ``promise_note``
    says why there is no promise when there is none. Before shipment, ``ship_by`` is the end
    of the handling time and ``days_past_handling`` how far past it today is (negative:
    days still to go). ``first_scan_by`` ends the grace period in which tracking may show
    nothing. ``domestic`` is the order's own, else inferred from the store's country
    (``domestic_source``). ``settings_used`` names the policy keys these facts relied on.
    """

    today: date
    shipped: bool
    delivered: bool
    platform: str = "aliexpress"
    days_since_order: int | None = None
    days_since_shipment: int | None = None
    days_since_delivery: int | None = None
    days_in_transit: int | None = None
    promised_days: int | None = None
    promised_source: str | None = None
    promise_note: str | None = None
    usual_min_days: int | None = None
    usual_max_days: int | None = None
    promised_date: date | None = None
    days_left: int | None = None
    days_overdue: int | None = None
    ship_by: date | None = None
    days_past_handling: int | None = None
    first_scan_by: date | None = None
    refund_request_from: date | None = None
    domestic: bool | None = None
    domestic_source: str | None = None
    dispute_open: bool = False
    response_deadline: date | None = None
    escalation_date: date | None = None
    # Details that contradict each other or today: shown to the agent, never computed with;
    # problem_fields names the fields set aside.
    problems: tuple[str, ...] = ()
    problem_fields: tuple[str, ...] = ()
    settings_used: tuple[str, ...] = ()

    @property
    def usual_days(self) -> tuple[int, int] | None:
        if self.usual_min_days is None or self.usual_max_days is None:
            return None
        return (self.usual_min_days, self.usual_max_days)


def order_problems(order: Order, today: date) -> dict[str, str]:
    """Details of an order that cannot be right (a shipment in the future, a delivery before
    the shipment, an order placed after it shipped, a promise of 0 days), in words for the
    agent, by the field that is set aside because of it."""
    found: dict[str, str] = {}
    if order.ship_date and order.ship_date > today:
        found["ship_date"] = (f"the ship date {order.ship_date.isoformat()} is after today "
                              f"({today.isoformat()}); check the ship date")
    elif order.ship_date and order.delivered_date and order.delivered_date < order.ship_date:
        # Either may be the wrong one: neither is computed with.
        found["delivered_date"] = found["ship_date"] = (
            f"the delivery date {order.delivered_date.isoformat()} is before the ship date "
            f"{order.ship_date.isoformat()}; check both dates")
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
    if order.promised_days == 0:
        found["promised_days"] = ("a promised delivery time of 0 days cannot be met; check "
                                  "promised_days (the carrier table is used meanwhile)")
    return found


def facts(order: Order, today: date | None = None, settings: Settings | None = None
          ) -> OrderFacts:
    """Derive days in transit, the promised date, days left/overdue, the handling and
    tracking grace dates, the border and the dispute deadlines.

    ``settings`` default to the policy in effect (:func:`assistant.settings.load`). Details
    that contradict each other are listed in ``problems`` and not computed with.
    """
    today = today or date.today()
    settings = settings or load()
    problems = order_problems(order, today)
    if problems:
        order = replace(order, **dict.fromkeys(problems))
    status = order.tracking_status
    delivered = status == "delivered" or order.delivered_date is not None
    shipped = order.ship_date is not None or status in {"in_transit", "delivered", "customs",
                                                        "returned"}
    values: dict[str, Any] = {"today": today, "shipped": shipped, "delivered": delivered}
    used: list[str] = []
    values["platform"] = order.platform or settings.platform
    if not order.platform:
        used.append(Settings.key("platform"))
    values |= _promise(order, settings, used)
    values |= _dates(order, today, values, settings, used, ship_date_known="ship_date"
                     not in problems)
    if order.domestic is not None:
        values.update(domestic=order.domestic, domestic_source="order")
    elif order.destination_country:
        values.update(domestic=order.destination_country == settings.store_country,
                      domestic_source="store country")
        used.append(Settings.key("store_country"))
    values |= _dispute(order, PLATFORMS[values["platform"]])
    return OrderFacts(**values, problems=tuple(dict.fromkeys(problems.values())),
                      problem_fields=tuple(problems), settings_used=tuple(dict.fromkeys(used)))


def _promise(order: Order, settings: Settings, used: list[str]) -> dict[str, Any]:
    """promised_days and where it came from; the carrier table's usual range."""
    table = carrier_promise(order.carrier, order.service, order.destination_country)
    own = settings.promised_days_for(f"{order.carrier or ''} {order.service or ''}")
    values: dict[str, Any] = {}
    if table:
        values.update(usual_min_days=table.usual_min_days, usual_max_days=table.usual_max_days)
    what = " ".join(p for p in (order.carrier, order.service) if p)
    if order.promised_days is not None:
        values.update(promised_days=order.promised_days, promised_source="order")
    elif own:
        values.update(promised_days=own[1], promised_source="policy")
        used.append(Settings.key("carrier_days"))
    elif table and table.promised_days is not None:
        values.update(promised_days=table.promised_days, promised_source="carrier table")
    elif table:
        values["promise_note"] = (f"no promised delivery time: the carrier table knows "
                                  f"{what!r} but has no figure for it; set promised_days on "
                                  "the order or in the policy's [shipping.promised_days]")
    elif what:
        values["promise_note"] = (f"no promised delivery time: {what!r} is not in the carrier "
                                  "table and the order sets none")
    else:
        values["promise_note"] = "no promised delivery time: the order names no carrier"
    return values


def _dates(order: Order, today: date, values: dict[str, Any], settings: Settings,
           used: list[str], *, ship_date_known: bool = True) -> dict[str, Any]:
    """Days since each date; before shipment the handling time, after it the promise and the
    tracking grace period. A ship date set aside as wrong does not make an order unshipped."""
    found: dict[str, Any] = {}
    if order.order_date:
        found["days_since_order"] = (today - order.order_date).days
        if not values["shipped"] and ship_date_known:
            found["ship_by"] = order.order_date + timedelta(days=settings.handling_days)
            found["days_past_handling"] = (today - found["ship_by"]).days
            used.append(Settings.key("handling_days"))
    if order.delivered_date:
        found["days_since_delivery"] = (today - order.delivered_date).days
    if not order.ship_date:
        if "promise_note" not in values:
            found["promise_note"] = "no promised delivery date: the ship date is unknown"
        return found
    found["days_since_shipment"] = (today - order.ship_date).days
    found["days_in_transit"] = ((order.delivered_date or today) - order.ship_date).days
    found["first_scan_by"] = order.ship_date + timedelta(days=settings.tracking_grace_days)
    if order.tracking_status in (None, "not_found"):
        used.append(Settings.key("tracking_grace_days"))
    promised = values.get("promised_days")
    if promised is not None:
        found["promised_date"] = order.ship_date + timedelta(days=promised)
        if not values["delivered"]:
            gap = (found["promised_date"] - today).days
            found["days_left" if gap >= 0 else "days_overdue"] = abs(gap)
    after = PLATFORMS[values["platform"]].request_after_shipment_days
    if after is not None:
        soon = promised is not None and promised < after
        found["refund_request_from"] = order.ship_date + timedelta(days=0 if soon else after)
    return found


def _dispute(order: Order, platform: Any) -> dict[str, Any]:
    """The platform's deadlines for an open dispute; None where the platform has none."""
    if not order.dispute_opened:
        return {}
    opened = order.dispute_opened
    found: dict[str, Any] = {"dispute_open": True}
    if platform.response_days is not None:
        found["response_deadline"] = opened + timedelta(days=platform.response_days)
    if platform.escalation_day is not None:
        found["escalation_date"] = opened + timedelta(days=platform.escalation_day)
    return found


FACT_FIELDS: tuple[str, ...] = (*(f.name for f in fields(OrderFacts)), "usual_days")
