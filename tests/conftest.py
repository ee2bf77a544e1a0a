"""Shared fixtures: the default model (built once per session), a private models folder and
the shipped seller policy for every test."""

from __future__ import annotations

import pytest

from assistant import registry, settings


@pytest.fixture(autouse=True)
def _shipped_policy(monkeypatch):
    """Decisions follow the shipped data/policy.toml, whatever policy the developer's data
    directory or environment holds; a test that wants another one says so."""
    monkeypatch.setenv(settings.ENV_VAR, str(settings.shipped_path()))


@pytest.fixture(scope="session")
def default_model():
    return registry.get_model()


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    """A private models folder, so tests never touch the project's models/."""
    folder = tmp_path / "models"
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(folder))
    return folder
