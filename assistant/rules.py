"""The resolution rules as data: named, checked in order, first match wins (policy.decide).

Each rule has the labels it applies to, a condition on the situation (with the same
condition in words, for ``assistant policy show``), an action id (see ACTIONS), a reason
template over the facts, the settings and the amounts, the reply template, the policy keys
it reads and the amounts it offers. DISPUTE_RULES are checked first: once a dispute's
deadline has passed they replace the case's action (the case's own rule is still named).
The actions themselves are in ``actions.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .delivery import OrderFacts
from .orders import Order
from .platforms import PLATFORMS, Platform
from .scenarios import FALLBACK_LABEL, SELLER_MESSAGES
from .settings import Settings


@dataclass(frozen=True)
class Situation:
    """What a rule's condition sees: the label, the order (or None), its facts, the
    settings, what the message says (photos sent, severity) and the dispute's stage
    ("open", "late": the answer window closed, "platform": the platform decides)."""

    label: str
    order: Order | None
    facts: OrderFacts | None
    settings: Settings
    photos: bool = False
    severity: str | None = None
    stage: str | None = None

    def fact(self, name: str) -> Any:
        """A fact by name, or None when there is no order."""
        return getattr(self.facts, name, None) if self.facts else None

    def field(self, name: str) -> Any:
        """An order field by name, or None when there is no order."""
        return getattr(self.order, name, None) if self.order else None

    @property
    def status(self) -> str | None:
        return self.field("tracking_status")

    @property
    def platform(self) -> Platform:
        return PLATFORMS[self.facts.platform if self.facts else self.settings.platform]


@dataclass(frozen=True)
class Rule:
    """A named rule: if the label is one of ``labels`` (None: any) and ``when`` holds, do
    ``action`` (None: the action the order's platform maps its request type to).

    ``reason`` is a str.format template (``{n:days}`` writes "25 days"); ``template`` None
    means the label's own; ``condition`` says ``when`` in words; ``reads`` are the policy
    keys it uses and ``amounts`` the sums it offers.
    """

    name: str
    labels: frozenset[str] | None
    when: Callable[[Situation], bool]
    action: str | None
    reason: str
    template: str | None = None
    condition: str = "always"
    reads: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()

    def applies(self, situation: Situation) -> bool:
        return (self.labels is None or situation.label in self.labels) and self.when(situation)


def _labels(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _keys(*names: str) -> tuple[str, ...]:
    return tuple(Settings.key(n) for n in names)


def _always(s: Situation) -> bool:
    return True


def _unshipped(s: Situation) -> bool:
    """Known not to have shipped: an order date but no ship date or tracking movement.

    An order that only carries numbers (say, picked from the buyer's message) says nothing
    about shipment, so it never counts as unshipped.
    """
    return (s.field("order_date") is not None and not s.fact("shipped")
            and s.status in (None, "not_found"))


def _past_handling(s: Situation) -> int:
    return s.fact("days_past_handling") or 0


def _no_scan_yet(s: Situation) -> bool:
    """Shipped, tracking empty (said by the order, or by the buyer when the order does not
    say), and still within the grace period."""
    empty = s.status == "not_found" or (s.status is None and s.label == "no_tracking_update")
    first_scan_by = s.fact("first_scan_by")
    return empty and first_scan_by is not None and s.fact("today") <= first_scan_by


def _overdue(s: Situation) -> int:
    return s.fact("days_overdue") or 0


def _returned(s: Situation) -> bool:
    return s.status == "returned" or s.label == "returned_to_sender"


def _return_reason(*reasons: str) -> Callable[[Situation], bool]:
    """Returned, and the seller knows why: one of ``reasons``."""
    return lambda s: _returned(s) and s.field("return_reason") in reasons


def _platform_request(s: Situation) -> bool:
    kind = s.field("request_type")
    return kind is not None and kind in s.platform.request_types and not _unshipped(s)


def _past_claim_window(s: Situation) -> bool:
    since = s.fact("days_since_delivery")
    return since is not None and since > s.settings.claim_days


TRANSIT = _labels("not_arrived no_tracking_update")
_WHERE = TRANSIT | {"delivered_not_received"}
# Questions about where the parcel is: for an order not shipped yet, the handling time answers.
_WHERE_UNSHIPPED = _WHERE | {"returned_to_sender"}
_AFTER_SALE = _labels("cancel_order change_address")
_PHOTO_LABELS = _labels("item_stained item_defective not_as_described wrong_item")
COMPLAINTS = _labels("item_stained item_defective not_as_described wrong_item missing_item "
                     "empty_package delivered_not_received not_arrived no_tracking_update "
                     "returned_to_sender customs_charge customs_hold shipping_method_changed "
                     "cancel_order change_address return_or_exchange")
_HANDLING = _keys("handling_days", "source_elsewhere_after_days")
_PROMISE = _keys("carrier_days")
_MINOR = "{minor_offer} or a discount on the next order"

DISPUTE_RULES: tuple[Rule, ...] = (
    Rule("dispute_with_platform", COMPLAINTS, lambda s: s.stage == "platform",
         "submit_evidence", "The dispute went to the platform on {escalation_date}: it decides "
         "now on the evidence, so submit {evidence} there; asking the buyer to cancel or wait "
         "no longer helps.", "dispute_with_platform",
         "a dispute is open and the platform's escalation day has come", _keys("platform")),
    Rule("dispute_answer_window_closed", COMPLAINTS, lambda s: s.stage == "late",
         "check_dispute", "The window to answer the dispute closed on {response_deadline}: if "
         "it went unanswered, the platform has refunded the buyer's requested amount; if it "
         "is still open, answer it today with {evidence}; the platform takes it over on "
         "{escalation_date}.", None,
         "a dispute is open and the platform's answer window has closed", _keys("platform")),
)

RULES: tuple[Rule, ...] = (
    Rule("needs_a_person", _labels("other"), _always, "escalate_to_person",
         "The message is not an after-sales case the assistant knows, so a person should "
         "answer it.", FALLBACK_LABEL),
    Rule("seller_message", frozenset(SELLER_MESSAGES), _always, "send_seller_message",
         "A message the seller starts ({title}): check the order's details, then send it."),
    Rule("platform_request", COMPLAINTS, _platform_request, None,
         "{platform_title} {request_title} request: {request_advice}", "platform_request",
         "the order carries a request type its platform defines (TikTok Shop's four)",
         _keys("platform")),
    Rule("order_details_conflict", _WHERE | _AFTER_SALE,
         lambda s: bool({"ship_date", "delivered_date", "order_date"}
                        & set(s.fact("problem_fields") or ())),
         "check_order_status", "The order's dates cannot be right ({problem_list}): correct "
         "them before answering; nothing is promised on them.", None,
         "the order's ship, delivery or order date contradicts the others or today"),
    Rule("supplier_cannot_ship", _WHERE_UNSHIPPED,
         lambda s: _unshipped(s) and s.field("supplier_issue") in
         ("oversized", "overweight", "unresponsive"),
         "refund_cannot_ship", "Not shipped, and the supplier cannot ship it "
         "({supplier_issue}): refund in full.", "not_arrived",
         "not shipped and the supplier's order is oversized, overweight or unanswered"),
    Rule("supplier_out_of_stock", _WHERE_UNSHIPPED,
         lambda s: _unshipped(s) and s.field("supplier_issue") == "no_stock",
         "source_elsewhere_or_refund", "Not shipped: the supplier has no stock. Offer to order "
         "it from another supplier (a few days more) or a full refund; nothing has shipped, "
         "so there is nothing to reissue.", "not_arrived",
         "not shipped and the supplier has no stock"),
    Rule("within_handling_time", _WHERE_UNSHIPPED,
         lambda s: _unshipped(s) and _past_handling(s) <= 0, "tell_ship_date",
         "Not shipped yet, within the {handling_days}-day handling time: tell the buyer it "
         "ships by {ship_by}; no reissue or refund.", "not_arrived",
         "not shipped, ordered no more than handling_days ago", _HANDLING),
    Rule("handling_time_passed", _WHERE_UNSHIPPED,
         lambda s: _unshipped(s) and _past_handling(s) < s.settings.source_elsewhere_after_days,
         "chase_supplier", "Not shipped, {days_past_handling:days} past the {handling_days}-day "
         "handling time (due {ship_by}): apologise, chase the supplier and send the tracking "
         "number once it ships.", "seller_delay",
         "not shipped, fewer than source_elsewhere_after_days past the handling time",
         _HANDLING),
    Rule("handling_time_long_passed", _WHERE_UNSHIPPED, _unshipped, "source_elsewhere_or_refund",
         "Not shipped, {days_past_handling:days} past the {handling_days}-day handling time "
         "(due {ship_by}): order it from another supplier, or refund in full; nothing has "
         "shipped, so there is nothing to reissue.", "not_arrived",
         "not shipped, source_elsewhere_after_days or more past the handling time", _HANDLING),
    Rule("tracking_shows_delivered", TRANSIT, lambda s: s.fact("delivered"),
         "check_with_neighbours_and_post_office",
         "Tracking shows the parcel delivered{delivered_on}: no refund; ask the buyer to check "
         "with family, neighbours and the local post office.", "delivered_not_received",
         "tracking or a delivered date says delivered"),
    Rule("returned_buyer_caused", _WHERE | {"returned_to_sender"},
         _return_reason("wrong_address", "not_collected", "refused", "customs_unpaid"),
         "resend_once", "Returned to us because of the buyer ({return_reason}): still send "
         "it once more, after the buyer confirms the address (and, for customs, agrees to pay "
         "the duties).", "returned_to_sender",
         "returned, for a reason on the buyer's side"),
    Rule("returned_reason_unclear", _WHERE | {"returned_to_sender"}, _return_reason("unknown"),
         "resend_or_refund", "Returned to us, and the reason is unclear: refund directly, "
         "or send it again if the buyer confirms the address and prefers that.",
         "returned_to_sender", "returned, and the seller found the reason unclear"),
    Rule("tracking_shows_returned", _WHERE, lambda s: s.status == "returned",
         "resend_or_refund", "Tracking shows the parcel going back to us: find out why, then "
         "send it again once the buyer confirms the address, or refund.", "returned_to_sender",
         "tracking says returned, reason not given"),
    Rule("tracking_shows_customs", _WHERE, lambda s: s.status == "customs", "contact_customs",
         "Tracking shows the parcel held by customs: the buyer should contact customs with the "
         "documents asked for; offer an invoice.", "customs_hold", "tracking says customs"),
    Rule("delivered_per_tracking", _labels("delivered_not_received"),
         lambda s: s.fact("delivered"), "check_with_neighbours_and_post_office",
         "Delivered{delivered_on} according to tracking: no refund or return; give the delivery "
         "date and ask the buyer to check with family, neighbours and the local post office.",
         None, "tracking or a delivered date says delivered"),
    Rule("delivery_not_confirmed", _labels("delivered_not_received"), _always,
         "check_tracking", "The buyer says tracking shows delivered, but the order's facts do "
         "not: look the tracking up before answering; no refund decision yet.", None,
         "nothing on the order says delivered"),
    Rule("tracking_not_scanned_yet", TRANSIT, _no_scan_yet, "wait_for_first_scan",
         "Shipped {days_since_shipment:days} ago and no scan yet, which is normal for the "
         "first {tracking_grace_days} days: ask the buyer to wait until {first_scan_by}.",
         "no_tracking_update", "tracking empty, within tracking_grace_days of shipment",
         _keys("tracking_grace_days")),
    Rule("no_tracking_information", TRANSIT,
         lambda s: s.status == "not_found" and s.fact("days_since_shipment") is not None,
         "reissue_or_refund", "Shipped {days_since_shipment:days} ago and tracking still "
         "finds nothing (past the {tracking_grace_days}-day grace period): treat the parcel "
         "as lost; apologise and offer a reissue or a refund.", "no_tracking_update",
         "tracking not found, past the grace period", _keys("tracking_grace_days")),
    Rule("tracking_empty_ship_date_unknown", TRANSIT, lambda s: s.status == "not_found",
         "check_order_status", "Tracking finds nothing and the order has no ship date: check "
         "whether and when it shipped before offering anything.", "no_tracking_update",
         "tracking not found, no ship date"),
    Rule("within_promised_time_disputed", TRANSIT,
         lambda s: s.fact("days_left") is not None and s.stage == "open",
         "ask_to_cancel_dispute", "In transit for {days_in_transit} of {promised_days} "
         "promised days ({days_left:days} left, until {promised_date}), with a dispute open: "
         "no refund is due yet. Ask the buyer to cancel it and wait; if they will not, reject "
         "it with the tracking proof{answer_by}.", "not_arrived",
         "shipped, within the promised time, a dispute open", _PROMISE),
    Rule("within_promised_time", TRANSIT, lambda s: s.fact("days_left") is not None, "wait",
         "In transit for {days_in_transit} of {promised_days} promised days: {days_left:days} "
         "remain before a refund is due.", "not_arrived", "shipped, within the promised time",
         _PROMISE),
    Rule("slightly_overdue", TRANSIT,
         lambda s: 0 < _overdue(s) <= s.settings.refund_after_days_late, "wait_or_reissue",
         "{days_overdue:days} past the promised {promised_days} days: check for weather or "
         "holiday delays, then ask the buyer to wait a few more days, or reissue.",
         "not_arrived", "past the promised date by at most refund_after_days_late",
         _PROMISE + _keys("refund_after_days_late")),
    Rule("long_overdue", TRANSIT, lambda s: _overdue(s) > s.settings.refund_after_days_late,
         "refund", "{days_overdue:days} past the promised {promised_days} days (more than "
         "{refund_after_days_late}): refund in full.", "not_arrived",
         "past the promised date by more than refund_after_days_late",
         _PROMISE + _keys("refund_after_days_late")),
    Rule("no_promised_time", TRANSIT, lambda s: s.fact("shipped"), "check_tracking",
         "Shipped, but {promise_note}: check the tracking and set promised_days on the order.",
         "not_arrived", "shipped, no promised delivery time known"),
    Rule("transit_without_order", TRANSIT, _always, "check_tracking",
         "No shipment details on the order: look up the tracking and the promised delivery "
         "time before promising anything; no reissue or refund yet.", None,
         "no ship date, order date or tracking status"),
    Rule("damage_after_protection", _labels("item_defective item_stained"), _past_claim_window,
         "goodwill_discount", "Delivered {days_since_delivery} days ago, past the {claim_days}-"
         "day protection period: the order is no longer covered; offer a discount on the next "
         "order as goodwill.", None, "delivered more than claim_days ago",
         _keys("claim_days")),
    Rule("photos_received_serious", _PHOTO_LABELS,
         lambda s: s.photos and s.severity == "serious", "reissue_or_refund",
         "The buyer has sent the photos and the item cannot be used: a replacement or a full "
         "refund, as the buyer prefers.", None, "photos sent, the problem is serious"),
    Rule("photos_received_wrong_item", _labels("wrong_item"),
         lambda s: s.photos and s.settings.keep_wrong_item, "keep_with_partial_refund",
         "The buyer has sent the photos: check the label against the listing, then offer to "
         "let them keep the item with " + _MINOR + "; if they insist, reissue the right one "
         "or refund.", None, "photos sent, keep_wrong_item is on",
         _keys("keep_wrong_item"), ("partial_refund",)),
    Rule("photos_received_wrong_item_return", _labels("wrong_item"), lambda s: s.photos,
         "reissue_or_refund", "The buyer has sent the photos: the policy does not let a "
         "wrong item be kept, so send the right one or refund.", None,
         "photos sent, keep_wrong_item is off", _keys("keep_wrong_item")),
    Rule("photos_received_minor", _PHOTO_LABELS, lambda s: s.photos,
         "partial_refund_or_discount", "The buyer has sent the photos and the problem looks "
         "minor: offer {stain_offer}" + _MINOR + ".", None,
         "photos sent, the problem is minor or unsaid", (), ("partial_refund", "laundry_cost_cap")),
    Rule("stained_item", _labels("item_stained"), _always, "ask_for_photos",
         "Stain: ask for a photo; a small mark: offer to pay for a laundry{laundry_limit} or "
         + _MINOR + "; unusable: a full refund or a reissue.", None, "always",
         (), ("partial_refund", "laundry_cost_cap")),
    Rule("quality_problem", _labels("item_defective not_as_described"), _always,
         "ask_for_photos", "Quality problem: ask for photos first; minor and still usable: "
         + _MINOR + "; unusable: a full refund or a reissue.", None, "always",
         (), ("partial_refund",)),
    Rule("wrong_item_sent", _labels("wrong_item"), _always, "ask_for_photos",
         "Wrong item: ask for photos of the item and of its bag's label to see whether the "
         "listing or the warehouse erred; then {wrong_item_offer}.", None, "always",
         _keys("keep_wrong_item"), ("partial_refund",)),
    Rule("missing_item", _labels("missing_item"), _always, "check_package_and_weight",
         "Missing piece: compare the parcel's weight with the expected weight and ask the buyer "
         "to check the package's corners; reissue the part if a spare exists, else refund part "
         "of the price."),
    Rule("empty_package", _labels("empty_package"), _always, "escalate_to_person",
         "Empty parcels are very unlikely: ask whether the parcel was torn on arrival; no refund "
         "or reissue by default, a person decides."),
    Rule("returned_to_sender", _labels("returned_to_sender"), _always, "resend_or_refund",
         "Returned to sender: find out why (address, not collected); send again after the "
         "buyer confirms the address, or refund."),
    Rule("customs_charge", _labels("customs_charge"), _always, "partial_refund_or_discount",
         "Customs charges are outside the seller's control and not normally refunded: at most "
         "cover part of the tax ({customs_offer}) or give a discount on the next order.",
         None, "always", (), ("customs_share",)),
    Rule("customs_hold", _labels("customs_hold"), _always, "contact_customs",
         "Held by customs: the buyer should contact customs with the documents asked for; the "
         "seller can provide an invoice."),
    Rule("shipping_method_changed", _labels("shipping_method_changed"), _always,
         "refund_extra_fee", "Shipped another way than chosen: refund what the buyer paid "
         "extra ({shipping_offer}).", None, "always", (), ("shipping_difference",)),
    Rule("cancel_before_shipment", _labels("cancel_order"), _unshipped, "cancel_and_refund",
         "Not shipped yet: cancel the order and refund in full.", None, "not shipped"),
    Rule("address_before_shipment", _labels("change_address"), _unshipped, "update_address",
         "Not shipped yet: update the address and confirm it with the buyer before shipping.",
         None, "not shipped"),
    Rule("domestic_after_shipment", _AFTER_SALE,
         lambda s: s.fact("shipped") and s.fact("domestic") is True, "intercept",
         "Shipped within the country{shipped_on}: ask the carrier to intercept it; "
         "refund only if the interception succeeds.", None,
         "shipped, domestic (the order says so, or it goes to the store's country)",
         _keys("store_country")),
    Rule("international_after_shipment", _AFTER_SALE,
         lambda s: s.fact("shipped") and s.fact("domestic") is False, "cannot_intercept",
         "Shipped abroad{shipped_on}: an international parcel cannot be intercepted, so "
         "the order cannot be changed or refunded now.", None,
         "shipped, international (the order says so, or it leaves the store's country)",
         _keys("store_country")),
    Rule("shipped_scope_unknown", _AFTER_SALE, lambda s: s.fact("shipped"),
         "check_interception", "Already shipped{shipped_on}, and neither the order nor the "
         "destination tells whether it crosses a border: find out first. Only a domestic "
         "parcel can be intercepted (refund if that succeeds); promise nothing yet.", None,
         "shipped, border unknown"),
    Rule("after_sale_without_order", _AFTER_SALE, _always, "check_order_status",
         "No order details: check whether it has shipped; before shipment, cancel or change it "
         "freely; after, only a domestic parcel can be intercepted."),
    Rule("return_window_passed", _labels("return_or_exchange"),
         lambda s: (s.fact("days_since_delivery") or 0) > s.settings.return_window_days,
         "decline_return", "Delivered {days_since_delivery} days ago, past the "
         "{return_window_days}-day return window: explain kindly that a return for the "
         "buyer's own reasons is no longer possible.", None,
         "delivered more than returns.window_days ago", _keys("return_window_days")),
    Rule("buyers_choice_return", _labels("return_or_exchange"), _always,
         "offer_return_or_exchange", "The buyer's own choice, not a seller error: offer a "
         "return or an exchange ({window_note}; {postage_note}); confirm size and address "
         "before sending a replacement.", None, "always",
         _keys("return_window_days", "return_postage")),
    Rule("received_thanks", _labels("order_received_thanks"), _always, "ask_for_review",
         "The buyer is happy: thank them and ask for a review."),
)

DEFAULT_RULE = Rule("no_rule_for_label", None, _always, "escalate_to_person",
                    "No rule or template exists for label {label!r}: pass the message to a "
                    "person.", FALLBACK_LABEL)
