"""The money a decision offers, worked out from the order and the seller's policy: the
suggested partial refund, the shipping difference, the share of a customs charge and the
laundry-cost cap. Shown to the agent and filled into replies, formatted by Babel.

Example:
    >>> from decimal import Decimal
    >>> from assistant.orders import Order
    >>> from assistant.settings import DEFAULTS
    >>> found, used = compute(("partial_refund",), Order(price=Decimal("24.90"),
    ...                       currency="USD"), DEFAULTS)
    >>> found["partial_refund"].format("en_GB"), found["partial_refund"].format("de_DE")
    ('US$2.00', '2,00\\xa0$')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency

from .orders import Order
from .settings import Settings

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Amount:
    """A sum of money in a currency (ISO code)."""

    value: Decimal
    currency: str

    def format(self, locale: str = "en_GB") -> str:
        """The amount as written in ``locale``: "US$2.00", "2,00 $", "2,00 US$"."""
        return format_currency(self.value, self.currency, locale=locale)

    def __str__(self) -> str:
        return self.format()


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


_Found = tuple[dict[str, Amount], tuple[str, ...]]


def _partial_refund(order: Order, settings: Settings) -> _Found:
    """The policy's range for a minor problem; the top of it is suggested, never more than
    the price. A share of the price needs the price and its currency."""
    keys = tuple(Settings.key(n) for n in ("partial_refund", "partial_refund_low",
                                           "partial_refund_high"))
    if settings.partial_refund == "share":
        if order.price is None or not order.currency:
            return {}, keys
        low, high = (_cents(order.price * s) for s in (settings.partial_refund_low,
                                                       settings.partial_refund_high))
        currency = order.currency
    else:
        keys += (Settings.key("currency"),)
        low, high, currency = (settings.partial_refund_low, settings.partial_refund_high,
                               settings.currency)
        if order.price is not None and (order.currency or currency) == currency:
            high = min(high, order.price)
            low = min(low, high)
    return ({"partial_refund": Amount(_cents(high), currency),
             "partial_refund_low": Amount(_cents(low), currency)}, keys)


def _shipping_difference(order: Order, settings: Settings) -> _Found:
    """What the buyer paid for shipping beyond the price of the service actually used."""
    if order.shipping_fee is None or order.actual_shipping_fee is None:
        return {}, ()
    gap = order.shipping_fee - order.actual_shipping_fee
    if gap <= 0:
        return {}, ()
    return {"shipping_difference": Amount(_cents(gap), order.currency or settings.currency)}, ()


def _customs_share(order: Order, settings: Settings) -> _Found:
    keys = (Settings.key("customs_share"),)
    if order.customs_fee is None or not settings.customs_share:
        return {}, keys
    currency = order.currency or settings.currency
    share = _cents(order.customs_fee * settings.customs_share)
    return {"customs_share": Amount(share, currency),
            "customs_amount": Amount(_cents(order.customs_fee), currency)}, keys


def _laundry_cap(order: Order, settings: Settings) -> _Found:
    keys = (Settings.key("laundry_cost_cap"),)
    if settings.laundry_cost_cap is None:
        return {}, keys
    return {"laundry_cost_cap": Amount(_cents(settings.laundry_cost_cap),
                                       settings.currency)}, keys + (Settings.key("currency"),)


BUILDERS: dict[str, Callable[[Order, Settings], _Found]] = {
    "partial_refund": _partial_refund,
    "shipping_difference": _shipping_difference,
    "customs_share": _customs_share,
    "laundry_cost_cap": _laundry_cap,
}
# Every name an amount can have (a builder may add more than its own, e.g. the range's low).
NAMES: tuple[str, ...] = ("partial_refund", "partial_refund_low", "shipping_difference",
                          "customs_share", "customs_amount", "laundry_cost_cap")


def compute(names: tuple[str, ...], order: Order | None, settings: Settings) -> _Found:
    """The amounts among ``names`` that the order's facts allow, and the policy keys read."""
    order = order or Order()
    found: dict[str, Amount] = {}
    used: list[str] = []
    for name in names:
        amounts, keys = BUILDERS[name](order, settings)
        found |= amounts
        used += keys
    return found, tuple(dict.fromkeys(used))
