"""Member Status pages against a real emulator: link states, workbench, search, bulk, create, CSV."""

import re

import pytest
from django.test import Client

from memberbooks.audit.models import AuditEntry
from memberbooks.ledger.models import Member
from memberbooks.mapping import actions
from memberbooks.mapping.models import CustomerLink
from memberbooks.tenancy.actions import create_organisation
from memberbooks.tenancy.models import Role
from memberbooks.web.views import qb_members
from tests.books import Books
from tests.connections.conftest import emulator_url, site  # noqa: F401  (fixtures of qb)
from tests.mapping.conftest import Connected, qb  # noqa: F401  (fixture)
from tests.web.conftest import body

HERNANDEZ = {
    "GivenName": "Maria",
    "FamilyName": "Hernandez",
    "PrimaryEmailAddr": {"Address": "maria@example.org"},
}


def url(path: str = "") -> str:
    return f"/o/acme/qb/members/{path}"


def rows(html: str) -> list[tuple[str, str]]:
    """(member number, state) of each row of the list, in order."""
    return re.findall(r'<tr data-member="([^"]+)" data-state="([^"]+)">', html)


def row_html(html: str, number: str) -> str:
    found = re.search(rf'<tr data-member="{number}".*?</tr>', html, re.S)
    assert found, f"no row {number}"
    return found.group(0)


def keeper(qb: Connected) -> Client:  # noqa: F811
    return qb.site.client(Role.BOOKKEEPER)


