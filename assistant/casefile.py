"""One ticket as an agent works it, in the agent's words: which order fields matter for a
scenario (and which of them decide the advice), the dates worth showing, why a person should
look, which language to answer in, and the order read from a form with each problem kept at
its field. No Streamlit here: the Reply page only lays this out.

>>> fields_for("not_arrived")[:4]
('order_id', 'buyer_name', 'tracking_status', 'ship_date')
>>> order, problems = read_order({"price": "twelve", "carrier": "China Post"})
>>> order.carrier, problems["price"][:30]
('China Post', "'twelve' is not an amount; wri")
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from .delivery import OrderFacts, order_problems
from .errors import OrderError
from .language import SERVED
from .model import FLAG_ALL, Prediction
from .orderfields import TRACKING_STATUSES
from .orderids import extract_ids
from .orders import ORDER_FIELDS, Order
from .scenarios import SCENARIOS, SELLER_MESSAGES, title

_KNOWN_LABELS = frozenset((*SCENARIOS, *SELLER_MESSAGES))
FIELD_LABELS: dict[str, str] = {
    "order_id": "Order number", "buyer_name": "Buyer name", "item_title": "Item",
    "sku": "Variant (colour, size)", "quantity": "Quantity", "price": "Price paid",
    "currency": "Currency", "order_date": "Order date", "ship_date": "Ship date",
    "delivered_date": "Delivered on", "carrier": "Carrier", "service": "Shipping service",
    "tracking_number": "Tracking number", "tracking_status": "Tracking status",
    "promised_days": "Promised delivery (days)", "destination_country": "Buyer's country",
    "domestic": "Shipped within the country", "dispute_opened": "Dispute opened on",
    "agent_name": "Your name", "store_name": "Store", "platform": "Platform",
    "request_type": "Buyer's request", "supplier_issue": "Supplier problem",
    "return_reason": "Why it came back", "shipping_fee": "Shipping the buyer paid",
    "actual_shipping_fee": "Shipping it cost you", "customs_fee": "Customs fee charged",
}
STATUS_WORDS: dict[str, str] = {
    "not_found": "No tracking information", "in_transit": "In transit",
    "delivered": "Delivered", "returned": "Returned to sender", "customs": "Held by customs",
}
assert set(STATUS_WORDS) == set(TRACKING_STATUSES)
# The agent's own details come from the profile, not the order form.
PROFILE_FIELDS = ("agent_name", "store_name")
FORM_FIELDS = tuple(f for f in ORDER_FIELDS if f not in PROFILE_FIELDS)
DATE_FIELDS = ("order_date", "ship_date", "delivered_date", "dispute_opened")

_TRANSIT = ("tracking_status", "ship_date", "carrier", "service", "promised_days",
            "tracking_number", "destination_country", "dispute_opened")
_AFTER_SALE = ("order_date", "ship_date", "tracking_status", "domestic", "destination_country",
               "tracking_number", "price")
_QUALITY = ("item_title", "sku", "quantity", "price", "delivered_date", "dispute_opened")
# Rules as data: the order fields each scenario's advice and reply use, most telling first.
_FIELDS: dict[str, tuple[str, ...]] = {
    "not_arrived": _TRANSIT, "no_tracking_update": _TRANSIT,
    "delivered_not_received": ("tracking_status", "delivered_date", "tracking_number",
                               "carrier", "item_title", "dispute_opened"),
    "returned_to_sender": ("tracking_status", "return_reason", "tracking_number", "carrier",
                           "ship_date", "destination_country", "dispute_opened"),
    "customs_hold": ("tracking_status", "tracking_number", "carrier", "destination_country"),
    "customs_charge": ("destination_country", "customs_fee", "price", "currency"),
    "shipping_method_changed": ("carrier", "service", "shipping_fee", "actual_shipping_fee",
                                "currency"),
    "cancel_order": _AFTER_SALE, "change_address": _AFTER_SALE,
    "item_stained": _QUALITY, "item_defective": _QUALITY, "not_as_described": _QUALITY,
    "wrong_item": _QUALITY, "missing_item": _QUALITY, "empty_package": _QUALITY,
    "return_or_exchange": ("item_title", "sku", "delivered_date"),
    "order_received_thanks": ("item_title",),
    "unpaid_reminder": ("item_title", "order_date", "price"),
    "payment_confirmed": ("item_title", "price", "currency"),
    "shipped_notice": ("carrier", "service", "tracking_number", "ship_date", "item_title"),
    "did_it_arrive": ("tracking_status", "tracking_number", "delivered_date"),
    "order_completed": ("item_title",), "review_request": ("item_title",),
    "out_of_stock": ("item_title", "sku", "price", "supplier_issue"),
    "seller_delay": ("order_date", "ship_date", "promised_days", "supplier_issue"),
}
# Whether the parcel shipped, where it is and how long it was promised: without these the
# advice for these scenarios is a guess, so the page says to check them first.
_DECISIVE: dict[str, tuple[str, ...]] = {
    "not_arrived": ("tracking_status", "ship_date", "carrier"),
    "no_tracking_update": ("tracking_status", "ship_date"),
    "delivered_not_received": ("tracking_status",),
    "returned_to_sender": ("tracking_status",),
    "cancel_order": ("ship_date", "domestic"),
    "change_address": ("ship_date", "domestic"),
}
_TRAVEL = frozenset(("not_arrived", "no_tracking_update", "delivered_not_received",
                     "returned_to_sender", "customs_hold", "shipped_notice", "seller_delay",
                     "did_it_arrive"))


def field_label(name: str) -> str:
    """A form field's label in words (fields added to Order later get one from the name)."""
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


