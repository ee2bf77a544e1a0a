"""The wheel works on its own: built, installed into a fresh virtualenv, used from another
folder (no clone beside it), with the shipped templates and data inside the package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtualenv holding only the built wheel; its dependencies come from this
    environment's site-packages through a .pth file (so nothing is downloaded)."""
    base = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(base / "dist"), str(ROOT)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (base / "dist").glob("reply_assistant-*.whl")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True).stdout.strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    work = base / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HOME=str(base / "home"), XDG_DATA_HOME=str(base / "home" / "share"))
    return env_dir / "bin" / "assistant", work, env


def _run(installed, *args):
    exe, work, env = installed
    return subprocess.run([str(exe), *args], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300)


def test_wheel_carries_the_templates(installed):
    done = _run(installed, "templates", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "templates OK" in done.stdout


def test_wheel_classifies_and_replies_from_another_folder(installed):
    done = _run(installed, "classify", "my parcel arrived empty", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["label"] == "empty_package"
    _, _, env = installed
    assert (Path(env["XDG_DATA_HOME"]) / "reply-assistant" / "models" / "default").is_dir()
    reply = _run(installed, "reply", "where is my order?", "--agent", "Mia")
    assert reply.returncode == 0, reply.stderr
    assert "Mia" in reply.stdout


def test_wheel_init_copies_the_templates_for_editing(installed):
    done = _run(installed, "init")
    assert done.returncode == 0, done.stderr
    _, _, env = installed
    copied = Path(env["XDG_DATA_HOME"]) / "reply-assistant" / "templates" / "en"
    assert (copied / "item_stained.txt.j2").is_file()
    assert "--version" not in done.stdout
    assert _run(installed, "--version").stdout.startswith("assistant ")


def test_the_core_needs_no_extra(installed):
    exe, work, env = installed
    code = ("import sys, assistant, assistant.cli, assistant.batch; "
            "heavy = [m for m in ('streamlit', 'dask', 'distributed', 'matplotlib', 'openpyxl') "
            "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)")
    done = subprocess.run([str(exe.parent / "python"), "-c", code], cwd=work, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_wheel_carries_the_policy(installed):
    done = _run(installed, "policy", "check", "--help")
    assert done.returncode == 0, done.stderr
    _, _, env = installed
    own = Path(env["XDG_DATA_HOME"]) / "reply-assistant" / "policy.toml"
    done = _run(installed, "policy", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    # The shipped file inside the package, or the copy `assistant init` made of it.
    assert "_shipped/data/policy.toml" in done.stdout or str(own) in done.stdout
    shown = _run(installed, "policy", "show")
    assert "shipping.refund_after_days_late" in shown.stdout and "15" in shown.stdout
