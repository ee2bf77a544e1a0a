"""Where things live: the files the project ships and the user's own.

Shipped, read-only: the reply templates, the labelled training data, the carrier table and
the default seller policy (``data/policy.toml``).
In a clone they are the repository's ``templates/`` and ``data/``; in an installed wheel they
are inside the package (``assistant/_shipped/``).

The user's own, editable: models, the feedback database and (after ``assistant init``) copies
of the templates and the policy file, in the data directory ``home()``: ``$ASSISTANT_HOME``;
else the project folder in a clone; else a per-user folder
(``$XDG_DATA_HOME/reply-assistant``, by default ``~/.local/share/reply-assistant``). Single
paths can be moved with ``$ASSISTANT_MODELS_DIR``, ``$ASSISTANT_FEEDBACK_DB``,
``$ASSISTANT_PROFILE``, ``$ASSISTANT_TEMPLATES`` and ``$ASSISTANT_POLICY``.

Every other module asks here; nothing else works out a path from ``__file__``.

>>> models_dir().name
'models'
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_INSIDE = PACKAGE / "_shipped"


# How the package is installed does not change while it runs: looked at once (every reply
# asks for paths several times; the checks took 5-8% of deciding and drafting one).
@cache
def clone_root() -> Path | None:
    """The repository folder when running from a clone (or an editable install), else None."""
    root = PACKAGE.parent
    if not _INSIDE.is_dir() and (root / "templates").is_dir() and (root / "data").is_dir():
        return root
    return None


@cache
def _shipped() -> Path:
    return _INSIDE if _INSIDE.is_dir() else PACKAGE.parent


def shipped_data() -> Path:
    """The shipped labelled data, carrier table and default policy (read-only)."""
    return _shipped() / "data"


def shipped_templates() -> Path:
    """The shipped reply templates (read-only; ``assistant init`` copies them for editing)."""
    return _shipped() / "templates"


def home() -> Path:
    """The user's data directory (see the module's docstring)."""
    if os.environ.get("ASSISTANT_HOME"):
        return Path(os.environ["ASSISTANT_HOME"]).expanduser()
    root = clone_root()
    if root is not None:
        return root
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "reply-assistant"


def templates_dir() -> Path:
    """The templates in use: ``$ASSISTANT_TEMPLATES``, else the user's copy in ``home()``
    when there is one, else the shipped ones."""
    if os.environ.get("ASSISTANT_TEMPLATES"):
        return Path(os.environ["ASSISTANT_TEMPLATES"]).expanduser()
    own = home() / "templates"
    return own if own.is_dir() else shipped_templates()


def models_dir() -> Path:
    """Where models live: ``$ASSISTANT_MODELS_DIR``, else ``home()/models``."""
    return Path(os.environ.get("ASSISTANT_MODELS_DIR") or home() / "models")


def feedback_db() -> Path:
    """``$ASSISTANT_FEEDBACK_DB``, else ``home()/data/feedback.sqlite3``."""
    return Path(os.environ.get("ASSISTANT_FEEDBACK_DB") or home() / "data" / "feedback.sqlite3")


def profile_file() -> Path:
    """The agent's profile (name, store, default language): ``$ASSISTANT_PROFILE``, else
    ``home()/data/profile.json``."""
    return Path(os.environ.get("ASSISTANT_PROFILE") or home() / "data" / "profile.json")


def project_root() -> Path:
    """Where relative paths in model cards are counted from."""
    return clone_root() or _shipped()


def init_home(*, force: bool = False) -> list[str]:
    """Make ``home()`` ready for a seller's own files: a models folder, an editable copy of
    the templates (kept if it exists, unless ``force``) and of the policy file (always kept
    if it exists). Returns what was done."""
    import shutil

    target = home()
    done = []
    (target / "models").mkdir(parents=True, exist_ok=True)
    (target / "data").mkdir(parents=True, exist_ok=True)
    templates = target / "templates"
    if templates.resolve() == shipped_templates().resolve():
        done.append(f"{target} is the project folder: edit the templates in {templates}")
    elif templates.is_dir() and not force:
        done.append(f"kept your templates in {templates} (--force replaces them)")
    else:
        if templates.is_dir():
            shutil.rmtree(templates)
        shutil.copytree(shipped_templates(), templates)
        done.append(f"copied the templates to {templates}: edit them there")
    policy, shipped_policy = target / "policy.toml", shipped_data() / "policy.toml"
    if target.resolve() == clone_root():
        done.append(f"{target} is the project folder: edit the policy in {shipped_policy}")
    elif policy.is_file():
        done.append(f"kept your policy in {policy}")
    else:
        shutil.copyfile(shipped_policy, policy)
        done.append(f"copied the policy to {policy}: edit it there, then run "
                    "'assistant policy check'")
    done.append(f"models go to {models_dir()}, saved replies to {feedback_db()}")
    return done
