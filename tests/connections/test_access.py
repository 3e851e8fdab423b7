"""Who may see and act: viewers and bookkeepers see the status only, outsiders get 404."""

from memberbooks.connections.models import QboConnection, Status
from memberbooks.tenancy.actions import create_organisation
from memberbooks.tenancy.models import Role
from tests.connections.conftest import Site, connect_through_pages

ACTIONS = ("connect/", "disconnect/", "credentials/")


def test_viewers_and_bookkeepers_cannot_connect_or_disconnect(site: Site) -> None:
    connect_through_pages(site.client(Role.ADMIN))
    for role in (Role.VIEWER, Role.BOOKKEEPER):
        client = site.client(role)
        page = client.get("/o/acme/quickbooks/")
        text = page.content.decode()
        assert page.status_code == 200 and "Acme Association" in text
        assert "Connect to QuickBooks" not in text and "Disconnect" not in text
        for action in ACTIONS:
            data = {"emulator": "1", "client_id": "x", "client_secret": "y"}
            assert client.post(f"/o/acme/quickbooks/{action}", data).status_code == 403
    stored = QboConnection.objects.get()
    assert stored.status == Status.CONNECTED and stored.client_id == ""


def test_other_organisations_get_404(site: Site) -> None:
    connect_through_pages(site.client(Role.ADMIN))
    outsider = site.client(Role.ADMIN, create_organisation("other", "Other Club"))
    assert outsider.get("/o/acme/quickbooks/").status_code == 404
    for action in ACTIONS:
        assert outsider.post(f"/o/acme/quickbooks/{action}").status_code == 404
    assert QboConnection.objects.get().status == Status.CONNECTED
    assert outsider.get("/o/other/quickbooks/").status_code == 200


def test_the_config_link_shows_for_admins_and_bookkeepers(site: Site) -> None:
    """Every role reaches the QuickBooks Interface hub; only writers see QuickBooks Config there."""
    hub, config = 'href="/o/acme/qb/"', 'href="/o/acme/quickbooks/"'
    for role in (Role.ADMIN, Role.BOOKKEEPER, Role.VIEWER):
        assert hub in site.client(role).get("/o/acme/members/").content.decode()
    assert config in site.client(Role.ADMIN).get("/o/acme/qb/").content.decode()
    assert config in site.client(Role.BOOKKEEPER).get("/o/acme/qb/").content.decode()
    assert config not in site.client(Role.VIEWER).get("/o/acme/qb/").content.decode()


def test_the_page_before_any_connection(site: Site) -> None:
    text = site.client(Role.ADMIN).get("/o/acme/quickbooks/").content.decode()
    assert "Not connected" in text and "Connect to the emulator" in text
