"""`streamlit run app.py` on a free loopback port, for a real browser to drive: the browser
tests (tests/test_browser.py) and the browser benchmark (benchmarks/browser.py) start the app
the same way, through :func:`running_app`.

The app's feedback database and profile go to ``home``; its output goes to
``home/streamlit.log`` (a file, not a pipe a chatty server could fill), whose end is shown if
it does not start.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(home: Path, *, timeout: float = 60.0) -> Iterator[str]:
    """The app's address while it runs; stopped on leaving. RuntimeError (with the end of its
    log) when it is not answering its health check within ``timeout`` seconds."""
    port = free_port()
    env = {**os.environ, "ASSISTANT_FEEDBACK_DB": str(home / "feedback.sqlite3"),
           "ASSISTANT_PROFILE": str(home / "profile.json")}
    log = home / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
             str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start: "
                                   + log.read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
