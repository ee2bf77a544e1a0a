"""Streamlit plumbing shared by the pages: cached model, feedback store, uploads, the agent's
profile in the sidebar, the session kept across reloads, and the copy/download buttons.

Only Streamlit glue lives here; every decision is made by the ``assistant`` library.
"""

from __future__ import annotations

import importlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import replace

import streamlit as st

from assistant import registry
from assistant.assist import prepare
from assistant.dataset import read_labelled
from assistant.errors import AssistantError, DataError
from assistant.feedback import FeedbackStore, default_path
from assistant.gloss import LANGUAGE_NAMES
from assistant.model import MAX_CHARS, Model
from assistant.profile import DATE_FORMATS, Profile, load_profile, save_profile
from assistant.registry import read_card
from assistant.replies import available_languages
from assistant.scenarios import LABELS, SELLER_MESSAGES, title
from assistant.tables import read_table

# The page refuses uploads above this many rows and points to `assistant batch` instead.
MAX_PAGE_ROWS = 200_000
# A pasted message longer than this is cut by the text box (a whole mailbox pasted by mistake);
# the model reads the first MAX_CLASSIFIED_CHARS of what is kept.
MAX_MESSAGE_CHARS = 20_000
MAX_CLASSIFIED_CHARS = MAX_CHARS
# Session-state keys starting with this are the open case: kept for a reload (see below).
CASE = "case_"
SESSION_PARAM = "s"


# ---------------------------------------------------------------- model, data, feedback


@st.cache_resource(show_spinner="Loading the model…", max_entries=2)
def _load(name: str, created: str) -> Model:
    # Keyed on the card's creation time: a retrained or re-activated model is loaded on the
    # next run, while a run in progress keeps the object it already holds (never mutated).
    model = registry.get_model(name)
    prepare(model)  # detectors, templates, features readied, heap settled: not on first use
    return model


def model() -> Model:
    """The active model (building the default on first use)."""
    name = registry.active_name()
    try:
        created = read_card(name).get("created", "")
    except Exception:  # missing: get_model builds it (default) or reports the problem
        created = ""
    return _load(name, created)


@st.cache_resource
def _feedback(path: str) -> FeedbackStore:
    return FeedbackStore(path)


def feedback() -> FeedbackStore:
    """The feedback database (``$ASSISTANT_FEEDBACK_DB`` or data/feedback.sqlite3)."""
    return _feedback(str(default_path()))


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _table(file_id: str, name: str, _data: bytes):
    # Keyed on the upload's id, not its bytes: hashing a 200 MB upload on every rerun is slow.
    # A text file with far more lines than the page takes is refused before it is parsed
    # (parsing a 200 MB file takes gigabytes); counted here, once per upload.
    if not name.lower().endswith((".parquet", ".xlsx")):
        lines = _data.count(b"\n")
        if lines > MAX_PAGE_ROWS * 3 // 2:
            raise DataError(f"{name} has {lines:,} lines; this page takes up to "
                            f"{MAX_PAGE_ROWS:,} rows. Use `assistant batch {name} -o "
                            "labelled.parquet` for large exports.")
    return read_table(_data, name=name)


def table(upload):
    """An uploaded table (st.file_uploader's file), parsed once per upload."""
    return _table(upload.file_id, upload.name, upload.getvalue())


def shipped_data():
    """The shipped training data (text, label), read once per version of the files."""
    paths = registry.default_data_paths()
    return _shipped(tuple(str(p) for p in paths), tuple(p.stat().st_mtime for p in paths))


@st.cache_data(max_entries=1)
def _shipped(paths: tuple[str, ...], mtimes: tuple[float, ...]):
    return read_labelled(list(paths)).frame


def scenario_options(labels=None) -> list[str]:
    """Labels of the active model (the default set's order first), then seller messages."""
    labels = list(labels or LABELS)
    known = [lab for lab in LABELS if lab in labels]
    return known + sorted(lab for lab in labels if lab not in known) + list(SELLER_MESSAGES)


def fmt_label(label: str) -> str:
    """A scenario in words; the ids are shown only in the details expanders."""
    return f"{title(label)} (message from you)" if label in SELLER_MESSAGES else title(label)


