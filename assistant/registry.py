"""Which model to use: the shipped default (rebuilt from ``data/`` when missing or stale),
named models, and the active one.

>>> model = get_model()          # doctest: +SKIP  (builds models/default on first use)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sklearn

from . import model as m
from .atomic import write_atomic
from .dataset import read_labelled
from .errors import ModelError

DEFAULT = "default"


def data_dir() -> Path:
    return m.project_root() / "data"


def default_data_paths() -> list[Path]:
    """The shipped labelled training files the default model is built from."""
    return [data_dir() / "train.csv"]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def default_is_stale(data_sha256: str) -> str | None:
    """Why the default model must be rebuilt, or None when it is up to date."""
    folder = m.model_path(DEFAULT)
    if not (folder / m.MODEL_FILE).exists() or not (folder / m.CARD_FILE).exists():
        return "it does not exist yet"
    try:
        card = m.read_card(folder)
    except ModelError:
        return "its model card is damaged"
    built_with = card.get("versions", {}).get("scikit-learn")
    if built_with != sklearn.__version__:
        return f"it was built with scikit-learn {built_with}, this is {sklearn.__version__}"
    if card.get("pipeline_version") != m.PIPELINE_VERSION:
        return "the pipeline has changed since it was built"
    if card.get("data_sha256") != data_sha256:
        return "the shipped training data has changed"
    return None


def build_default(*, say: Callable[[str], None] = _say, force: bool = False) -> m.Model:
    """Build ``models/default`` from the shipped data if it is missing or stale; return it."""
    paths = default_data_paths()
    data = read_labelled(paths)
    reason = "a rebuild was asked for" if force else default_is_stale(
        m.data_hash(data.texts, data.labels))
    if reason is None:
        return m.load(DEFAULT)
    say(f"Building the default model from {', '.join(p.name for p in paths)} "
        f"({len(data.frame)} messages) because {reason}...")
    result = m.train(data.texts, data.labels, name=DEFAULT,
                     sources=[str(p.relative_to(m.project_root())) for p in paths])
    m.save(result.model, DEFAULT)
    say(f"Default model ready in {result.seconds:.1f}s (held-out accuracy "
        f"{result.holdout['accuracy']:.3f}, macro-F1 {result.holdout['macro_f1']:.3f}).")
    return result.model


def get_model(name: str | None = None, *, say: Callable[[str], None] = _say) -> m.Model:
    """The named model; with no name the active one (the default unless another was
    activated), building the default from the shipped data when it is missing or stale."""
    name = name or active_name()
    if name in ("", DEFAULT):
        return build_default(say=say)
    return m.load(name)


# ---------------------------------------------------------------- versions and the active one

ACTIVE_FILE = "active.json"


def _active_state() -> dict:
    path = m.models_dir() / ACTIVE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        state = None
    if not isinstance(state, dict):
        raise ModelError(f"{path} is damaged, so the active model is unknown; choose it again "
                         "with `assistant models activate NAME` (or delete the file for the "
                         "default model)")
    return state


def active_name() -> str:
    """The model agents use now: ``models/active.json``, else the default."""
    return str(_active_state().get("name") or DEFAULT)


def _write_state(state: dict) -> None:
    write_atomic(m.models_dir() / ACTIVE_FILE, lambda fh: fh.write(json.dumps(state).encode()),
                 make_folder=True)


def activate(name: str) -> None:
    """Make ``name`` the active model (one atomic file rename: replies in progress finish on
    the model they started with; the next one uses the new model)."""
    if name != DEFAULT:
        m.load(name)  # refuse a missing, damaged or incompatible model before switching
    state = _active_state()
    current = state.get("name") or DEFAULT
    if current == name:
        return
    history = [*state.get("history", []), current][-20:]
    _write_state({"name": name, "history": history,
                  "activated": datetime.now(UTC).isoformat(timespec="seconds")})


def rollback() -> str:
    """Re-activate the model that was active before the current one; returns its name."""
    state = _active_state()
    history = list(state.get("history", []))
    if not history:
        raise ModelError("nothing to roll back to: no model was active before this one")
    previous = history.pop()
    if previous != DEFAULT:
        m.load(previous)  # refuse to switch to a model that is gone or incompatible
    _write_state({"name": previous, "history": history,
                  "activated": datetime.now(UTC).isoformat(timespec="seconds")})
    return previous


def new_version_name() -> str:
    """A fresh, sortable model name for a retrained version."""
    return "v" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")


def list_models() -> list[dict]:
    """The cards of every saved model, newest first."""
    cards = []
    root = m.models_dir()
    for folder in sorted(root.glob("*/")) if root.exists() else []:
        if (folder / m.CARD_FILE).exists():
            try:
                cards.append({**m.read_card(folder), "name": folder.name})
            except ModelError:
                continue
    return sorted(cards, key=lambda c: c.get("created", ""), reverse=True)
