"""The web pages in a real browser: Debian's chromium driven by Playwright, against a real
server (uvicorn in a thread) on a free port with the demo ledger, and the clinic's 20-line
contract (tests/web/clinic.yaml), in its own SQLite database.

A contractor signs in, creates a change order, enters a month's work on the 20-line draft
(watching the summary change as they type) and submits it; an admin approves it, records a
payment and downloads the PDF; a read-only member sees no edit control. Screenshots of each
step are saved under ``artifacts/browser/`` (git-ignored); with
``DRAWBRIDGE_UPDATE_SCREENSHOTS=1`` the pay-application ones are also written to
``docs/images/`` for the README.

The browser is the system's: when ``/usr/bin/chromium`` is missing the fixture installs it with
apt-get (as root). When it cannot, the test is skipped locally and FAILS in CI (``CI=true``).
It runs in the SQLite pass of ``make test`` only: the server has its own database either way.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL
from tests.web.helpers import demo_with_clinic

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
DOC_IMAGES = ROOT / "docs" / "images"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        bool(POSTGRES_URL), reason="the browser test runs in the SQLite pass of make test"
    ),
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The system chromium, installed with apt-get when missing and possible."""
    if not CHROMIUM.exists() and hasattr(os, "geteuid") and os.geteuid() == 0:
        apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        installed = subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
            env=apt,
            capture_output=True,
            check=False,
        )
        if installed.returncode != 0:
            subprocess.run(["apt-get", "update"], env=apt, capture_output=True, check=False)
            subprocess.run(
                ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                env=apt,
                capture_output=True,
                check=False,
            )
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing and could not be installed with apt-get"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``drawbridge serve --demo`` in-process: a real HTTP server on a free port."""
    import uvicorn

    from drawbridge.api.app import create_app
    from drawbridge.bootstrap import Runtime, Settings
    from drawbridge.services import fixtures
    from drawbridge.store import migrate
    from drawbridge.store.database import make_engine

    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    runtime = Runtime(
        Settings(database_url=url, data_dir=folder / "files", operator_token=None), engine=engine
    )
    fixtures.load_fixture_text(runtime.uow(), demo_with_clinic())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(runtime), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)
    runtime.close()


@pytest.fixture
def browser(chromium: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium),
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            yield launched
        finally:
            launched.close()


def _shot(page: object, name: str, *, for_docs: bool = False, top: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if top:  # the page from its top: the G702 summary, then the continuation sheet
        page.evaluate("window.scrollTo(0, 0)")  # type: ignore[attr-defined]
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)  # type: ignore[attr-defined]
    if for_docs and os.environ.get("DRAWBRIDGE_UPDATE_SCREENSHOTS"):
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_IMAGES / f"{name}.png")


