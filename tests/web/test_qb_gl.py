"""Edit General Ledger Accounts: the GL mapping page against a real emulator over loopback."""

import re

import pytest
from django.test import Client

from memberbooks.audit.models import AuditEntry
from memberbooks.ledger import actions as ledger
from memberbooks.ledger.models import GLAccount
from memberbooks.mapping import actions
from memberbooks.mapping.models import GLMapping, QbCatalogEntry
from memberbooks.tenancy.actions import create_organisation
from memberbooks.tenancy.models import Role
from tests.books import Books
from tests.connections.conftest import emulator_url, site  # noqa: F401  (fixtures)
from tests.mapping.conftest import Connected, qb  # noqa: F401  (fixture)
from tests.web.conftest import body

URL = "/o/acme/qb/gl/"


def url(gl: GLAccount, what: str) -> str:
    return f"{URL}{gl.pk}/{what}/"


def row_html(html: str, number: str) -> str:
    """The table row of one GL, for asserting on what that row shows."""
    match = re.search(rf'<tr id="gl-{number}".*?</tr>', html, re.S)
    assert match, f"no row for GL {number}"
    return match.group(0)


def row_numbers(html: str) -> list[str]:
    return re.findall(r'<tr id="gl-(\w+)"', html)


@pytest.fixture
def bookkeeper(qb: Connected) -> Client:  # noqa: F811
    return qb.site.client(Role.BOOKKEEPER)


@pytest.fixture
def viewer(qb: Connected) -> Client:  # noqa: F811
    return qb.site.client(Role.VIEWER)


@pytest.fixture
def refreshed(qb: Connected) -> None:  # noqa: F811
    """The QuickBooks catalog cached, as after "Refresh from QuickBooks"."""
    actions.refresh_catalog(qb.actor)


def test_every_gl_is_listed_unmapped_with_transactions_first_and_highlighted(
    qb: Connected,  # noqa: F811
    viewer: Client,
) -> None:
    member = qb.books.member()
    qb.books.invoice(member, "120.00", "2026-01-05")  # dues 4000 and receivable 1200 in use
    qb.books.pay(member, "20.00", "2026-01-06")  # deposit 1000 in use
    actions.map_gl(qb.actor, qb.books.bank, account_id=qb.find("Account", "Checking")["Id"])

    response = viewer.get(URL)

    html = body(response)
    assert response.status_code == 200
    # 4000 and 1200 have transactions and no mapping: first, by number; then the rest by number.
    assert row_numbers(html) == ["1200", "4000", "1000", "4100"]
    dues = row_html(html, "4000")
    assert "needs-mapping" in dues and 'data-state="unmapped"' in dues
    assert "Membership dues" in dues and "Income" in dues
    assert re.search(r'data-figure="has-transactions">yes<', dues)
    bank = row_html(html, "1000")
    assert "needs-mapping" not in bank and 'data-state="mapped"' in bank
    assert '<span data-figure="target">Checking</span>' in bank
    events = row_html(html, "4100")
    assert "needs-mapping" not in events and ">no<" in events
    assert re.search(r'data-figure="to-map">2<', html)


def test_viewers_read_only_no_forms_and_every_post_is_403(
    qb: Connected,  # noqa: F811
    viewer: Client,
) -> None:
    html = body(viewer.get(URL))
    assert '<form method="post" action="/o/acme/qb/gl/' not in html
    assert "Refresh from QuickBooks" not in html and "Create in QuickBooks" not in html

    item = qb.find("Item", "Annual Membership")["Id"]
    dues = qb.books.dues
    for path, data in [
        (url(dues, "map"), {"qb_id": item}),
        (url(dues, "create"), {}),
        (url(dues, "unmap"), {}),
        (url(qb.books.ar, "dedicated-ar"), {"name": "MMS Accounts Receivable"}),
        (f"{URL}refresh/", {}),
    ]:
        assert viewer.post(path, data).status_code == 403, path
    assert not GLMapping.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["map_gl", "refresh_catalog"]).exists()
    assert not QbCatalogEntry.objects.exists()


