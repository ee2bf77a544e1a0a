"""Reply page, laid out as a ticket: the buyer's message and the draft on the left; the
scenario, the recommended action and the order on the right.

The draft belongs to the agent: it follows the case only until the agent edits it; after
that a change to the order or the scenario offers "Update draft" with what it would change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import streamlit as st

import ui
from assistant import AssistantError, respond
from assistant.assist import buyer_language
from assistant.casefile import (
    FORM_FIELDS,
    arrange,
    check_first,
    choices,
    choose_language,
    countries,
    dates_for,
    empty_value,
    field_kind,
    field_label,
    form_values,
    is_new_case,
    note_in_words,
    promise_hint,
    read_order,
    review_reasons,
)
from assistant.drafts import (
    added_lines,
    changes,
    describe,
    field_of,
    fingerprint,
    merge,
    placeholders,
)
from assistant.gloss import gloss
from assistant.orders import extract_ids, find_order_in
from assistant.replies import available_languages

state = st.session_state
profile = ui.profile()
today = date.today()
EMPTY = {name: empty_value(name) for name in FORM_FIELDS}
# Widget values of the open case; the case_ prefix keeps them across reloads (see ui).
CASE_KEYS = ("case_scenario", "case_auto", "case_lang", "case_lang_auto", "case_draft",
             "case_base", "case_base_en", "case_placed", "case_layout", "case_saved",
             "case_filled_for", "case_filled_note")


def okey(name: str) -> str:
    return f"case_order_{name}"


def start_case(message: str) -> None:
    """A new buyer: nothing of the previous order, scenario or draft carries over."""
    for key in CASE_KEYS:
        state.pop(key, None)
    for name, value in EMPTY.items():
        state[okey(name)] = value
    for name, value in extract_ids(message).items():
        state[okey(name)] = value


def new_ticket() -> None:
    state["case_message"] = ""
    state["case_for"] = ""
    start_case("")


def pick_alternative() -> None:
    picked = state.get("pick_alternative")
    if picked:  # clicking the one in use again leaves it in use
        state["case_scenario"] = picked


def place(text: str, english: str | None) -> None:
    """Put a suggestion in the draft box. The texts the page placed are remembered: a box
    holding one of them is not the agent's yet. (A comparison with the last suggestion alone
    is not enough: when a run is cut short by the next click, the browser sends back the
    text it still shows, an older suggestion, which must not count as an edit.)"""
    placed = state.setdefault("case_placed", [])
    placed.append(text)
    del placed[:-30]
    state.update(case_draft=text, case_base=text, case_base_en=english)


def apply_update(rendered: str, english: str | None, *, replace: bool) -> None:
    if replace:
        place(rendered, english)
        return
    merged = merge(state.get("case_base", ""), state.get("case_draft", ""), rendered)
    if merged is not None:  # the agent's text with the new suggestion's changes
        state.update(case_draft=merged, case_base=rendered, case_base_en=english)


def keep_mine(rendered: str, english: str | None) -> None:
    state.update(case_base=rendered, case_base_en=english)


def save(message: str, prediction, chosen: str, order_id: str | None) -> None:
    text = state.get("case_draft", "")
    gaps = placeholders(text)
    if gaps:
        where = sorted({"your profile (sidebar)" if field_of(g) in ("agent_name", "store_name")
                        else "the order panel" for g in gaps})
        state["flash"] = ("error", "Not saved: the reply still has "
                          f"{describe(f'[{g}]' for g in gaps)}. Fill "
                          f"{'it' if len(gaps) == 1 else 'them'} in {describe(where)}, or "
                          "edit the reply.")
        return
    done = fingerprint(message, chosen, text)
    saved = state.setdefault("case_saved", {})
    if done in saved:
        state["flash"] = ("success", f"Saved as #{saved[done]}; saving it again stores nothing "
                                     "new.")
        return
    try:
        row = ui.feedback().save(message=message, predicted_label=prediction.label,
                                 confidence=prediction.confidence, final_label=chosen,
                                 order_id=order_id, reply=text, language=prediction.language,
                                 agent=profile.agent_name or None)
    except AssistantError as exc:
        state["flash"] = ("error", f"Not saved: {exc}")
        return
    saved[done] = row
    state["flash"] = ("success", f"Saved as #{row}: the message, the scenario and your reply.")


def plain(text: str) -> str:
    """Text shown as written (no markdown), line breaks kept."""
    escaped = re.sub(r"([\\`*_{}\[\]()#+\-.!|>~$<])", r"\\\1", text.strip())
    return escaped.replace("\n", "  \n")


# ---------------------------------------------------------------- orders export (sidebar)
# Read before the panel is drawn. Kept for the session (not in the case kept across reloads:
# an export can be large).
upload, export_problem = state.get("orders_upload"), None
if upload is not None and (state.get("orders_export") or {}).get("id") != upload.file_id:
    try:
        frame = ui.table(upload).frame
        state["orders_export"] = {"id": upload.file_id, "name": upload.name,
                                  "rows": list(zip(frame.index, frame.to_dict("records"),
                                                   strict=True))}
    except AssistantError as exc:
        export_problem = f"{upload.name} cannot be read: {exc}"
export = state.get("orders_export")
state.setdefault("orders_open", export is None)
with st.sidebar.expander("Orders export", icon=":material/upload_file:",
                         expanded=state["orders_open"]):
    st.file_uploader("Fill orders in from an export (CSV, XLSX…)", key="orders_upload",
                     type=["csv", "tsv", "xlsx", "jsonl", "parquet"])
    if export_problem:
        st.error(export_problem)
    if export:
        st.caption(f"Using {export['name']}: {len(export['rows']):,} orders; an order number "
                   "in the message fills its details.")


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


def work_out(message: str, model) -> Case:
    """Classify (once per message), follow the agent's choices, fill the order from the export,
    decide, draft, and reconcile the draft box with the agent's edits."""
    # A pasted thread is classified on the buyer's current request (when the module is there).
    tools = ui.thread_tools()
    turns = tools[0](message) if tools else []
    request = (tools[1](turns) if tools and len(turns) > 1 else message) or message
    predicted_for = (model.name, model.card.get("created"), request)
    if state.get("case_predicted_for") != predicted_for:
        [state["case_prediction"]] = model.predict([request])
        state["case_predicted_for"] = predicted_for
    prediction = state["case_prediction"]

    # The scenario and the language follow the model until the agent picks another.
    options = ui.scenario_options(model.labels)
    if state.get("case_scenario") not in options or (
            state.get("case_scenario") == state.get("case_auto") != prediction.label):
        state["case_scenario"] = prediction.label if prediction.label in options else options[0]
    state["case_auto"] = prediction.label
    languages = available_languages()
    language = choose_language(prediction, sure=buyer_language(prediction),
                               default=profile.language, available=languages)
    if state.get("case_lang") not in languages or (
            state.get("case_lang") == state.get("case_lang_auto") != language.lang):
        state["case_lang"] = language.lang
    state["case_lang_auto"] = language.lang

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

    values = {name: state.get(okey(name)) for name in FORM_FIELDS}
    order, problems = read_order(values, today)
    chosen = state["case_scenario"]
    try:
        result = respond(prediction, order, label=chosen, lang=state["case_lang"],
                         agent_name=profile.agent_name or None,
                         store_name=profile.store_name or None, today=today)
    except AssistantError as exc:
        ui.stop_with(f"The reply cannot be drafted: {exc}", "error")

    # The fields' order is fixed per scenario and fill, so nothing moves while the agent types.
    layout_for = (chosen, state.get("case_filled_for"))
    if (state.get("case_layout") or (None,))[0] != layout_for:
        elsewhere = [name for name in FORM_FIELDS if getattr(result.order, name, None) is not None]
        if result.decision.facts is not None and result.decision.facts.promised_days is not None:
            elsewhere.append("promised_days")  # from the carrier table
        state["case_layout"] = (layout_for, arrange(chosen, values, result.reply.missing_fields,
                                                    elsewhere))

    rendered = result.reply.text
    rendered_en = result.english.text if result.english is not None else None
    if "case_draft" not in state or "case_base" not in state:
        place(rendered, rendered_en)
    edited = state["case_draft"] not in state.get("case_placed", ())
    if not edited and (state["case_draft"] != rendered or state["case_base_en"] != rendered_en):
        place(rendered, rendered_en)  # not the agent's yet: it follows the case
    return Case(message, turns, request, model, prediction, options, chosen, languages,
                language, problems, result, state["case_layout"][1], edited,
                edited and rendered != state["case_base"])