def test_every_member_shows_its_state_unlinked_with_transactions_first(
    qb: Connected,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ann = qb.books.member("Adams", "Ann")
    qb.books.member("Baker", "Bob")
    cy = qb.books.member("Cole", "Cy")
    qb.books.member("Hernandez", "Maria", email="maria@example.org")
    qb.books.invoice(ann, "10.00", "2026-01-05")
    qb.books.invoice(cy, "20.00", "2026-01-05")
    ann_customer = qb.customer("Ann Adams")
    qb.customer("Maria Hernandez", **HERNANDEZ)
    actions.link_member(qb.actor, ann, ann_customer["Id"])
    client = keeper(qb)

    html = body(client.get(url()))

    assert rows(html) == [
        ("M0003", "unlinked"),  # unlinked with transactions first
        ("M0001", "linked"),
        ("M0002", "unlinked"),
        ("M0004", "suggested"),
    ]
    assert "Ann Adams" in row_html(html, "M0001")
    assert f'data-figure="qb-id">{ann_customer["Id"]}<' in row_html(html, "M0001")
    assert "confident" in row_html(html, "M0004") and "Maria Hernandez" in row_html(html, "M0004")
    assert 'name="member" value="' in row_html(html, "M0004")  # a box to confirm it
    assert 'name="member"' not in row_html(html, "M0003")

    def numbers(query: str) -> list[str]:
        return [number for number, _ in rows(body(client.get(url(query))))]

    assert numbers("?state=linked") == ["M0001"]
    assert numbers("?state=suggested") == ["M0004"]
    assert numbers("?state=todo") == ["M0003"]
    assert numbers("?state=unlinked") == ["M0003", "M0002", "M0004"]
    assert numbers("?q=hernandez") == ["M0004"]
    # The "suggested" filter scores a bounded number of unlinked members, and says so.
    monkeypatch.setattr(qb_members, "SCAN_LIMIT", 2)
    html = body(client.get(url("?state=suggested")))
    assert rows(html) == [] and 'id="scan-note"' in html and "first 2 unlinked" in html


def test_a_page_is_scored_with_its_rivals_so_a_shared_customer_is_ambiguous(
    qb: Connected,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Father on page 1, son of the same name and email on page 2: neither is confident."""
    monkeypatch.setattr(qb_members, "PER_PAGE", 1)
    father = qb.books.member("Smith", "Joe", email="smiths@example.org")
    qb.books.member("Smith", "Joe", email="smiths@example.org")
    qb.customer(
        "Joe Smith",
        GivenName="Joe",
        FamilyName="Smith",
        PrimaryEmailAddr={"Address": "smiths@example.org"},
    )
    client = keeper(qb)

    html = body(client.get(url()))

    assert rows(html) == [(father.member_number, "suggested")]
    assert "ambiguous" in row_html(html, father.member_number)
    assert 'name="member"' not in html  # nothing to confirm in bulk
    client.post(url("confirm/"), {"all": "1"})
    assert not CustomerLink.objects.exists()


def test_viewers_read_only_and_every_post_is_403(qb: Connected) -> None:  # noqa: F811
    member = qb.books.member("Hernandez", "Maria", email="maria@example.org")
    customer = qb.customer("Maria Hernandez", **HERNANDEZ)
    viewer = qb.site.client(Role.VIEWER)

    listing = body(viewer.get(url()))
    workbench = body(viewer.get(url(f"{member.pk}/")))

    assert rows(listing) == [("M0001", "suggested")]
    for html in (listing, workbench):
        assert "Confirm all" not in html and "/link/" not in html and "/create/" not in html
    assert "Maria Hernandez" in workbench and "Create in QuickBooks" in workbench
    posts = [
        (url(f"{member.pk}/link/"), {"customer": customer["Id"]}),
        (url(f"{member.pk}/create/"), {}),
        (url(f"{member.pk}/unlink/"), {}),
        (url("link/"), {"member_number": "M0001", "customer": customer["Id"]}),
        (url("confirm/"), {"all": "1"}),
    ]
    for path, data in posts:
        assert viewer.post(path, data).status_code == 403, path
    assert not CustomerLink.objects.exists() and not AuditEntry.objects.exists()
    assert len(list(qb.client.query_all("Customer"))) == 1


def test_another_organisations_member_is_not_found(qb: Connected) -> None:  # noqa: F811
    foreign = Books(create_organisation("other", "Other Club")).member("Hernandez", "Maria")
    customer = qb.customer("Maria Hernandez", **HERNANDEZ)
    client = keeper(qb)

    assert client.get(url(f"{foreign.pk}/")).status_code == 404
    assert client.post(url(f"{foreign.pk}/link/"), {"customer": customer["Id"]}).status_code == 404
    assert client.post(url(f"{foreign.pk}/create/")).status_code == 404
    assert client.post(url("confirm/"), {"member": [str(foreign.pk)]}).status_code == 404
    assert client.get(url(f"search/?member={foreign.pk}&customer_q=maria")).status_code == 404
    response = client.post(url("link/"), {"member_number": "M0001", "customer": customer["Id"]})
    assert response.status_code == 302  # M0001 of acme does not exist: refused, not leaked
    assert not CustomerLink.objects.exists()
    outsider = qb.site.client(Role.BOOKKEEPER, org=foreign.organisation)
    assert outsider.get(url()).status_code == 404


def test_workbench_shows_scores_reasons_and_flags_a_customer_linked_elsewhere(
    qb: Connected,  # noqa: F811
) -> None:
    first = qb.books.member("Lee", "Pat", email="pat@example.org")
    second = qb.books.member("Lee", "Pat", email="pat@example.org")
    taken = qb.customer(
        "Pat Lee",
        GivenName="Pat",
        FamilyName="Lee",
        PrimaryEmailAddr={"Address": "pat@example.org"},
    )
    other = qb.customer("Patricia Lee", GivenName="Patricia", FamilyName="Lee")
    actions.link_member(qb.actor, first, taken["Id"])
    client = keeper(qb)

    html = body(client.get(url(f"{second.pk}/")))

    candidate = re.search(rf'<tr data-customer="{taken["Id"]}".*?</tr>', html, re.S)
    assert candidate is not None
    assert "already linked to M0001" in candidate.group(0)
    assert "/link/" not in candidate.group(0)  # no Link button for it
    assert re.search(r'data-figure="score">\d+<', candidate.group(0))
    assert "<li>" in candidate.group(0)  # the reasons it matched

    response = client.post(
        url(f"{second.pk}/link/"), {"customer": other["Id"], "next": url(f"{second.pk}/")}
    )
    assert response.status_code == 302
    link = CustomerLink.objects.get(member=second)
    assert (link.qb_id, link.qb_name, link.linked_by) == (
        other["Id"],
        "Patricia Lee",
        "bookkeeper-acme",
    )
    entry = AuditEntry.objects.get(action="link_member", subject_id=second.member_number)
    assert entry.actor == "bookkeeper-acme" and entry.before == {}
    assert entry.after["qb_id"] == other["Id"]
    page = body(client.get(response["Location"]))
    assert f"Linked {second.member_number} Pat Lee to QuickBooks customer {other['Id']}" in page
    assert 'id="link-state">linked<' in page

    client.post(url(f"{second.pk}/unlink/"), {"next": url(f"{second.pk}/")})
    assert not CustomerLink.objects.filter(member=second).exists()
    unlinked = AuditEntry.objects.get(action="unlink_member")
    assert unlinked.actor == "bookkeeper-acme" and unlinked.before["qb_id"] == other["Id"]
    assert unlinked.after == {}


def test_refusals_show_on_the_page_with_their_fix_and_write_nothing(qb: Connected) -> None:  # noqa: F811
    pat, sam = qb.books.member("Lee", "Pat"), qb.books.member("Lee", "Sam")
    customer = qb.customer("The Lees")
    actions.link_member(qb.actor, pat, customer["Id"])
    client = keeper(qb)

    html = body(client.post(url(f"{sam.pk}/link/"), {"customer": "98765"}))
    assert "No QuickBooks customer with id 98765." in html
    assert "Search again, or create the customer in QuickBooks." in html
    assert re.search(r"has-error.*No QuickBooks customer with id 98765", html, re.S)

    html = body(client.post(url(f"{sam.pk}/link/"), {"customer": customer["Id"]}))
    assert "already linked to member M0001 Pat Lee" in html and "Unlink it from M0001 first" in html

    html = body(client.post(url(f"{sam.pk}/unlink/"), follow=True))
    assert "Member M0002 is not linked to a QuickBooks customer. Nothing to unlink." in html

    html = body(client.post(url(f"{pat.pk}/create/")))
    assert "is already linked to QuickBooks customer" in html and "Unlink it first" in html
    assert list(CustomerLink.objects.values_list("member__member_number", flat=True)) == ["M0001"]
    assert AuditEntry.objects.count() == 1  # the link made by the fixture's actor


def test_bulk_confirm_links_confident_matches_only_and_counts_them(qb: Connected) -> None:  # noqa: F811
    maria = qb.books.member("Hernandez", "Maria", email="maria@example.org")
    twin = qb.books.member("Garcia", "Ana")
    weak = qb.books.member("Nguyen", "Lan")
    qb.customer("Maria Hernandez", **HERNANDEZ)
    qb.customer("Ana Garcia", GivenName="Ana", FamilyName="Garcia")
    qb.customer("Ana García", GivenName="Ana", FamilyName="García")
    client = keeper(qb)

    html = body(client.get(url()))
    assert "ambiguous" in row_html(html, twin.member_number)
    assert rows(html)[2] == (weak.member_number, "unlinked")

    # Ticking the ambiguous member by hand does not link it either.
    response = client.post(
        url("confirm/"), {"member": [str(maria.pk), str(twin.pk)], "next": url()}, follow=True
    )
    page = body(response)
    assert "Linked 1 member with a confident match." in page
    assert f"Left 1 ambiguous match for you to choose by hand: {twin.member_number}." in page
    assert list(CustomerLink.objects.values_list("member__member_number", "qb_name")) == [
        (maria.member_number, "Maria Hernandez")
    ]
    assert AuditEntry.objects.filter(action="link_member", actor="bookkeeper-acme").count() == 1

    page = body(client.post(url("confirm/"), {"all": "1"}, follow=True))
    assert "Linked 0 members with a confident match." in page
    assert CustomerLink.objects.count() == 1


def test_create_in_quickbooks_proposes_a_unique_name_when_the_name_is_taken(
    qb: Connected,  # noqa: F811
) -> None:
    qb.customer("Pat Lee")
    member = qb.books.member("Lee", "Pat", email="pat@example.org")
    client = keeper(qb)

    html = body(client.get(url(f"{member.pk}/")))
    assert 'data-figure="proposed-name">Pat Lee<' in html
    assert 'data-figure="unique-name">Pat Lee (M0001)<' in html

    page = body(client.post(url(f"{member.pk}/create/"), {"next": url()}, follow=True))
    link = CustomerLink.objects.get(member=member)
    assert link.qb_name == "Pat Lee (M0001)"
    created = qb.client.read("Customer", link.qb_id)
    assert created["DisplayName"] == "Pat Lee (M0001)"
    assert created["PrimaryEmailAddr"]["Address"] == "pat@example.org"
    assert f"Created QuickBooks customer {link.qb_id} “Pat Lee (M0001)” and linked M0001" in page
    assert AuditEntry.objects.get(action="link_member").actor == "bookkeeper-acme"


def test_live_search_finds_customers_and_links_one_from_the_list(qb: Connected) -> None:  # noqa: F811
    pat = qb.books.member("Lee", "Pat")
    sam = qb.books.member("Other", "Sam")
    lee = qb.customer("Pat Lee")
    sailing = qb.customer("Jo Bloggs", CompanyName="Leeward Sailing")
    mail = qb.customer("Sam Other", PrimaryEmailAddr={"Address": "sam@lee.example"})
    qb.customer("Unrelated Person")
    actions.link_member(qb.actor, pat, lee["Id"])
    client = keeper(qb)

    fragment = body(client.get(url("search/?customer_q=lee&next=/o/acme/qb/members/")))
    found = re.findall(r'<tr data-customer="([^"]+)">', fragment)
    assert found == [sailing["Id"], lee["Id"], mail["Id"]]
    assert "linked to M0001" in fragment
    assert "<html" not in fragment  # a fragment, not a page

    response = client.post(
        url("link/"), {"member_number": "M0002", "customer": mail["Id"], "next": url()}
    )
    assert response.status_code == 302 and response["Location"] == url()
    assert CustomerLink.objects.get(member=sam).qb_id == mail["Id"]

    page = body(
        client.post(url("link/"), {"member_number": "M0404", "customer": mail["Id"]}, follow=True)
    )
    assert "No member M0404" in page
    assert "Nothing matches" not in page
    none = body(client.get(url("search/?customer_q=nobody-like-this")))
    assert "No active QuickBooks customer has “nobody-like-this”" in none
    # Without JavaScript, the search form reloads the page with the hits in it.
    assert sailing["Id"] in body(client.get(url("?customer_q=leeward")))


def test_csv_lists_every_member_with_its_link(qb: Connected) -> None:  # noqa: F811
    ann = qb.books.member("Adams", "Ann")
    qb.books.member("Evil", "=HYPERLINK(1)")
    qb.books.invoice(ann, "10.00", "2026-01-05")
    customer = qb.customer("Ann Adams")
    actions.link_member(qb.actor, ann, customer["Id"])

    lines = body(qb.site.client(Role.VIEWER).get(url("export.csv"))).lstrip("\ufeff").splitlines()

    assert (
        lines[0]
        == "member_number,name,state,has_transactions,qb_kind,qb_id,qb_name,linked_by,linked_at"
    )
    assert lines[1].startswith(
        f"M0001,Ann Adams,linked,yes,online,{customer['Id']},Ann Adams,bookkeeper,"
    )
    assert lines[2] == "M0002,'=HYPERLINK(1) Evil,unlinked,no,,,,,"
    assert len(lines) == 3


@pytest.mark.django_db
def test_without_a_connection_the_list_still_shows_with_the_fix(books: Books) -> None:
    member = books.member("Lee", "Pat")
    from tests.web.conftest import _client

    client = _client(books, "bea", Role.BOOKKEEPER)
    html = body(client.get(url()))
    assert rows(html) == [(member.member_number, "unlinked")]
    assert "is not connected to QuickBooks" in html and "QuickBooks Config" in html
    html = body(client.get(url(f"{member.pk}/")))
    assert "is not connected to QuickBooks" in html
    assert Member.objects.count() == 1
