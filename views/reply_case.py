"""The reply page's open case: its values in session state, and what the ticket shows, worked
out before anything is drawn.

The scenario and the reply language follow the model until the agent picks others; an order
number in the message fills the order in from the orders export; the draft follows the case
until the agent edits it (then the draft panel offers the changes instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

import ui
from assistant import AssistantError, respond
from assistant.assist import buyer_language
from assistant.casefile import (
    FORM_FIELDS,
    arrange,
    choose_language,
    empty_value,
    form_values,
    is_new_case,
    read_order,
)
from assistant.orderids import extract_ids
from assistant.orders import find_order_in
from assistant.replies import available_languages

state = st.session_state
EMPTY = {name: empty_value(name) for name in FORM_FIELDS}
# Widget values of the open case; the case_ prefix keeps them across reloads (see ui).
CASE_KEYS = ("case_scenario", "case_auto", "case_lang", "case_lang_auto", "case_draft",
             "case_base", "case_base_en", "case_placed", "case_layout", "case_saved",
             "case_filled_for", "case_filled_note")


def okey(name: str) -> str:
    """The session-state key of an order field's widget."""
    return f"case_order_{name}"


def start_case(message: str) -> None:
    """A new buyer: nothing of the previous order, scenario or draft carries over."""
    for key in CASE_KEYS:
        state.pop(key, None)
    for name, value in EMPTY.items():
        state[okey(name)] = value
    for name, value in extract_ids(message).items():
        state[okey(name)] = value


def open_case() -> str:
    """The message in the box; one from another buyer starts a new case."""
    ui.seed("case_message", "")
    message = state["case_message"]
    if message != state.get("case_for"):
        if is_new_case(state.get("case_for", ""), message):
            start_case(message)
        state["case_for"] = message
    for name, value in EMPTY.items():
        ui.seed(okey(name), value)
    return message


def place(text: str, english: str | None) -> None:
    """Put a suggestion in the draft box. The texts the page placed are remembered: a box
    holding one of them is not the agent's yet. (A comparison with the last suggestion alone
    is not enough: when a run is cut short by the next click, the browser sends back the
    text it still shows, an older suggestion, which must not count as an edit.)"""
    placed = state.setdefault("case_placed", [])
    placed.append(text)
    del placed[:-30]
    state.update(case_draft=text, case_base=text, case_base_en=english)


@dataclass
class Case:
    """What the ticket shows, worked out before anything is drawn."""

    message: str
    turns: list
    request: str
    model: object
    prediction: object
    options: list[str]
    chosen: str
    languages: list[str]
    language: object
    problems: dict[str, str]
    result: object
    layout: tuple[list[str], list[str], list[str]]
    edited: bool
    pending: bool

    @property
    def reply(self):
        return self.result.reply

    @property
    def decision(self):
        return self.result.decision

    @property
    def rendered(self) -> str:
        return self.result.reply.text

    @property
    def rendered_en(self) -> str | None:
        return self.result.english.text if self.result.english is not None else None


def work_out(message: str, model, today: date) -> Case:
    """Classify (once per message), follow the agent's choices, fill the order from the export,
    decide, draft, and reconcile the draft box with the agent's edits."""
    turns, request = _read_thread(message)
    prediction = _predict(model, request)

    # The scenario and the language follow the model until the agent picks another.
    profile = ui.profile()
    options = ui.scenario_options(model.labels)
    _follow("case_scenario", "case_auto", options, prediction.label,
            prediction.label if prediction.label in options else options[0])
    languages = available_languages()
    language = choose_language(prediction, sure=buyer_language(prediction),
                               default=profile.language, available=languages)
    _follow("case_lang", "case_lang_auto", languages, language.lang, language.lang)

    _fill_from_export()
    values = {name: state.get(okey(name)) for name in FORM_FIELDS}
    order, problems = read_order(values, today)
    chosen = state["case_scenario"]
    try:
        result = respond(prediction, order, label=chosen, lang=state["case_lang"],
                         agent_name=profile.agent_name or None,
                         store_name=profile.store_name or None, today=today)
    except AssistantError as exc:
        ui.stop_with(f"The reply cannot be drafted: {exc}", "error")
    _arrange_fields(chosen, values, result)

    rendered = result.reply.text
    edited = _follow_draft(rendered, result.english.text if result.english is not None else None)
    return Case(message, turns, request, model, prediction, options, chosen, languages,
                language, problems, result, state["case_layout"][1], edited,
                edited and rendered != state["case_base"])


def _read_thread(message: str) -> tuple[list, str]:
    """The turns of a pasted thread and the buyer's current request, which is classified
    (when the conversations module is there; else the message is one request)."""
    tools = ui.thread_tools()
    turns = tools[0](message) if tools else []
    request = (tools[1](turns) if tools and len(turns) > 1 else message) or message
    return turns, request


def _predict(model, request: str):
    """The model's reading of the request, kept until the request or the model changes."""
    predicted_for = (model.name, model.card.get("created"), request)
    if state.get("case_predicted_for") != predicted_for:
        [state["case_prediction"]] = model.predict([request])
        state["case_predicted_for"] = predicted_for
    return state["case_prediction"]


def _follow(key: str, auto_key: str, options, suggested: str, value: str) -> None:
    """Set ``state[key]`` to ``value`` when it is not among ``options``, or when it still holds
    the model's last suggestion (``state[auto_key]``) and the model now suggests another."""
    if state.get(key) not in options or state.get(key) == state.get(auto_key) != suggested:
        state[key] = value
    state[auto_key] = suggested


def _fill_from_export() -> None:
    """Fill the order fields from the orders export, once per export and order number."""
    export = state.get("orders_export")
    order_id = (state.get(okey("order_id")) or "").strip()
    if export and order_id and state.get("case_filled_for") != (export["id"], order_id):
        try:
            found = find_order_in(export["rows"], order_id, where=export["name"])
            for name, value in form_values(found).items():
                if value is not None:
                    state[okey(name)] = value
            state["case_filled_note"] = f"Filled in from {export['name']}."
        except AssistantError as exc:
            state["flash_order"] = str(exc)
        state["case_filled_for"] = (export["id"], order_id)


def _arrange_fields(chosen: str, values: dict, result) -> None:
    """The order fields' layout. It is fixed per scenario and fill, so nothing moves while
    the agent types."""
    layout_for = (chosen, state.get("case_filled_for"))
    if (state.get("case_layout") or (None,))[0] != layout_for:
        elsewhere = [name for name in FORM_FIELDS if getattr(result.order, name, None) is not None]
        if result.decision.facts is not None and result.decision.facts.promised_days is not None:
            elsewhere.append("promised_days")  # from the carrier table
        state["case_layout"] = (layout_for, arrange(chosen, values, result.reply.missing_fields,
                                                    elsewhere))


def _follow_draft(rendered: str, rendered_en: str | None) -> bool:
    """Put the suggested reply in the draft box unless the agent has edited it; True when
    the agent has."""
    if "case_draft" not in state or "case_base" not in state:
        place(rendered, rendered_en)
    edited = state["case_draft"] not in state.get("case_placed", ())
    if not edited and (state["case_draft"] != rendered or state["case_base_en"] != rendered_en):
        place(rendered, rendered_en)  # not the agent's yet: it follows the case
    return edited
