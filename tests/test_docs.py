"""The README documents every command, its examples parse, and its Python example runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from assistant.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = []
    for name, cmd in sub.choices.items():
        nested = [a for a in cmd._actions if a.dest.endswith("_command")]
        names += [f"{name} {s}" for a in nested for s in a.choices] or [name]
    return names


def test_readme_opens_with_the_two_commands():
    head = README.splitlines()[:6]
    assert any(line.startswith("make run") for line in head)
    assert any(line.startswith("make test") for line in head)


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command):
    assert f"assistant {command}" in README


def test_readme_command_examples_parse():
    lines = [line for line in README.splitlines() if line.startswith("assistant ")]
    assert len(lines) >= 15
    parser = build_parser()
    for line in lines:
        argv = shlex.split(line.split("  #")[0])[1:]
        args = parser.parse_args(argv)
        assert callable(args.func), line


def test_readme_python_example_runs(default_model, capsys):
    [block] = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    # A China Post parcel 35 days into its 60: within the promised time, told to wait.
    first = out.splitlines()[0]
    assert first.startswith("not_arrived wait ") and "25 days remain" in first
    assert "Hello," in out and "2 March 2026" in out