def test_bookkeeper_refreshes_the_catalog_and_maps_dues_to_an_item(
    qb: Connected,  # noqa: F811
    bookkeeper: Client,
) -> None:
    html = body(bookkeeper.get(URL))
    assert "Never refreshed" in html and "No item cached" in html

    response = bookkeeper.post(f"{URL}refresh/")
    assert response.status_code == 302
    assert QbCatalogEntry.objects.filter(organisation=qb.books.org).count() == 11
    assert AuditEntry.objects.filter(action="refresh_catalog").count() == 1

    html = body(bookkeeper.get(URL))
    assert "Read 4 items and 7 accounts from QuickBooks." in html
    assert 'data-figure="refreshed-at"' in html and "Never refreshed" not in html
    item = qb.find("Item", "Annual Membership")
    dues = row_html(html, "4000")
    assert f'<option value="{item["Id"]}">Annual Membership (posts to Membership Dues)' in dues
    # A deposit GL picks bank and Undeposited Funds accounts only; the receivable GL A/R ones.
    bank = row_html(html, "1000")
    assert ">Checking<" in bank and ">Undeposited Funds<" in bank and "(A/R)" not in bank
    ar = row_html(html, "1200")
    assert ">Accounts Receivable (A/R)<" in ar and ">Checking<" not in ar

    response = bookkeeper.post(url(qb.books.dues, "map"), {"qb_id": item["Id"]})
    assert response.status_code == 302 and response["Location"].endswith("#gl-4000")

    mapping = GLMapping.objects.get(gl_account=qb.books.dues)
    assert (mapping.qb_item_id, mapping.qb_item_name, mapping.mismatch) == (
        item["Id"],
        "Annual Membership",
        "",
    )
    entry = AuditEntry.objects.get(action="map_gl")
    assert (entry.subject_id, entry.actor) == ("4000", "bookkeeper-acme")
    html = body(bookkeeper.get(URL))
    assert "GL 4000 now maps to Annual Membership." in html
    dues = row_html(html, "4000")
    assert 'data-state="mapped"' in dues and ">Mapped<" in dues
    assert f'<option value="{item["Id"]}" selected>' in dues


def test_refusals_show_the_fix_on_the_row_and_change_nothing(
    qb: Connected,  # noqa: F811
    refreshed: None,
    bookkeeper: Client,
) -> None:
    merchandise = qb.find("Item", "Merchandise")
    qb.client.deactivate("Item", merchandise["Id"], merchandise["SyncToken"])
    receivable = qb.find("Account", "Accounts Receivable (A/R)")
    cases = [
        (qb.books.dues, "9999", "No QuickBooks item with id 9999.", "Refresh the list"),
        (qb.books.dues, merchandise["Id"], "is inactive.", "Reactivate it in QuickBooks"),
        (qb.books.bank, receivable["Id"], "needs a Bank or Undeposited Funds", "Choose a Bank"),
        (qb.books.dues, "", "No QuickBooks item was chosen for GL 4000.", "Pick one"),
    ]
    for gl, qb_id, message, fix in cases:
        response = bookkeeper.post(url(gl, "map"), {"qb_id": qb_id})
        assert response.status_code == 400, (qb_id, body(response))
        row = row_html(body(response), gl.number)
        error = re.search(r'data-figure="error"><li>(.*?)</li>', row, re.S)
        assert error, row
        assert message in error.group(1) and fix in error.group(1)
        assert "Nothing was changed." in body(response)
    assert not GLMapping.objects.exists()
    assert not AuditEntry.objects.filter(action="map_gl").exists()


def test_a_mapped_gl_stays_mapped_when_a_change_is_refused(
    qb: Connected,  # noqa: F811
    refreshed: None,
    bookkeeper: Client,
) -> None:
    item = qb.find("Item", "Annual Membership")["Id"]
    assert bookkeeper.post(url(qb.books.dues, "map"), {"qb_id": item}).status_code == 302
    assert bookkeeper.post(url(qb.books.dues, "map"), {"qb_id": "8888"}).status_code == 400
    assert GLMapping.objects.get(gl_account=qb.books.dues).qb_item_id == item
    assert AuditEntry.objects.filter(action="map_gl").count() == 1


