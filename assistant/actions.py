"""The actions a decision can recommend, as the agent reads them, and the phrases the
reasons use for them: what answers a platform request, which evidence a dispute needs.

Example:
    >>> ACTIONS["tell_ship_date"]
    'Tell the buyer when the order ships: still within the handling time'
    >>> "reship" in REISSUE_ACTIONS, "wait" in WAIT_ACTIONS
    (True, True)
"""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    "refund": "Refund in full",
    "partial_refund_or_discount": "Offer part of the cost back or a discount on the next order",
    "keep_with_partial_refund": "Let the buyer keep it, with a partial refund or a discount",
    "reissue_or_refund": "Send a replacement or refund, as the buyer prefers",
    "resend_or_refund": "Confirm the address and send again, or refund",
    "resend_once": "Confirm the address and send it once more",
    "wait": "Ask the buyer to wait: still within the promised time",
    "ask_to_cancel_dispute": "Ask the buyer to cancel the dispute and wait; if they will not, "
                             "reject it with the tracking proof before the deadline",
    "wait_or_reissue": "Ask the buyer to wait a few more days, or send a replacement",
    "wait_for_first_scan": "Ask the buyer to wait: tracking often shows nothing at first",
    "tell_ship_date": "Tell the buyer when the order ships: still within the handling time",
    "chase_supplier": "Apologise and chase the supplier: the order is late leaving",
    "source_elsewhere_or_refund": "Order it from another supplier, or refund in full",
    "refund_cannot_ship": "Refund in full: the order cannot be shipped",
    "check_tracking": "Check the tracking and the promised delivery time first",
    "check_order_status": "Check whether the order has shipped first",
    "ask_for_photos": "Ask for photos before deciding",
    "check_package_and_weight": "Ask the buyer to check the package; compare its weight",
    "check_with_neighbours_and_post_office": "No refund: ask the buyer to check with "
                                             "neighbours and the post office",
    "goodwill_discount": "Outside the protection period: offer a goodwill discount",
    "cancel_and_refund": "Cancel the order and refund",
    "update_address": "Update the address before shipping",
    "intercept": "Ask the carrier to intercept; refund only if that succeeds",
    "cannot_intercept": "Explain that the parcel cannot be stopped or refunded",
    "check_interception": "Find out whether the parcel crosses a border before promising "
                          "anything",
    "refund_extra_fee": "Refund the extra the buyer paid for shipping",
    "contact_customs": "Ask the buyer to contact customs; offer an invoice",
    "offer_return_or_exchange": "Offer a return or an exchange",
    "decline_return": "Explain that the return window has closed",
    "answer_refund_only": "Refund-only request: check the evidence, then accept or reject it",
    "answer_return_and_refund": "Return-and-refund request: accept, reject, or propose an "
                                "exchange or sending the missing part",
    "reship": "Reshipment request: send the missing items or a replacement",
    "exchange": "Exchange request: agree the new size or colour and send it",
    "submit_evidence": "The platform decides now: submit your evidence there",
    "check_dispute": "The answer window has closed: check the dispute at once",
    "ask_for_review": "Thank the buyer and ask for a review",
    "escalate_to_person": "Pass to a person",
    "send_seller_message": "Send this message to the buyer",
}
# Actions that send something again: every one carries the seeds' preconditions.
REISSUE_ACTIONS = frozenset({"reissue_or_refund", "resend_or_refund", "resend_once",
                             "wait_or_reissue", "reship", "exchange", "check_package_and_weight"})
# Actions that ask the buyer to wait for the parcel: near or past the promised date they
# come with the protection extension, where the platform has one.
WAIT_ACTIONS = frozenset({"wait", "ask_to_cancel_dispute", "wait_or_reissue"})
# Those, and the actions that promise a replacement once the evidence is in: the reason of
# each one repeats the preconditions.
PRECONDITION_ACTIONS = REISSUE_ACTIONS | {"ask_for_photos", "keep_with_partial_refund"}

REQUEST_ADVICE: dict[str, str] = {
    "answer_refund_only": "the buyer asks for money back and keeps the item; check their "
                          "evidence, then accept, or reject with your reason.",
    "answer_return_and_refund": "accept it (refund once the item is back), reject it with "
                                "your reason, or propose an exchange or sending the missing "
                                "part instead.",
    "reship": "send the missing items or a replacement.",
    "exchange": "agree the new size or colour with the buyer and send it.",
}
EVIDENCE: dict[str, str] = {
    "delivered_not_received": "the tracking history with its proof of delivery",
    "not_arrived": "the tracking history (proof of shipment and of the parcel's progress)",
    "no_tracking_update": "the tracking history (proof of shipment and of the parcel's "
                          "progress)",
    "empty_package": "the parcel's weight at dispatch and your packing records",
    "missing_item": "the parcel's weight at dispatch and your packing records",
}
DEFAULT_EVIDENCE = "the buyer's photos, your messages and the order's records"
