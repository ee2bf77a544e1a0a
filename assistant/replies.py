"""Rendering replies from the templates in ``templates/<lang>/<name>.txt.j2``.

Templates run in a Jinja2 sandbox (agents may edit them). A value the order does not have
renders as a visible placeholder such as ``[tracking number]`` and is listed in
``Reply.missing_fields`` so the page can ask for it; a value only tested in ``{% if %}`` is not
missing. A language without a template falls back to English and the reply says so. Filters:
``|date`` ("11 January 2026"), ``|money`` (with the order's currency: "US$12.50") and
``|days`` ("25 days"), formatted by Babel for the reply's locale.

Example:
    >>> from assistant.orders import Order
    >>> reply = render("shipped_notice", Order(order_id="1043", carrier="ePacket"),
    ...                agent_name="Mia", store_name="Harbour Lane")
    >>> reply.missing_fields
    ('tracking_number',)
    >>> "[tracking number]" in reply.text
    True
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit
from jinja2 import ChainableUndefined, FileSystemLoader, meta, nodes, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from . import amounts, paths
from .delivery import FACT_FIELDS, facts
from .errors import TemplateError
from .orders import ORDER_FIELDS, Order
from .policy import DETAIL_FIELDS, Decision, decide
from .sandbox import LimitedEnvironment, TemplateLimitError, render_limited
from .scenarios import FALLBACK_LABEL, LABELS, SELLER_MESSAGES

ENV_VAR = "ASSISTANT_TEMPLATES"
SUFFIX = ".txt.j2"
DEFAULT_LANG = "en"
# British English writes "11 January 2026" and "US$12.50": unambiguous for buyers anywhere.
LOCALES: dict[str, str] = {"en": "en_GB", "es": "es_ES", "pt": "pt_BR", "fr": "fr_FR",
                           "de": "de_DE", "ru": "ru_RU"}
DECISION_FIELDS = ("label", "action", "action_title", "reason", "rule")
CONTEXT_FIELDS = ("today", "lang", "locale")
KNOWN_FIELDS = frozenset((*ORDER_FIELDS, *FACT_FIELDS, *DECISION_FIELDS, *CONTEXT_FIELDS,
                          *DETAIL_FIELDS, *amounts.NAMES))

_NAME = re.compile(r"[A-Za-z0-9][\w-]*")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?")
# The missing fields of the render running in this thread (ContextVar: one list per render,
# so agents rendering at the same time in one process never see each other's).
_missing: ContextVar[list[str] | None] = ContextVar("missing_fields", default=None)


@dataclass(frozen=True)
class Reply:
    """A rendered draft. ``template``/``lang`` are what was actually used; ``fallback`` is True
    when English replaced the language asked for; ``note`` explains any substitution."""

    text: str
    missing_fields: tuple[str, ...]
    template: str
    lang: str
    fallback: bool = False
    note: str | None = None


class _Placeholder(ChainableUndefined):
    """A missing value: printed as "[field name]" and recorded; false in ``{% if %}``."""

    __slots__ = ()

    def __str__(self) -> str:
        if issubclass(self._undefined_exception, SecurityError):
            self._fail_with_undefined_error()
        name = self._undefined_name or "value"
        found = _missing.get()
        if found is not None and name not in found:
            found.append(name)
        return f"[{name.replace('_', ' ')}]"


def locale_for(lang: str) -> str:
    """The Babel locale replies in ``lang`` are formatted for ("en" -> "en_GB")."""
    return _locale(lang)


@lru_cache(maxsize=16)
def _locale(lang: str) -> str:
    try:
        return str(Locale.parse(LOCALES.get(lang, lang).replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        return LOCALES[DEFAULT_LANG]


@pass_context
def _date_filter(ctx: Context, value: Any, format: str = "long") -> str:
    if not isinstance(value, date):
        return str(value)
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, format=format, locale=ctx.resolve("locale") or "en_GB")


@pass_context
def _money_filter(ctx: Context, value: Any, currency: str | None = None) -> str:
    if not isinstance(value, int | float | Decimal):
        return str(value)
    locale = ctx.resolve("locale") or "en_GB"
    code = currency or ctx.resolve("currency")
    if isinstance(code, jinja2.Undefined):
        return f"{format_decimal(value, format='#,##0.00', locale=locale)} {code}"
    return format_currency(value, str(code), locale=locale)


@pass_context
def _days_filter(ctx: Context, value: Any) -> str:
    if not isinstance(value, int):
        return str(value)
    locale = ctx.resolve("locale") or "en_GB"
    text = format_unit(value, "duration-day", length="long", locale=locale)
    if "duration-day" in text:  # Babel does not follow CLDR's long->short alias for pt
        text = format_unit(value, "duration-day", length="short", locale=locale)
    return text


@lru_cache(maxsize=32)
def _environment(root: str, lang: str) -> SandboxedEnvironment:
    """One environment per (directory, language): the language's files, then English ones."""
    search = [str(Path(root) / lang)]
    if lang != DEFAULT_LANG:
        search.append(str(Path(root) / DEFAULT_LANG))
    env = LimitedEnvironment(loader=FileSystemLoader(search), undefined=_Placeholder,
                               autoescape=False, keep_trailing_newline=True,
                               trim_blocks=True, lstrip_blocks=True)
    env.filters.update(date=_date_filter, money=_money_filter, days=_days_filter)
    return env