# ---------------------------------------------------------------- drawing


def update_offer(case: Case) -> None:
    """Shown instead of overwriting the agent's edits: what would change, and the choice."""
    merged = merge(state["case_base"], state["case_draft"], case.rendered)
    args = (case.rendered, case.rendered_en)
    with st.container(border=True, key="update_box"):
        st.markdown("**The order or scenario changed after you edited the draft.** Your text "
                    "stays as it is until you choose:")
        diff = "\n".join(f"{sign} {text}" for sign, text in
                         changes(state["case_base"], case.rendered))
        st.code(diff or "(only spacing changes)", language="diff", wrap_lines=True)
        row = st.container(horizontal=True)
        if merged is not None:
            row.button("Update draft", key="update_draft", type="primary",
                       icon=":material/sync:", on_click=apply_update, args=args,
                       kwargs={"replace": False}, help="Apply these changes and keep your edits")
        else:
            row.button("Replace my draft", key="replace_draft", icon=":material/sync:",
                       on_click=apply_update, args=args, kwargs={"replace": True},
                       help="Your edits touch the same lines: this replaces them")
        row.button("Keep my draft", key="keep_draft", on_click=keep_mine, args=args)


def draft_panel(case: Case) -> None:
    """The gloss of the message, the thread, the draft with its buttons, the English."""
    prediction, language, reply = case.prediction, case.language, case.reply
    said = gloss(case.request, case.chosen, language=language.buyer, also=prediction.also)
    foreign = language.buyer not in ("en", None)
    line = f"**{'In English' if foreign else 'In short'}:** {said.scenario} — {said.meaning}"
    if said.facts:
        line += f" · mentions {said.mentions()}"
    written = f"Written in {ui.lang_name(language.buyer)}." if foreign else ""
    st.caption(f"{line}. {written} {language.note or ''}".strip())
    if len(case.turns) > 1:
        with st.expander(f"Thread: {len(case.turns)} messages; the scenario is read from the "
                         "buyer's latest request"):
            for turn in case.turns:
                who = "Buyer" if turn.role == "buyer" else "You"
                st.markdown(f"**{who}{f' ({turn.name})' if turn.name else ''}:** "
                            f"{plain(turn.text)}")
    if prediction.truncated:
        st.caption(f"A long message: the scenario is read from its first "
                   f"{ui.MAX_CLASSIFIED_CHARS:,} characters; the draft and the saved case keep "
                   "all of it.")
    if case.pending:
        update_offer(case)

    head = st.container(horizontal=True, vertical_alignment="center")
    head.markdown("**Reply to the buyer**" + (" · edited by you" if case.edited else ""))
    head.space("stretch")
    head.selectbox("Reply language", case.languages, key="case_lang", format_func=ui.lang_name,
                   label_visibility="collapsed", width=170, persist_state="session")
    if reply.note:
        st.caption(note_in_words(reply.note))
    st.text_area(f"Reply in {ui.lang_name(reply.lang)} (yours to edit)", key="case_draft",
                 height=330, label_visibility="collapsed", persist_state="session")
    text = state["case_draft"]
    with st.container(horizontal=True, vertical_alignment="center"):
        ui.draft_tools("case_draft", f"reply-{case.result.order.order_id or 'draft'}.txt",
                       key="draft_tools")
        done = fingerprint(case.message, case.chosen, text) in state.get("case_saved", {})
        st.button("Saved" if done else "Save", key="save", type="primary",
                  icon=":material/check:" if done else ":material/save:", disabled=done,
                  on_click=save, args=(case.message, prediction, case.chosen,
                                       case.result.order.order_id),
                  help="Keep the message, the scenario and this reply (for training and the "
                       "team's history)")
        gaps = placeholders(text)
        if gaps:
            st.caption(f":orange[Still to fill: {describe(f'[{g}]' for g in gaps)}]")
    if "flash" in state:
        kind, message = state.pop("flash")
        getattr(st, kind)(message)

    english = state.get("case_base_en") or case.rendered_en
    if english and reply.lang != "en":
        with st.container(border=True, key="english_box"):
            if case.edited:
                st.markdown(f"**In English (not sent)** · :orange[out of date: this is the "
                            f"suggested reply; your edits to the {ui.lang_name(reply.lang)} "
                            "text are not in it]")
                yours = added_lines(state["case_base"], text)
                if yours:
                    st.caption("Your lines, not translated: " + " · ".join(
                        f"“{line}”" for line in yours[:5]))
            else:
                st.markdown("**In English (not sent)** · the same reply, for you to read")
            st.markdown(plain(english))


