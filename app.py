"""Streamlit entry point: `streamlit run app.py`."""

import streamlit as st

from assistant.registry import get_model


@st.cache_resource
def model():
    return get_model()


st.set_page_config(page_title="Reply assistant", layout="wide")
st.title("Reply assistant")
text = st.text_area("Buyer message", key="message")
if text.strip():
    p = model().predict([text])[0]
    st.metric("Scenario", p.label, f"{p.confidence:.0%}")