def field_kind(name: str) -> str:
    """How the form asks for a field: date, status, yesno, country, number, choice or text."""
    if name in DATE_FIELDS:
        return "date"
    return {"domestic": "yesno", "destination_country": "country", "quantity": "number",
            "promised_days": "number"}.get(name, "choice" if name in _choice_fields() else "text")


def choices(name: str) -> dict[str, str]:
    """The values a choice field takes and their names ("in_transit" -> "In transit")."""
    if name == "destination_country":
        return countries()
    if name == "domestic":
        return {"yes": "Yes", "no": "No"}
    return _choice_fields().get(name, {})


@lru_cache(maxsize=1)
def _choice_fields() -> dict[str, dict[str, str]]:
    from . import orderfields

    ids = getattr(orderfields, "CHOICES", {"tracking_status": TRACKING_STATUSES})
    named = {"tracking_status": STATUS_WORDS}
    try:
        from .platforms import PLATFORMS

        named["platform"] = {k: getattr(p, "title", k) for k, p in PLATFORMS.items()}
    except ImportError:  # a library without marketplaces
        pass
    return {field: {i: named.get(field, {}).get(i) or i.replace("_", " ").capitalize()
                    for i in values} for field, values in ids.items()}


def empty_value(name: str) -> Any:
    """What an empty form field holds: "" for text, None for the others."""
    return "" if field_kind(name) == "text" else None


def fields_for(label: str) -> tuple[str, ...]:
    """The form fields that matter for this scenario: order number and buyer first."""
    return tuple(dict.fromkeys(("order_id", "buyer_name", *_FIELDS.get(label, ()))))


def arrange(label: str, values: Mapping[str, Any], missing: tuple[str, ...] = (),
            known_elsewhere: Iterable[str] = ()) -> tuple[list[str], list[str], list[str]]:
    """The form's fields as (needed, known, rest): the fields that matter and are empty
    (the draft's gaps first), those that matter and are filled (or known without the form:
    ``known_elsewhere``, such as promised days from the carrier table), and every other
    field."""
    relevant = [f for f in dict.fromkeys((*missing, *fields_for(label))) if f in FORM_FIELDS]
    elsewhere = set(known_elsewhere)
    needed = [f for f in relevant if _blank(values.get(f)) and f not in elsewhere]
    known = [f for f in relevant if f not in needed]
    rest = [f for f in FORM_FIELDS if f not in relevant]
    return needed, known, rest


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_first(label: str, order: Order) -> list[str]:
    """The fields, in words, that decide this scenario's advice and are not known yet
    ("tracking status", "ship date"); empty when the advice does not hang on the order."""
    wanted = list(_DECISIVE.get(label, ()))
    if "carrier" in wanted and (order.promised_days is not None or order.tracking_status
                                in ("delivered", "returned", "customs")):
        wanted.remove("carrier")  # the promise is known, or the parcel is no longer travelling
    if "ship_date" in wanted and order.tracking_status in ("in_transit", "delivered",
                                                           "returned", "customs"):
        wanted.remove("ship_date")  # shipped, as the tracking says
    if "domestic" in wanted and order.ship_date is None and order.tracking_status is None:
        wanted.remove("domestic")  # whether it shipped comes first
    return [field_label(f).lower() for f in wanted if getattr(order, f) is None]


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _ago(d: date, today: date) -> str:
    days = (today - d).days
    if days == 0:
        return "today"
    if days < 0:
        return f"in {-days} day" + ("" if days == -1 else "s")
    return f"{days} day" + ("" if days == 1 else "s") + " ago"


