"""The chain every front end calls: prediction -> decision -> reply."""

from __future__ import annotations

from datetime import date

from assistant import draft, respond
from assistant.assist import buyer_language

GERMAN = "Mein Paket kam leer an, Bestellung 1043. Es war nichts drin!"


def test_foreign_reply_comes_with_its_english_version(default_model):
    result = draft(GERMAN, model=default_model, today=date(2026, 2, 1))
    assert (result.label, result.reply.lang) == ("empty_package", "de")
    assert result.order.order_id == "1043"
    assert result.english is not None and result.english.lang == "en"
    assert result.to_dict()["reply_english"] == result.english.text


def test_english_version_can_be_skipped(default_model):
    [prediction] = default_model.predict([GERMAN])
    result = respond(prediction, english=False, today=date(2026, 2, 1))
    assert result.reply.lang == "de" and result.english is None


def test_two_unsure_words_are_not_enough_to_switch_language(default_model):
    # Two words the detectors cannot place with confidence: the reply keeps the default.
    [short] = default_model.predict(["onde está"])
    [long] = default_model.predict(["le colis est arrivé vide, rien dedans"])
    assert short.language_confidence < 0.5
    assert buyer_language(short) is None
    assert buyer_language(long) == "fr"
    assert draft("onde está", model=default_model).reply.lang == "en"
    # Two words the model's own language head is sure of are enough.
    [sure] = default_model.predict(["colis vide"])
    assert buyer_language(sure) == "fr"
