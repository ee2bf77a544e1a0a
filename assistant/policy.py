"""Resolution policy: (label, order, settings, message) -> Decision, from the named rules in
``rules.py``, checked in order: the first whose labels and condition match wins; a label no
rule knows falls to DEFAULT_RULE (a person answers, with the holding reply ``other``).

The settings are the seller's policy file (``settings.py``; default: the one in effect). A
decision names its rule and the settings it read, computes the money it offers (``amounts``),
carries the preconditions of any reissue, the protection extension when the buyer is asked to
wait near or past the promised date, and the platform's dispute clock: when a deadline has
passed, the dispute's rule replaces the action (``case_rule`` keeps the case's own rule).
When the message says the photos were sent, ``options`` holds the minor and the serious
offer for the agent to choose from.

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

import dataclasses
import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import signals
from .actions import (
    ACTIONS,
    DEFAULT_EVIDENCE,
    EVIDENCE,
    PRECONDITION_ACTIONS,
    REQUEST_ADVICE,
    WAIT_ACTIONS,
)
from .amounts import Amount, compute
from .delivery import OrderFacts, facts
from .orders import ORDER_FIELDS, Order
from .platforms import PLATFORMS, Platform
from .rules import DEFAULT_RULE, DISPUTE_RULES, RULES, TRANSIT, Rule, Situation
from .scenarios import title
from .settings import Settings, load

__all__ = ["ACTIONS", "DEFAULT_RULE", "DISPUTE_RULES", "RULES", "Decision", "Option", "Rule",
           "Situation", "decide", "describe_rules"]

_PHOTO_RULES = frozenset(r.name for r in RULES if r.name.startswith("photos_received"))
_VERIFIED = frozenset({"item_defective", "item_stained", "not_as_described", "wrong_item",
                       "missing_item"})
# The names Decision.details may hold (replies may use them).
DETAIL_FIELDS = ("platform_title", "dispute_stage", "protection_extension_days",
                 "keep_wrong_item", "return_postage", "return_window_days",
                 "verification_min_days", "verification_max_days", "refund_working_days")


@dataclass(frozen=True)
class Option:
    """One offer the agent may choose: the action, its title and why."""

    action: str
    title: str
    reason: str


@dataclass(frozen=True)
class Decision:
    """The recommended action for a message: what to do, why, which rule, which template.

    ``label`` is the label asked about; ``template`` may differ (a "not arrived" message for
    a delivered parcel is answered with ``delivered_not_received``). ``deadlines`` holds the
    known dates among promised_date, ship_by, first_scan_by, refund_request_from,
    response_deadline and escalation_date. ``settings`` names the policy keys used and
    ``policy`` the file they came from; ``amounts`` the money offered; ``details`` the values
    a reply needs beyond the order (the dispute's stage, the protection extension...).
    """

    label: str
    action: str
    title: str
    reason: str
    rule: str
    template: str
    deadlines: dict[str, date] = field(default_factory=dict)
    facts: OrderFacts | None = None
    settings: tuple[str, ...] = ()
    policy: str = ""
    amounts: dict[str, Amount] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    case_rule: str | None = None

    def amount_texts(self, locale: str = "en_GB") -> dict[str, str]:
        """The amounts written for a locale ("US$2.00", "2,00 US$")."""
        return {name: amount.format(locale) for name, amount in self.amounts.items()}

    def to_dict(self, locale: str = "en_GB") -> dict[str, Any]:
        """The decision as JSON-ready values (dates as ISO strings, amounts for ``locale``)."""
        return {"action": self.action, "title": self.title, "reason": self.reason,
                "rule": self.rule, "case_rule": self.case_rule, "template": self.template,
                "deadlines": {k: v.isoformat() for k, v in self.deadlines.items()},
                "amounts": self.amount_texts(locale),
                "options": [{"action": o.action, "title": o.title, "reason": o.reason}
                            for o in self.options],
                "settings": list(self.settings), "policy": self.policy}


class _Formatter(string.Formatter):
    """str.format with ``{n:days}`` -> "1 day"/"25 days" and dates as "11 January 2026"."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "days":
            return f"{value} day" if value == 1 else f"{value} days"
        if isinstance(value, date):
            return f"{value.day} {value:%B %Y}"
        return super().format_field(value, format_spec)


_FORMAT = _Formatter()


def _clock(label: str, f: OrderFacts | None, platform: Platform, opened: date | None
           ) -> tuple[str | None, dict[str, date]]:
    """The dispute's stage and its dates: a dispute about a parcel still within its promised
    time goes to the platform when that time ends (where the platform says so), any other
    on the platform's day."""
    if f is None or not f.dispute_open or opened is None:
        return None, {}
    escalation = f.escalation_date
    if (label in TRANSIT and platform.transit_escalates_at_promise and not f.delivered
            and (f.promised_date is None or f.promised_date > opened)):
        escalation = f.promised_date
    dates = {k: v for k, v in (("response_deadline", f.response_deadline),
                               ("escalation_date", escalation)) if v}
    if escalation and f.today >= escalation:
        return "platform", dates
    if f.response_deadline and f.today > f.response_deadline:
        return "late", dates
    return "open", dates


def _money(amounts: dict[str, Amount], name: str) -> str | None:
    return amounts[name].format() if name in amounts else None


def _offers(s: Situation, amounts: dict[str, Amount]) -> dict[str, str]:
    """The phrases the reasons use for what the policy offers."""
    st = s.settings
    high, low = _money(amounts, "partial_refund"), _money(amounts, "partial_refund_low")
    if high:
        minor = f"a partial refund of {high} (the policy's range: {low} to {high})"
        paid_in = s.field("currency")
        if paid_in and paid_in != amounts["partial_refund"].currency:
            minor += f", in the policy's currency; the order was paid in {paid_in}"
    else:
        minor = (f"a partial refund of {st.partial_refund_low:.0%} to "
                 f"{st.partial_refund_high:.0%} of the price (the order gives no price)")
    cap, gap = _money(amounts, "laundry_cost_cap"), _money(amounts, "shipping_difference")
    share, charge = f"{st.customs_share:.0%}", _money(amounts, "customs_amount")
    days, window = s.fact("days_since_delivery"), st.return_window_days
    return {
        "minor_offer": minor,
        "stain_offer": (f"to pay for a laundry{f' (up to {cap})' if cap else ''}, or "
                        if s.label == "item_stained" else ""),
        "laundry_limit": f" (up to {cap})" if cap else "",
        "wrong_item_offer": (f"offer to let the buyer keep it with {minor} or a discount; if "
                             "they insist, reissue the right one or refund" if st.keep_wrong_item
                             else "reissue the right one or refund (the policy does not let "
                             "a wrong item be kept)"),
        "customs_offer": (f"{share} of the {charge} charge: {_money(amounts, 'customs_share')}"
                          if charge else f"the policy offers {share} of it; the order does "
                          "not give the charge"),
        "shipping_offer": (f"the difference, {gap}" if gap else "the order does not give both "
                           "shipping fees, so ask for the receipt"),
        "postage_note": ("return postage paid by the buyer" if st.return_postage == "buyer"
                         else "we pay the return postage"),
        "window_note": (f"delivered {days} days ago, within the {window}-day window"
                        if days is not None else f"the {window}-day window counts from "
                        "delivery, and the order has no delivered date: check it"),
    }


def _values(s: Situation, amounts: dict[str, Amount], dates: dict[str, date]
            ) -> dict[str, Any]:
    """Everything a reason template may name."""
    values: dict[str, Any] = {"label": s.label, "title": title(s.label)}
    values |= {f.name: getattr(s.settings, f.name) for f in dataclasses.fields(Settings)}
    for name in ORDER_FIELDS:
        value = s.field(name)
        values[name] = value.replace("_", " ") if isinstance(value, str) else value
    if s.facts:
        values |= vars(s.facts)
    for name, attr in (("delivered_on", "delivered_date"), ("shipped_on", "ship_date")):
        day = s.field(attr)
        values[name] = _FORMAT.format(" on {0}", day) if day else ""
    platform, kind = s.platform, s.field("request_type") or ""
    deadline = dates.get("response_deadline")
    values |= dates | {name: amount.format() for name, amount in amounts.items()}
    return values | _offers(s, amounts) | {
        "platform_title": platform.title,
        "request_title": kind.replace("_and_", "-and-").replace("_", " "),
        "request_advice": REQUEST_ADVICE.get(platform.request_types.get(kind, ""), ""),
        "evidence": EVIDENCE.get(s.label, DEFAULT_EVIDENCE),
        "problem_list": "; ".join(s.fact("problems") or ()),
        "answer_by": _FORMAT.format(" by {0}", deadline) if deadline else "",
    }


def _find(situation: Situation) -> Rule:
    return next((r for r in RULES if r.applies(situation)), DEFAULT_RULE)


def _explain(rule: Rule, s: Situation, dates: dict[str, date]
             ) -> tuple[str, str, dict[str, Amount], list[str]]:
    """(action, reason, amounts, policy keys read) of a rule in a situation."""
    action = rule.action or s.platform.request_types[s.field("request_type")]
    amounts, keys = compute(rule.amounts, s.order, s.settings)
    reason = _FORMAT.vformat(rule.reason, (), _values(s, amounts, dates))
    return action, reason, amounts, [*rule.reads, *keys]


def _extends(s: Situation, action: str) -> bool:
    """The buyer is asked to wait near or past the promised date, or for a replacement with
    a dispute to cancel, on a platform that offers the extension (seed 002 (6))."""
    if not s.platform.protection_extension or s.facts is None:
        return False
    left, late = s.fact("days_left"), s.fact("days_overdue")
    near = late is not None or (left is not None and left <= s.settings.extend_within_days)
    return (action in WAIT_ACTIONS and near) or (
        action == "reissue_or_refund" and s.label in TRANSIT and s.stage == "open")


def _dispute_note(s: Situation, dates: dict[str, date]) -> str:
    platform = s.platform
    if not platform.has_clock:
        return (f"A dispute is open; the seeds give {platform.title} no deadline for it, so "
                "check the platform for one.")
    answer, escalation = dates.get("response_deadline"), dates.get("escalation_date")
    if s.stage == "open":
        text = ("Dispute open: answer it by {response_deadline} or the buyer's amount is "
                "refunded automatically")
    else:
        text = "Dispute open: the window to answer it closed on {response_deadline}"
    if escalation is None:
        text += ("; as a parcel-in-transit dispute it goes to the platform when the promised "
                 "time ends, which is not known here")
    elif s.stage == "platform":
        text += "; the platform took it over on {escalation_date}"
    else:
        text += "; the platform takes it over on {escalation_date}"
    if answer is None:
        text = text.split("; ", 1)[-1].capitalize()
    return _FORMAT.vformat(text + ".", (), dates)


def _notes(s: Situation, action: str, overlaid: bool, dates: dict[str, date],
           details: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Sentences added to the reason, and the policy keys they read."""
    notes: list[str] = []
    keys: list[str] = []
    st, platform, f = s.settings, s.platform, s.facts
    if action in PRECONDITION_ACTIONS:
        notes.append("Before any reissue the open dispute must be cancelled, and the size and "
                     "address confirmed with the buyer again." if s.stage else
                     "Before any reissue, confirm the size and address with the buyer again "
                     "(a dispute, if the buyer opens one, must be cancelled first).")
    if _extends(s, action):
        notes.append(f"Extend the buyer's protection period by {st.protection_extension_days} "
                     "days, so they stay covered while they wait.")
        details["protection_extension_days"] = st.protection_extension_days
        keys += [Settings.key("protection_extension_days"), Settings.key("extend_within_days"),
                 Settings.key("platform")]
    if platform.verification_working_days and s.label in _VERIFIED:
        low, high = platform.verification_working_days
        notes.append(f"On {platform.title} the buyer's photos or video go to the platform, "
                     f"which verifies them in {low} to {high} working days before a reissue "
                     f"or a refund; a refund then takes up to {platform.refund_working_days} "
                     "working days.")
        details |= {"verification_min_days": low, "verification_max_days": high,
                    "refund_working_days": platform.refund_working_days}
        keys.append(Settings.key("platform"))
    opens = f.refund_request_from if f else None
    if s.label in TRANSIT and opens and f and f.today < opens and not s.stage:
        dates["refund_request_from"] = opens
        notes.append(_FORMAT.format("On {0} the buyer can open a refund request only from "
                                    "{1}.", platform.title, opens))
        keys.append(Settings.key("platform"))
    if s.stage and not overlaid:
        notes.append(_dispute_note(s, dates))
        keys.append(Settings.key("platform"))
    return notes, keys


def _options(s: Situation, rule: Rule, dates: dict[str, date]) -> tuple[Option, ...]:
    """For a follow-up with photos: the minor and the serious offer."""
    if rule.name not in _PHOTO_RULES:
        return ()
    found: list[Option] = []
    for severity in ("minor", "serious"):
        alternative = dataclasses.replace(s, severity=severity)
        action, reason, _, _ = _explain(_find(alternative), alternative, dates)
        if action not in {o.action for o in found}:
            found.append(Option(action, ACTIONS[action], reason))
    return tuple(found)


def _details(s: Situation, stage: str | None) -> dict[str, Any]:
    """Values from the policy and the platform that replies use."""
    st = s.settings
    details: dict[str, Any] = {"platform_title": s.platform.title}
    if stage:
        details["dispute_stage"] = stage
    if s.label == "wrong_item":
        details["keep_wrong_item"] = st.keep_wrong_item
    if s.label == "return_or_exchange":
        details |= {"return_postage": st.return_postage,
                    "return_window_days": st.return_window_days}
    return details


def _used(reads: list[str], f: OrderFacts | None) -> tuple[str, ...]:
    """The policy keys a decision relied on. The store's country, the default platform and
    the own promised days count only when the facts needed them."""
    conditional = {Settings.key(n) for n in ("store_country", "platform", "carrier_days")}
    relied = set(f.settings_used) if f else {Settings.key("platform")}
    return tuple(dict.fromkeys(k for k in reads if k not in conditional or k in relied))


def decide(label: Any, order: Order | None = None, *, today: date | None = None,
           settings: Settings | str | Path | None = None, message: str | None = None,
           photos: bool | None = None, severity: str | None = None,
           history: Any = None) -> Decision:
    """The first matching rule's decision for a message with this label about this order.

    ``label`` is a label id, or any object with a ``.label`` (a model's prediction).
    ``today`` defaults to the current date; pass it for reproducible answers. ``settings``
    is a Settings, a policy file's path, or None for the policy in effect. ``message`` is
    the buyer's text: it tells whether the photos were sent and how serious the problem is
    (``photos`` and ``severity``, "minor" or "serious", say so directly). ``history`` is the
    order's case so far (``FeedbackStore.history``): once photos were asked for, the buyer's
    next message about the problem counts as sending them.
    """
    if photos is None and getattr(history, "last_step", None) == "photos_requested":
        photos = True
    label = str(getattr(label, "label", label))
    st = settings if isinstance(settings, Settings) else load(settings)
    order_facts = facts(order, today or date.today(), st) if order is not None else None
    probe = Situation(label, order, order_facts, st)
    stage, dates = _clock(label, order_facts, probe.platform, probe.field("dispute_opened"))
    s = dataclasses.replace(probe, stage=stage, severity=severity or signals.severity(message),
                            photos=signals.photos_sent(message) if photos is None else photos)
    case = _find(s)
    overlay = next((r for r in DISPUTE_RULES if r.applies(s)), None)
    action, reason, amounts, reads = _explain(case, s, dates)
    if overlay:
        action, head, _, more = _explain(overlay, s, dates)
        reason, reads = f"{head} The case itself: {reason}", more + reads
    details = _details(s, stage)
    notes, note_keys = _notes(s, action, overlay is not None, dates, details)
    deadlines = _deadlines(order_facts, dates, reads)
    return Decision(
        label=label, action=action, title=ACTIONS[action], rule=(overlay or case).name,
        reason=" ".join([reason, *notes]), template=(overlay or case).template
        or case.template or label, deadlines=deadlines, facts=order_facts,
        settings=_used(reads + note_keys, order_facts), policy=st.source, amounts=amounts,
        options=_options(s, case, dates), details=details,
        case_rule=case.name if overlay else None)


def _deadlines(f: OrderFacts | None, dates: dict[str, date], reads: list[str]
               ) -> dict[str, date]:
    found = {n: getattr(f, n) for n in ("promised_date", "ship_by") if getattr(f, n, None)}
    if f and f.first_scan_by and Settings.key("tracking_grace_days") in reads:
        found["first_scan_by"] = f.first_scan_by
    return found | dates


def describe_rules(settings: Settings | None = None) -> list[dict[str, Any]]:
    """The rules in the order they are checked (dispute rules first), for
    ``assistant policy show``: name, labels, condition, action and the policy keys read."""
    st = settings or load()
    by_type = sorted({k: v for p in PLATFORMS.values() for k, v in p.request_types.items()
                      }.items())
    rows = []
    for rule in (*DISPUTE_RULES, *RULES, DEFAULT_RULE):
        action = rule.action or "by request type: " + ", ".join(f"{k} -> {v}"
                                                               for k, v in by_type)
        reads = [*rule.reads, *compute(rule.amounts, None, st)[1]]
        rows.append({"name": rule.name, "labels": sorted(rule.labels or ["any"]),
                     "condition": rule.condition, "action": action,
                     "reads": list(dict.fromkeys(reads))})
    return rows
