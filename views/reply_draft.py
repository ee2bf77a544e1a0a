"""The reply page's draft panel (the left column, under the message): what the message says,
the thread, the draft reply with its Save button, the offer to update an edited draft, and
the reply in English.

The draft belongs to the agent: once edited it is never overwritten; a change to the order
or the scenario is offered as "Update draft" with what it would change.
"""

from __future__ import annotations

import re

import streamlit as st

import ui
from assistant import AssistantError
from assistant.casefile import note_in_words
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
from views.reply_case import Case, place

state = st.session_state


def plain(text: str) -> str:
    """Text shown as written (no markdown), line breaks kept."""
    escaped = re.sub(r"([\\`*_{}\[\]()#+\-.!|>~$<])", r"\\\1", text.strip())
    return escaped.replace("\n", "  \n")


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
                                 agent=ui.profile().agent_name or None)
    except AssistantError as exc:
        state["flash"] = ("error", f"Not saved: {exc}")
        return
    saved[done] = row
    state["flash"] = ("success", f"Saved as #{row}: the message, the scenario and your reply.")


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
    _reading(case)
    if len(case.turns) > 1:
        _thread(case.turns)
    if case.prediction.truncated:
        st.caption(f"A long message: the scenario is read from its first "
                   f"{ui.MAX_CLASSIFIED_CHARS:,} characters; the draft and the saved case keep "
                   "all of it.")
    if case.pending:
        update_offer(case)
    text = _reply_box(case)
    _english(case, text)


def _reading(case: Case) -> None:
    """One line on what the message says (in English when the buyer wrote in another
    language) and the language it is written in."""
    language = case.language
    said = gloss(case.request, case.chosen, language=language.buyer, also=case.prediction.also)
    foreign = language.buyer not in ("en", None)
    line = f"**{'In English' if foreign else 'In short'}:** {said.scenario} — {said.meaning}"
    if said.facts:
        line += f" · mentions {said.mentions()}"
    written = f"Written in {ui.lang_name(language.buyer)}." if foreign else ""
    st.caption(f"{line}. {written} {language.note or ''}".strip())


def _thread(turns: list) -> None:
    with st.expander(f"Thread: {len(turns)} messages; the scenario is read from the "
                     "buyer's latest request"):
        for turn in turns:
            who = "Buyer" if turn.role == "buyer" else "You"
            st.markdown(f"**{who}{f' ({turn.name})' if turn.name else ''}:** "
                        f"{plain(turn.text)}")


def _reply_box(case: Case) -> str:
    """The draft box under its language, with the copy, download and Save buttons; returns
    the text in the box."""
    reply = case.reply
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
                  on_click=save, args=(case.message, case.prediction, case.chosen,
                                       case.result.order.order_id),
                  help="Keep the message, the scenario and this reply (for training and the "
                       "team's history)")
        gaps = placeholders(text)
        if gaps:
            st.caption(f":orange[Still to fill: {describe(f'[{g}]' for g in gaps)}]")
    if "flash" in state:
        kind, message = state.pop("flash")
        getattr(st, kind)(message)
    return text


def _english(case: Case, text: str) -> None:
    """The reply in English for the agent to read, when it is written in another language."""
    reply = case.reply
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
