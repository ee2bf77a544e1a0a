"""The marketplaces an order can come from, and what each one's after-sales rules are, as
data: the dispute clock, the request types a buyer can open, the verification times.

Only what the seed documents say is here. Where they say nothing (Shopify, another store,
TikTok Shop's deadlines), the value is None and a decision says that no deadline is known,
instead of inventing one.

Example:
    >>> PLATFORMS["aliexpress"].response_days, PLATFORMS["aliexpress"].escalation_day
    (5, 16)
    >>> PLATFORMS["tiktok_shop"].request_types["reshipment"]
    'reship'
    >>> PLATFORMS["shopify"].response_days is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Platform:
    """One marketplace's after-sales rules; None where the seeds give no figure.

    ``response_days``: the seller must accept or reject a refund request within these days of
    its opening, else the buyer's amount is refunded. ``escalation_day``: an unsettled dispute
    goes to the platform on this day after its opening; with ``transit_escalates_at_promise``
    a "goods in transit" dispute goes when the promised delivery time ends instead.
    ``request_after_shipment_days``: a buyer can open a refund request only this many days
    after everything shipped (at once when the promised time is shorter).
    ``request_types`` maps the request types a buyer can open to the action that answers them.
    """

    id: str
    title: str
    source: str
    response_days: int | None = None
    escalation_day: int | None = None
    transit_escalates_at_promise: bool = False
    request_after_shipment_days: int | None = None
    protection_extension: bool = False
    verification_working_days: tuple[int, int] | None = None
    refund_working_days: int | None = None
    request_types: dict[str, str] = field(default_factory=dict)

    @property
    def has_clock(self) -> bool:
        return self.response_days is not None or self.escalation_day is not None


PLATFORMS: dict[str, Platform] = {
    p.id: p
    for p in (
        # Seed 004 (the 5-day answer, day 16, the in-transit time limit, 5 days after
        # shipment) and seed 002 (6) (the 30-day protection extension).
        Platform("aliexpress", "AliExpress", "seeds 002, 004", response_days=5,
                 escalation_day=16, transit_escalates_at_promise=True,
                 request_after_shipment_days=5, protection_extension=True),
        # Seed 003: four request types, no deadlines.
        Platform("tiktok_shop", "TikTok Shop", "seed 003", request_types={
            "refund_only": "answer_refund_only",
            "return_and_refund": "answer_return_and_refund",
            "reshipment": "reship",
            "exchange": "exchange",
        }),
        # Seed 000: evidence, then 10 to 30 working days of verification; a refund within 15.
        Platform("tmall", "Tmall (DSers)", "seed 000", verification_working_days=(10, 30),
                 refund_working_days=15),
        Platform("shopify", "Shopify", "no seed: no platform deadlines known"),
        Platform("other", "another store", "no seed: no platform deadlines known"),
    )
}
