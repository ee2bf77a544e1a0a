"""How fast the Reply page answers in a real browser (Debian's chromium via Playwright), at
1440x900, against `streamlit run app.py` on this machine.

Each figure is measured in the page: the clock starts (performance.now()) just before the
key press or click and stops on the first animation frame where the result is on screen
(polled with requestAnimationFrame):

- new message: Ctrl+Enter on a new buyer message -> its order panel, scenario, action and
  draft are all drawn for it (the order panel is drawn last);
- scenario change: a click on an alternative scenario -> the draft for it is drawn;
- order change: a buyer name typed and Enter -> the draft greets that name (in any language).

Run: python benchmarks/browser.py [--rounds 10]. Prints median, 90th percentile and worst.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from appserver import running_app  # benchmarks/appserver.py, beside this script

CHROMIUM = "/usr/bin/chromium"
MESSAGES = [
    "Where is my parcel? Order {n}, it has been weeks and nothing came.",
    "Mein Paket kam leer an, Bestellung {n}. Nichts drin!",
    "I want to cancel order {n}, I ordered the wrong size",
    "¿Dónde está mi pedido {n}? Ya pasaron 20 días",
    "The blouse from order {n} arrived with a big stain on the front",
    "Tracking says delivered but I have nothing! order {n}",
]
# The order panel is drawn after the scenario, the action and the draft (script order).
DRAWN = """(number) => {
  const box = document.querySelector('.st-key-order_box');
  const draft = document.querySelector('.st-key-case_draft textarea');
  return box && box.innerText.includes('Order ' + number) && draft && draft.value.length > 0
    ? performance.now() - window.__t0 : false;
}"""
DRAFT_CHANGED = """(before) => {
  const draft = document.querySelector('.st-key-case_draft textarea');
  return draft && draft.value !== before ? performance.now() - window.__t0 : false;
}"""
GREETS = """(name) => {
  const draft = document.querySelector('.st-key-case_draft textarea');
  return draft && draft.value.includes(name) ? performance.now() - window.__t0 : false;
}"""
IDLE = """() => document.querySelector('[data-test-script-state]')
  ?.getAttribute('data-test-script-state') === 'notRunning'"""


def _idle(page) -> None:
    page.wait_for_function(IDLE, polling="raf", timeout=30_000)


def _summary(name: str, values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, round(0.9 * (len(values) - 1)))]
    return (f"{name:<34} median {statistics.median(values):6.0f} ms   p90 {p90:6.0f} ms   "
            f"worst {values[-1]:6.0f} ms   ({len(values)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / "profile.json").write_text('{"agent_name": "Mia", "store_name": "Harbour Lane"}')
        with running_app(home) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(url)
            box = page.get_by_label("Buyer message")
            box.wait_for(timeout=60_000)
            draft = page.locator(".st-key-case_draft textarea")

            def ask(message: str, number: str) -> float:
                box.fill(message)
                page.evaluate("window.__t0 = performance.now()")
                box.press("Control+Enter")
                took = page.wait_for_function(DRAWN, arg=number, polling="raf",
                                              timeout=60_000).json_value()
                _idle(page)
                return took

            first = ask(MESSAGES[0].format(n=55500000), "55500000")
            new, scenario, order = [], [], []
            for i in range(args.rounds):
                n = str(55500001 + i)
                new.append(ask(MESSAGES[i % len(MESSAGES)].format(n=n), n))
                pill = page.locator(".st-key-pick_alternative button[aria-checked=false]").first
                if pill.count():
                    before = draft.input_value()
                    page.evaluate("window.__t0 = performance.now()")
                    pill.click()
                    scenario.append(page.wait_for_function(
                        DRAFT_CHANGED, arg=before, polling="raf",
                        timeout=30_000).json_value())
                    _idle(page)
                name = f"Buyer{i}"
                field = page.get_by_label("Buyer name")
                field.fill(name)
                page.evaluate("window.__t0 = performance.now()")
                field.press("Enter")
                order.append(page.wait_for_function(GREETS, arg=name, polling="raf",
                                                    timeout=30_000).json_value())
                _idle(page)
            browser.close()
    print(f"first message, just after the page opened: {first:.0f} ms")
    print(_summary("new message -> case drawn", new))
    if scenario:
        print(_summary("scenario change -> draft drawn", scenario))
    print(_summary("order change -> draft drawn", order))


if __name__ == "__main__":
    main()
