"""Conversation threads as turns: splitting pasted text, and the text a conversation is
classified on.

A pasted thread is split on its speaker lines: ``Buyer: …`` / ``Seller: …``, ``Customer 10:32
…``, or a message centre's copy with a name and a time above each message. Text with no
speaker lines is one buyer message.

>>> turns = split_thread("Buyer: where is my parcel?\\nSeller: on its way\\nBuyer: still nothing")
>>> [(t.role, t.text) for t in turns]
[('buyer', 'where is my parcel?'), ('seller', 'on its way'), ('buyer', 'still nothing')]
>>> current_request(turns)
'still nothing\\nwhere is my parcel?'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import time as dtime

__all__ = ["BUYER", "SELLER", "Turn", "buyer_side", "clean_text", "current_request",
           "role_of_name", "split_thread"]

BUYER, SELLER = "buyer", "seller"
# How a training example is built from a labelled conversation (measured in
# benchmarks/conversations.py): the buyer's messages up to the seller's first answer.
FIRST_ANSWER, ALL_BUYER = "first_answer", "all_buyer"
EXAMPLE_MODES = (FIRST_ANSWER, ALL_BUYER)
DEFAULT_EXAMPLES = FIRST_ANSWER
# A latest buyer block of fewer words than this ("any news?", "here are the photos") says too
# little on its own: the earlier buyer turns are added as context (measured, see
# benchmarks/conversations.py).
SHORT_REQUEST_WORDS = 8

# Speaker words, compared case-folded with spaces, dots and dashes removed. The agent who
# pastes a thread is the seller side, so "me", "you" and "we" are the seller.
_BUYER_WORDS = {
    "buyer", "customer", "client", "shopper", "consumer", "visitor", "guest", "requester",
    "enduser", "comprador", "compradora", "cliente", "käufer", "kunde", "kundin", "acheteur",
    "acheteuse", "покупатель", "клиент",
}
_SELLER_WORDS = {
    "seller", "agent", "support", "store", "shop", "merchant", "staff", "admin", "operator",
    "vendor", "customerservice", "customersupport", "customercare", "supportteam", "me", "you",
    "we", "vendedor", "vendedora", "tienda", "loja", "verkäufer", "händler", "vendeur",
    "boutique", "продавец", "магазин", "поддержка",
}
# Words that mark a name as the seller's ("Harbour Lane Store", "Acme Official Support").
_SELLER_HINTS = {"store", "shop", "official", "support", "team", "service", "seller", "agent",
                 "care", "help", "ltd", "inc", "gmbh", "boutique", "tienda", "loja", "магазин",
                 "(you)", "(me)"}
# "Name:" lines that are fields of a message, never speakers.
_NOT_SPEAKERS = {"order", "ordernumber", "orderno", "tracking", "trackingnumber", "note", "ps",
                 "subject", "re", "fwd", "date", "time", "email", "phone", "address", "sku",
                 "item", "product", "size", "colour", "color", "price", "total", "qty",
                 "quantity", "http", "https", "warning", "update", "edit"}

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE = (rf"(?:\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}"
         rf"|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?)")
_STAMP = rf"(?:{_DATE}(?:,?\s+(?:at\s+)?|T){_TIME}|{_TIME}(?:,?\s+{_DATE})?|{_DATE})"
_WHO = r"[^\W\d_][^\n:?!\[\]()]{0,40}?"
_SEP = r"\s*(?:[,·•|–—-]\s*)?"
_FLAGS = re.IGNORECASE
# (kind, pattern): "stamp_first" lines are "[10:32] Name: text", "stamp" lines "Name 10:32
# text", "colon" lines "Name: text", "alone" lines hold only a speaker word.
_PATTERNS = (
    ("stamp_first", re.compile(rf"^\[?(?P<stamp>{_STAMP})\]?{_SEP}(?P<who>{_WHO})\s*[:：]"
                               r"\s*(?P<rest>.*)$", _FLAGS)),
    ("stamp", re.compile(rf"^(?P<who>{_WHO}){_SEP}[(\[]?(?P<stamp>{_STAMP})[)\]]?"
                         r"\s*(?:(?P<sep>[:：\-–—])\s*)?(?P<rest>.*)$", _FLAGS)),
    ("colon", re.compile(rf"^(?P<who>{_WHO})\s*[:：]\s*(?P<rest>.*)$", _FLAGS)),
    ("alone", re.compile(rf"^(?P<who>{_WHO})\s*[:：]?$", _FLAGS)),
)
_STAMP_LINE = re.compile(rf"^\[?(?P<stamp>{_STAMP})\]?$", _FLAGS)
_TIME_ONLY = re.compile(rf"^{_TIME}$", _FLAGS)


@dataclass(frozen=True)
class Turn:
    """One message of a conversation: who wrote it (``buyer`` or ``seller``), the text, when
    (a datetime, a time of day when only that is known, or None) and the name shown, if any."""

    role: str
    text: str
    time: datetime | dtime | None = None
    name: str | None = None


@dataclass(frozen=True)
class _Header:
    line: int
    who: str
    rest: str
    stamp: str | None
    kind: str
    skip: int = 0  # lines after ``line`` that belong to the header (a time on its own line)
    sep: bool = False  # a colon or dash between the time and the text


def _key(word: str) -> str:
    return re.sub(r"[\s._-]+", "", word.casefold())


def role_of_name(name: str) -> str | None:
    """``buyer`` or ``seller`` for a speaker word ("Customer", "Agent", "You"), else None."""
    key = _key(name)
    return BUYER if key in _BUYER_WORDS else SELLER if key in _SELLER_WORDS else None


def _candidate(lines: Sequence[str], i: int) -> _Header | None:
    line = lines[i].strip()
    for kind, pattern in _PATTERNS:
        match = pattern.match(line)
        if not match or len(match["who"].split()) > 5:
            continue
        stamp = match.groupdict().get("stamp")
        if kind == "alone":
            nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
            follow = _STAMP_LINE.match(nxt)
            if follow:
                return _Header(i, match["who"].strip(), "", follow["stamp"], "stamp", 1)
            if role_of_name(match["who"]) is None:
                return None
        groups = match.groupdict()
        return _Header(i, match["who"].strip(), groups.get("rest") or "", stamp, kind,
                       sep=bool(groups.get("sep")))
    return None


def _accepted(found: list[_Header], lines: Sequence[str]) -> list[_Header]:
    """The candidate lines that really are speaker lines: speaker words always; a name with a
    time when the line holds nothing else, sets the text off with a colon, or the name comes
    back; "Name: text" lines only when the thread starts with one and 2 to 4 names take turns.
    """
    stamped = [h.who for h in found if h.kind in ("stamp", "stamp_first")]

    def strong(h: _Header) -> bool:
        return role_of_name(h.who) is not None or h.kind == "stamp_first" or (
            h.kind == "stamp" and (h.sep or not h.rest.strip() or stamped.count(h.who) > 1))

    chosen = [h for h in found if strong(h)]
    if chosen and (len(chosen) > 1 or role_of_name(chosen[0].who)):
        speakers = {h.who for h in chosen}
        return [h for h in found if h in chosen or (h.kind == "colon" and h.who in speakers)]
    colon = [h for h in found if h.kind == "colon" and _key(h.who) not in _NOT_SPEAKERS]
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    distinct = {h.who for h in colon}
    if len(colon) >= 2 and colon[0].line == first and 2 <= len(distinct) <= 4:
        return colon
    return []


def _parse_stamp(stamp: str | None, dayfirst: bool) -> datetime | dtime | None:
    if not stamp:
        return None
    text = stamp.strip()
    try:
        if _TIME_ONLY.match(text):
            for fmt in ("%H:%M:%S", "%H:%M", "%I:%M %p", "%I:%M%p"):
                try:
                    return datetime.strptime(text.upper().replace(".", ""), fmt).time()
                except ValueError:
                    continue
            return None
        import pandas as pd

        found = pd.to_datetime(text, dayfirst=dayfirst, errors="coerce")
        return None if pd.isna(found) else found.to_pydatetime()
    except (ValueError, OverflowError):
        return None


def _speaker_roles(names: Iterable[str], buyer_names: Iterable[str] = (),
                   seller_names: Iterable[str] = ()) -> dict[str, str]:
    """Each speaker's side: speaker words, then the names given, then names that look like a
    shop's; of the names left, the first speaker is the buyer when no one else is."""
    ordered = list(dict.fromkeys(names))
    buyers = {_key(n) for n in buyer_names}
    sellers = {_key(n) for n in seller_names}
    roles: dict[str, str] = {}
    for name in ordered:
        words = {w.casefold() for w in name.split()}
        role = (BUYER if _key(name) in buyers else SELLER if _key(name) in sellers
                else role_of_name(name) or (SELLER if words & _SELLER_HINTS else None))
        if role:
            roles[name] = role
    unknown = [n for n in ordered if n not in roles]
    have_buyer = BUYER in roles.values()
    for i, name in enumerate(unknown):
        roles[name] = SELLER if have_buyer or (i > 0 and not roles) else BUYER
        have_buyer = have_buyer or roles[name] == BUYER
    return roles


