"""Headless Chromium: a bookkeeper searches QuickBooks customers live on Member Status and links one."""

from typing import Any

import pytest

from memberbooks.mapping.models import CustomerLink
from memberbooks.tenancy.actions import add_user
from memberbooks.tenancy.models import Role
from tests.connections.conftest import emulator_url, site  # noqa: F401  (fixtures of qb)
from tests.mapping.conftest import Connected, qb  # noqa: F401  (fixture)
from tests.web.conftest import PASSWORD
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def to_link(qb: Connected) -> str:  # noqa: F811
    """Member M0001 Pat Lee (with an invoice), two QuickBooks customers, a bookkeeper.

    Written before the browser opens: no ORM calls while Playwright's loop runs.
    """
    member = qb.books.member("Lee", "Pat")
    qb.books.invoice(member, "25.00", "2026-01-05")
    qb.customer("Someone Else")
    customer = qb.customer("Patricia Lee", CompanyName="Lee Landscaping")
    add_user(qb.books.org, "bea", PASSWORD, Role.BOOKKEEPER)
    return str(customer["Id"])


def drive(base: str, customer_id: str) -> dict[str, str]:
    """Log in, open Member Status, search live, link M0001; return what the page then shows."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.goto(f"{base}/o/acme/qb/members/")
            page.fill("#id_username", "bea")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/o/acme/qb/members/")
            before = page.get_attribute('tr[data-member="M0001"]', "data-state") or ""

            # Live search: typing fetches the hits into the page, without submitting it.
            page.fill("#customer_q", "landscap")
            hit = page.locator(f'#customer-hits tr[data-customer="{customer_id}"]')
            hit.wait_for(timeout=10_000)
            assert page.url.endswith("/o/acme/qb/members/")
            hit.locator("input[name=member_number]").fill("M0001")
            hit.locator("button[type=submit]").click()
            page.wait_for_load_state()
            row = page.locator('tr[data-member="M0001"]')
            row.wait_for()
            return {
                "before": before,
                "after": row.get_attribute("data-state") or "",
                "name": row.locator('[data-figure="qb-name"]').inner_text(),
                "id": row.locator('[data-figure="qb-id"]').inner_text(),
                "message": page.inner_text(".messages"),
            }
        finally:
            browser.close()


@pytest.mark.browser
def test_search_a_customer_and_link_a_member(live_server: Any, to_link: str) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")

    shown = drive(live_server.url, to_link)

    assert shown["before"] in ("unlinked", "suggested")
    assert shown["after"] == "linked"
    assert (shown["name"], shown["id"]) == ("Patricia Lee", to_link)
    assert (
        f"Linked M0001 Pat Lee to QuickBooks customer {to_link} (Patricia Lee)." in shown["message"]
    )
    # The browser is closed: the database may be read again.
    link = CustomerLink.objects.get()
    assert (link.member.member_number, link.qb_id, link.linked_by) == ("M0001", to_link, "bea")
