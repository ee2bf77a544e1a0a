"""Models on disk: names, save, load, the shipped default (rebuilt from ``data/`` when missing
or stale), versions and the active one.

Trust: a model file is a pickle, and loading a pickle can run code. Models are therefore
loaded only from the models folder (``$ASSISTANT_MODELS_DIR`` or ``models/``) by a validated
name, or from a folder the user names with :func:`load_trusted` (the CLI's
``--trust-model-path DIR``, whose name says that it runs code from that file).

>>> valid_name("shop2")
'shop2'
>>> model = get_model()          # doctest: +SKIP

"""

from __future__ import annotations

import json
import os
import pickle
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import sklearn

from . import model as m
from .atomic import write_atomic
from .dataset import read_labelled
from .errors import ModelError, ModelVersionError
from .paths import models_dir, project_root, shipped_data

DEFAULT = "default"
MODEL_FILE = "model.joblib"
CARD_FILE = "model.json"
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")


def valid_name(name: str) -> str:
    """``name`` if it can name a model folder under the models folder, else ModelError.

    Letters, digits, ``-``, ``_`` and ``.`` (not first), at most 64 characters: no path, no
    hidden folder, nothing that could point outside the models folder.
    """
    name = str(name)
    if not _NAME.fullmatch(name):
        raise ModelError(f"{name!r} is not a model name: use letters, digits, '-', '_' and "
                         "'.' (not first), up to 64 characters; to load a model folder "
                         "elsewhere, use --trust-model-path DIR")
    return name


def model_path(name: str) -> Path:
    """A model's folder under the models folder, from its validated name."""
    return models_dir() / valid_name(name)


def save(model: m.Model, name: str) -> Path:
    """Save as ``<models>/<name>/model.joblib`` (a pickle) + ``model.json``, each written
    atomically.

    The joblib file holds the card too, so it is complete on its own; the JSON is its readable
    copy.
    """
    folder = model_path(name)
    card = {**model.card, "name": folder.name}
    try:
        # A plain pickle (protocol 5): written and read by the C pickler in a tenth of
        # joblib's time; joblib.load reads it too.
        write_atomic(folder / MODEL_FILE,
                     lambda fh: pickle.dump({"pipeline": model.pipeline, "card": card,
                                             "seen": model.seen,
                                             "language_head": model.language_head},
                                            fh, protocol=5),
                     make_folder=True)
        write_atomic(folder / CARD_FILE,
                     lambda fh: fh.write(json.dumps(card, indent=2, sort_keys=True).encode()),
                     make_folder=True)
    except OSError as exc:
        raise ModelError(f"cannot save the model to {folder}: {exc.strerror or exc}; check "
                         "that the folder is writable and the disk has room") from None
    return folder


def set_confidence_threshold(name: str, threshold: float, selection: dict[str, Any]) -> Path:
    """Save a new needs-review confidence threshold into a saved model (its margin kept), with
    how it was chosen in the card."""
    from dataclasses import asdict, replace

    model = load(name)
    thresholds = replace(model.thresholds, min_confidence=float(threshold))
    card = {**model.card, "thresholds": asdict(thresholds), "threshold_selection": selection}
    return save(m.Model(model.pipeline, card, model.seen, model.language_head), name)


def _fix(folder: Path) -> str:
    if folder.name == DEFAULT and folder.parent == models_dir():
        return "rebuild it with `assistant models build-default --force`"
    return f"retrain it with `assistant train DATA.csv --name {folder.name}`"


def _card_at(folder: Path) -> dict[str, Any]:
    try:
        card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"no model at {folder}; train one with `assistant train DATA.csv "
                         f"--name {folder.name}`") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ModelError(f"the model card {folder / CARD_FILE} is damaged ({why}); "
                         f"{_fix(folder)}") from None
    except OSError as exc:
        raise ModelError(f"cannot read {folder / CARD_FILE}: {exc.strerror or exc}") from None
    versions = card.get("versions") if isinstance(card, dict) else None
    if not isinstance(card, dict) or not isinstance(versions, dict):
        raise ModelError(f"the model card {folder / CARD_FILE} is damaged (not a model card: "
                         f"it must be an object with a 'versions' object); {_fix(folder)}")
    return card


def read_card(name: str) -> dict[str, Any]:
    """The model card of a saved model, without loading the model."""
    return _card_at(model_path(name))


def load(name: str) -> m.Model:
    """Load a model from the models folder by name; refuse one made by another scikit-learn
    version."""
    return _load(model_path(name))


def load_trusted(folder: str | os.PathLike) -> m.Model:
    """Load a model folder from anywhere. Loading runs code from its pickle: only for a model
    you made."""
    folder = Path(folder)
    if not (folder / MODEL_FILE).is_file():
        raise ModelError(f"{folder} holds no {MODEL_FILE}; give the folder of a saved model")
    return _load(folder)


def _load(folder: Path) -> m.Model:
    card = _card_at(folder)
    built_with = card["versions"].get("scikit-learn")
    if built_with != sklearn.__version__:
        raise ModelVersionError(
            f"model {folder.name!r} was built with scikit-learn {built_with}, this is "
            f"{sklearn.__version__}; {_fix(folder)} (the default model rebuilds itself)")
    try:
        payload = _read_payload(folder / MODEL_FILE)
        return m.Model(payload["pipeline"], payload["card"], payload.get("seen", frozenset()),
                       payload.get("language_head"))
    except FileNotFoundError:
        raise ModelError(f"{folder / MODEL_FILE} is missing; {_fix(folder)}") from None
    except Exception as exc:  # a truncated or foreign file
        raise ModelError(f"{folder / MODEL_FILE} cannot be loaded ({type(exc).__name__}); "
                         f"{_fix(folder)}") from None


