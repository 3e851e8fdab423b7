"""The aging report through the API is the ledger's own JSON."""

import datetime as dt

from django.utils import timezone

from memberbooks.ledger.aging import aging
from tests.api.conftest import Caller, Scene


def test_aging_as_of_a_date_is_the_reports_json(scene: Scene, viewer: Caller) -> None:
    reply = viewer.get("orgs/acme/aging", as_of="2025-03-15")

    assert reply.status == 200
    assert reply.body == aging(scene.books.org, dt.date(2025, 3, 15)).as_json()
    assert reply.body["total"] == "80.00"
    assert reply.body["buckets"]["31-60"] == "80.00"  # due 2025-02-09: 34 days past due
    assert reply.body["unapplied_credit"] == "50.00" and reply.body["net"] == "30.00"


def test_aging_defaults_to_today(scene: Scene, viewer: Caller) -> None:
    reply = viewer.get("orgs/acme/aging")

    assert reply.body["as_of"] == timezone.localdate().isoformat()


def test_a_bad_as_of_date_is_refused(scene: Scene, viewer: Caller) -> None:
    reply = viewer.get("orgs/acme/aging", as_of="15/03/2025")

    assert reply.status == 400
    assert reply.error["field"] == "as_of"
    assert "YYYY-MM-DD" in reply.error["fix"]