def scenario_panel(case: Case) -> None:
    """The scenario, how sure the model is, why a person should look, the candidates."""
    prediction, chosen = case.prediction, case.chosen
    with st.container(border=True, key="scenario_box"):
        st.selectbox("Scenario", case.options, key="case_scenario", format_func=ui.fmt_label,
                     persist_state="session")
        sure = f"{prediction.confidence:.0%} sure"
        if chosen == prediction.label:
            st.markdown(f"The model's reading · {sure}")
        else:
            st.markdown(f"Your choice · the model read {ui.fmt_label(prediction.label)} "
                        f"({sure})")
        reasons = review_reasons(prediction,
                                 policy_escalates=case.decision.action == "escalate_to_person",
                                 min_confidence=case.model.thresholds.min_confidence)
        if reasons:
            st.warning("**Needs a person:** " + "; ".join(reasons) + ".",
                       icon=":material/person_alert:")
        # The model's candidates, the one in use selected: one click switches, and the options
        # stay the same for the message (a widget whose options change is drawn anew).
        picks = [prediction.label] + [a.label for a in prediction.alternatives
                                      if a.label in case.options and a.confidence >= 0.01][:3]
        share = {a.label: a.confidence for a in prediction.alternatives} | {
            prediction.label: prediction.confidence}
        state["pick_alternative"] = chosen if chosen in picks else None
        if len(picks) > 1:
            st.pills("Likely scenarios", picks, key="pick_alternative",
                     on_change=pick_alternative,
                     format_func=lambda lab: f"{ui.fmt_label(lab)} {share[lab]:.0%}"
                     + (" · also raised" if lab == prediction.also else ""))


