"""Reply page: paste a buyer message, check the scenario and the order, send the draft."""

from __future__ import annotations

import hashlib
from datetime import date

import streamlit as st

import ui
from assistant import AssistantError, order_from_message, respond
from assistant.assist import buyer_language
from assistant.orders import ORDER_FIELDS, TRACKING_STATUSES, find_order_in, parse_form
from assistant.replies import available_languages

FIELD_LABELS = {
    "order_id": "Order number", "buyer_name": "Buyer name", "item_title": "Item",
    "sku": "SKU (colour, size)", "quantity": "Quantity", "price": "Price", "currency": "Currency",
    "order_date": "Order date", "ship_date": "Ship date", "delivered_date": "Delivered date",
    "carrier": "Carrier", "service": "Service", "tracking_number": "Tracking number",
    "tracking_status": "Tracking status", "promised_days": "Promised days",
    "destination_country": "Country (ISO)", "domestic": "Domestic (yes/no)",
    "dispute_opened": "Dispute opened", "agent_name": "Agent", "store_name": "Store",
}
LANG_NAMES = {"en": "English", "es": "Spanish", "pt": "Portuguese", "fr": "French",
              "de": "German", "ru": "Russian", "other": "another language"}

st.title("Reply to a buyer")

# ---------------------------------------------------------------- the message
left, right = st.columns([3, 2], gap="large")
with left:
    message = st.text_area("Buyer message", key="message", height=150,
                           max_chars=ui.MAX_MESSAGE_CHARS,
                           placeholder="Paste the buyer's message here…")
with right:
    st.caption("Orders export (optional): the order's details are filled in from it.")
    upload = st.file_uploader("Orders export", type=["csv", "tsv", "xlsx", "jsonl", "parquet"],
                              key="orders_upload", label_visibility="collapsed")

if not message.strip():
    ui.stop_with("Paste a buyer message to see the scenario, the recommended action and a "
                 "draft reply.")

try:
    model = ui.model()
except AssistantError as exc:
    ui.stop_with(f"The model cannot be loaded: {exc}", "error")
state = st.session_state
# Predicted once per message and model, not on every interaction with the page.
predicted_for = (model.name, model.card.get("created"), message)
if state.get("predicted_for") != predicted_for:
    [state["prediction"]] = model.predict([message])
    state["predicted_for"] = predicted_for
prediction = state["prediction"]
if prediction.truncated:
    left.caption(f"A long message: the scenario is read from its first "
                 f"{ui.MAX_CLASSIFIED_CHARS:,} characters; the draft and the saved case keep "
                 "all of it.")

# ---------------------------------------------------------------- prefill the order
message_key = hashlib.sha1(message.encode()).hexdigest()[:10]
KEEP = ("agent_name", "store_name")  # the agent's own details stay from message to message
for name in ORDER_FIELDS:
    state.setdefault(f"order_{name}", "")
if state.get("order_for") != message_key:
    # A new message is a new case: nothing of the previous buyer's order may carry over.
    for name in ORDER_FIELDS:
        if name not in KEEP:
            state[f"order_{name}"] = ""
    prefill = order_from_message(message)
    for name in ("order_id", "tracking_number"):
        state[f"order_{name}"] = getattr(prefill, name) or ""
    state["order_for"], state["filled_for"] = message_key, None
if upload is not None and state["order_order_id"] and \
        state.get("filled_for") != (upload.file_id, state["order_order_id"]):
    try:
        frame = ui.table(upload).frame
        row_order = find_order_in(zip(frame.index, frame.to_dict("records"), strict=True),
                                  state["order_order_id"], where=upload.name)
        for name in ORDER_FIELDS:
            value = getattr(row_order, name)
            if value is not None or name not in KEEP:
                state[f"order_{name}"] = "" if value is None else str(value)
        st.toast(f"Order {state['order_order_id']} filled in from {upload.name}")
    except AssistantError as exc:
        right.warning(str(exc))
    state["filled_for"] = (upload.file_id, state["order_order_id"])

# ---------------------------------------------------------------- scenario
with left:
    flag = " · **needs a person**" if prediction.needs_review else ""
    lang = prediction.language or "other"
    st.markdown(f"**Predicted:** {ui.fmt_label(prediction.label)} · confidence "
                f"{prediction.confidence:.0%} · written in {LANG_NAMES.get(lang, lang)}{flag}")
    if prediction.needs_review:
        st.warning("The model is unsure about this message: check the scenario before "
                   "sending.", icon=":material/person_alert:")
    alts = ", ".join(f"{ui.fmt_label(a.label)} {a.confidence:.0%}"
                     for a in prediction.alternatives)
    st.caption(f"Alternatives: {alts}")
    options = ui.scenario_options(model.labels)
    # Keyed by the message, so a new message starts from its own prediction.
    chosen = st.selectbox("Scenario", options, index=options.index(prediction.label),
                          format_func=ui.fmt_label, key=f"scenario_{message_key}")

