"""Resolution policy: (label, order) -> Decision, from named rules checked in order.

Rules are data. Each has a name, the labels it applies to, a condition on the order and its
facts, an action id (see ACTIONS), a reason template and the reply template to render. The
first rule whose labels and condition match wins; a label no rule knows (say, from a model
trained on another label set) falls to DEFAULT_RULE: a person answers, with the holding reply
``other``. When a dispute is open, every reason ends with its response deadline and the date
the platform takes it over.

Example:
    >>> from datetime import date
    >>> from assistant.orders import Order
    >>> order = Order.from_dict({"ship_date": "2026-01-01", "carrier": "China Post",
    ...     "service": "small parcel", "destination_country": "ES"})
    >>> d = decide("not_arrived", order, today=date(2026, 2, 5))
    >>> (d.action, d.rule, d.template)
    ('wait', 'within_promised_time', 'not_arrived')
    >>> d.reason
    'In transit for 35 of 60 promised days: 25 days remain before a refund is due.'
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .delivery import OrderFacts, facts
from .orders import Order
from .scenarios import FALLBACK_LABEL, SELLER_MESSAGES, title

# Past the promised date by more than this many days, a refund is due (seed 002 (9):
# "more than about half a month").
OVERDUE_REFUND_AFTER_DAYS = 15

ACTIONS: dict[str, str] = {
    "refund": "Refund in full",
    "partial_refund_or_discount": "Offer part of the cost back or a discount on the next order",
    "reissue_or_refund": "Send a replacement or refund, as the buyer prefers",
    "resend_or_refund": "Confirm the address and send again, or refund",
    "wait": "Ask the buyer to wait: still within the promised time",
    "wait_or_reissue": "Ask the buyer to wait a few more days, or send a replacement",
    "check_tracking": "Check the tracking and the promised delivery time first",
    "check_order_status": "Check whether the order has shipped first",
    "ask_for_photos": "Ask for photos before deciding",
    "check_package_and_weight": "Ask the buyer to check the package; compare its weight",
    "check_with_neighbours_and_post_office": "No refund: ask the buyer to check with "
                                             "neighbours and the post office",
    "cancel_and_refund": "Cancel the order and refund",
    "update_address": "Update the address before shipping",
    "intercept": "Ask the carrier to intercept; refund only if that succeeds",
    "cannot_intercept": "Explain that the parcel cannot be stopped or refunded",
    "refund_extra_fee": "Refund the extra fee the buyer was charged",
    "contact_customs": "Ask the buyer to contact customs; offer an invoice",
    "offer_return_or_exchange": "Offer a return or an exchange",
    "ask_for_review": "Thank the buyer and ask for a review",
    "escalate_to_person": "Pass to a person",
    "send_seller_message": "Send this message to the buyer",
}


@dataclass(frozen=True)
class Situation:
    """What a rule's condition sees: the label, the order (or None) and its facts."""

    label: str
    order: Order | None
    facts: OrderFacts | None

    def fact(self, name: str) -> Any:
        """A fact by name, or None when there is no order."""
        return getattr(self.facts, name, None) if self.facts else None

    @property
    def status(self) -> str | None:
        return self.order.tracking_status if self.order else None

    @property
    def domestic(self) -> bool | None:
        return self.order.domestic if self.order else None


@dataclass(frozen=True)
class Rule:
    """A named rule: if the label is one of ``labels`` (None: any) and ``when`` holds, do
    ``action``. ``reason`` is a str.format template over the facts (``{n:days}`` writes
    "25 days"); ``template`` None means the label's own template."""

    name: str
    labels: frozenset[str] | None
    when: Callable[[Situation], bool]
    action: str
    reason: str
    template: str | None = None

    def applies(self, situation: Situation) -> bool:
        return (self.labels is None or situation.label in self.labels) and self.when(situation)


@dataclass(frozen=True)
class Decision:
    """The recommended action for a message: what to do, why, which rule, which template.

    ``label`` is the label asked about; ``template`` may differ (a "not arrived" message for
    a delivered parcel is answered with ``delivered_not_received``). ``deadlines`` holds the
    known dates among promised_date, response_deadline and escalation_date.
    """

    label: str
    action: str
    title: str
    reason: str
    rule: str
    template: str
    deadlines: dict[str, date] = field(default_factory=dict)
    facts: OrderFacts | None = None


