"""Batch page: classify an export of buyer messages, look at it, download it."""

from __future__ import annotations

import io

import streamlit as st

import ui
from assistant import AssistantError
from assistant.atomic import csv_bytes
from assistant.batch import classify_frame
from assistant.dataset import TEXT_COLUMNS, find_column

st.title("Classify an export")
st.caption(f"CSV, TSV, JSONL, Parquet or XLSX, up to {ui.MAX_PAGE_ROWS:,} rows and the upload "
           "size limit shown below. Larger exports: run `assistant batch FILE -o OUT` (streams "
           "any size, uses every core).")

upload = st.file_uploader("Messages export", key="batch_upload",
                          type=["csv", "tsv", "jsonl", "parquet", "xlsx"])
if upload is None:
    ui.stop_with("Upload an export with one buyer message per row.")

try:
    frame = ui.table(upload).frame
except AssistantError as exc:
    ui.stop_with(f"{upload.name} cannot be read: {exc}", "error")
if frame.empty:
    ui.stop_with(f"{upload.name} has no rows.", "warning")
if len(frame) > ui.MAX_PAGE_ROWS:
    ui.stop_with(f"{upload.name} has {len(frame):,} rows; this page takes up to "
                 f"{ui.MAX_PAGE_ROWS:,}. Use `assistant batch {upload.name} -o labelled.parquet`"
                 " for large exports.", "warning")

columns = [str(c) for c in frame.columns]
try:
    guess = find_column(columns, None, TEXT_COLUMNS, role="text")
except AssistantError:
    guess = None
if guess is None:
    st.warning(f"No message column found by name among: {', '.join(columns)}. Pick it below.")
column = st.selectbox("Message column", columns,
                      index=columns.index(guess) if guess else None, key="batch_column",
                      placeholder="Choose the column with the buyer's messages")
if column is None:
    st.stop()

model = ui.model()
run_key = (upload.file_id, column, model.name, model.card.get("created"))
if st.session_state.get("batch_key") != run_key:
    bar = st.progress(0.0, text=f"Classifying {len(frame):,} messages…")
    try:
        result = classify_frame(frame, model, text_column=column,
                                progress=lambda f: bar.progress(f, text=f"{f:.0%} classified"))
    except AssistantError as exc:
        ui.stop_with(str(exc), "error")
    bar.empty()
    st.session_state.update(batch_key=run_key, batch_result=result, batch_downloads=None)
result = st.session_state["batch_result"]

counts = result["label"].value_counts()
a, b, c = st.columns(3)
a.metric("Messages", f"{len(result):,}")
b.metric("Need a person", f"{int(result['needs_review'].sum()):,}")
c.metric("Scenarios", f"{len(counts)}")
st.bar_chart(counts, horizontal=True, x_label="messages", y_label="scenario")

f1, f2 = st.columns([3, 1])
with f1:
    picked = st.multiselect("Show scenarios", list(counts.index), key="batch_filter_labels",
                            placeholder="All scenarios")
with f2:
    only_review = st.toggle("Only those needing a person", key="batch_filter_review")
view = result
if picked:
    view = view[view["label"].isin(picked)]
if only_review:
    view = view[view["needs_review"]]
st.dataframe(view, hide_index=True, key="batch_table",
             column_config={"confidence": st.column_config.ProgressColumn(
                 "confidence", min_value=0.0, max_value=1.0, format="percent")})

st.caption(f"Showing {len(view):,} of {len(result):,} rows; the downloads hold the rows shown.")
# The downloads are built once per result and filter, not on every rerun.
view_key = (run_key, tuple(picked), only_review)
cached = st.session_state.get("batch_downloads")
if cached is None or cached[0] != view_key:
    try:
        buffer = io.BytesIO()
        view.to_parquet(buffer, index=False)
        parquet_bytes = buffer.getvalue()
    except Exception:  # mixed types in one column (JSONL) cannot go to Parquet
        parquet_bytes = None
    cached = (view_key, csv_bytes(view), parquet_bytes)
    st.session_state["batch_downloads"] = cached
_, data_csv, data_parquet = cached

stem = upload.name.rsplit(".", 1)[0]
d1, d2 = st.columns(2)
with d1:
    st.download_button("Download CSV", data_csv,
                       file_name=f"{stem}-labelled.csv", mime="text/csv", key="batch_csv_button",
                       icon=":material/download:")
with d2:
    if data_parquet is None:
        st.caption("Parquet is not available for this file (a column mixes types); use CSV.")
    else:
        st.download_button("Download Parquet", data_parquet,
                           file_name=f"{stem}-labelled.parquet", key="batch_parquet_button",
                           icon=":material/download:")
