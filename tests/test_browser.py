"""End to end in a real browser: Debian's chromium driven by Playwright against
`streamlit run app.py` on a free loopback port, at 1440x900.

One server for the module (starting it and loading the model is most of the cost); a fresh
browser context, so a fresh session, per test. Every request the page makes is routed: one
that leaves the machine is blocked and fails the test. Screenshots of each page go to
$SCREENSHOT_DIR (default: a pytest temporary folder, printed at the end).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ORDER = "8183920451726635"
MESSAGE = f"Where is my parcel? Order {ORDER}, it has been weeks and nothing came."
VIEWPORT = {"width": 1440, "height": 900}
WAIT = 30_000
# Every http(s)/ws(s) address that is not this machine (matched by the browser driver, so
# local requests are not slowed down).
OUTSIDE = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?/)"
                     r"(?:https?|wss?)://")

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail("chromium is missing: .ci/run installs it with apt", pytrace=False)
    pytest.skip("needs Debian's chromium (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def server(home, default_model):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from appserver import running_app  # the app started as the browser benchmark starts it

    try:
        with running_app(home) as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    print(f"\nscreenshots in {folder}")


@pytest.fixture
def page(browser, server):
    """A fresh session at 1440x900 whose every request off this machine is blocked and
    reported as a failure."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True,
                                  permissions=["clipboard-read", "clipboard-write"])
    outside: list[str] = []

    def block(r):
        outside.append(r.request.url)
        r.abort()

    context.route(OUTSIDE, block)
    tab = context.new_page()
    tab.goto(server, wait_until="domcontentloaded")
    tab.get_by_label("Buyer message").wait_for(timeout=60_000)
    yield tab
    context.close()
    assert not outside, f"requests left the machine: {outside}"


def settle(page) -> None:
    """Wait until the script run is over and every lazily loaded widget is drawn."""
    page.wait_for_function(
        "() => document.querySelector('[data-test-script-state]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'"
        " && !document.querySelector('[data-testid=stSkeleton], [data-testid=stSkeletonElement]')",
        timeout=WAIT)


def shoot(page, path: Path) -> None:
    settle(page)
    page.mouse.move(0, 0)  # no hover effects in the picture
    page.screenshot(path=str(path))


def draft(page):
    return page.locator(".st-key-case_draft textarea")


def ask(page, message: str, order: str, expected: str = "Kind regards") -> None:
    """Paste a buyer message about ``order`` and wait for its case: the order panel and a
    draft holding ``expected``."""
    box = page.get_by_label("Buyer message")
    box.fill(message)
    box.press("Control+Enter")
    expect(page.locator(".st-key-order_box")).to_contain_text(f"Order {order}", timeout=WAIT)
    expect(draft(page)).to_have_value(_containing(expected), timeout=WAIT)


def _containing(text: str):
    return re.compile(re.escape(text))


def set_profile(page, name: str, store: str) -> None:
    for key, value in (("profile_agent", name), ("profile_store", store)):
        field = page.locator(f".st-key-{key} input")
        field.fill(value)
        field.press("Enter")
        # Applied once the "Press Enter to apply" hint is gone.
        expect(page.locator(f".st-key-{key} [data-testid=InputInstructions]")).to_have_text(
            "", timeout=WAIT)
    # The run that stored both has drawn its result: the profile is complete.
    expect(page.get_by_text("Kept on this computer for next time.")).to_be_visible(timeout=WAIT)
    settle(page)


def saved_rows(home: Path) -> int:
    db = home / "feedback.sqlite3"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        return con.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]


def test_edit_survives_an_order_change_a_page_switch_and_a_reload(page, shots):
    ask(page, MESSAGE, ORDER)
    box = draft(page)
    box.click()
    box.press("Control+End")
    box.type("P.S. I have asked the carrier myself.")
    page.get_by_label("Buyer name").click()  # leaving the draft keeps the edit
    page.get_by_label("Buyer name").fill("Ana")
    page.get_by_label("Buyer name").press("Enter")
    update = page.get_by_role("button", name="Update draft")
    expect(update).to_be_visible(timeout=WAIT)
    expect(page.locator(".st-key-update_box")).to_contain_text("Dear Ana")
    expect(box).to_have_value(_containing("P.S. I have asked the carrier myself."))
    expect(box).not_to_have_value(_containing("Dear Ana"))
    shoot(page, shots / "reply-update-offered.png")

    page.get_by_role("link", name="Batch").click()
    expect(page.get_by_role("heading", name="Classify an export")).to_be_visible(timeout=WAIT)
    page.get_by_role("link", name="Reply").click()
    expect(draft(page)).to_have_value(_containing("P.S. I have asked the carrier myself."),
                                      timeout=WAIT)
    expect(page.get_by_label("Buyer name")).to_have_value("Ana")

    page.reload(wait_until="domcontentloaded")
    expect(draft(page)).to_have_value(_containing("P.S. I have asked the carrier myself."),
                                      timeout=WAIT)
    expect(page.get_by_label("Buyer message")).to_have_value(MESSAGE)

    page.get_by_role("button", name="Update draft").click()
    expect(draft(page)).to_have_value(_containing("Dear Ana"), timeout=WAIT)
    expect(draft(page)).to_have_value(_containing("P.S. I have asked the carrier myself."))
    expect(page.get_by_role("button", name="Update draft")).to_have_count(0)


