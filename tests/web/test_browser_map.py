"""In headless Chromium, a bookkeeper maps the dues GL to a QuickBooks item on the GL page.

The live server talks to a real emulator on loopback (the `site` fixture starts it, and
the live server runs in this process, so it reads the same settings). Every database
write happens in fixtures before the browser opens (see `browser_page`).
"""

from typing import Any

import pytest

from memberbooks.mapping import actions
from memberbooks.tenancy.actions import add_user
from memberbooks.tenancy.models import Role
from tests.connections.conftest import emulator_url, site  # noqa: F401  (fixtures)
from tests.mapping.conftest import Connected, qb  # noqa: F401  (fixture)
from tests.web.conftest import PASSWORD
from tests.web.test_browser import browser_page  # noqa: F401  (fixture)


@pytest.fixture
def ready(qb: Connected) -> str:  # noqa: F811
    """A bookkeeper, books with a dues invoice, the catalog cached; the item's QuickBooks id."""
    add_user(qb.books.org, "bea", PASSWORD, Role.BOOKKEEPER)
    qb.books.invoice(qb.books.member(), "120.00", "2026-01-05")
    actions.refresh_catalog(qb.actor)
    return str(qb.find("Item", "Annual Membership")["Id"])


@pytest.mark.browser
def test_a_bookkeeper_maps_the_dues_gl_to_an_item(
    live_server: Any,
    ready: str,
    browser_page: Any,  # noqa: F811
) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/o/acme/qb/gl/")
    assert "/login/" in page.url
    page.fill("#id_username", "bea")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/o/acme/qb/gl/")

    assert page.inner_text("h1") == "Edit General Ledger Accounts"
    dues = page.locator("#gl-4000")
    assert dues.get_attribute("data-state") == "unmapped"
    assert "needs-mapping" in (dues.get_attribute("class") or "")
    assert page.locator("#gl-accounts tbody tr").first.get_attribute("id") in ("gl-1200", "gl-4000")

    page.select_option("#qb-4000", value=ready)
    dues.locator("form.gl-pick button[type=submit]").click()
    page.wait_for_url("**/o/acme/qb/gl/#gl-4000")

    assert "GL 4000 now maps to Annual Membership." in page.inner_text(".messages")
    dues = page.locator("#gl-4000")
    assert dues.get_attribute("data-state") == "mapped"
    assert dues.locator('[data-figure="state"]').inner_text() == "Mapped"
    assert dues.locator('[data-figure="target"]').inner_text() == "Annual Membership"
    assert page.locator("#qb-4000").input_value() == ready
    # Mapped now, it no longer counts among the GLs with transactions still to map.
    assert page.locator('[data-figure="to-map"]').inner_text() == "1"
