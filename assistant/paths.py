"""Where things live: the project's shipped files and the user's own (models, feedback).

Every other module asks here; nothing else works out a path from ``__file__``.

>>> models_dir().name
'models'
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def project_root() -> Path:
    """The folder holding ``data/``, ``templates/`` and ``models/`` in a clone."""
    return PACKAGE.parent


def data_dir() -> Path:
    """The shipped labelled data, carrier table and examples."""
    return project_root() / "data"


def templates_dir() -> Path:
    """The shipped reply templates (``$ASSISTANT_TEMPLATES`` overrides, see replies)."""
    return project_root() / "templates"


def models_dir() -> Path:
    """Where models live: ``$ASSISTANT_MODELS_DIR``, else the project's ``models/``."""
    return Path(os.environ.get("ASSISTANT_MODELS_DIR") or project_root() / "models")


def feedback_db() -> Path:
    """``$ASSISTANT_FEEDBACK_DB``, else ``data/feedback.sqlite3``."""
    return Path(os.environ.get("ASSISTANT_FEEDBACK_DB") or data_dir() / "feedback.sqlite3")