def lang_name(code: str | None) -> str:
    return LANGUAGE_NAMES.get(code or "other", code or "another language")


# Less empty space above the page, so a ticket and its draft fit the first screen.
_STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 4rem; padding-bottom: 3rem; }
</style>"""


def page_style() -> None:
    st.html(_STYLE)


def stop_with(message: str, kind: str = "info") -> None:
    getattr(st, kind)(message)
    st.stop()


def thread_tools():
    """``(split_thread, current_request)`` from the conversations module when it is
    installed, else None (then a message is one buyer turn)."""
    for name in ("assistant.conversations", "assistant.threads"):
        try:
            module = importlib.import_module(name)
            return module.split_thread, module.current_request
        except (ImportError, AttributeError):
            continue
    return None


def model_caption() -> None:
    """The model agents use now, in the sidebar (read from its card, not loaded)."""
    name = registry.active_name()
    try:
        card = read_card(name)
        accuracy = card.get("holdout", {}).get("accuracy")
        shown = f" · {accuracy:.0%} right on held-out messages" if accuracy is not None else ""
    except AssistantError:
        shown = " · not built yet" if name == registry.DEFAULT else " · cannot be read"
    st.sidebar.caption(f"Model in use: **{name}**{shown}")


def policy_popover() -> None:
    """The seller policy in effect (when the policy settings module is installed)."""
    try:
        from assistant import settings
    except ImportError:
        return
    try:
        current, path = settings.load(), settings.policy_path()
    except AssistantError as exc:
        st.caption(f":red[The policy file cannot be used: {exc}]")
        return
    own = path != settings.shipped_path()
    with st.popover(f"Policy: {'yours' if own else 'the default'} ({path.name})",
                    icon=":material/policy:", type="tertiary"):
        st.caption(f"From {path}")
        st.markdown("\n".join(f"- **{value}** · {meaning} (`{key}`)"
                               for key, value, meaning in settings.describe(current)))


# ---------------------------------------------------------------- the session across reloads
# Streamlit keeps st.session_state for a browser tab until it reloads. The open case (keys
# starting with CASE) is also kept here, under a random id in the page's address (?s=…), so a
# reload or a restored tab finds it again. In memory only: for this server's lifetime.


class _Sessions:
    """A bounded, thread-safe map of session id -> saved case."""

    def __init__(self, limit: int = 500):
        self.limit = limit
        self.lock = threading.Lock()
        self.items: OrderedDict[str, dict] = OrderedDict()

    def get(self, key: str) -> dict | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
            return self.items.get(key)

    def put(self, key: str, value: dict) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.limit:
                self.items.popitem(last=False)


@st.cache_resource
def _sessions() -> _Sessions:
    return _Sessions()


def restore_session() -> None:
    """At the top of every run: give the session its id (in the address) and, on its first
    run, bring back the case saved under that id (a reload)."""
    state = st.session_state
    if "session_id" not in state:
        wanted = st.query_params.get(SESSION_PARAM)
        saved = _sessions().get(wanted) if wanted else None
        state["session_id"] = wanted if saved is not None else secrets.token_urlsafe(9)
        for key, value in (saved or {}).items():
            state.setdefault(key, value)
    if st.query_params.get(SESSION_PARAM) != state["session_id"]:
        st.query_params[SESSION_PARAM] = state["session_id"]


def remember_session() -> None:
    """At the end of every run: save the open case under the session's id."""
    state = st.session_state
    if "session_id" in state:
        _sessions().put(state["session_id"],
                        {k: state[k] for k in list(state.keys()) if str(k).startswith(CASE)})


def seed(key: str, value) -> None:
    """Give a widget its starting value unless the session already holds one."""
    if key not in st.session_state:
        st.session_state[key] = value


# ---------------------------------------------------------------- the agent's profile


def profile() -> Profile:
    """The agent's profile, read from disk once per session."""
    if "profile" not in st.session_state:
        st.session_state["profile"] = load_profile()
    return st.session_state["profile"]


def _save_profile() -> None:
    state = st.session_state
    new = replace(profile(), agent_name=state["profile_agent"].strip(),
                  store_name=state["profile_store"].strip(), language=state["profile_language"],
                  date_format=state["profile_dates"])
    try:
        save_profile(new)
        state["profile"] = new
    except AssistantError as exc:
        state["profile"] = new  # used for this session even if it cannot be kept
        state["profile_error"] = str(exc)


