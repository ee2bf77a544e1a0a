"""The seller's own policy: the numbers the resolution rules use, read from a TOML file.

The file in effect is, in this order: an explicit path (``--policy FILE``),
``$ASSISTANT_POLICY``, the seller's copy ``home()/policy.toml`` (``assistant init`` makes one),
else the shipped ``data/policy.toml``, which holds the seeds' figures with comments. A key
left out keeps its default (the shipped value). Unknown keys, wrong types and impossible
values are refused, each with the line to fix.

Example:
    >>> mine = read_text("[shipping]\\nhandling_days = 5\\n", "mine.toml")
    >>> mine.handling_days, mine.refund_after_days_late
    (5, 15)
    >>> check_text("[shipping]\\nhandling_day = 5\\n", "mine.toml")
    ["mine.toml, line 2: unknown key 'handling_day' in [shipping]; did you mean 'handling_days'?"]
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import paths
from .errors import PolicyError
from .platforms import PLATFORMS

ENV_VAR = "ASSISTANT_POLICY"
FILE_NAME = "policy.toml"


def _setting(key: str, kind: str, default: Any, help: str, *, low: float | None = None,
             high: float | None = None, choices: tuple[str, ...] = ()) -> Any:
    """A Settings field with its place in the file, its kind and its bounds."""
    meta = {"key": key, "kind": kind, "help": help, "low": low, "high": high,
            "choices": choices}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """The policy in effect. Each field is one key of the policy file (``Settings.key(name)``);
    ``source`` is the file it came from."""

    store_country: str = _setting(
        "store.country", "country", "CN", "the country you ship from: an order that does not "
        "say whether it is domestic is domestic when it goes to this country")
    platform: str = _setting(
        "store.platform", "choice", "aliexpress", "the platform of orders that do not name one",
        choices=tuple(PLATFORMS))
    handling_days: int = _setting(
        "shipping.handling_days", "int", 3, "days you take to ship an order", low=0, high=60)
    source_elsewhere_after_days: int = _setting(
        "shipping.source_elsewhere_after_days", "int", 4, "days past the handling time after "
        "which an unshipped order is sourced elsewhere or refunded", low=1, high=60)
    tracking_grace_days: int = _setting(
        "shipping.tracking_grace_days", "int", 7, "days after shipment in which a tracking "
        "number may still show nothing", low=0, high=60)
    refund_after_days_late: int = _setting(
        "shipping.refund_after_days_late", "int", 15, "days past the promised date after which "
        "a parcel still on its way is refunded", low=0, high=180)
    carrier_days: tuple[tuple[str, int], ...] = _setting(
        "shipping.promised_days", "days_table", (), "your own promised delivery days per "
        "carrier or service, used before data/carriers.csv", low=1, high=365)
    currency: str = _setting(
        "compensation.currency", "currency", "USD", "the currency of the fixed amounts")
    partial_refund: str = _setting(
        "compensation.partial_refund", "choice", "amount", "how partial_refund_low and _high "
        "are meant: fixed amounts, or shares of the item's price", choices=("amount", "share"))
    partial_refund_low: Decimal = _setting(
        "compensation.partial_refund_low", "money", Decimal("1.00"), "the least partial refund "
        "for a minor problem", low=0, high=100_000)
    partial_refund_high: Decimal = _setting(
        "compensation.partial_refund_high", "money", Decimal("2.00"), "the most partial refund "
        "for a minor problem (the amount suggested)", low=0, high=100_000)
    laundry_cost_cap: Decimal | None = _setting(
        "compensation.laundry_cost_cap", "money", None, "the most you pay towards cleaning a "
        "stained item; not set: the cost is paid", low=0, high=100_000)
    customs_share: Decimal = _setting(
        "compensation.customs_share", "share", Decimal("0.5"), "the share of a customs charge "
        "you offer to cover", low=0, high=1)
    keep_wrong_item: bool = _setting(
        "compensation.keep_wrong_item", "bool", True, "whether a buyer sent the wrong item may "
        "keep it with a partial refund")
    return_window_days: int = _setting(
        "returns.window_days", "int", 15, "days after delivery in which a buyer may return an "
        "item for their own reasons", low=0, high=365)
    return_postage: str = _setting(
        "returns.postage", "choice", "buyer", "who pays the postage of such a return",
        choices=("buyer", "seller"))
    protection_extension_days: int = _setting(
        "protection.extension_days", "int", 30, "days by which the buyer's protection period "
        "is extended when they are asked to wait", low=1, high=180)
    extend_within_days: int = _setting(
        "protection.extend_within_days", "int", 7, "ask for the extension when the promised "
        "date is this close, or past", low=0, high=90)
    claim_days: int = _setting(
        "protection.claim_days", "int", 15, "days after delivery in which damage is covered; "
        "later, only goodwill", low=0, high=365)
    source: str = "defaults"

    @staticmethod
    def key(name: str) -> str:
        """The file's key for a field: ``Settings.key("handling_days")`` is
        ``"shipping.handling_days"``."""
        return _FIELDS[name].metadata["key"]

    def value(self, key: str) -> Any:
        """The value of a file key such as ``"shipping.handling_days"``."""
        return getattr(self, _BY_KEY[key].name)

    def promised_days_for(self, carrier_text: str) -> tuple[str, int] | None:
        """(name, days) of the longest ``shipping.promised_days`` name found in the carrier and
        service text, or None."""
        text = _compact(carrier_text)
        found = [(name, days) for name, days in self.carrier_days if _compact(name) in text]
        return max(found, key=lambda row: len(row[0]), default=None)


_FIELDS = {f.name: f for f in fields(Settings) if f.metadata}
_BY_KEY = {f.metadata["key"]: f for f in _FIELDS.values()}
KEYS: tuple[str, ...] = tuple(_BY_KEY)
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(k.split(".")[0] for k in KEYS))
DEFAULTS = Settings()


def _compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


# ---------------------------------------------------------------- reading and checking


def read_text(text: str, where: str = "the policy") -> Settings:
    """Settings from a policy file's text; raises PolicyError listing every problem."""
    settings, problems = _read(text, where)
    if problems:
        raise PolicyError("; ".join(problems) + f" ({len(problems)} problem(s); fix them and "
                          "run 'assistant policy check')")
    return settings


