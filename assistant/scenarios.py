"""The default label set and what each label means to the rest of the assistant.

A model may be trained on any label set; these are the labels the shipped model uses and
that have reply templates and policy rules. A label outside this table still classifies and
gets the generic holding reply (template ``other``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    """One buyer-message label: its id, a readable title and the buyer's situation."""

    id: str
    title: str
    description: str


SCENARIOS: dict[str, Scenario] = {
    s.id: s
    for s in (
        Scenario("item_stained", "Item stained or dirty",
                 "a stain, spot, mark or dirt on the item"),
        Scenario("item_defective", "Item broken or defective",
                 "broken, damaged in transit, cracked, scratched, does not work"),
        Scenario("not_as_described", "Not as described",
                 "the right listing, but it differs from the description or photos"),
        Scenario("wrong_item", "Wrong item sent",
                 "a different item, colour, size or style than the one ordered"),
        Scenario("missing_item", "Missing item or part",
                 "fewer pieces than ordered, or an accessory or part missing"),
        Scenario("empty_package", "Empty package", "the parcel arrived with nothing inside"),
        Scenario("delivered_not_received", "Delivered but not received",
                 "tracking says delivered, but the buyer has nothing"),
        Scenario("not_arrived", "Not arrived yet", "still waiting, late, in transit too long"),
        Scenario("no_tracking_update", "No tracking information",
                 "tracking number not found, invalid, or not moving"),
        Scenario("returned_to_sender", "Returned to sender",
                 "the parcel is going or went back to the seller"),
        Scenario("customs_charge", "Customs charge",
                 "the buyer was asked to pay import tax, duty, VAT or fees"),
        Scenario("customs_hold", "Held by customs",
                 "the parcel is held or inspected by customs; documents asked for"),
        Scenario("shipping_method_changed", "Shipping method changed",
                 "another carrier or a slower service than chosen, or an extra fee"),
        Scenario("cancel_order", "Cancel order", "the buyer wants to cancel"),
        Scenario("change_address", "Change address",
                 "the buyer gave a wrong or incomplete address"),
        Scenario("return_or_exchange", "Return or exchange (buyer's choice)",
                 "does not fit, changed mind, other colour: not a seller error"),
        Scenario("order_received_thanks", "Received, thanks",
                 "the order arrived and the buyer is happy"),
        Scenario("other", "Other: needs a person",
                 "anything else: pre-sale questions, invoices, stock, greetings"),
    )
}

LABELS: tuple[str, ...] = tuple(SCENARIOS)
FALLBACK_LABEL = "other"


@dataclass(frozen=True)
class SellerMessage:
    """A message the seller starts (no classifier label): chosen by the agent or in bulk."""

    id: str
    title: str


SELLER_MESSAGES: dict[str, SellerMessage] = {
    m.id: m
    for m in (
        SellerMessage("unpaid_reminder", "Unpaid order reminder"),
        SellerMessage("payment_confirmed", "Payment confirmed"),
        SellerMessage("shipped_notice", "Shipped, with tracking"),
        SellerMessage("did_it_arrive", "Did your order arrive?"),
        SellerMessage("order_completed", "Order completed"),
        SellerMessage("review_request", "Review request"),
        SellerMessage("out_of_stock", "Out of stock: reissue or refund"),
        SellerMessage("seller_delay", "Shipment delayed by us"),
    )
}


def title(label: str) -> str:
    """A readable title for any label, including labels outside the default set."""
    if label in SCENARIOS:
        return SCENARIOS[label].title
    if label in SELLER_MESSAGES:
        return SELLER_MESSAGES[label].title
    return label.replace("_", " ").strip().capitalize()