def templates_dir(path: str | Path | None = None) -> Path:
    """The templates directory: ``path``, else $ASSISTANT_TEMPLATES, else the repo's."""
    return Path(path) if path else paths.templates_dir()


def available_languages(*, root: str | Path | None = None) -> list[str]:
    """Languages with at least one template, English first."""
    base = templates_dir(root)
    found = {p.name for p in base.iterdir() if p.is_dir() and _LANG.fullmatch(p.name)
             and any(p.glob(f"*{SUFFIX}"))} if base.is_dir() else set()
    return sorted(found, key=lambda lang: (lang != DEFAULT_LANG, lang))


def list_templates(lang: str = DEFAULT_LANG, *, root: str | Path | None = None) -> list[str]:
    """Template names (labels and seller messages) in one language, without shared parts."""
    folder = templates_dir(root) / lang
    if not _LANG.fullmatch(lang) or not folder.is_dir():
        return []
    names = (p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}"))
    return sorted(n for n in names if _NAME.fullmatch(n))


def compile_templates(*, root: str | Path | None = None) -> int:
    """Compile every template of every language now, and return how many compiled: otherwise
    each is compiled on its first use (3-5 ms, the slowest replies of a fresh process). For
    processes that answer many messages, such as the app. A template that does not compile is
    skipped: its own drafts report it (see :func:`render`), the others are unaffected."""
    base = templates_dir(root)
    count = 0
    for lang in available_languages(root=base):
        env = _environment(str(base), lang)
        for name in list_templates(lang, root=base):
            try:
                env.get_template(name + SUFFIX)
            except (jinja2.TemplateError, OSError, UnicodeDecodeError, RecursionError):
                continue
            count += 1
    return count


def _has(root: Path, lang: str, name: str) -> bool:
    return bool(_LANG.fullmatch(lang) and _NAME.fullmatch(name)
                and (root / lang / f"{name}{SUFFIX}").is_file())


def _resolve(root: Path, template: str, lang: str) -> tuple[str, str, str | None]:
    """(template name, language used, note) for a requested template and language."""
    notes = []
    name = template
    if not (_has(root, lang, name) or _has(root, DEFAULT_LANG, name)):
        name = FALLBACK_LABEL
        notes.append(f"no template for label {template!r}; using the holding reply")
    used = lang if _has(root, lang, name) else DEFAULT_LANG
    if used != lang:
        folder = root / lang if _LANG.fullmatch(lang) else None
        missing = (f"no {lang!r} translation of {name!r}" if folder and folder.is_dir()
                   else f"no {lang!r} templates")
        notes.append(f"{missing}; using English")
    return name, used, "; ".join(notes) or None