def _read_payload(path: Path) -> dict[str, Any]:
    """A saved model's contents: a plain pickle, or (models saved before) a compressed joblib
    file."""
    with open(path, "rb") as fh:
        if fh.read(1) == b"\x80":  # a pickle: ours, or an uncompressed joblib file
            fh.seek(0)
            try:
                return pickle.load(fh)
            except pickle.UnpicklingError:  # joblib's arrays are stored beside the pickle
                pass
    return joblib.load(path)


def default_data_paths() -> list[Path]:
    """The shipped labelled training files the default model is built from."""
    return [shipped_data() / "train.csv"]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def shipped_files_hash(paths: list[Path]) -> str:
    """A fingerprint of the shipped data files' bytes: cheap enough to check on every start
    (reading and validating them takes about 0.3 s; hashing them, milliseconds)."""
    import hashlib

    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes() + b"\x1e")
    return h.hexdigest()


def default_is_stale(files_sha256: str) -> str | None:
    """Why the default model must be rebuilt, or None when it is up to date."""
    folder = model_path(DEFAULT)
    if not (folder / MODEL_FILE).exists() or not (folder / CARD_FILE).exists():
        return "it does not exist yet"
    try:
        card = read_card(DEFAULT)
    except ModelError:
        return "its model card is damaged"
    built_with = card["versions"].get("scikit-learn")
    if built_with != sklearn.__version__:
        return f"it was built with scikit-learn {built_with}, this is {sklearn.__version__}"
    if card.get("pipeline_version") != m.PIPELINE_VERSION:
        return "the pipeline has changed since it was built"
    if card.get("files_sha256") != files_sha256:
        return "the shipped training data has changed"
    return None


def build_default(*, say: Callable[[str], None] = _say, force: bool = False) -> m.Model:
    """Build ``models/default`` from the shipped data if it is missing or stale; return it."""
    paths = default_data_paths()
    files_sha256 = shipped_files_hash(paths)
    reason = "a rebuild was asked for" if force else default_is_stale(files_sha256)
    if reason is None:
        try:
            return load(DEFAULT)
        except ModelError as exc:
            reason = f"it cannot be loaded ({exc})"
    data = read_labelled(paths)  # only now: validating the rows takes a noticeable moment
    say(f"Building the default model from {', '.join(p.name for p in paths)} "
        f"({len(data.frame)} messages) because {reason}...")
    result = m.train(data.texts, data.labels, name=DEFAULT, languages=data.languages,
                     sources=[_shown(p) for p in paths])
    result.model.card["files_sha256"] = files_sha256
    save(result.model, DEFAULT)
    say(f"Default model ready in {result.seconds:.1f}s (held-out accuracy "
        f"{result.holdout['accuracy']:.3f}, macro-F1 {result.holdout['macro_f1']:.3f}).")
    return result.model


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(project_root()))
    except ValueError:
        return path.name


def get_model(name: str | None = None, *, say: Callable[[str], None] = _say,
              trusted_path: str | os.PathLike | None = None) -> m.Model:
    """The named model; with no name the active one (the default unless another was
    activated), building the default from the shipped data when it is missing or stale.
    ``trusted_path`` loads a model folder from anywhere instead (see :func:`load_trusted`)."""
    if trusted_path is not None:
        if name:
            raise ModelError("give a model name or --trust-model-path DIR, not both")
        return load_trusted(trusted_path)
    name = name or active_name()
    return build_default(say=say) if name in ("", DEFAULT) else load(name)


# ---------------------------------------------------------------- versions and the active one

ACTIVE_FILE = "active.json"


def _active_state() -> dict:
    path = models_dir() / ACTIVE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        state = None
    name = state.get("name") if isinstance(state, dict) else None
    if not isinstance(state, dict) or not isinstance(name, str | None) or (
            name and not _NAME.fullmatch(name)):
        raise ModelError(f"{path} is damaged, so the active model is unknown; choose it again "
                         "with `assistant models activate NAME` (or delete the file for the "
                         "default model)")
    return state


def active_name() -> str:
    """The model agents use now: ``models/active.json``, else the default."""
    return str(_active_state().get("name") or DEFAULT)


def _write_state(state: dict) -> None:
    write_atomic(models_dir() / ACTIVE_FILE, lambda fh: fh.write(json.dumps(state).encode()),
                 make_folder=True)


def activate(name: str) -> None:
    """Make ``name`` the active model (one atomic file rename: replies in progress finish on
    the model they started with; the next one uses the new model)."""
    valid_name(name)
    if name != DEFAULT:
        load(name)  # refuse a missing, damaged or incompatible model before switching
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
        load(previous)  # refuse to switch to a model that is gone or incompatible
    _write_state({"name": previous, "history": history,
                  "activated": datetime.now(UTC).isoformat(timespec="seconds")})
    return previous


def new_version_name() -> str:
    """A fresh, sortable model name for a retrained version."""
    return "v" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")


def list_models() -> list[dict]:
    """The cards of every saved model, newest first. A folder whose card is damaged is listed
    with ``damaged`` (the reason) instead of breaking the list."""
    cards = []
    root = models_dir()
    for folder in sorted(root.glob("*/")) if root.exists() else []:
        if not _NAME.fullmatch(folder.name) or not (folder / CARD_FILE).exists():
            continue
        try:
            card = _card_at(folder)
        except ModelError as exc:
            cards.append({"name": folder.name, "damaged": str(exc)})
            continue
        created = card.get("created")
        cards.append({**card, "name": folder.name,
                      "created": created if isinstance(created, str) else ""})
    return sorted(cards, key=lambda c: c.get("created", ""), reverse=True)