# ---------------------------------------------------------------- order form
with st.expander("Order details", expanded=True):
    dayfirst = st.toggle("Dates are day first (01/11/2026 is 1 November)", key="dayfirst")
    cols = st.columns(4)
    for i, name in enumerate(ORDER_FIELDS):
        with cols[i % 4]:
            if name == "tracking_status":
                choices = ["", *TRACKING_STATUSES]
                if state[f"order_{name}"] not in choices:
                    state[f"order_{name}"] = ""
                st.selectbox(FIELD_LABELS[name], choices, key=f"order_{name}")
            else:
                st.text_input(FIELD_LABELS[name], key=f"order_{name}")
order, problems = parse_form({name: state[f"order_{name}"].strip() for name in ORDER_FIELDS
                               if state[f"order_{name}"].strip()}, dayfirst=dayfirst)
for problem in problems:
    st.error(problem)

# ---------------------------------------------------------------- decision and draft
languages = available_languages()
default_lang = buyer_language(prediction) or "en"
default_lang = default_lang if default_lang in languages else "en"
reply_lang = st.selectbox("Reply language", languages, index=languages.index(default_lang),
                          format_func=lambda c: LANG_NAMES.get(c, c),
                          key=f"reply_lang_{message_key}")
result = respond(prediction, order, label=chosen, lang=reply_lang, today=date.today())
decision = result.decision

st.subheader("Recommended action")
a, b = st.columns([3, 2], gap="large")
with a:
    st.markdown(f"**{decision.title}**")
    st.write(decision.reason)
    st.caption(f"Rule: `{decision.rule}` · template: `{decision.template}`")
    if decision.template != chosen:
        st.info(f"Answered as **{ui.fmt_label(decision.template)}**: the order's facts "
                f"change the scenario from {ui.fmt_label(chosen)}.")
with b:
    f = decision.facts
    dates = []
    if f is not None:
        if f.promised_date:
            dates.append(("Promised delivery", f.promised_date.strftime("%d %b %Y")))
        if f.days_left is not None:
            dates.append(("Days left", f"{f.days_left}"))
        if f.days_overdue is not None:
            dates.append(("Days overdue", f"{f.days_overdue}"))
        if f.response_deadline:
            dates.append(("Answer the dispute by", f.response_deadline.strftime("%d %b %Y")))
        if f.escalation_date:
            dates.append(("Platform steps in on", f.escalation_date.strftime("%d %b %Y")))
    if dates:
        st.table({"": [k for k, _ in dates], "date": [v for _, v in dates]})
    else:
        st.caption("No dates yet: fill the ship date, carrier or dispute date to see them.")

st.subheader("Draft reply")
reply = result.reply
if reply.note:
    st.info(reply.note)
if reply.missing_fields:
    st.warning("Fill these in the order details (shown as [..] in the draft): "
               + ", ".join(FIELD_LABELS.get(f, f) for f in reply.missing_fields))
key = "draft_" + hashlib.sha1(reply.text.encode()).hexdigest()[:12]
columns = st.columns(2, gap="large") if result.english is not None else [st.container()]
with columns[0]:
    text = st.text_area(f"Reply in {LANG_NAMES.get(reply.lang, reply.lang)} (editable)",
                        value=reply.text, height=340, key=key)
if result.english is not None:
    with columns[1]:
        st.text_area("The same reply in English (for you; not sent)", result.english.text,
                     height=340, disabled=True, key=f"english_{key}")
st.caption("Copy: use the copy icon at the top right of the box below.")
st.code(text, language=None, wrap_lines=True)

c1, c2 = st.columns(2)
with c1:
    st.download_button("Download .txt", text, file_name=f"reply-{order.order_id or 'draft'}.txt",
                       key="download", icon=":material/download:")
with c2:
    if st.button("Save", type="primary", key="save", icon=":material/save:"):
        try:
            row = ui.feedback().save(message=message, predicted_label=prediction.label,
                                     confidence=prediction.confidence, final_label=chosen,
                                     order_id=order.order_id, reply=text, language=lang,
                                     agent=order.agent_name)
            st.success(f"Saved (#{row}): the message, your scenario and the reply.")
        except AssistantError as exc:
            st.error(str(exc))