def _context(order: Order | None, decision: Decision | None, *, agent_name: str | None,
             store_name: str | None, today: date | None, lang: str) -> dict[str, Any]:
    """Everything a template may use; None values are left out so they render as missing."""
    if today is None:
        today = decision.facts.today if decision and decision.facts else date.today()
    values: dict[str, Any] = {}
    locale = _locale(lang)
    if order is not None:
        # The decision's facts were worked out with its policy; keep them. A field they set
        # aside as impossible (a delivery before the shipment) is not written in a reply.
        order_facts = decision.facts if decision and decision.facts else facts(order, today)
        values |= {name: getattr(order, name) for name in ORDER_FIELDS
                   if name not in order_facts.problem_fields}
        values |= vars(order_facts) | {"usual_days": order_facts.usual_days}
    if decision is not None:
        values |= {"label": decision.label, "action": decision.action, "rule": decision.rule,
                   "action_title": decision.title, "reason": decision.reason,
                   **decision.deadlines, **decision.details,
                   **decision.amount_texts(locale)}
    values |= {"agent_name": agent_name or values.get("agent_name"),
               "store_name": store_name or values.get("store_name"),
               "today": today, "lang": lang, "locale": locale}
    return {k: v for k, v in values.items() if v is not None and v != ""}


def _tidy(text: str) -> str:
    """Strip trailing spaces, keep at most one blank line in a row, end with one newline."""
    text = "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def _render(root: Path, template: str, order: Order | None, decision: Decision | None, *,
            lang: str, agent_name: str | None, store_name: str | None,
            today: date | None) -> Reply:
    name, used, note = _resolve(root, template, lang)
    if (note is None and decision is not None and name == FALLBACK_LABEL != decision.label
            and not _has(root, DEFAULT_LANG, decision.label)):
        note = f"no template for label {decision.label!r}; using the holding reply"
    context = _context(order, decision, agent_name=agent_name, store_name=store_name,
                       today=today, lang=used)
    found: list[str] = []
    token = _missing.set(found)
    where = f"{root / used / name}{SUFFIX}"
    try:
        text = render_limited(_environment(str(root), used).get_template(name + SUFFIX),
                              context)
    except TemplateLimitError as exc:
        raise TemplateError(f"{where}: stopped: {exc}; simplify the template and run "
                            "'assistant templates check'.") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or where}, line {exc.lineno}: {exc.message}; fix the "
                            "template and run 'assistant templates check'.") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"{where}: template {exc.name!r} not found under {root}; restore it "
                            f"or point {ENV_VAR} at a complete templates directory.") from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        raise TemplateError(f"{where}: cannot render ({type(exc).__name__}: {exc}); fix the "
                            "template and run 'assistant templates check'.") from None
    finally:
        _missing.reset(token)
    return Reply(text=_tidy(text), missing_fields=tuple(found), template=name, lang=used,
                 fallback=used != lang, note=note)


def render(template: str, order: Order | None = None, decision: Decision | None = None, *,
           lang: str = "en", agent_name: str | None = None, store_name: str | None = None,
           today: date | None = None) -> Reply:
    """Render a label's or seller message's template for this order and decision.

    ``agent_name``/``store_name`` override the order's. A label without a template gets the
    holding reply ``other``; a language without it gets English (see ``Reply.note``). Raises
    TemplateError when a template is broken or does something the sandbox forbids.
    """
    return _render(templates_dir(), template, order, decision, lang=lang,
                   agent_name=agent_name, store_name=store_name, today=today)


def _variables(env: SandboxedEnvironment, name: str, seen: set[str] | None = None) -> set[str]:
    """Variables a template reads, including those of the files it extends, includes and
    imports."""
    seen = seen if seen is not None else {name}
    source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    ast = env.parse(source, name, filename)
    # Names bound by a top-level {% import %} are visible in the blocks, though meta says not.
    imported = {n.target for n in ast.find_all(nodes.Import)}
    imported |= {n if isinstance(n, str) else n[1] for i in ast.find_all(nodes.FromImport)
                 for n in i.names}
    found = set(meta.find_undeclared_variables(ast)) - imported
    for ref in meta.find_referenced_templates(ast):
        if ref and ref not in seen:
            seen.add(ref)
            found |= _variables(env, ref, seen)
    return found