def dates_for(label: str, order: Order, facts: OrderFacts | None) -> list[tuple[str, str]]:
    """(what, when) pairs worth showing for this scenario: transit dates only where the
    parcel's journey matters, dispute deadlines whenever a dispute is open."""
    if facts is None:
        return []
    out: list[tuple[str, str]] = []
    travel = label in _TRAVEL or label in ("cancel_order", "change_address")
    if travel and order.ship_date and "ship_date" not in _bad(facts):
        out.append(("Shipped", f"{_day(order.ship_date)} ({_ago(order.ship_date, facts.today)})"))
    if label in _TRAVEL:
        if facts.promised_date:
            promised = _day(facts.promised_date)
            if facts.days_left is not None:
                promised += f" ({facts.days_left} day{'' if facts.days_left == 1 else 's'} left)"
            elif facts.days_overdue is not None:
                promised += (f" ({facts.days_overdue} day"
                             f"{'' if facts.days_overdue == 1 else 's'} late)")
            out.append(("Promised by", promised))
        if order.delivered_date and "delivered_date" not in _bad(facts):
            out.append(("Delivered", f"{_day(order.delivered_date)} "
                                     f"({_ago(order.delivered_date, facts.today)})"))
    elif order.delivered_date and "delivered_date" not in _bad(facts) and label in _FIELDS \
            and "delivered_date" in _FIELDS[label]:
        out.append(("Delivered", f"{_day(order.delivered_date)} "
                                 f"({_ago(order.delivered_date, facts.today)})"))
    if facts.dispute_open and facts.response_deadline and facts.escalation_date:
        out.append(("Answer the dispute by", _day(facts.response_deadline)))
        out.append(("Platform steps in", _day(facts.escalation_date)))
    return out


def _bad(facts: OrderFacts) -> str:
    return " ".join(facts.problems)


_PROMISED = frozenset(("not_arrived", "no_tracking_update", "seller_delay"))


def promise_hint(label: str, facts: OrderFacts | None) -> str | None:
    """Why no promised date is shown for a travelling parcel, and what to fill."""
    if facts is None or label not in _PROMISED or facts.promised_date or facts.delivered:
        return None
    note = facts.promise_note or ""
    if "not in the carrier table" in note:
        return (note.replace("no promised delivery time: ", "No promised date: ")
                + ". Fill the promised delivery days.")
    if "names no carrier" in note:
        return "No promised date yet: fill the carrier (or the promised delivery days)."
    if "ship date is unknown" in note:
        return "No promised date yet: fill the ship date."
    return None


def review_reasons(prediction: Prediction, *, policy_escalates: bool = False,
                   min_confidence: float | None = None) -> list[str]:
    """Why a person should look before sending, in words ("the model is 45% sure; it asks
    for 90%"). ``min_confidence`` is the model's own bar, when known."""
    reasons = []
    reason = prediction.review_reason
    runner = prediction.alternatives[0] if prediction.alternatives else None
    if reason == "empty":
        reasons.append("the message is empty")
    elif reason == "two problems" and prediction.also:
        reasons.append(f"the buyer also seems to raise a second problem: {title(prediction.also)}")
    elif reason == "close runner-up" and runner is not None:
        reasons.append(f"{title(runner.label)} is almost as likely "
                       f"({runner.confidence:.0%} against {prediction.confidence:.0%})")
    elif reason == "low confidence" or (prediction.needs_review and not reason):
        shown = _percent(prediction.confidence, min_confidence)
        if min_confidence and min_confidence >= FLAG_ALL:
            bar = ("; this model answers nothing alone (no threshold kept its confident answers "
                   "right often enough in training)")
        elif min_confidence and prediction.confidence < min_confidence:
            bar = f"; it needs {_percent(min_confidence, prediction.confidence)} to answer alone"
        else:
            bar = ""
        reasons.append(f"the model is {shown} sure{bar}")
    elif reason:
        reasons.append(reason)
    if policy_escalates:
        reasons.append("the policy leaves this decision to a person")
    return reasons


def _percent(value: float, other: float | None = None) -> str:
    """A share as "45%", with a decimal when it would look equal to ``other``."""
    if other is not None and f"{value:.0%}" == f"{other:.0%}":
        return f"{value:.1%}"
    return f"{value:.0%}"


@dataclass(frozen=True)
class LanguageChoice:
    """The language to answer in and, when it is not simply the buyer's, why."""

    lang: str
    buyer: str | None  # the buyer's language when it could be told
    note: str | None = None