def check_text(text: str, where: str = "the policy") -> list[str]:
    """Every problem in a policy file's text, each with its line; empty when it is valid."""
    return _read(text, where)[1]


def _read(text: str, where: str) -> tuple[Settings, list[str]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        place = f", line {found[1]}" if found else ""
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return DEFAULTS, [f"{where}{place}: not valid TOML ({reason}); fix the syntax (strings "
                          "in double quotes, one key = value a line)"]
    lines = _key_lines(text)
    problems: list[str] = []
    values: dict[str, Any] = {}

    def problem(key: str, message: str) -> None:
        line = lines.get(key) or lines.get(key.rsplit(".", 1)[0])
        problems.append(f"{where}{f', line {line}' if line else ''}: {message}")

    for section, table in data.items():
        home = [k.split(".")[0] for k in KEYS if k.endswith("." + section)]
        if home and not isinstance(table, dict):
            problem(section, f"{section} belongs in a section: write it under [{home[0]}]")
            continue
        if section not in SECTIONS:
            close = difflib.get_close_matches(section, SECTIONS, n=1)
            hint = f"did you mean [{close[0]}]?" if close else f"use {_listed(SECTIONS)}"
            problem(section, f"unknown section [{section}]; {hint}")
            continue
        if not isinstance(table, dict):
            problem(section, f"{section} must be a section ([{section}]), not a value")
            continue
        for name, value in table.items():
            key = f"{section}.{name}"
            spec = _BY_KEY.get(key)
            if spec is None:
                known = [k.split(".", 1)[1] for k in KEYS if k.startswith(section + ".")]
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"use {_listed(known)}"
                problem(key, f"unknown key {name!r} in [{section}]; {hint}")
                continue
            try:
                values[spec.name] = _convert(key, value, spec.metadata, problem)
            except ValueError as exc:
                problem(key, f"{key} = {_shown(value)} {exc}")
    settings = replace(DEFAULTS, **values, source=where)
    if not problems:
        _check_together(settings, problem)
    return settings, problems


def _convert(key: str, value: Any, meta: dict[str, Any], problem) -> Any:
    kind, low, high = meta["kind"], meta["low"], meta["high"]
    if kind == "days_table":
        if not isinstance(value, dict):
            raise ValueError("must be a section of carrier = days lines, e.g. "
                             "[shipping.promised_days] then \"YunExpress\" = 30")
        rows = []
        for name, days in value.items():
            try:
                rows.append((name, _number(days, int, low, high, "days")))
            except ValueError as exc:
                problem(f"{key}.{name}", f"{key}.{name} = {_shown(days)} {exc}")
        return tuple(rows)
    if kind == "int":
        return _number(value, int, low, high, "days")
    if kind in ("money", "share"):
        what = "a share (0.5 is half)" if kind == "share" else "an amount"
        return Decimal(str(_number(value, float, low, high, what)))
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("must be true or false (no quotes)")
        return value
    if not isinstance(value, str):
        raise ValueError("must be a string in double quotes")
    if kind == "choice" and value not in meta["choices"]:
        raise ValueError(f"must be one of {_listed(meta['choices'])}")
    if kind == "country" and value.upper() not in _territories():
        raise ValueError("must be a two-letter ISO country code, e.g. \"CN\" or \"US\"")
    if kind == "currency" and value.upper() not in _currencies():
        raise ValueError("must be a three-letter currency code, e.g. \"USD\" or \"EUR\"")
    return value.upper() if kind in ("country", "currency") else value


def _number(value: Any, kind: type, low: float | None, high: float | None, what: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            kind is int and not isinstance(value, int)):
        wanted = "a whole number of days, e.g. 5" if kind is int else f"{what}, e.g. 1.50"
        raise ValueError(f"must be {wanted} (no quotes)")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"is impossible: it must be between {low:g} and {high:g}")
    return value