def profile_sidebar() -> Profile:
    """The profile form in the sidebar (on every page); changes are saved at once."""
    current = profile()
    state = st.session_state
    for key, value in (("profile_agent", current.agent_name),
                       ("profile_store", current.store_name),
                       ("profile_language", current.language),
                       ("profile_dates", current.date_format)):
        seed(key, value)
    languages = available_languages()
    # Title and state fixed for the session: an expander whose title changes is drawn anew,
    # and a field being typed into would lose its text.
    state.setdefault("profile_open", not current.complete)
    with st.sidebar.expander("Your profile", expanded=state["profile_open"],
                             icon=":material/badge:"):
        st.text_input("Your name (signs the replies)", key="profile_agent",
                      on_change=_save_profile, persist_state="session")
        st.text_input("Store", key="profile_store", on_change=_save_profile,
                      persist_state="session")
        st.selectbox("Answer in this language when the buyer's is unclear", languages,
                     key="profile_language", format_func=lang_name, on_change=_save_profile,
                     persist_state="session")
        st.selectbox("Dates", list(DATE_FORMATS), key="profile_dates",
                     format_func=DATE_FORMATS.get, on_change=_save_profile,
                     persist_state="session")
        if "profile_error" in state:
            st.error(f"Your profile cannot be saved: {state.pop('profile_error')}")
        elif current.complete:
            st.caption("Kept on this computer for next time.")
        else:
            st.caption(":orange[Set your name and store once: they sign every reply.]")
    return profile()


# ---------------------------------------------------------------- copy and download
# The buttons read the text box itself in the browser, so they take exactly the text on
# screen, including the last keystrokes before the box was left (st.download_button would
# serve the text of the previous run).

_TOOLS_HTML = """
<div class="tools">
  <button type="button" class="copy" title="Copy the reply as it is on screen">Copy</button>
  <button type="button" class="download" title="Save the reply as a text file">
    Download .txt</button>
  <span class="note" role="status" aria-live="polite"></span>
</div>
"""
_TOOLS_CSS = """
.tools { display: flex; gap: 0.5rem; align-items: center; font-family: var(--st-font); }
button { font: inherit; font-size: 0.95rem; padding: 0.4rem 0.85rem; cursor: pointer;
  border-radius: 0.5rem; border: 1px solid var(--st-border-color, #d0d3da);
  background: var(--st-background-color, #fff); color: var(--st-text-color, #31333f); }
button:hover, button:focus-visible { border-color: var(--st-primary-color, #1f6feb);
  color: var(--st-primary-color, #1f6feb); outline: none; }
.note { font-size: 0.85rem; color: var(--st-text-color, #31333f); opacity: 0.75; }
"""
_TOOLS_JS = """
export default function ({ parentElement, data }) {
  const box = () => document.querySelector(`.st-key-${data.target} textarea`);
  const note = parentElement.querySelector(".note");
  const say = (text) => { note.textContent = text; };
  parentElement.querySelector(".copy").onclick = async () => {
    const t = box();
    if (!t) { say("Nothing to copy yet"); return; }
    try {
      await navigator.clipboard.writeText(t.value);
    } catch (err) {
      t.focus(); t.select();
      if (!document.execCommand("copy")) { say("Copy blocked: press Ctrl+C"); return; }
    }
    say("Copied");
  };
  parentElement.querySelector(".download").onclick = () => {
    const t = box();
    if (!t) { say("Nothing to download yet"); return; }
    const url = URL.createObjectURL(new Blob([t.value], { type: "text/plain;charset=utf-8" }));
    const a = document.createElement("a");
    a.href = url; a.download = data.filename;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    say("Downloaded");
  };
}
"""
_draft_tools = st.components.v2.component("reply_draft_tools", html=_TOOLS_HTML,
                                          css=_TOOLS_CSS, js=_TOOLS_JS)


def draft_tools(target_key: str, filename: str, *, key: str) -> None:
    """Copy and Download buttons for the text box whose widget key is ``target_key``."""
    _draft_tools(data={"target": target_key, "filename": filename}, key=key, width="content")
