"""An English gloss of a buyer's message, for an agent who does not read its language: what
the buyer asks (the scenario in words) and the facts found in the text (order and tracking
numbers, dates, durations, amounts, items, colours), written in English.

Offline and rule-based: patterns and small word lists for the served languages, no
translation service. It says what it found, never more.

>>> g = gloss("Mi pedido 1043 llegó vacío el 12 de marzo, pagué 25 €", "empty_package",
...           language="es")
>>> g.meaning
'the parcel arrived with nothing inside'
>>> [f.text for f in g.facts]
['order 1043', '12 March', '€25']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .orderids import extract_ids
from .scenarios import SCENARIOS, SELLER_MESSAGES, title

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "pt": "Portuguese", "fr": "French",
                  "de": "German", "ru": "Russian", "other": "another language"}

_MONTHS_TEXT = {
    "January": "january jan enero ene janeiro janvier janv januar jän январь января",
    "February": "february feb febrero fevereiro fev février févr februar февраль февраля",
    "March": "march mar marzo março mars märz март марта",
    "April": "april apr abril avril апрель апреля",
    "May": "may mayo maio mai май мая",
    "June": "june jun junio junho juin juni июнь июня",
    "July": "july jul julio julho juillet juil juli июль июля",
    "August": "august aug agosto août август августа",
    "September": "september sep sept septiembre setiembre setembro septembre сентябрь "
                 "сентября",
    "October": "october oct octubre outubro out octobre oktober okt октябрь октября",
    "November": "november nov noviembre novembro novembre ноябрь ноября",
    "December": "december dec diciembre dic dezembro dez décembre déc dezember декабрь "
                "декабря",
}
_MONTHS = {word: month for month, text in _MONTHS_TEXT.items() for word in text.split()}
_MONTH = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))

_UNITS_TEXT = {
    "day": "day days día días dia dias jour jours tag tage tagen день дня дней сутки суток",
    "week": "week weeks semana semanas semaine semaines woche wochen неделю недели недель "
            "неделя",
    "month": "month months mes meses mês mois monat monate monaten месяц месяца месяцев",
}
_UNITS = {word: unit for unit, text in _UNITS_TEXT.items() for word in text.split()}
_UNIT = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))

_RELATIVE_TEXT = {
    "yesterday": "yesterday|ayer|ontem|hier|gestern|вчера",
    "today": "today|hoy|hoje|aujourd'hui|heute|сегодня",
    "last week": "last week|la semana pasada|semana passada|la semaine dernière|letzte woche|"
                 "на прошлой неделе",
    "last month": "last month|el mes pasado|mês passado|le mois dernier|letzten monat|"
                  "в прошлом месяце",
}
_RELATIVE = {phrase: meaning for meaning, text in _RELATIVE_TEXT.items()
             for phrase in text.split("|")}

# Items and colours buyers name most often, by the English word (phrases allowed).
_ITEMS_TEXT = {
    "dress": "dress|dresses|vestido|vestidos|robe|robes|kleid|kleider|платье|платья",
    "shirt": "shirt|shirts|camisa|camisas|chemise|chemises|hemd|hemden|рубашка|рубашку",
    "T-shirt": "t-shirt|t-shirts|tshirt|camiseta|camisetas|tee-shirt|футболка|футболку",
    "trousers": "trousers|pants|jeans|pantalón|pantalones|calça|calças|pantalon|hose|брюки|"
                "джинсы",
    "jacket": "jacket|coat|chaqueta|abrigo|jaqueta|casaco|veste|manteau|jacke|mantel|куртка|"
              "куртку|пальто",
    "shoes": "shoes|shoe|sneakers|boots|zapatos|zapatillas|botas|sapatos|tênis|chaussures|"
             "baskets|schuhe|stiefel|обувь|туфли|кроссовки|ботинки",
    "bag": "bag|handbag|backpack|bolso|bolsa|mochila|sac|sac à dos|tasche|rucksack|сумка|"
           "сумку|рюкзак",
    "phone case": "phone case|phone cover|funda|capa|capinha|coque|étui|hülle|handyhülle|чехол",
    "watch": "watch|reloj|relógio|montre|uhr|armbanduhr|часы",
    "phone": "phone|smartphone|teléfono|celular|móvil|telefone|téléphone|handy|телефон",
    "charger": "charger|cargador|carregador|chargeur|ladegerät|зарядка|зарядное устройство",
    "cable": "cable|cabo|câble|kabel|кабель|провод",
    "earphones": "earphones|headphones|earbuds|auriculares|fones|fone de ouvido|écouteurs|"
                 "casque|kopfhörer|наушники",
    "ring": "ring|anillo|anel|bague|кольцо",
    "necklace": "necklace|collar|colar|collier|halskette|kette|ожерелье|цепочка",
    "earrings": "earrings|pendientes|aretes|brincos|boucles d'oreilles|ohrringe|серьги",
    "toy": "toy|toys|juguete|brinquedo|jouet|spielzeug|игрушка|игрушку",
    "lamp": "lamp|lámpara|lâmpada|luminária|lampe|лампа|лампу|светильник",
}
_COLOURS_TEXT = {
    "red": "red|rojo|roja|vermelho|vermelha|rouge|rot|rote|roten|красный|красная|красное|"
           "красную",
    "blue": "blue|azul|bleu|bleue|blau|blaue|blauen|синий|синяя|синее|синюю|голубой|голубая",
    "black": "black|negro|negra|preto|preta|noir|noire|schwarz|schwarze|schwarzen|чёрный|"
             "черный|чёрная|черная|чёрное|черное|чёрную|черную",
    "white": "white|blanco|blanca|branco|branca|blanc|blanche|weiß|weiss|weiße|weißen|белый|"
             "белая|белое|белую",
    "green": "green|verde|vert|verte|grün|grüne|grünen|зелёный|зеленый|зелёная|зеленая|"
             "зелёное|зеленое",
    "pink": "pink|rosa|rose|розовый|розовая|розовое|розовую",
    "yellow": "yellow|amarillo|amarilla|amarelo|amarela|jaune|gelb|gelbe|жёлтый|желтый|"
              "жёлтая|желтая",
    "grey": "grey|gray|gris|grise|cinza|grau|graue|серый|серая|серое|серую",
    "brown": "brown|marrón|marrom|brun|brune|braun|braune|коричневый|коричневая",
}


def _phrases(table: dict[str, str]) -> tuple[re.Pattern, dict[str, str]]:
    words = {w: meaning for meaning, text in table.items() for w in text.split("|")}
    alternation = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])"), words


_ITEMS = _phrases(_ITEMS_TEXT)
_COLOURS = _phrases(_COLOURS_TEXT)

_ORD = r"(?:st|nd|rd|th|º|°|er|\.)?"
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORD}\s+(?:de\s+|of\s+)?({_MONTH})\b\.?"
                        rf"(?:\s+(?:de\s+)?(20\d\d))?", re.IGNORECASE)
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(20\d\d))?",
                        re.IGNORECASE)
_ISO = re.compile(r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b|\b(\d{1,2})\.(\d{1,2})\.(\d{2,4})\b")
_DURATION = re.compile(rf"\b(\d{{1,3}})\s*({_UNIT})\b", re.IGNORECASE)

_SYMBOLS = {"us$": "US$", "r$": "R$", "$": "$", "€": "€", "£": "£", "₽": "₽", "usd": "US$",
            "dollar": "$", "dollars": "$", "dólar": "$", "dólares": "$", "eur": "€",
            "euro": "€", "euros": "€", "gbp": "£", "pound": "£", "pounds": "£", "rub": "₽",
            "руб": "₽", "рублей": "₽", "рубля": "₽", "рубль": "₽", "brl": "R$", "reais": "R$",
            "real": "R$"}
_NUMBER = r"\d[\d\s.,]*\d|\d"
_AMOUNT = re.compile(
    rf"(US\s?\$|R\$|[$€£₽])\s?({_NUMBER})"
    rf"|({_NUMBER})\s?(US\$|R\$|[$€£₽]|usd|eur|euros?|gbp|pounds?|dollars?|dólares|dólar|"
    r"rub|руб(?:лей|ля|ль)?|brl|reais)(?![\w])",
    re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    """One thing found in the message: ``kind`` is order, tracking, date, duration, amount,
    item or colour; ``text`` is it in English."""

    kind: str
    text: str


@dataclass(frozen=True)
class Gloss:
    """The message in English terms."""

    label: str
    language: str | None  # a served code, "other", or None when too short to tell
    also: str | None = None
    facts: tuple[Fact, ...] = ()

    @property
    def scenario(self) -> str:
        return title(self.label)

    @property
    def meaning(self) -> str:
        """What the buyer says, as the scenario describes it."""
        if self.label in SCENARIOS:
            return SCENARIOS[self.label].description
        if self.label in SELLER_MESSAGES:
            return f"a message the seller starts ({SELLER_MESSAGES[self.label].title})"
        return title(self.label).lower()

    def mentions(self) -> str:
        """The facts in one line: "order 1043 · 12 March · €25"."""
        return " · ".join(f.text for f in self.facts)


def _month_date(day: str, month: str, year: str | None) -> str | None:
    if not 1 <= int(day) <= 31:
        return None
    return " ".join(p for p in (str(int(day)), _MONTHS[month.casefold()], year) if p)


def dates_in(text: str) -> list[str]:
    """Dates and relative days written in the message, in English ("12 March", "yesterday")."""
    found: list[tuple[int, str]] = []
    taken: list[range] = []

    def add(match: re.Match, value: str | None) -> None:
        if value and not any(match.start() in r for r in taken):
            found.append((match.start(), value))
            taken.append(range(*match.span()))

    for m in _ISO.finditer(text):
        month = int(m[2])
        if 1 <= month <= 12:
            add(m, _month_date(m[3], list(_MONTHS_TEXT)[month - 1].casefold(), m[1]))
    for m in _DAY_MONTH.finditer(text):
        add(m, _month_date(m[1], m[2], m[3]))
    for m in _MONTH_DAY.finditer(text):
        add(m, _month_date(m[2], m[1], m[3]))
    for m in _NUMERIC.finditer(text):
        add(m, m.group(0))  # 03/04 is ambiguous: shown as written
    lowered = text.casefold()
    for phrase, meaning in _RELATIVE.items():
        at = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered)
        if at:
            found.append((at.start(), meaning))
    return list(dict.fromkeys(v for _, v in sorted(found)))


def durations_in(text: str) -> list[str]:
    """Spans of time ("20 days", "3 weeks") written in the message."""
    out = []
    for m in _DURATION.finditer(text):
        n, unit = int(m[1]), _UNITS[m[2].casefold()]
        out.append(f"{n} {unit}" + ("" if n == 1 else "s"))
    return list(dict.fromkeys(out))


def amounts_in(text: str) -> list[str]:
    """Amounts of money ("€25", "US$12.50") written in the message."""
    out = []
    for m in _AMOUNT.finditer(text):
        symbol, number = (m[1], m[2]) if m[1] else (m[4], m[3])
        key = re.sub(r"\s", "", symbol).casefold()
        digits = re.sub(r"\s", "", number)
        out.append(f"{_SYMBOLS.get(key, symbol)}{digits}")
    return list(dict.fromkeys(out))


def _words_in(text: str, table: tuple[re.Pattern, dict[str, str]]) -> list[str]:
    pattern, meanings = table
    return list(dict.fromkeys(meanings[m.group(0)] for m in pattern.finditer(text.casefold())))


def facts_in(text: str) -> tuple[Fact, ...]:
    """Everything :func:`gloss` reports, in a stable order."""
    ids = extract_ids(text)
    facts = []
    if "order_id" in ids:
        facts.append(Fact("order", f"order {ids['order_id']}"))
    if "tracking_number" in ids:
        facts.append(Fact("tracking", f"tracking {ids['tracking_number']}"))
    # Numbers already read as ids are not also amounts or dates.
    rest = text
    for value in ids.values():
        rest = re.sub(re.escape(value), " ", rest, flags=re.IGNORECASE)
    facts += [Fact("date", d) for d in dates_in(rest)]
    facts += [Fact("duration", d) for d in durations_in(rest)]
    facts += [Fact("amount", a) for a in amounts_in(rest)]
    facts += [Fact("item", i) for i in _words_in(rest, _ITEMS)]
    facts += [Fact("colour", c) for c in _words_in(rest, _COLOURS)]
    return tuple(facts)


def gloss(text: str, label: str, *, language: str | None = None,
          also: str | None = None) -> Gloss:
    """The English gloss of a buyer's message classified as ``label``.

    ``language`` is the buyer's language when it could be told (None: too short to tell);
    ``also`` a second problem the message raises.
    """
    return Gloss(label=label, language=language, also=also, facts=facts_in(text or ""))