def _labels(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _always(s: Situation) -> bool:
    return True


def _unshipped(s: Situation) -> bool:
    """Known not to have shipped: an order date but no ship date or tracking movement.

    An order that only carries numbers (say, picked from the buyer's message) says nothing
    about shipment, so it never counts as unshipped.
    """
    return (s.order is not None and s.order.order_date is not None and not s.fact("shipped")
            and s.status in (None, "not_found"))


def _overdue(s: Situation) -> int:
    return s.fact("days_overdue") or 0


_TRANSIT = _labels("not_arrived no_tracking_update")
_AFTER_SALE = _labels("cancel_order change_address")
_PHOTOS = ("ask for photos first; minor and still usable: a partial refund (about 1-2 US "
           "dollars) or a discount on the next order; unusable: a full refund or a reissue.")

RULES: tuple[Rule, ...] = (
    Rule("needs_a_person", _labels("other"), _always, "escalate_to_person",
         "The message is not an after-sales case the assistant knows, so a person should "
         "answer it.", FALLBACK_LABEL),
    Rule("tracking_shows_delivered", _TRANSIT, lambda s: s.fact("delivered"),
         "check_with_neighbours_and_post_office",
         "Tracking shows the parcel delivered{delivered_on}: no refund; ask the buyer to check "
         "with family, neighbours and the local post office.", "delivered_not_received"),
    Rule("tracking_shows_returned", _TRANSIT, lambda s: s.status == "returned",
         "resend_or_refund", "Tracking shows the parcel going back to us: confirm the address "
         "and send it again, or refund.", "returned_to_sender"),
    Rule("tracking_shows_customs", _TRANSIT, lambda s: s.status == "customs", "contact_customs",
         "Tracking shows the parcel held by customs: the buyer should contact customs with the "
         "documents asked for; offer an invoice.", "customs_hold"),
    Rule("no_tracking_information", _TRANSIT,
         lambda s: s.status == "not_found" or _unshipped(s),
         "reissue_or_refund", "No tracking information: apologise and offer a reissue (the "
         "dispute must be cancelled first; protection can be extended 30 days) or a refund.",
         "no_tracking_update"),
    Rule("within_promised_time", _TRANSIT, lambda s: s.fact("days_left") is not None, "wait",
         "In transit for {days_in_transit} of {promised_days} promised days: {days_left:days} "
         "remain before a refund is due.", "not_arrived"),
    Rule("slightly_overdue", _TRANSIT,
         lambda s: 0 < _overdue(s) <= OVERDUE_REFUND_AFTER_DAYS, "wait_or_reissue",
         "{days_overdue:days} past the promised {promised_days} days: check for weather or "
         "holiday delays, then ask the buyer to wait a few more days, or reissue.",
         "not_arrived"),
    Rule("long_overdue", _TRANSIT, lambda s: _overdue(s) > OVERDUE_REFUND_AFTER_DAYS, "refund",
         "{days_overdue:days} past the promised {promised_days} days (more than "
         f"{OVERDUE_REFUND_AFTER_DAYS}): refund in full.", "not_arrived"),
    Rule("no_promised_time", _TRANSIT, lambda s: s.fact("shipped"), "check_tracking",
         "Shipped, but {promise_note}: check the tracking and set promised_days on the order.",
         "not_arrived"),
    Rule("tracking_not_found_reported", _labels("no_tracking_update"), _always,
         "reissue_or_refund", "The buyer finds no tracking information: if the parcel is lost, "
         "offer a reissue (dispute cancelled first, protection extended 30 days) or a refund."),
    Rule("not_arrived_without_order", _labels("not_arrived"), _always, "check_tracking",
         "No order details: look up the tracking and the promised delivery time before "
         "promising anything."),
    Rule("delivered_per_tracking", _labels("delivered_not_received"), _always,
         "check_with_neighbours_and_post_office",
         "Delivered{delivered_on} according to tracking: no refund or return; give the delivery "
         "date and ask the buyer to check with family, neighbours and the local post office."),
    Rule("empty_package", _labels("empty_package"), _always, "escalate_to_person",
         "Empty parcels are very unlikely: ask whether the parcel was torn on arrival; no refund "
         "or reissue by default, a person decides."),
    Rule("stained_item", _labels("item_stained"), _always, "ask_for_photos",
         "Stain: ask for a photo; a small mark: offer to pay for a laundry or a partial refund "
         "(about 1-2 US dollars); unusable: a full refund or a reissue."),
    Rule("quality_problem", _labels("item_defective not_as_described"), _always,
         "ask_for_photos", "Quality problem: " + _PHOTOS),
    Rule("wrong_item_sent", _labels("wrong_item"), _always, "ask_for_photos",
         "Wrong item: ask for photos of the item and of its bag's label to see whether the "
         "listing or the warehouse erred; offer to let the buyer keep it with compensation, "
         "else reissue the right one or refund."),
    Rule("missing_item", _labels("missing_item"), _always, "check_package_and_weight",
         "Missing piece: compare the parcel's weight with the expected weight and ask the buyer "
         "to check the package's corners; reissue the part if a spare exists, else refund part "
         "of the price."),
    Rule("returned_to_sender", _labels("returned_to_sender"), _always, "resend_or_refund",
         "Returned to sender: find out why (address, not collected); send again after the "
         "buyer confirms the address, or refund."),
    Rule("customs_charge", _labels("customs_charge"), _always, "partial_refund_or_discount",
         "Customs charges are outside the seller's control and not normally refunded: at most "
         "cover part of the tax or give a discount on the next order."),
    Rule("customs_hold", _labels("customs_hold"), _always, "contact_customs",
         "Held by customs: the buyer should contact customs with the documents asked for; the "
         "seller can provide an invoice."),
    Rule("shipping_method_changed", _labels("shipping_method_changed"), _always,
         "refund_extra_fee", "Shipped another way than chosen: if the buyer was charged an "
         "extra fee, refund that amount."),
    Rule("cancel_before_shipment", _labels("cancel_order"), _unshipped, "cancel_and_refund",
         "Not shipped yet: cancel the order and refund in full."),
    Rule("address_before_shipment", _labels("change_address"), _unshipped, "update_address",
         "Not shipped yet: update the address and confirm it with the buyer before shipping."),
    Rule("domestic_after_shipment", _AFTER_SALE,
         lambda s: s.fact("shipped") and s.domestic is True, "intercept",
         "Shipped within the country{shipped_on}: ask the carrier to intercept it; "
         "refund only if the interception succeeds."),
    Rule("international_after_shipment", _AFTER_SALE,
         lambda s: s.fact("shipped") and s.domestic is False, "cannot_intercept",
         "Shipped abroad{shipped_on}: an international parcel cannot be intercepted, so "
         "the order cannot be changed or refunded now."),
    Rule("shipped_scope_unknown", _AFTER_SALE, lambda s: s.fact("shipped"), "intercept",
         "Already shipped{shipped_on}, and the order does not say whether it crosses a border: "
         "try to intercept it if domestic (refund only if that succeeds); an international "
         "parcel cannot be stopped."),
    Rule("after_sale_without_order", _AFTER_SALE, _always, "check_order_status",
         "No order details: check whether it has shipped; before shipment, cancel or change it "
         "freely; after, only a domestic parcel can be intercepted."),
    Rule("buyers_choice_return", _labels("return_or_exchange"), _always,
         "offer_return_or_exchange", "The buyer's own choice, not a seller error: offer a "
         "return or an exchange, and confirm size and address before sending a replacement."),
    Rule("received_thanks", _labels("order_received_thanks"), _always, "ask_for_review",
         "The buyer is happy: thank them and ask for a review."),
    Rule("seller_message", frozenset(SELLER_MESSAGES), _always, "send_seller_message",
         "A message the seller starts ({title}): check the order's details, then send it."),
)

DEFAULT_RULE = Rule("no_rule_for_label", None, _always, "escalate_to_person",
                    "No rule or template exists for label {label!r}: pass the message to a "
                    "person.", FALLBACK_LABEL)


class _Formatter(string.Formatter):
    """str.format with ``{n:days}`` -> "1 day"/"25 days" and dates as "11 January 2026"."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "days":
            return f"{value} day" if value == 1 else f"{value} days"
        if isinstance(value, date):
            return f"{value.day} {value:%B %Y}"
        return super().format_field(value, format_spec)


def _format(template: str, situation: Situation) -> str:
    values: dict[str, Any] = {"label": situation.label, "title": title(situation.label)}
    if situation.facts:
        values |= {k: v for k, v in vars(situation.facts).items()}
    order = situation.order
    for name, attr in (("delivered_on", "delivered_date"), ("shipped_on", "ship_date")):
        day = getattr(order, attr, None)
        values[name] = _Formatter().format(" on {0}", day) if day else ""
    return _Formatter().vformat(template, (), values)


def _deadlines(order_facts: OrderFacts | None) -> dict[str, date]:
    names = ("promised_date", "response_deadline", "escalation_date")
    return {n: getattr(order_facts, n) for n in names if getattr(order_facts, n, None)}


def _dispute_note(order_facts: OrderFacts) -> str:
    answer = ("answer it by {response_deadline} or the buyer's amount is refunded automatically"
              if order_facts.today <= order_facts.response_deadline  # type: ignore[operator]
              else "the 5-day window to answer it closed on {response_deadline}")
    platform = ("the platform takes it over on {escalation_date}"
                if order_facts.today < order_facts.escalation_date  # type: ignore[operator]
                else "the platform took it over on {escalation_date}")
    return f"; dispute open: {answer}, and {platform}."


def decide(label: Any, order: Order | None = None, *, today: date | None = None) -> Decision:
    """The first matching rule's decision for a message with this label about this order.

    ``label`` is a label id, or any object with a ``.label`` (a model's prediction).
    ``today`` defaults to the current date; pass it for reproducible answers.
    """
    label = str(getattr(label, "label", label))
    order_facts = facts(order, today or date.today()) if order is not None else None
    situation = Situation(label, order, order_facts)
    rule = next((r for r in RULES if r.applies(situation)), DEFAULT_RULE)
    reason = _format(rule.reason, situation)
    if order_facts and order_facts.dispute_open:
        reason = reason.rstrip(".") + _format(_dispute_note(order_facts), situation)
    return Decision(label=label, action=rule.action, title=ACTIONS[rule.action], reason=reason,
                    rule=rule.name, template=rule.template or label,
                    deadlines=_deadlines(order_facts), facts=order_facts)