def action_panel(case: Case) -> None:
    """What to do and why, what to check first, the dates that matter, the policy."""
    decision, order = case.decision, case.result.order
    with st.container(border=True, key="action_box"):
        st.markdown(f"**Recommended:** {decision.title}")
        st.markdown(decision.reason)
        first = check_first(case.chosen, order)
        if first:
            st.markdown(f":orange[**Check first:** the {describe(first)}; the advice depends "
                        f"on {'it' if len(first) == 1 else 'them'}.]")
        dates = dates_for(case.chosen, order, decision.facts)
        if dates:
            st.markdown("  \n".join(f"**{what}:** {when}" for what, when in dates))
        hint = None if first else promise_hint(case.chosen, decision.facts)
        if hint:
            st.caption(hint)
        if decision.template != case.chosen:
            st.caption(f"Answered as {ui.fmt_label(decision.template).lower()}: the order's "
                       "facts change the scenario.")
        ui.policy_popover()


def field(name: str, problems: dict[str, str]) -> None:
    """One order field, as the widget that fits it, with its problem under it."""
    key, label, kind = okey(name), field_label(name), field_kind(name)
    if kind == "date":
        st.date_input(label, key=key, format=profile.date_format, min_value=date(2000, 1, 1),
                      max_value=date(2099, 12, 31), persist_state="session")
    elif kind == "yesno":
        st.segmented_control(label, ["yes", "no"], key=key, format_func=str.capitalize,
                             persist_state="session")
    elif kind in ("country", "choice"):
        names = choices(name)
        if state.get(key) not in names:
            state[key] = None
        st.selectbox(label, list(names), key=key, format_func=names.get,
                     placeholder="Unknown", persist_state="session")
    elif kind == "number":
        st.number_input(label, key=key, min_value=1,
                        max_value=100_000 if name == "quantity" else 365, step=1,
                        placeholder="Unknown", persist_state="session")
    else:
        st.text_input(label, key=key, persist_state="session")
    if name in problems:
        st.caption(f":red[{problems[name]}]")


