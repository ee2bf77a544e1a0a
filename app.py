"""Streamlit entry point: `streamlit run app.py` (or `make run`). A router over three pages,
with the agent's profile in the sidebar and the open case kept across reloads."""

import streamlit as st

import ui

# An emoji favicon is drawn in the browser; a :material/…: one would be fetched from the web.
st.set_page_config(page_title="Reply assistant", page_icon="💬", layout="wide")

pages = [
    st.Page("views/reply.py", title="Reply", icon=":material/forum:", default=True),
    st.Page("views/batch.py", title="Batch", icon=":material/table_view:"),
    st.Page("views/train.py", title="Train", icon=":material/model_training:"),
]
page = st.navigation(pages)
ui.page_style()
ui.restore_session()
ui.profile_sidebar()
ui.model_caption()
try:
    page.run()
finally:  # also after st.stop() and reruns: the case is saved however the run ends
    ui.remember_session()
