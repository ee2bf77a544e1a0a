"""What the agent gives the reply page: the buyer's message (the box at the top of the ticket,
with "New ticket") and an orders export in the sidebar, whose row for an order number in the
message fills the order in.
"""

from __future__ import annotations

import streamlit as st

import ui
from assistant import AssistantError
from views.reply_case import start_case

state = st.session_state


def new_ticket() -> None:
    state["case_message"] = ""
    state["case_for"] = ""
    start_case("")


def orders_export() -> None:
    """The orders export in the sidebar. Read before the ticket is drawn, and kept for the
    session (not in the case kept across reloads: an export can be large)."""
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
            st.caption(f"Using {export['name']}: {len(export['rows']):,} orders; an order "
                       "number in the message fills its details.")


def input_panel() -> None:
    """The buyer's message box under its title and the "New ticket" button."""
    top = st.container(horizontal=True, vertical_alignment="bottom")
    top.markdown("**Buyer message**")
    top.space("stretch")
    top.button("New ticket", key="new_ticket", icon=":material/add:", type="tertiary",
               on_click=new_ticket, help="Clear the message, the order and the draft")
    st.text_area("Buyer message", key="case_message", height=130,
                 max_chars=ui.MAX_MESSAGE_CHARS, label_visibility="collapsed",
                 placeholder="Paste the buyer's message (or the whole thread) here, then "
                             "press Ctrl+Enter", persist_state="session")