def _check_together(s: Settings, problem) -> None:
    """Values that are possible alone but not together."""
    low, high = Settings.key("partial_refund_low"), Settings.key("partial_refund_high")
    if s.partial_refund_low > s.partial_refund_high:
        problem(high, f"{high} ({s.partial_refund_high}) is below {low} "
                      f"({s.partial_refund_low}); the range must run from low to high")
    if s.partial_refund == "share" and s.partial_refund_high > 1:
        problem(high, f"{high} = {s.partial_refund_high} is more than the whole price; with "
                      "partial_refund = \"share\" write shares such as 0.10 for 10 %")


def _key_lines(text: str) -> dict[str, int]:
    """The line of each section header and key (the first, when repeated)."""
    found: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if header := re.match(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$", line):
            table = ".".join(p.strip().strip("\"'") for p in header[1].split("."))
            found.setdefault(table, number)
        elif assign := re.match(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""", line):
            key = assign[1].strip("\"'")
            found.setdefault(f"{table}.{key}" if table else key, number)
    return found


def _listed(names: Any) -> str:
    return ", ".join(repr(n) for n in names)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f'"{value}"' if isinstance(value, str) else repr(value)


@lru_cache(maxsize=1)
def _territories() -> frozenset[str]:
    from babel import Locale

    return frozenset(c for c in Locale("en").territories if re.fullmatch(r"[A-Z]{2}", c))


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


# ---------------------------------------------------------------- the file in effect


def shipped_path() -> Path:
    """The shipped default policy, with the seeds' figures."""
    return paths.shipped_data() / FILE_NAME


def policy_path(path: str | Path | None = None) -> Path:
    """The policy file in effect: ``path``, else $ASSISTANT_POLICY, else the seller's copy in
    ``home()`` if there is one, else the shipped file."""
    if path:
        return Path(path).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    own = paths.home() / FILE_NAME
    return own if own.is_file() else shipped_path()


def load(path: str | Path | None = None) -> Settings:
    """The settings of the policy file in effect (see :func:`policy_path`); read again when
    the file changes. Raises PolicyError when it is missing or invalid."""
    found = policy_path(path)
    try:
        stat = found.stat()
    except OSError:
        origin = f" (from ${ENV_VAR})" if not path and os.environ.get(ENV_VAR) else ""
        raise PolicyError(f"policy file not found: {found}{origin}; check the path, or copy "
                          f"{shipped_path()} there and edit it") from None
    return _load(str(found), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int) -> Settings:
    return read_text(_text(Path(path)), path)


def check(path: str | Path | None = None) -> list[str]:
    """Every problem of a policy file (default: the one in effect), each with its line."""
    found = policy_path(path)
    try:
        return check_text(_text(found), str(found))
    except PolicyError as exc:
        return [str(exc)]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read the policy file {path} ({exc}); check the path, and "
                          "save it as UTF-8") from None


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(key, value, what it means) for every setting, in the file's order."""
    rows = []
    for f in _FIELDS.values():
        value = getattr(settings, f.name)
        if f.metadata["kind"] == "days_table":
            shown = ", ".join(f"{name} = {days}" for name, days in value) or "(none)"
        elif value is None:
            shown = "(not set)"
        elif f.metadata["kind"] == "money":
            shown = f"{value:.2f}"
        else:
            shown = str(value).lower() if isinstance(value, bool) else str(value)
        rows.append((f.metadata["key"], shown, f.metadata["help"]))
    return rows