def test_copy_and_download_take_the_text_on_screen(page):
    ask(page, MESSAGE, ORDER)
    box = draft(page)
    box.click()
    box.press("Control+End")
    box.type("Typed last, never left the box.")  # no blur, no rerun: only the screen has it
    on_screen = box.input_value()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied")).to_be_visible(timeout=WAIT)
    assert page.evaluate("navigator.clipboard.readText()") == on_screen
    with page.expect_download(timeout=WAIT) as done:
        page.get_by_role("button", name="Download .txt").click()
    assert Path(done.value.path()).read_text(encoding="utf-8") == on_screen
    assert done.value.suggested_filename == f"reply-{ORDER}.txt"


def test_the_ticket_fits_the_first_screen(page, shots):
    """A whole case (profile set, order filled from an export) at 1440x900: the message, the
    scenario, the action with its dates and the draft are all on the first screen."""
    set_profile(page, "Mia", "Harbour Lane")
    page.locator(".st-key-orders_upload input[type=file]").set_input_files(
        str(ROOT / "data" / "sample_orders.csv"))
    expect(page.get_by_text("Using sample_orders.csv")).to_be_visible(timeout=WAIT)
    ask(page, MESSAGE, ORDER, "Dear Ana Souza")
    expect(page.locator(".st-key-action_box")).to_contain_text("Promised by")
    settle(page)
    for name in ("case_message", "scenario_box", "action_box"):
        found = page.locator(f".st-key-{name}").first.bounding_box()
        assert found and found["y"] >= 0 and found["y"] + found["height"] <= VIEWPORT["height"], \
            (name, found)
    text = draft(page).bounding_box()
    # The draft starts on the first screen and most of it is visible.
    assert text and text["y"] + 0.6 * text["height"] <= VIEWPORT["height"], text
    shoot(page, shots / "reply.png")


def test_save_refuses_placeholders_and_stores_one_row_per_click(page, home):
    (home / "profile.json").unlink(missing_ok=True)  # no name yet: the draft has gaps
    page.reload(wait_until="domcontentloaded")
    before = saved_rows(home)
    ask(page, MESSAGE, ORDER, "[agent name]")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Not saved: the reply still has [agent name]")).to_be_visible(
        timeout=WAIT)
    assert saved_rows(home) == before

    set_profile(page, "Mia", "Harbour Lane")
    expect(draft(page)).to_have_value(_containing("Harbour Lane"), timeout=WAIT)
    page.get_by_role("button", name="Save").dblclick()
    expect(page.get_by_text("Saved as #")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("button", name="Saved")).to_be_disabled()
    assert saved_rows(home) == before + 1


def test_every_page_works_offline(page, shots):
    """Reply, Batch and Train load with every outside request blocked (the fixture fails the
    test on any), and the favicon is drawn in the page."""
    ask(page, "Mein Paket kam leer an, Bestellung 1043. Nichts drin!", "1043", "1043")
    expect(page.locator(".st-key-english_box")).to_contain_text("nothing inside")
    shoot(page, shots / "reply-german.png")
    icon = page.locator("link[rel='shortcut icon']").get_attribute("href") or ""
    assert icon.startswith(("data:", "/", "./")) or "127.0.0.1" in icon, icon

    page.get_by_role("link", name="Batch").click()
    expect(page.get_by_role("heading", name="Classify an export")).to_be_visible(timeout=WAIT)
    sample = b"id,message\n1,my parcel arrived empty\n2,where is my order 1043\n3,12\n" + \
        b"".join(f"{i},please cancel order {1000 + i}\n".encode() for i in range(4, 40))
    page.locator(".st-key-batch_upload input[type=file]").set_input_files(
        files=[{"name": "export.csv", "mimeType": "text/csv", "buffer": sample}])
    expect(page.get_by_text("39 of 39 rows")).to_be_visible(timeout=WAIT)
    shoot(page, shots / "batch.png")

    page.get_by_role("link", name="Train").click()
    expect(page.get_by_role("heading", name="Models", exact=True)).to_be_visible(timeout=WAIT)
    bad = b"text,label\nwhere is my parcel,not_arived\n,not_arrived\n"
    page.locator(".st-key-train_upload input[type=file]").set_input_files(
        files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": bad}])
    expect(page.get_by_text("problems in the data, one per row")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("button", name="Roll back to the previous model")).to_be_visible()
    shoot(page, shots / "train.png")
    page.get_by_text("problems in the data, one per row").scroll_into_view_if_needed()
    shoot(page, shots / "train-problems.png")