# One or two short words ("hello?", "any news") do not tell a language, however sure the
# detector says it is: the reply goes out in the agent's default language instead.
SHORT_WORDS, SHORT_LETTERS = 2, 15


def too_short(text: str) -> bool:
    """Whether a message is too short to tell its language."""
    return (len(text.split()) <= SHORT_WORDS
            and sum(c.isalpha() for c in text) < SHORT_LETTERS)


def choose_language(prediction: Prediction, *, sure: str | None, default: str,
                    available: list[str]) -> LanguageChoice:
    """``sure`` is the detected language when the detection can be trusted
    (``assist.buyer_language``); ``default`` the agent's own default. A message that is
    :func:`too_short` is answered in the default whatever the detector says."""
    from .gloss import LANGUAGE_NAMES

    default = default if default in available else available[0]
    default_name = LANGUAGE_NAMES.get(default, default)
    if too_short(prediction.text):
        sure = None
    if sure is None:
        if not prediction.text.strip():
            return LanguageChoice(default, None)
        guess = prediction.language if prediction.language in SERVED else None
        hint = f" (it may be {LANGUAGE_NAMES[guess]})" if guess else ""
        if guess is None and prediction.language:
            return LanguageChoice(default, "other", f"Written in a language without reply "
                                  f"templates; answering in {default_name}, your default.")
        return LanguageChoice(default, None, f"Too short to tell the language{hint}; "
                              f"answering in {default_name}, your default.")
    if sure not in available:
        return LanguageChoice(default, sure, f"No {LANGUAGE_NAMES.get(sure, sure)} templates; "
                              f"answering in {default_name}.")
    return LanguageChoice(sure, sure)


_ISO_DATE = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")


def in_words(message: str, field: str | None = None) -> str:
    """A library message for the agent: without the field-name prefix, ISO dates as
    "1 May 2026", field names as the form labels them."""
    if field and message.startswith(f"{field}: "):
        message = message[len(field) + 2:]
    message = _ISO_DATE.sub(lambda m: _day(date(int(m[1]), int(m[2]), int(m[3]))), message)
    for name, label in FIELD_LABELS.items():
        message = re.sub(rf"\b{name}\b", label.lower(), message)
    return message[:1].upper() + message[1:]


def note_in_words(note: str) -> str:
    """A reply's note ("no 'ru' translation of 'not_arrived'; using English") with the ids
    in words ("no Russian translation of Not arrived yet; using English")."""
    from .gloss import LANGUAGE_NAMES

    def word(match: re.Match) -> str:
        name = match.group(1)
        return LANGUAGE_NAMES.get(name) or (title(name) if name in _KNOWN_LABELS else name)

    text = re.sub(r"'([\w-]+)'", word, note)
    return text[:1].upper() + text[1:]


def read_order(values: Mapping[str, Any], today: date | None = None
               ) -> tuple[Order, dict[str, str]]:
    """The order from the form's values (dates as dates, yes/no as bools, or text), and a
    problem in words for each field that cannot be used, keyed by the field. Dates that
    contradict each other or today are problems of the field set aside."""
    good: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, value in values.items():
        if _blank(value):
            continue
        try:
            Order.from_dict({name: value})
            good[name] = value
        except OrderError as exc:
            problems[name] = in_words(str(exc), name)
    order = Order.from_dict(good)
    for name, text in order_problems(order, today or date.today()).items():
        problems.setdefault(name, in_words(text))
    return order, problems


def form_values(order: Order) -> dict[str, Any]:
    """An order's values as the form holds them (dates, bools and numbers kept, the rest as
    text), for filling the form from an export."""
    out: dict[str, Any] = {}
    for name in FORM_FIELDS:
        value = getattr(order, name)
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if value is None or field_kind(name) != "text":
            out[name] = value
        else:
            out[name] = str(value)
    return out


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """Two-letter country codes and their English names, sorted by name."""
    from babel import Locale

    names = {code: name for code, name in Locale("en").territories.items()
             if re.fullmatch(r"[A-Z]{2}", code) and code not in ("ZZ", "XK", "XA", "XB")}
    return dict(sorted(names.items(), key=lambda item: item[1]))


def is_new_case(old: str, new: str) -> bool:
    """Whether a changed message is another buyer's (a new case) or the same message
    edited: another order number, or mostly different text."""
    if not old.strip() or not new.strip():
        return True
    before, after = extract_ids(old).get("order_id"), extract_ids(new).get("order_id")
    if before and after and before != after:
        return True
    return difflib.SequenceMatcher(None, old, new, autojunk=False).ratio() < 0.5
