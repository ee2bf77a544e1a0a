"""Shared fixtures: the default model (built once per session) and a private models folder."""

from __future__ import annotations

import pytest

from assistant import registry


@pytest.fixture(scope="session")
def default_model():
    return registry.get_model()


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    """A private models folder, so tests never touch the project's models/."""
    folder = tmp_path / "models"
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(folder))
    return folder
