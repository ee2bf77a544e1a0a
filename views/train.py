"""Train page: retrain on labelled files and agents' corrections, compare, activate, roll back."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from assistant import AssistantError, registry
from assistant import model as m
from assistant.dataset import Table, check_labelled, labelled_frame, validated
from assistant.reports import confusion_figure

st.title("Train and manage models")

# ---------------------------------------------------------------- the active model
active = registry.active_name()
try:
    card = registry.read_card(active) if active != registry.DEFAULT else ui.model().card
except AssistantError as exc:
    card = {}
    st.error(f"The active model {active!r} cannot be read: {exc}")
with st.container(border=True):
    st.markdown(f"**Active model: `{active}`**")
    if card:
        hold = card.get("holdout", {})
        a, b, c, d = st.columns(4)
        a.metric("Labels", len(card.get("labels", [])))
        b.metric("Training messages", f"{card.get('rows', 0):,}")
        c.metric("Held-out accuracy", f"{hold.get('accuracy', 0):.1%}")
        d.metric("Held-out macro-F1", f"{hold.get('macro_f1', 0):.1%}")
        st.caption(f"Built {card.get('created', '?')} with scikit-learn "
                   f"{card.get('versions', {}).get('scikit-learn', '?')}; labels: "
                   f"{', '.join(card.get('labels', []))}")

# ---------------------------------------------------------------- data
st.subheader("1. Training data")
uploads = st.file_uploader("Labelled CSV/TSV files (a text column and a label column)",
                           type=["csv", "tsv"], accept_multiple_files=True, key="train_upload")
store = ui.feedback()
corrections = store.labelled()  # read once per run: the export button and training share it
saved = len(corrections)
use_shipped = st.toggle("Include the shipped training data", value=True, key="train_shipped")
use_feedback = st.toggle(f"Include the agents' saved corrections ({saved})", value=saved > 0,
                         key="train_feedback", disabled=saved == 0)
st.download_button("Export the saved corrections as a labelled CSV",
                   corrections.to_csv(index=False), file_name="corrections.csv",
                   mime="text/csv", key="export_feedback", disabled=saved == 0,
                   icon=":material/download:")

frames, sources, problems = [], [], []
for upload in uploads or []:
    try:
        table: Table = ui.table(upload)
        part = labelled_frame(table)
    except AssistantError as exc:
        problems.append({"file": upload.name, "row": None, "problem": str(exc)})
        continue
    # Row problems per file here; label-level ones are judged on all the data together below.
    found = [p for p in check_labelled(part, min_examples=1) if p.row is not None]
    problems += [{"file": upload.name, "row": p.row, "problem": p.message} for p in found]
    frames.append(part)
    sources.append(upload.name)
if use_shipped:
    shipped = ui.shipped_data()
    frames.append(shipped.assign(row=range(2, len(shipped) + 2), source="shipped data"))
    sources.append("shipped data")
if use_feedback and saved:
    frames.append(corrections.assign(row=None, source="corrections"))
    sources.append("corrections")
if not frames and not problems:
    ui.stop_with("Upload labelled files, or include the shipped data or the corrections.")
if problems:
    st.error(f"{len(problems)} problem(s) in the uploaded files: fix them and upload again.")
    st.dataframe(pd.DataFrame(problems), hide_index=True, key="train_problems")
    st.stop()
combined = pd.concat(frames, ignore_index=True)
try:
    data = validated(combined, sources)
except AssistantError as exc:
    ui.stop_with(str(exc), "error")
counts = data.frame["label"].value_counts()
st.success(f"{len(data.frame):,} messages, {len(counts)} labels, from {', '.join(sources)}.")
for warning in data.warnings:
    st.caption(warning)

# ---------------------------------------------------------------- train
st.subheader("2. Train")
if st.button("Train a new version", type="primary", key="train_go", icon=":material/play_arrow:"):
    bar = st.progress(0.0, text="Starting…")
    try:
        result = m.train(data.texts, data.labels, name=registry.new_version_name(),
                         sources=sources, progress=lambda f, msg: bar.progress(f, text=msg))
    except AssistantError as exc:
        ui.stop_with(f"Training failed: {exc}", "error")
    bar.empty()
    # Kept before anything else can fail, so a finished training is never lost.
    st.session_state["trained"] = {"result": result, "against": active, "baseline": None}
    try:
        current = ui.model()
        unseen = [not s for s in current.has_seen(result.holdout_texts)]
        texts = [t for t, u in zip(result.holdout_texts, unseen, strict=True) if u]
        labels = [t for t, u in zip(result.holdout_labels, unseen, strict=True) if u]
        new_on_same = m.metrics(labels, [p for p, u in zip(result.holdout_predicted, unseen,
                                                             strict=True) if u])
        baseline = m.evaluate(current, texts, labels) if texts else None
        st.session_state["trained"]["baseline"] = (baseline, new_on_same, len(texts))
    except AssistantError as exc:
        st.warning(f"The active model could not be measured for comparison: {exc}")
    st.session_state["trained"]["figure"] = confusion_figure(result.holdout_labels,
                                                             result.holdout_predicted)

if "trained" in st.session_state:
    trained = st.session_state["trained"]
    result, against = trained["result"], trained["against"]
    new = result.holdout
    st.markdown(f"**New version `{result.model.name}`**: {new['rows']} held-out messages, "
                "never used to train it (split off before training).")
    a, b = st.columns(2)
    a.metric("Accuracy", f"{new['accuracy']:.1%}")
    b.metric("Macro-F1", f"{new['macro_f1']:.1%}")
    if trained["baseline"] and trained["baseline"][0]:
        base, same, rows = trained["baseline"]
        st.markdown(f"Against the active model **`{against}`** on the {rows} held-out messages "
                    "neither model was trained on:")
        c, d = st.columns(2)
        c.metric(f"Accuracy: new vs {against}", f"{same['accuracy']:.1%}",
                 f"{same['accuracy'] - base['accuracy']:+.1%}")
        d.metric(f"Macro-F1: new vs {against}", f"{same['macro_f1']:.1%}",
                 f"{same['macro_f1'] - base['macro_f1']:+.1%}")
    elif trained["baseline"]:
        st.caption(f"The active model `{against}` was trained on every held-out message, so "
                   "it cannot be compared fairly on them.")
    base_rows = trained["baseline"][0]["per_label"] if trained["baseline"] and \
        trained["baseline"][0] else {}
    table = pd.DataFrame({
        "label": list(new["per_label"]),
        "precision": [r["precision"] for r in new["per_label"].values()],
        "recall": [r["recall"] for r in new["per_label"].values()],
        "F1 new": [r["f1"] for r in new["per_label"].values()],
        "F1 active (unseen rows)": [base_rows.get(k, {}).get("f1") for k in new["per_label"]],
        "support": [r["support"] for r in new["per_label"].values()],
    })
    left, right = st.columns([1, 1])
    left.dataframe(table, hide_index=True, key="train_table")
    right.pyplot(trained["figure"])
    if st.button("Save and activate this version", key="train_activate",
                 icon=":material/rocket_launch:"):
        try:
            registry.save(result.model, result.model.name)
            registry.activate(result.model.name)
        except AssistantError as exc:
            ui.stop_with(str(exc), "error")
        del st.session_state["trained"]
        st.toast(f"`{result.model.name}` is now active; agents get it on their next message.")
        st.rerun()

# ---------------------------------------------------------------- versions
st.subheader("3. Versions")
cards = registry.list_models()
if cards:
    st.dataframe(pd.DataFrame([{
        "name": c["name"], "active": "●" if c["name"] == active else "",
        "labels": len(c.get("labels", [])), "messages": c.get("rows"),
        "held-out accuracy": c.get("holdout", {}).get("accuracy"), "created": c.get("created"),
    } for c in cards]), hide_index=True, key="versions_table")
    names = [c["name"] for c in cards]
    pick = st.selectbox("Version", names, key="version_pick")
    v1, v2 = st.columns(2)
    if v1.button("Activate", key="version_activate", disabled=pick == active):
        try:
            registry.activate(pick)
            st.rerun()
        except AssistantError as exc:
            st.error(str(exc))
    if v2.button("Roll back to the previous model", key="version_rollback"):
        try:
            st.toast(f"Rolled back to {registry.rollback()}")
            st.rerun()
        except AssistantError as exc:
            st.error(str(exc))
