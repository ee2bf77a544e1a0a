"""Train page: the models in use and their versions (always visible), then retraining on
labelled files and agents' corrections, with a fair comparison, a name and activation."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

import ui
from assistant import AssistantError, registry
from assistant import model as m
from assistant.checks import comparison_note, data_problems, label_warnings
from assistant.dataset import labelled_frame, validated
from assistant.evaluation import confusion_figure, evaluate, metrics
from assistant.tables import Table

state = st.session_state
st.title("Train and manage models")


def pct(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1%}"


def when(stamp) -> str:
    try:
        return datetime.fromisoformat(str(stamp)).strftime("%d %b %Y, %H:%M")
    except ValueError:
        return str(stamp or "—")


def activate(name: str) -> None:
    try:
        registry.activate(name)
        state["train_flash"] = ("success", f"{name} is now in use; agents get it on their next "
                                           "message.")
    except AssistantError as exc:
        state["train_flash"] = ("error", f"Cannot activate {name}: {exc}")


def roll_back() -> None:
    try:
        state["train_flash"] = ("success", f"Rolled back: {registry.rollback()} is in use again.")
    except AssistantError as exc:
        state["train_flash"] = ("error", f"Cannot roll back: {exc}.")


# ---------------------------------------------------------------- models (always shown)
st.subheader("Models")
active = registry.active_name()
try:
    card = registry.read_card(active) if active != registry.DEFAULT else ui.model().card
except AssistantError as exc:
    card = {}
    st.error(f"The model in use, {active}, cannot be read: {exc}")
with st.container(border=True):
    st.markdown(f"**In use: {active}**")
    if card:
        hold = card.get("holdout", {})
        a, b, c, d = st.columns(4)
        a.metric("Scenarios", len(card.get("labels", [])))
        b.metric("Training messages", f"{card.get('rows', 0):,}")
        c.metric("Held-out accuracy", pct(hold.get("accuracy")))
        d.metric("Held-out macro-F1", pct(hold.get("macro_f1")))
        st.caption(f"Built {when(card.get('created'))} with scikit-learn "
                   f"{card.get('versions', {}).get('scikit-learn', '?')}.")

cards = registry.list_models()
if cards:
    st.dataframe(pd.DataFrame([{
        "Version": c["name"], "In use": "● in use" if c["name"] == active else "",
        "Scenarios": len(c.get("labels", [])) if "damaged" not in c else None,
        "Messages": c.get("rows"), "Held-out accuracy": pct(c.get("holdout", {}).get("accuracy")),
        "Built": when(c.get("created")) if "damaged" not in c else f"damaged: {c['damaged']}",
    } for c in cards]), hide_index=True, key="versions_table",
        column_config={"Messages": st.column_config.NumberColumn(format="localized")})
names = [c["name"] for c in cards]
row = st.container(horizontal=True, vertical_alignment="bottom")
pick = row.selectbox("Version", names, key="version_pick", width=320,
                     format_func=lambda n: f"{n} (in use)" if n == active else n,
                     index=names.index(active) if active in names else 0,
                     disabled=not names)
row.button("Use this version", key="version_activate", disabled=not names or pick == active,
           on_click=activate, args=(pick,), icon=":material/check_circle:")
row.button("Roll back to the previous model", key="version_rollback", on_click=roll_back,
           icon=":material/undo:")
if "train_flash" in state:
    kind, text = state.pop("train_flash")
    getattr(st, kind)(text)

# ---------------------------------------------------------------- data
st.subheader("Train a new version")
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
                   icon=":material/download:", on_click="ignore")

frames, sources, problems = [], [], []
for upload in uploads or []:
    try:
        table: Table = ui.table(upload)
        part = labelled_frame(table)
    except AssistantError as exc:
        problems.append({"file": upload.name, "row": None, "problem": str(exc),
                         "what to do": "check the file's columns: a text and a label column"})
        continue
    frames.append(part.assign(source=upload.name))
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
combined = pd.concat(frames, ignore_index=True) if frames else None
if combined is not None:
    problems += [{"file": p.file, "row": p.row, "problem": p.problem, "what to do": p.suggestion}
                 for p in data_problems(combined)]
if problems:
    problems.sort(key=lambda p: (p["file"], p["row"] if p["row"] is not None else 0))
    st.error(f"{len(problems)} problem{'' if len(problems) == 1 else 's'} in the data, one per "
             "row below: fix them and upload the files again.")
    st.dataframe(pd.DataFrame(problems), hide_index=True, key="train_problems",
                 column_config={"row": st.column_config.NumberColumn("row", format="%d"),
                                "problem": st.column_config.TextColumn(width="large"),
                                "what to do": st.column_config.TextColumn(width="medium")})
    st.stop()
try:
    data = validated(combined, sources)
except AssistantError as exc:
    ui.stop_with(str(exc), "error")
counts = data.frame["label"].value_counts()
st.success(f"{len(data.frame):,} messages, {len(counts)} scenarios, from {', '.join(sources)}.")
for warning in [*data.warnings, *label_warnings(counts.index)]:
    st.caption(warning)

# ---------------------------------------------------------------- train
if st.button("Train a new version", type="primary", key="train_go", icon=":material/play_arrow:"):
    bar = st.progress(0.0, text="Starting…")
    try:
        result = m.train(data.texts, data.labels, name=registry.new_version_name(),
                         sources=sources, progress=lambda f, msg: bar.progress(f, text=msg))
    except AssistantError as exc:
        ui.stop_with(f"Training failed: {exc}", "error")
    bar.empty()
    # Kept before anything else can fail, so a finished training is never lost.
    state["trained"] = {"result": result, "against": active, "baseline": None}
    state["train_name"] = result.model.name
    try:
        current = ui.model()
        unseen = [not s for s in current.has_seen(result.holdout_texts)]
        texts = [t for t, u in zip(result.holdout_texts, unseen, strict=True) if u]
        labels = [t for t, u in zip(result.holdout_labels, unseen, strict=True) if u]
        new_on_same = metrics(labels, [p for p, u in zip(result.holdout_predicted, unseen,
                                                             strict=True) if u])
        baseline = evaluate(current, texts, labels) if texts else None
        state["trained"]["baseline"] = (baseline, new_on_same, len(texts))
    except AssistantError as exc:
        st.warning(f"The model in use could not be measured for comparison: {exc}")
    state["trained"]["figure"] = confusion_figure(result.holdout_labels,
                                                  result.holdout_predicted)

if "trained" in state:
    trained = state["trained"]
    result, against = trained["result"], trained["against"]
    new = result.holdout
    st.markdown(f"**The new version**, measured on {new['rows']} held-out messages it was never "
                "trained on (split off before training):")
    a, b = st.columns(2)
    a.metric("Accuracy", pct(new["accuracy"]))
    b.metric("Macro-F1", pct(new["macro_f1"]))
    note = comparison_note(new["rows"])
    if trained["baseline"] and trained["baseline"][0]:
        base, same, rows = trained["baseline"]
        note = comparison_note(rows)
        st.markdown(f"Against **{against}** (in use) on the {rows} held-out messages neither "
                    "was trained on:")
        c, d = st.columns(2)
        c.metric(f"Accuracy: new vs {against}", pct(same["accuracy"]),
                 f"{(same['accuracy'] - base['accuracy']) * 100:+.1f} points",
                 delta_color="off" if note else "normal")
        d.metric(f"Macro-F1: new vs {against}", pct(same["macro_f1"]),
                 f"{(same['macro_f1'] - base['macro_f1']) * 100:+.1f} points",
                 delta_color="off" if note else "normal")
    elif trained["baseline"]:
        st.caption(f"{against} (in use) was trained on every held-out message, so the two "
                   "cannot be compared fairly on them.")
    if note:
        st.warning(note, icon=":material/warning:")
    base_rows = trained["baseline"][0]["per_label"] if trained["baseline"] and \
        trained["baseline"][0] else {}
    per_label = pd.DataFrame({
        "scenario": list(new["per_label"]),
        "precision": [pct(r["precision"]) for r in new["per_label"].values()],
        "recall": [pct(r["recall"]) for r in new["per_label"].values()],
        "F1 new": [pct(r["f1"]) for r in new["per_label"].values()],
        f"F1 {against}": [pct(base_rows.get(k, {}).get("f1")) for k in new["per_label"]],
        "held-out messages": [r["support"] for r in new["per_label"].values()],
    })
    left, right = st.columns([1, 1])
    left.dataframe(per_label, hide_index=True, key="train_table")
    right.pyplot(trained["figure"])

    name = st.text_input("Name this version", key="train_name",
                         help="Letters, digits, '-', '_' and '.', up to 64 characters")
    problem = None
    try:
        registry.valid_name(name)
        if registry.model_path(name).exists():
            problem = f"A version called {name} exists already; choose another name."
    except AssistantError:
        problem = ("Use letters, digits, '-', '_' and '.' (not first), up to 64 characters.")
    if problem:
        st.caption(f":red[{problem}]")
    s1, s2 = st.columns([1, 3])
    go = s1.button("Save and use it", key="train_activate", icon=":material/rocket_launch:",
                   type="primary", disabled=problem is not None)
    keep = s2.button("Save without using it", key="train_save", disabled=problem is not None)
    if go or keep:
        try:
            registry.save(result.model, name)
            if go:
                registry.activate(name)
        except AssistantError as exc:
            ui.stop_with(str(exc), "error")
        del state["trained"]
        state["train_flash"] = ("success", f"Saved as {name}" + (
            "; agents get it on their next message." if go else "."))
        st.rerun()
