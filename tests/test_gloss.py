"""The English gloss of a buyer's message: the scenario and the facts found, in English."""

from __future__ import annotations

import pytest

from assistant.gloss import amounts_in, dates_in, durations_in, gloss


@pytest.mark.parametrize("text,expected", [
    ("Mi pedido 1043 llegó vacío el 12 de marzo, pagué 25 €",
     ["order 1043", "12 March", "€25"]),
    ("Bestellung 99887766: seit 3 Wochen nichts, 25,90 EUR bezahlt",
     ["order 99887766", "3 weeks", "€25,90"]),
    ("Я заказал красное платье 5 марта, заказ 8183920451726635",
     ["order 8183920451726635", "5 March", "dress", "red"]),
    ("encomenda #12345 chegou ontem, paguei R$ 50", ["order 12345", "yesterday", "R$50"]),
    ("Commande reçue le 2 janv. 2026, la robe rouge est tachée",
     ["2 January 2026", "dress", "red"]),
    ("tracking LP00123456789CN, paid US$12.50 on March 3rd 2026",
     ["tracking LP00123456789CN", "3 March 2026", "US$12.50"]),
])
def test_facts_in_english(text, expected):
    assert [f.text for f in gloss(text, "other").facts] == expected


def test_ambiguous_numeric_dates_are_shown_as_written():
    assert dates_in("ordered on 03/04, shipped 2026-04-05") == ["03/04", "5 April 2026"]


def test_no_false_facts_in_plain_words():
    assert gloss("in case you wonder, may I ask a question", "other").facts == ()
    assert amounts_in("I waited 3 days") == [] and durations_in("I waited 3 days") == ["3 days"]


def test_meaning_of_the_scenario():
    g = gloss("Paket leer", "empty_package", language="de", also="wrong_item")
    assert (g.scenario, g.meaning, g.language) == ("Empty package",
                                                  "the parcel arrived with nothing inside", "de")
    assert gloss("x", "shipped_notice").meaning.startswith("a message the seller starts")