CHECK_TODAY = date(2026, 2, 15)
_FULL = dict(order_id="8183920451726635", buyer_name="Ana", item_title="Linen blouse",
             sku="White / M", quantity=2, price=Decimal("24.90"), currency="USD",
             order_date=date(2026, 1, 8), ship_date=date(2026, 1, 11), carrier="China Post",
             service="small parcel", tracking_number="RR123456789CN",
             tracking_status="in_transit", promised_days=60, destination_country="ES",
             domestic=False, dispute_opened=date(2026, 2, 12), agent_name="Mia",
             store_name="Harbour Lane")
# Complete orders for check_templates: one still travelling, one delivered.
SAMPLE_ORDERS: tuple[Order, ...] = (
    Order(**_FULL),
    Order(**_FULL | {"tracking_status": "delivered", "delivered_date": date(2026, 2, 2)}),
)


def check_templates(labels: Any = None, *, root: str | Path | None = None) -> list[str]:
    """Problems with the templates (empty when all is well), for `assistant templates check`.

    Checks that every label (default: scenarios.LABELS) has a template,
    every seller message and the holding reply have one, every variable used is a known field
    (KNOWN_FIELDS), every template parses and renders with no order and with complete orders
    (leaving no placeholder then), and each translation uses the English version's variables.
    """
    base = templates_dir(root)
    english = set(list_templates(DEFAULT_LANG, root=base))
    if not english:
        return [f"{base / DEFAULT_LANG}: no English templates; English is the fallback for "
                f"every language, so add them there (or set {ENV_VAR})."]
    problems = []
    wanted = [*(LABELS if labels is None else labels), *SELLER_MESSAGES, FALLBACK_LABEL]
    for name in dict.fromkeys(wanted):
        if name not in english:
            kind = "seller message" if name in SELLER_MESSAGES else "label"
            problems.append(f"{kind} {name!r}: no {DEFAULT_LANG}/{name}{SUFFIX}, so its replies "
                            "would be the holding reply; add the template.")
    english_vars: dict[str, set[str]] = {}
    for lang in available_languages(root=base):
        for name in list_templates(lang, root=base):
            where = f"{lang}/{name}{SUFFIX}"
            try:
                variables = _variables(_environment(str(base), lang), name + SUFFIX)
            except jinja2.TemplateError as exc:
                problems.append(f"{where}: does not parse ({exc}).")
                continue
            if unknown := sorted(variables - KNOWN_FIELDS):
                problems.append(f"{where}: unknown variable(s) {', '.join(unknown)}; use the "
                                "fields in replies.KNOWN_FIELDS (a typo?).")
            if lang == DEFAULT_LANG:
                english_vars[name] = variables
            elif name not in english_vars:
                problems.append(f"{where}: no English original {DEFAULT_LANG}/{name}{SUFFIX}.")
            elif variables != english_vars[name]:
                diff = sorted(variables ^ english_vars[name])
                problems.append(f"{where}: variables differ from the English version "
                                f"({', '.join(diff)}); a translation must use the same ones.")
            problems.extend(_render_problems(base, name, lang, where))
    return problems


def _render_problems(base: Path, name: str, lang: str, where: str) -> list[str]:
    """Render with no order and with each sample order; the first problem found, if any."""
    cases = [(None, None)] + [(o, decide(name, o, today=CHECK_TODAY) if name in LABELS else None)
                              for o in SAMPLE_ORDERS]
    for order, decision in cases:
        try:
            reply = _render(base, name, order, decision, lang=lang, agent_name=None,
                            store_name=None, today=CHECK_TODAY)
        except TemplateError as exc:
            return [f"{where}: {exc}"]
        if order is not None and reply.missing_fields:
            return [f"{where}: shows placeholders for {', '.join(reply.missing_fields)} even "
                    "with a complete order; guard them with {% if %}."]
    return []
