"""Order and tracking numbers written in a buyer's message, so an agent need not copy them.

Phone numbers and amounts are not taken for order numbers; see :func:`extract_ids`.
"""

from __future__ import annotations

import re

_TRACKING = re.compile(
    r"\b(1Z[0-9A-Z]{16}|YT\d{16}|[A-Z]{2}\d{9,14}[A-Z]{2})\b"
    r"|tracking\s*(?:number|no\.?|num|code|id|#)?\s*(?:is|:|#)?\s*\b([A-Z0-9]*\d[A-Z0-9]{8,29})\b",
    re.IGNORECASE)
_NOT_MONEY = r"(?![\d.,]*\d)(?!\s*(?:usd|eur|gbp|dollars?|euros?|pounds?|[$€£]))"
_ORDER_PATTERNS = (
    # "order", and the word for it in the served languages (pedido, encomenda, commande,
    # Bestellung/Auftrag, заказ), with the usual "number" abbreviations.
    re.compile(r"\b(?:order|pedido|encomenda|commande|bestellung|auftrag|заказ\w*)\s*"
               r"(?:number|no\.?|num|id|nr\.?|n[°º.]|nº|número|numéro|nummer|номер|№|#)?\s*"
               r"(?:is|:|-)?\s*[#№]?\s*(\d{4,20})\b" + _NOT_MONEY, re.IGNORECASE),
    re.compile(r"(?<![\w&#])#\s?(\d{3,12})\b" + _NOT_MONEY),
    re.compile(r"\b(\d{3}-\d{7}-\d{7})\b"),
    re.compile(r"(?<![\d+])\b((?!00)\d{13,20})\b" + _NOT_MONEY),
)
_PHONE_WORDS = re.compile(
    r"\b(phone|tel|mobile|cell|whats\s?app|call|contact|sms)\b\W*(\w+\W*){0,3}$", re.IGNORECASE)


def extract_ids(message: str) -> dict[str, str]:
    """Order and tracking numbers written in a buyer's message: keys present only when found.

    Phone numbers (after "+", "00" or words like "phone"/"call") and amounts are not taken.

    >>> extract_ids("Order #1043 still not here, tracking LP00123456789CN. Call +34 612 345 678")
    {'order_id': '1043', 'tracking_number': 'LP00123456789CN'}
    """
    found: dict[str, str] = {}
    taken: list[range] = []
    for match in _TRACKING.finditer(message):
        group = 1 if match.group(1) else 2
        found.setdefault("tracking_number", match.group(group).upper())
        taken.append(range(*match.span(group)))
    for pattern in _ORDER_PATTERNS:
        for match in pattern.finditer(message):
            start, end = match.span(1)
            if any(start in r or end - 1 in r for r in taken):
                continue
            # "order 12345678" is explicit; a bare or '#' number near "phone" is not an order.
            if pattern is not _ORDER_PATTERNS[0] and _PHONE_WORDS.search(
                    message[max(0, start - 40):start]):
                continue
            found.setdefault("order_id", match.group(1))
            break
        if "order_id" in found:
            break
    return {key: found[key] for key in ("order_id", "tracking_number") if key in found}