def test_a_mismatch_is_flagged_in_plain_words(
    qb: Connected,  # noqa: F811
    refreshed: None,
    bookkeeper: Client,
) -> None:
    deferred = ledger.create_gl_account(qb.actor, "2400", "Dues paid in advance", "deferred")
    item = qb.find("Item", "Annual Membership")["Id"]
    html = body(bookkeeper.get(URL))
    # The picker warns before the choice is made...
    assert "Annual Membership (posts to Membership Dues) - Income account, would be flagged" in (
        row_html(html, "2400")
    )

    response = bookkeeper.post(url(deferred, "map"), {"qb_id": item}, follow=True)

    # ...and the row says what is wrong and how to fix it once mapped.
    row = row_html(body(response), "2400")
    assert 'data-state="mismatch"' in row and ">Check<" in row
    mismatch = re.search(r'data-figure="mismatch">(.*?)</p>', row, re.S)
    assert mismatch
    assert mismatch.group(1) == (
        "Item Annual Membership posts to Membership Dues, an Income account, but GL 2400 Dues "
        "paid in advance is a deferred account (Deferred revenue / liability): its amounts would "
        "land in the wrong place in QuickBooks. Pick an item that posts to an Other Current "
        "Liability or Long Term Liability account, or change the item&#x27;s income account in "
        "QuickBooks."
    )
    assert re.search(r'data-figure="mismatches">1<', body(response))
    assert GLMapping.objects.get(gl_account=deferred).mismatch.startswith("Item Annual")


def test_create_in_quickbooks_makes_an_item_or_an_account_and_maps_it(
    qb: Connected,  # noqa: F811
    bookkeeper: Client,
) -> None:
    sponsorship = ledger.create_gl_account(qb.actor, "4200", "Sponsorship", "income")

    response = bookkeeper.post(url(sponsorship, "create"), follow=True)

    assert "Created QuickBooks item Sponsorship and mapped GL 4200 to it." in body(response)
    item = qb.find("Item", "Sponsorship")
    income = qb.client.read("Account", item["IncomeAccountRef"]["value"])
    assert (income["Name"], income["AccountType"]) == ("Sponsorship", "Income")
    assert GLMapping.objects.get(gl_account=sponsorship).qb_item_id == item["Id"]

    response = bookkeeper.post(url(qb.books.bank, "create"), follow=True)

    assert "Created QuickBooks account Operating checking" in body(response)
    account = qb.find("Account", "Operating checking")
    assert account["AccountType"] == "Bank"
    assert GLMapping.objects.get(gl_account=qb.books.bank).qb_account_id == account["Id"]
    assert AuditEntry.objects.filter(action="map_gl").count() == 2
    assert 'data-state="mapped"' in row_html(body(response), "1000")


def test_unmap_removes_the_mapping_and_is_audited(
    qb: Connected,  # noqa: F811
    bookkeeper: Client,
) -> None:
    actions.map_gl(qb.actor, qb.books.dues, item_id=qb.find("Item", "Annual Membership")["Id"])

    response = bookkeeper.post(url(qb.books.dues, "unmap"), follow=True)

    assert "GL 4000 is no longer mapped." in body(response)
    assert not GLMapping.objects.exists()
    entry = AuditEntry.objects.get(action="unmap_gl")
    assert entry.before["qb_item_name"] == "Annual Membership" and entry.after == {}
    response = bookkeeper.post(url(qb.books.dues, "unmap"))
    assert response.status_code == 400 and "GL 4000 is not mapped." in body(response)


def test_a_dedicated_ar_account_is_created_and_the_receivable_gl_mapped_to_it(
    qb: Connected,  # noqa: F811
    bookkeeper: Client,
) -> None:
    html = body(bookkeeper.get(URL))
    card = html[html.index('id="gl-ar"') :]
    assert "Every MMS invoice posts to the QuickBooks A/R account" in card
    assert 'value="MMS Accounts Receivable"' in card

    response = bookkeeper.post(
        url(qb.books.ar, "dedicated-ar"), {"name": "MMS Accounts Receivable"}, follow=True
    )

    assert (
        "Created the A/R account MMS Accounts Receivable in QuickBooks and mapped GL 1200 to it: "
        "every MMS invoice will post to it."
    ) in body(response)
    account = qb.find("Account", "MMS Accounts Receivable")
    assert (account["AccountType"], account["AccountSubType"]) == (
        "Accounts Receivable",
        "AccountsReceivable",
    )
    mapping = GLMapping.objects.get(gl_account=qb.books.ar)
    assert (mapping.qb_account_id, mapping.qb_account_name) == (
        account["Id"],
        "MMS Accounts Receivable",
    )
    assert "Created QuickBooks A/R account" in AuditEntry.objects.get(action="map_gl").note
    assert re.search(r'data-figure="ar-target">MMS Accounts Receivable<', body(response))

    # Pressing it again reuses the account rather than making a second one.
    response = bookkeeper.post(
        url(qb.books.ar, "dedicated-ar"), {"name": "MMS Accounts Receivable"}, follow=True
    )
    assert "Found the A/R account MMS Accounts Receivable" in body(response)
    found = list(qb.client.query_all("Account", [("Name", "=", "MMS Accounts Receivable")]))
    assert len(found) == 1


