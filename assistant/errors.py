"""Exceptions raised by the library. Front ends turn them into one clear line."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: a problem the user can fix, with a message saying how."""


class DataError(AssistantError):
    """A data file (labelled CSV, export, orders) is missing, malformed or invalid."""


class ModelError(AssistantError):
    """A model cannot be built, trained, saved or loaded."""


class ModelVersionError(ModelError):
    """A saved model was made by another scikit-learn version."""


class OrderError(AssistantError):
    """An order's details cannot be read (bad date, bad number, unknown file)."""


class PolicyError(AssistantError):
    """A seller policy file is missing, is not valid TOML, or holds an unknown or impossible
    setting."""


class TemplateError(AssistantError):
    """A reply template is missing, invalid or cannot be rendered."""