def grid(names: list[str], problems: dict[str, str]) -> None:
    for start in range(0, len(names), 2):  # row by row, so Tab moves across
        for column, name in zip(st.columns(2), names[start:start + 2], strict=False):
            with column:
                field(name, problems)


def order_panel(case: Case) -> None:
    """The order: the blank fields this scenario needs first, then the known ones; the rest
    folded away."""
    needed, known, rest = case.layout
    with st.container(border=True, key="order_box"):
        number = case.result.order.order_id
        title = f"**Order {number}**" if number else "**Order**"
        blanks = (f" · {len(needed)} blank field{'' if len(needed) == 1 else 's'} that "
                  f"matter{'s' if len(needed) == 1 else ''} here, shown first" if needed else "")
        st.markdown(title + blanks)
        order = case.result.order
        summary = [order.item_title, choices("tracking_status").get(order.tracking_status or ""),
                   order.carrier, countries().get(order.destination_country or "")]
        if any(summary):
            st.markdown(" · ".join(p for p in summary if p))
        if "flash_order" in state:
            st.caption(f":orange[{state.pop('flash_order')}]")
        elif state.get("case_filled_note"):
            st.caption(state["case_filled_note"])
        grid(needed + known, case.problems)
        # Drawn only when opened: fewer widgets keep every change on the page quick.
        with st.expander(f"More order fields ({len(rest)})", key="more_fields",
                         on_change="rerun"):
            if state.get("more_fields"):
                grid(rest, case.problems)


def details(case: Case) -> None:
    prediction, decision = case.prediction, case.decision
    with st.expander("Details (ids, for the team)", icon=":material/info:"):
        st.markdown("  \n".join([
            f"Scenario `{case.chosen}` · model's label `{prediction.label}` "
            f"({prediction.confidence:.3f}), review: `{prediction.review_reason or 'none'}`",
            "Alternatives: " + ", ".join(f"`{a.label}` {a.confidence:.3f}"
                                         for a in prediction.alternatives),
            f"Action `{decision.action}` · rule `{decision.rule}` · template "
            f"`{case.reply.template}` in `{case.reply.lang}`",
            f"Model `{case.model.name}` · language `{prediction.language}` "
            f"({prediction.language_confidence})",
        ]))


# ---------------------------------------------------------------- the ticket


@st.fragment
def ticket() -> None:
    """The ticket. A fragment: a change inside it redraws only it, not the sidebar, which
    keeps the page quick; the sidebar (profile, orders export) reruns the whole page."""
    try:
        _ticket()
    finally:  # a fragment's run does not reach the end of app.py, so the case is kept here
        ui.remember_session()


def _ticket() -> None:
    ui.seed("case_message", "")
    message = state["case_message"]
    if message != state.get("case_for"):
        if is_new_case(state.get("case_for", ""), message):
            start_case(message)
        state["case_for"] = message
    for name, value in EMPTY.items():
        ui.seed(okey(name), value)

    left, right = st.columns([7, 5], gap="large")
    with left:
        top = st.container(horizontal=True, vertical_alignment="bottom")
        top.markdown("**Buyer message**")
        top.space("stretch")
        top.button("New ticket", key="new_ticket", icon=":material/add:", type="tertiary",
                   on_click=new_ticket, help="Clear the message, the order and the draft")
        st.text_area("Buyer message", key="case_message", height=130,
                     max_chars=ui.MAX_MESSAGE_CHARS, label_visibility="collapsed",
                     placeholder="Paste the buyer's message (or the whole thread) here, then "
                                 "press Ctrl+Enter", persist_state="session")
    if not message.strip():
        left.info("Paste a buyer message to see the scenario, the recommended action and a "
                  "draft reply.", icon=":material/forum:")
        try:
            ui.model()  # loaded while the agent pastes, so the first answer is quick
        except AssistantError:
            pass  # said when a message comes
        return
    try:
        model = ui.model()
    except AssistantError as exc:
        ui.stop_with(f"The model cannot be loaded: {exc}", "error")

    case = work_out(message, model)
    with left:
        draft_panel(case)
    with right:
        scenario_panel(case)
        action_panel(case)
        order_panel(case)
        details(case)


ticket()
