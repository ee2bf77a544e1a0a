"""Reply page, laid out as a ticket: the buyer's message and the draft on the left; the
scenario, the recommended action and the order on the right.

The draft belongs to the agent: it follows the case only until the agent edits it; after
that a change to the order or the scenario offers "Update draft" with what it would change.

The parts, one module each: ``reply_input`` (the message box, the orders export),
``reply_case`` (the case worked out from them), ``reply_draft`` (the draft panel) and
``reply_panels`` (the scenario, action and order panels).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

import ui
from assistant import AssistantError
from views.reply_case import open_case, work_out
from views.reply_draft import draft_panel
from views.reply_input import input_panel, orders_export
from views.reply_panels import action_panel, details, order_panel, scenario_panel

today = date.today()
orders_export()


@st.fragment
def ticket() -> None:
    """The ticket. A fragment: a change inside it redraws only it, not the sidebar, which
    keeps the page quick; the sidebar (profile, orders export) reruns the whole page."""
    try:
        _ticket()
    finally:  # a fragment's run does not reach the end of app.py, so the case is kept here
        ui.remember_session()


def _ticket() -> None:
    message = open_case()
    left, right = st.columns([7, 5], gap="large")
    with left:
        input_panel()
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

    case = work_out(message, model, today)
    with left:
        draft_panel(case)
    with right:
        scenario_panel(case)
        action_panel(case)
        order_panel(case)
        details(case)


ticket()
