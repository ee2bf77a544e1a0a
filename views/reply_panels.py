"""The reply page's right column: the scenario (and the model's candidates), the
recommended action with the dates that matter, the order's fields, and the ids for the team.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

import ui
from assistant.casefile import (
    check_first,
    choices,
    countries,
    dates_for,
    field_kind,
    field_label,
    promise_hint,
    review_reasons,
)
from assistant.drafts import describe
from views.reply_case import Case, okey

state = st.session_state


def pick_alternative() -> None:
    picked = state.get("pick_alternative")
    if picked:  # clicking the one in use again leaves it in use
        state["case_scenario"] = picked


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
        st.date_input(label, key=key, format=ui.profile().date_format,
                      min_value=date(2000, 1, 1), max_value=date(2099, 12, 31),
                      persist_state="session")
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
