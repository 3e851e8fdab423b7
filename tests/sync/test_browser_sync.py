"""In headless Chromium, a bookkeeper presses Sync on the billing page, Continue, and reads the results.

The live server talks to a real emulator on loopback, and Django's ImmediateBackend
runs the push inside Continue's request, so the browser lands on a finished run.
Every database write of the test happens in fixtures before the browser opens
(see tests/web/test_browser.py: `browser_page`).
"""

from typing import Any

import pytest

from memberbooks.tenancy.actions import add_user
from memberbooks.tenancy.models import Role
from tests.connections.conftest import emulator_url, site  # noqa: F401  (fixtures)
from tests.mapping.conftest import Connected, qb  # noqa: F401  (fixture)
from tests.sync.test_pages import one_fails
from tests.web.conftest import PASSWORD
from tests.web.test_browser import browser_page  # noqa: F401  (fixture)


@pytest.fixture
def ready(qb: Connected) -> tuple[str, str]:  # noqa: F811
    """A bookkeeper and two invoices marked export; QuickBooks will refuse the second."""
    add_user(qb.books.org, "bea", PASSWORD, Role.BOOKKEEPER)
    good, bad, _ = one_fails(qb)
    return good.number, bad.number


@pytest.mark.browser
def test_a_bookkeeper_syncs_from_the_billing_page_and_reads_the_results(
    live_server: Any,
    ready: tuple[str, str],
    browser_page: Any,  # noqa: F811
) -> None:
    good, bad = ready
    page = browser_page
    page.goto(f"{live_server.url}/o/acme/billing/")
    page.fill("#id_username", "bea")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/o/acme/billing/")

    clicked = page.evaluate(
        """() => {
            const sync = document.getElementById("sync-button");
            sync.click();  // the check takes a while on large books: the button says so at once
            return [sync.textContent, sync.getAttribute("aria-busy")];
        }"""
    )
    assert clicked == ["Checking your transactions…", "true"]
    page.wait_for_url("**/o/acme/qb/sync/")
    assert page.inner_text("h1") == "Sync to QuickBooks"
    assert page.locator('[data-figure="count-invoice"]').inner_text() == "2"
    page.locator("#sync-continue button[type=submit]").click()
    page.wait_for_url("**/o/acme/qb/sync/runs/*/")

    assert page.locator("#sync-progress").get_attribute("data-state") == "done"
    assert page.locator('[data-figure="confirmed"]').inner_text() == "1"
    confirmed = page.locator(f'#sync-items tr[data-transaction="invoice {good}"]')
    assert confirmed.get_attribute("data-state") == "confirmed"
    assert confirmed.locator("[data-qb-id]").count() == 1
    failed = page.locator(f'#sync-items tr[data-transaction="invoice {bad}"]')
    assert failed.get_attribute("data-state") == "failed"
    assert "Fix:" in failed.inner_text()
    assert page.locator("#sync-retry button").is_visible()
