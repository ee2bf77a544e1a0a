"""Optional dependencies: imported where they are used, with a message naming the extra.

>>> require("json", "app", "reading JSON").__name__
'json'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import AssistantError


class MissingExtra(AssistantError):
    """An optional dependency a command needs is not installed."""


def require(module: str, extra: str, what: str) -> ModuleType:
    """``import module``, or MissingExtra saying which extra installs it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        raise MissingExtra(f"{what} needs {module.split('.')[0]}, which is not installed; "
                           f"install it with: pip install 'reply-assistant[{extra}]'") from None
