"""A real headless Chromium logs in through the login form and reads the aging report."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from memberbooks.tenancy.actions import add_user, create_organisation
from memberbooks.tenancy.models import Role
from tests.books import Books
from tests.web.conftest import PASSWORD, build_ledger

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def known_books(transactional_db: None) -> None:
    """The ledger of `build_ledger` and a viewer, committed so the live server sees them."""
    organisation = create_organisation("acme", "Acme Association")
    build_ledger(Books(organisation))
    add_user(organisation, "vera", PASSWORD, Role.VIEWER)


@pytest.fixture
def browser_page() -> Iterator[Any]:
    """A fresh Chromium page, or a skip saying why there is none.

    Playwright's sync API runs an event loop in this thread while the page is open, and
    Django refuses ORM calls inside a running loop. So every database write happens in
    fixtures set up before this one (and the flush after it closes), and the test itself
    only drives the browser: no DJANGO_ALLOW_ASYNC_UNSAFE needed.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.mark.browser
def test_log_in_and_read_the_aging_report(
    live_server: Any, known_books: None, browser_page: Any
) -> None:
    page = browser_page

    page.goto(f"{live_server.url}/o/acme/aging/?as_of=2026-06-30")
    assert "/login/" in page.url  # not logged in yet: sent to the login form
    page.fill("#id_username", "vera")
    page.fill("#id_password", "wrong password")
    page.click("button[type=submit]")
    assert "Please enter a correct username and password" in page.inner_text(".form-errors")

    page.fill("#id_username", "vera")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/o/acme/aging/?as_of=2026-06-30")

    assert page.inner_text("h1").startswith("Accounts receivable aging")
    totals = page.locator("#aging-totals")
    figures = {
        bucket: totals.locator(f'[data-bucket="{bucket}"]').inner_text()
        for bucket in ("current", "1-30", "31-60", "61-90", "over-90", "total", "credit", "net")
    }
    assert figures == {
        "current": "120.00",
        "1-30": "0.00",
        "31-60": "80.00",
        "61-90": "0.00",
        "over-90": "250.00",
        "total": "450.00",
        "credit": "15.00",
        "net": "435.00",
    }
    ann = page.locator('tr[data-member="M0001"]')
    assert ann.locator('[data-bucket="net"]').inner_text() == "185.00"

    # The as-of form moves the report back in time. On 2026-04-30 Bob had not paid yet:
    # 300.00 due 2026-03-01 is 60 days late (31-60); Ann's June invoice did not exist and
    # her event invoice (due 2026-05-15) was current.
    page.fill("#as_of", "2026-04-30")
    page.click("text=Show")
    page.wait_for_url("**as_of=2026-04-30")
    totals = page.locator("#aging-totals")
    assert totals.locator('[data-bucket="31-60"]').inner_text() == "300.00"
    assert totals.locator('[data-bucket="current"]').inner_text() == "80.00"
    assert totals.locator('[data-bucket="total"]').inner_text() == "380.00"

    # Drill down to Bob's open items as of that date.
    page.click('tr[data-member="M0002"] td:nth-child(2) a')
    page.wait_for_url("**/aging/*/?as_of=2026-04-30")
    assert page.locator("#open-items tbody tr").count() == 1
    assert "300.00" in page.inner_text("#open-items")