def split_thread(text: str, *, buyer_names: Iterable[str] = (),
                 seller_names: Iterable[str] = (), dayfirst: bool = False) -> list[Turn]:
    """The turns of a pasted thread, in order. ``buyer_names``/``seller_names`` say who is who
    when the speakers are people's names (otherwise: names with Store, Shop, Support… are the
    seller; the first other speaker is the buyer). Text with no speaker lines is one buyer turn;
    empty text is no turns."""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found = [h for i in range(len(lines)) if (h := _candidate(lines, i))]
    headers = _accepted(found, lines)
    if not headers:
        body = str(text).strip()
        return [Turn(BUYER, body)] if body else []
    roles = _speaker_roles([h.who for h in headers], buyer_names, seller_names)
    turns = []
    preamble = "\n".join(lines[: headers[0].line]).strip()
    if preamble:
        turns.append(Turn(BUYER, preamble))
    for h, nxt in zip(headers, [*headers[1:], None], strict=True):
        end = nxt.line if nxt else len(lines)
        body = "\n".join([h.rest, *lines[h.line + 1 + h.skip: end]]).strip()
        if body:
            name = None if role_of_name(h.who) else h.who
            turns.append(Turn(roles[h.who], body, _parse_stamp(h.stamp, dayfirst), name))
    return turns


