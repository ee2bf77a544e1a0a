"""The agent's profile: the name and store that sign every reply, the language to answer in
when the buyer's cannot be told, and how dates are written. Set once, kept on disk
(``paths.profile_file()``), written atomically so a crash never leaves half a file.

>>> profile = Profile(agent_name="Mia", store_name="Harbour Lane")
>>> profile.complete
True
>>> Profile.from_dict({"agent_name": " Mia ", "language": "xx"}).language
'en'
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from . import paths
from .atomic import write_text_atomic
from .errors import DataError

# The formats st.date_input accepts, in words an agent recognises.
DATE_FORMATS: dict[str, str] = {
    "YYYY/MM/DD": "2026/03/31 (year first)",
    "DD/MM/YYYY": "31/03/2026 (day first)",
    "MM/DD/YYYY": "03/31/2026 (month first)",
}
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Profile:
    """Who is answering. Empty strings mean "not set yet"."""

    agent_name: str = ""
    store_name: str = ""
    language: str = DEFAULT_LANGUAGE
    date_format: str = "YYYY/MM/DD"

    @property
    def complete(self) -> bool:
        """Both the name and the store are set (a reply can be signed)."""
        return bool(self.agent_name and self.store_name)

    @classmethod
    def from_dict(cls, data: Any) -> Profile:
        """A profile from saved JSON; unknown keys are ignored, bad values fall back to the
        defaults (a hand-edited file never stops the page)."""
        if not isinstance(data, dict):
            return cls()
        names = {f.name for f in fields(cls)}
        values = {k: str(v).strip() for k, v in data.items()
                  if k in names and isinstance(v, str | int | float)}
        profile = cls(**values)
        from .replies import available_languages

        if profile.language not in available_languages():
            profile = replace(profile, language=DEFAULT_LANGUAGE)
        if profile.date_format not in DATE_FORMATS:
            profile = replace(profile, date_format=cls.date_format)
        return profile


def default_path() -> Path:
    """``$ASSISTANT_PROFILE``, else ``data/profile.json`` in the data directory."""
    return paths.profile_file()


def load_profile(path: str | os.PathLike | None = None) -> Profile:
    """The saved profile, or an empty one when none was saved (or the file is unreadable)."""
    target = Path(path) if path else default_path()
    try:
        return Profile.from_dict(json.loads(target.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return Profile()


def save_profile(profile: Profile, path: str | os.PathLike | None = None) -> Path:
    """Write the profile as JSON (atomically); returns where it went."""
    target = Path(path) if path else default_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create {target.parent} for the profile: "
                        f"{exc.strerror or exc}; set ASSISTANT_PROFILE to a writable "
                        "file") from None
    write_text_atomic(target, json.dumps(asdict(profile), indent=2, ensure_ascii=False) + "\n")
    return target
