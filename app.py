"""Streamlit entry point: `streamlit run app.py` (or `make run`). A router over three pages."""

import streamlit as st

st.set_page_config(page_title="Reply assistant", page_icon=":material/support_agent:",
                   layout="wide")

pages = [
    st.Page("views/reply.py", title="Reply", icon=":material/forum:", default=True),
    st.Page("views/batch.py", title="Batch", icon=":material/table_view:"),
    st.Page("views/train.py", title="Train", icon=":material/model_training:"),
]
st.navigation(pages).run()