def _blocks(turns: Sequence[Turn]) -> list[tuple[str, list[str]]]:
    """Consecutive turns of one side merged: [(role, [texts])]."""
    out: list[tuple[str, list[str]]] = []
    for turn in turns:
        if out and out[-1][0] == turn.role:
            out[-1][1].append(turn.text)
        else:
            out.append((turn.role, [turn.text]))
    return out


def current_request(turns: Sequence[Turn]) -> str:
    """The text a conversation's scenario is classified on: the buyer's latest messages (those
    after the seller's last answer, else the last buyer messages before it), followed by the
    buyer's earlier messages as context when the latest say little (under
    ``SHORT_REQUEST_WORDS`` words, such as "any news?"). Empty when the buyer wrote nothing."""
    buyer = [texts for role, texts in _blocks(turns) if role == BUYER]
    if not buyer:
        return ""
    latest = "\n".join(buyer[-1])
    earlier = [text for block in buyer[:-1] for text in block]
    if earlier and len(latest.split()) < SHORT_REQUEST_WORDS:
        return "\n".join([latest, *reversed(earlier)])
    return latest


def buyer_side(turns: Sequence[Turn], mode: str = DEFAULT_EXAMPLES) -> str:
    """The buyer's side of a conversation as one training text: ``first_answer`` (the buyer's
    messages up to the seller's first answer) or ``all_buyer`` (every buyer message)."""
    if mode not in EXAMPLE_MODES:
        raise ValueError(f"mode must be one of {', '.join(EXAMPLE_MODES)}, not {mode!r}")
    blocks = _blocks(turns)
    buyer = [texts for role, texts in blocks if role == BUYER]
    if not buyer:
        return ""
    chosen = buyer[:1] if mode == FIRST_ANSWER else buyer
    return "\n".join(text for block in chosen for text in block)


_TAG = re.compile(r"<(?:p|div|br|span|html|body|table|a|b|i|strong)\b[^>]*>", re.IGNORECASE)
_QUOTE_START = re.compile(r"^(?:On .{4,120}wrote:|-{2,}\s*Original Message\s*-{2,}|From: .+)$",
                          re.IGNORECASE)


def clean_text(text: str) -> str:
    """A message's own words: HTML reduced to text, and e-mail quotes of earlier messages
    ("> …" lines, from "On … wrote:" on) cut off."""
    if _TAG.search(text):
        text = re.sub(r"<br\s*/?>|</p>|</div>|</li>", "\n", text, flags=re.IGNORECASE)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _QUOTE_START.match(line.strip()) and any(kept.strip() for kept in lines):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line.rstrip())
    return "\n".join(lines).strip()
