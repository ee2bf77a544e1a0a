"""Batch page: classify an export of buyer messages, look at it, download what is shown."""

from __future__ import annotations

import io
import math

import altair as alt
import pandas as pd
import streamlit as st

import ui
from assistant import AssistantError
from assistant.atomic import csv_bytes
from assistant.batch import classify_frame
from assistant.checks import not_text
from assistant.scenarios import title
from assistant.tables import TEXT_COLUMNS, find_column

state = st.session_state
st.title("Classify an export")
st.caption(f"CSV, TSV, JSONL, Parquet or XLSX, up to {ui.MAX_PAGE_ROWS:,} rows. Larger exports: "
           "run `assistant batch FILE -o OUT` (streams any size, uses every core).")

upload = st.file_uploader("Messages export", key="batch_upload",
                          type=["csv", "tsv", "jsonl", "parquet", "xlsx"])
kept = state.get("batch")  # the last result: kept when the agent visits another page

if upload is not None:
    try:
        frame = ui.table(upload).frame
    except AssistantError as exc:
        ui.stop_with(f"{upload.name} cannot be read: {exc}", "error")
    if frame.empty:
        ui.stop_with(f"{upload.name} has no rows.", "warning")
    if len(frame) > ui.MAX_PAGE_ROWS:
        ui.stop_with(f"{upload.name} has {len(frame):,} rows; this page takes up to "
                     f"{ui.MAX_PAGE_ROWS:,}. Use `assistant batch {upload.name} -o "
                     "labelled.parquet` for large exports.", "warning")
    columns = [str(c) for c in frame.columns]
    try:
        guess = find_column(columns, None, TEXT_COLUMNS, role="text")
    except AssistantError:
        guess = None
    if guess is None:
        st.warning(f"No message column found by name among: {', '.join(columns)}. Pick it "
                   "below.")
    if state.get("batch_column_for") != upload.file_id:
        state["batch_column"] = guess
        state["batch_column_for"] = upload.file_id
    column = st.selectbox("Message column", columns, key="batch_column",
                          placeholder="Choose the column with the buyer's messages")
    if column is None:
        st.stop()
    reason = not_text(frame[column])
    if reason:
        ui.stop_with(f"The column {column!r} cannot be classified: {reason}. Choose the column "
                     "with the buyer's messages.", "error")

    model = ui.model()
    run_key = (upload.file_id, column, model.name, model.card.get("created"))
    if (kept or {}).get("key") != run_key:
        total = len(frame)
        bar = st.progress(0.0, text=f"Classifying {total:,} messages…")
        # About 25 steps, so the bar moves on any size of export.
        chunk = max(50, math.ceil(total / 25))
        try:
            result = classify_frame(frame, model, text_column=column, chunk_rows=chunk,
                                    progress=lambda f: bar.progress(
                                        f, text=f"{round(f * total):,} of {total:,} classified"))
        except AssistantError as exc:
            ui.stop_with(str(exc), "error")
        bar.empty()
        kept = {"key": run_key, "name": upload.name, "column": column, "result": result,
                "downloads": None}
        state["batch"] = kept
elif kept is None:
    ui.stop_with("Upload an export with one buyer message per row.")
else:
    st.caption(f"Showing the results for {kept['name']} from earlier in this session; upload "
               "a file to classify another.")

result: pd.DataFrame = kept["result"]
column = kept["column"]
counts = result["label"].value_counts()
a, b, c = st.columns(3)
a.metric("Messages", f"{len(result):,}")
b.metric("Need a person", f"{int(result['needs_review'].sum()):,}")
c.metric("Scenarios", f"{len(counts)}")

chart = pd.DataFrame({"scenario": [title(lab) for lab in counts.index],
                      "messages": counts.to_numpy()})
bars = alt.Chart(chart).encode(
    x=alt.X("messages:Q", title="messages"),
    y=alt.Y("scenario:N", sort="-x", title=None,
            axis=alt.Axis(labelLimit=320, labelOverlap=False, labelFontSize=13)),
    tooltip=["scenario", "messages"])
labels = bars.mark_text(align="left", dx=4).encode(text="messages:Q")
st.altair_chart((bars.mark_bar() + labels).properties(height=alt.Step(26)),
                key="batch_chart")

f1, f2 = st.columns([3, 1], vertical_alignment="bottom")
with f1:
    picked = st.multiselect("Show scenarios", list(counts.index), key="batch_filter_labels",
                            format_func=title, placeholder="All scenarios",
                            persist_state="session")
with f2:
    only_review = st.toggle("Only those needing a person", key="batch_filter_review",
                            persist_state="session")
view = result
if picked:
    view = view[view["label"].isin(picked)]
if only_review:
    view = view[view["needs_review"]]

# The message and the answer first, then the export's own columns.
first = [column, "label", "confidence", "needs_review", "review_reason", "also_label",
         "alt_label", "language"]
ordered = view[[*first, *[c for c in view.columns if c not in first]]]
shown = ordered.assign(label=ordered["label"].map(title),
                       also_label=ordered["also_label"].map(lambda v: title(v) if v else ""),
                       alt_label=ordered["alt_label"].map(lambda v: title(v) if v else ""),
                       language=ordered["language"].map(ui.lang_name))
hidden = {"alt_confidence", "language_confidence"}
st.markdown(f"**{len(view):,} of {len(result):,} rows** · the downloads hold the rows shown")
st.dataframe(shown, hide_index=True, key="batch_table",
             column_order=[c for c in shown.columns if c not in hidden], column_config={
    column: st.column_config.TextColumn("Message", width="large"),
    "label": st.column_config.TextColumn("Scenario"),
    "confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0,
                                                  format="percent"),
    "needs_review": st.column_config.CheckboxColumn("Needs a person"),
    "review_reason": st.column_config.TextColumn("Why", width="medium"),
    "also_label": st.column_config.TextColumn("Also raised"),
    "alt_label": st.column_config.TextColumn("Runner-up"),
    "language": st.column_config.TextColumn("Language"),
})

# The downloads are built once per result and filter, not on every rerun.
view_key = (kept["key"], tuple(picked), only_review)
cached = kept.get("downloads")
if cached is None or cached[0] != view_key:
    try:
        buffer = io.BytesIO()
        ordered.to_parquet(buffer, index=False)
        parquet_bytes = buffer.getvalue()
    except Exception:  # mixed types in one column (JSONL) cannot go to Parquet
        parquet_bytes = None
    cached = (view_key, csv_bytes(ordered), parquet_bytes)
    kept["downloads"] = cached
_, data_csv, data_parquet = cached

stem = kept["name"].rsplit(".", 1)[0]
rows = f"{len(view):,} of {len(result):,} rows"
d1, d2 = st.columns(2)
with d1:
    st.download_button(f"Download CSV ({rows})", data_csv, file_name=f"{stem}-labelled.csv",
                       mime="text/csv", key="batch_csv_button", icon=":material/download:",
                       on_click="ignore")
with d2:
    if data_parquet is None:
        st.caption("Parquet is not available for this file (a column mixes types); use CSV.")
    else:
        st.download_button(f"Download Parquet ({rows})", data_parquet,
                           file_name=f"{stem}-labelled.parquet", key="batch_parquet_button",
                           icon=":material/download:", on_click="ignore")
