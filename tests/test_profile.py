"""The agent's profile on disk: set once, read back, never half-written."""

from __future__ import annotations

import json

from assistant.profile import Profile, load_profile, save_profile


def test_round_trip(tmp_path):
    path = tmp_path / "data" / "profile.json"
    saved = save_profile(Profile("Mia", "Harbour Lane", "es", "DD/MM/YYYY"), path)
    assert saved == path and load_profile(path) == Profile("Mia", "Harbour Lane", "es",
                                                           "DD/MM/YYYY")
    assert not list(path.parent.glob(".*.tmp"))  # written through a temporary file


def test_missing_or_damaged_file_gives_an_empty_profile(tmp_path):
    assert load_profile(tmp_path / "none.json") == Profile()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert load_profile(bad) == Profile() and not Profile().complete


def test_bad_values_fall_back(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"agent_name": " Mia ", "language": "xx", "date_format": "?",
                                "extra": 1}))
    assert load_profile(path) == Profile(agent_name="Mia")


def test_default_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_PROFILE", str(tmp_path / "mine.json"))
    save_profile(Profile("Ana", "Shop"))
    assert load_profile().agent_name == "Ana" and (tmp_path / "mine.json").exists()