def _sign_in(page: object, base: str, email: str, password: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{base}/app/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Projects of Granite Peak Builders")).to_be_visible()


def _sign_out(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_month_of_billing_in_the_browser(server: str, browser: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)

    # A contractor's project manager signs in and finds the interiors subcontract.
    _sign_in(page, server, "marco.ruiz@granitepeak.test", "demo-standard-password")
    _shot(page, "01-projects")
    page.get_by_role("link", name="Harbor View Medical - Clinic Fit-out").click()
    page.get_by_role("link", name="SC-101").click()
    expect(
        page.get_by_role("heading", name="SC-101: Interior construction and finishes")
    ).to_be_visible()
    _shot(page, "02-contract")

    # They create a change order with two items and send it for approval.
    page.get_by_text("New change order").click()
    page.get_by_label("Change order number").fill("CO-101")
    page.get_by_label("Change order title").fill("Add exam room casework")
    page.get_by_label("Item 1 description").fill("Casework at exam rooms 4-6")
    page.get_by_label("Item 1 cost code").fill("06-4100")
    page.get_by_label("Item 1 amount").fill("6,400.00")
    page.get_by_label("Item 2 description").fill("Solid surface tops")
    page.get_by_label("Item 2 amount").fill("2100.00")
    page.get_by_role("button", name="Create change order").click()
    expect(page.get_by_role("status").first).to_have_text("Change order created.")
    expect(page.get_by_role("heading", name="CO-101: Add exam room casework")).to_be_visible()
    page.get_by_label("Move CO-101 to").select_option("pending")
    page.get_by_role("button", name="Move").click()
    expect(
        page.get_by_role("heading", name="CO-101: Add exam room casework Pending")
    ).to_be_visible()
    _shot(page, "03-change-order")

    # They start the contract's first application, for August, and enter the month's work on
    # its 20 lines, watching the summary follow.
    page.get_by_text("Start the next pay application").click()
    page.get_by_label("Period start").fill("2025-08-01")
    page.get_by_label("Period end").fill("2025-08-31")
    page.get_by_label("Invoice number").fill("NGI-101-01")
    page.get_by_role("button", name="Create pay application").click()
    expect(page.get_by_role("heading", name="Application for payment No. 1")).to_be_visible()
    expect(page.locator("tbody tr[data-line]")).to_have_count(20)
    due = page.locator('[data-fig="s-8"]')
    expect(due).to_have_text("0.00")
    page.get_by_label("Line 6: work this period").fill("12150.00")
    expect(due).to_have_text("10,935.00")  # 12,150.00 less 10 % retainage
    page.get_by_label("Line 12: percent complete to reach").fill("60")
    expect(page.get_by_label("Line 12: work this period")).to_have_value("34920.00")
    # Keyboard only: from line 13's work to its stored materials with Tab.
    page.get_by_label("Line 13: work this period").focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("16075.00")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Line 13: materials presently stored")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("5000.00")
    expect(due).to_have_text("61,330.50")
    expect(page.locator('[data-fig="s-4"]')).to_have_text("68,145.00")
    _shot(page, "pay-application-live-recompute", for_docs=True, top=True)

    # Over-billing a line is flagged on it at once.
    last_line = page.locator("tr[data-line]", has=page.get_by_label("Line 20: work this period"))
    page.get_by_label("Line 20: work this period").fill("9000.00")
    expect(last_line.locator(".flag")).to_be_visible()
    expect(page.locator("#live-error")).to_be_visible()
    last_line.scroll_into_view_if_needed()
    _shot(page, "pay-application-over-billed", for_docs=True)
    page.get_by_label("Line 20: work this period").fill("0.00")
    expect(last_line.locator(".flag")).to_be_hidden()
    expect(due).to_have_text("61,330.50")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").first).to_have_text("Saved.")
    expect(due).to_have_text("61,330.50")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status").first).to_have_text("Submitted for review.")
    expect(page.get_by_label("Line 6: work this period")).to_have_count(0)
    _shot(page, "04-submitted")
    application = page.url.split("?")[0]
    _sign_out(page)

    # An admin approves it and records the payment.
    _sign_in(page, server, "dana.whitfield@granitepeak.test", "demo-admin-password")
    page.goto(application)
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_role("status").first).to_have_text("Approved.")
    page.get_by_label("Amount").fill("61,330.50")
    page.get_by_label("Date").fill("2025-09-24")
    page.get_by_label("Method").select_option("check")
    page.get_by_label("Check number").fill("20944")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("status").first).to_have_text("Payment recorded.")
    expect(page.locator("#payments")).to_contain_text("61,330.50")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    _shot(page, "pay-application-approved", for_docs=True, top=True)
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download PDF").click()
    download = downloading.value
    assert download.suggested_filename == "SC-101 application 1.pdf"
    saved = ARTIFACTS / "SC-101 application 1.pdf"
    download.save_as(str(saved))
    assert saved.read_bytes().startswith(b"%PDF")
    page.get_by_role("heading", name="History").scroll_into_view_if_needed()
    _shot(page, "05-history")
    _sign_out(page)

    # A read-only member sees the figures and no control to change them.
    _sign_in(page, server, "priya.shah@granitepeak.test", "demo-readonly-password")
    page.goto(application)
    expect(page.get_by_role("heading", name="Application for payment No. 1")).to_be_visible()
    expect(page.locator('[data-fig="s-8"]')).to_have_text("61,330.50")
    expect(page.locator("main input")).to_have_count(0)
    expect(page.locator("main button")).to_have_count(0)
    expect(page.locator("main select")).to_have_count(0)
    _shot(page, "06-read-only")
    context.close()


def test_a_tablet_reads_the_pay_application(server: str, browser: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 820, "height": 1180})
    page = context.new_page()
    _sign_in(page, server, "priya.shah@granitepeak.test", "demo-readonly-password")
    page.get_by_role("link", name="Dimensions - Berkeley Technology Inc").click()
    page.get_by_role("link", name="BTI-01").click()
    page.get_by_role("link", name="No. 5").first.click()
    expect(page.get_by_role("heading", name="Application summary (G702)")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 820  # the page itself does not scroll sideways; the sheet scrolls inside
    _shot(page, "07-tablet")
    context.close()


def test_a_member_of_two_companies_switches_company(server: str, browser: object) -> None:
    import json
    import urllib.request

    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    # Harbor Line Electric's admin adds Dana (Granite Peak's admin) as a standard member.
    request = urllib.request.Request(
        f"{server}/v1/users",
        data=json.dumps({"email": "dana.whitfield@granitepeak.test", "role": "standard"}).encode(),
        headers={
            "Authorization": "Bearer harbor-admin-token-0001",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _sign_in(page, server, "dana.whitfield@granitepeak.test", "demo-admin-password")
    page.get_by_label("Company").select_option(label="Harbor Line Electric")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("heading", name="Projects of Harbor Line Electric")).to_be_visible()
    expect(page.get_by_text("Switched company.")).to_be_visible()
    expect(page.get_by_role("link", name="Warehouse 7 Electrical Service Upgrade")).to_be_visible()
    _shot(page, "08-switch-company")
    context.close()