def test_an_existing_ar_account_can_be_chosen_on_the_card_and_refusals_show_there(
    qb: Connected,  # noqa: F811
    refreshed: None,
    bookkeeper: Client,
) -> None:
    default_ar = qb.find("Account", "Accounts Receivable (A/R)")

    response = bookkeeper.post(
        url(qb.books.ar, "map"), {"qb_id": default_ar["Id"], "from": "ar"}, follow=True
    )

    assert response.redirect_chain[-1][0].endswith("#gl-ar")
    assert "That is QuickBooks' own A/R account" in body(response)
    assert GLMapping.objects.get(gl_account=qb.books.ar).qb_account_id == default_ar["Id"]

    response = bookkeeper.post(url(qb.books.ar, "dedicated-ar"), {"name": "Checking"})

    assert response.status_code == 400
    error = re.search(r'data-figure="ar-error"><li>(.*?)</li>', body(response), re.S)
    assert error and "already has an account named Checking, a Bank account" in error.group(1)
    assert "Choose another name" in error.group(1)
    assert 'id="ar-name-1200" value="Checking"' in body(response)  # what was typed, to correct
    assert GLMapping.objects.get(gl_account=qb.books.ar).qb_account_id == default_ar["Id"]
    assert AuditEntry.objects.filter(action="map_gl").count() == 1


def test_another_organisations_gl_is_404(
    qb: Connected,  # noqa: F811
    bookkeeper: Client,
) -> None:
    other = Books(create_organisation("other", "Other Club"))
    item = qb.find("Item", "Annual Membership")["Id"]
    for path, data in [
        (url(other.dues, "map"), {"qb_id": item}),
        (url(other.dues, "create"), {}),
        (url(other.dues, "unmap"), {}),
        (url(other.ar, "dedicated-ar"), {"name": "X"}),
    ]:
        assert bookkeeper.post(path, data).status_code == 404, path
    outsider = qb.site.client(Role.BOOKKEEPER, org=other.org)
    assert outsider.get(URL).status_code == 404
    assert outsider.get(f"{URL}mapping.csv").status_code == 404
    assert outsider.post(url(qb.books.dues, "map"), {"qb_id": item}).status_code == 404
    assert not GLMapping.objects.exists()


def test_the_csv_lists_every_gl_as_the_page_orders_them(
    qb: Connected,  # noqa: F811
    viewer: Client,
) -> None:
    member = qb.books.member()
    qb.books.invoice(member, "120.00", "2026-01-05")
    actions.map_gl(qb.actor, qb.books.bank, account_id=qb.find("Account", "Checking")["Id"])

    response = viewer.get(f"{URL}mapping.csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="gl-mapping-acme.csv"'
    lines = body(response).lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "gl_number,gl_name,gl_kind,has_transactions,state,qb_item_id,qb_item_name,"
        "qb_account_id,qb_account_name,mismatch"
    )
    checking = qb.find("Account", "Checking")["Id"]
    assert lines[1:] == [
        "1200,Accounts receivable,receivable,yes,unmapped,,,,,",
        "4000,Membership dues,income,yes,unmapped,,,,,",
        f"1000,Operating checking,deposit,no,mapped,,,{checking},Checking,",
        "4100,Event revenue,income,no,unmapped,,,,,",
    ]


def test_a_page_of_an_unconnected_organisation_says_so(books: Books, client: Client) -> None:
    from memberbooks.tenancy.actions import add_user

    add_user(books.org, "bea", "a-long-enough-password-1", Role.BOOKKEEPER)
    client.login(username="bea", password="a-long-enough-password-1")

    html = body(client.get(URL))
    assert "is not connected to QuickBooks" in html
    assert "Refresh from QuickBooks" not in html

    response = client.post(f"{URL}refresh/")
    assert response.status_code == 400
    assert "Acme Association is not connected to QuickBooks." in body(response)
    assert not QbCatalogEntry.objects.exists()


def test_the_current_target_stays_in_the_picker_when_the_catalog_lacks_it(
    qb: Connected,  # noqa: F811
    bookkeeper: Client,
) -> None:
    item = qb.find("Item", "Annual Membership")["Id"]
    actions.map_gl(qb.actor, qb.books.dues, item_id=item)  # mapped before any refresh

    dues = row_html(body(bookkeeper.get(URL)), "4000")

    assert f'<option value="{item}" selected>Annual Membership (current)</option>' in dues
