"""The Streamlit pages that app.py routes to (reply, batch, train), and the reply page's parts
(reply_input, reply_case, reply_draft, reply_panels), which the reply page imports."""
