"""The import page: upload, preview, confirm; who may use it; where the upload waits."""

import os
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from memberbooks.imports import storage
from memberbooks.ledger import actions
from memberbooks.ledger.models import Invoice, Member
from memberbooks.tenancy.actions import add_user
from memberbooks.tenancy.models import Role
from tests.books import Books
from tests.test_import_helpers import INVOICE_HEADER, MEMBER_HEADER, counts, csv_bytes

PASSWORD = "a-long-password-1"


@pytest.fixture(autouse=True)
def var_dir(settings: object, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path  # type: ignore[attr-defined]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    return tmp_path


def client_for(books: Books, username: str, role: Role, **kwargs: bool) -> Client:
    client = Client(**kwargs)
    client.force_login(add_user(books.org, username, PASSWORD, role))
    return client


def upload(client: Client, kind: str, data: bytes, name: str = "file.csv") -> "object":
    return client.post(
        reverse("import", kwargs={"org": "acme"}),
        {"kind": kind, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def token_in(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "no confirm form on the page"
    return match.group(1)


def pending_files(var_dir: Path) -> list[str]:
    folder = var_dir / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_upload_preview_confirm(books: Books, var_dir: Path) -> None:
    books.member()
    client = client_for(books, "bea", Role.BOOKKEEPER)
    data = csv_bytes(
        INVOICE_HEADER + ",legacy_id",
        'INV-1,M0001,2026-01-01,,,4000,Annual dues,1,"$1,250.00",77',
        "INV-1,M0001,2026-01-01,,,4100,Dinner,2,40,77",
    )

    page = client.get(reverse("import", kwargs={"org": "acme"}))
    assert page.status_code == 200 and b"Check file" in page.content

    preview = upload(client, "invoices", data, "invoices.csv")
    html = preview.content.decode()
    assert preview.status_code == 200
    assert (
        "All 2 rows are valid. Confirming will create 1 invoice, 2 invoice lines; invoiced 1,330.00."
        in html
    )
    assert "Ignored columns (not used by this kind): legacy_id." in html
    assert "<td>Annual dues</td>" in html and "<td>$1,250.00</td>" in html
    assert not Invoice.objects.exists()  # the preview writes nothing
    token = token_in(html)
    assert pending_files(var_dir) == [f"{token}.csv", f"{token}.json"]

    done = client.post(reverse("import-confirm", kwargs={"org": "acme"}), {"token": token})

    assert done.status_code == 302 and done["Location"] == "/o/acme/import/"
    invoice = Invoice.objects.get(organisation=books.org, number="INV-1")
    assert invoice.total == 1330 and invoice.lines.count() == 2
    assert pending_files(var_dir) == []
    follow = client.get(done["Location"])
    assert (
        "Imported invoices.csv: created 1 invoice, 2 invoice lines; invoiced 1,330.00."
        in follow.content.decode()
    )


def test_errors_are_shown_in_a_table_and_there_is_nothing_to_confirm(
    books: Books, var_dir: Path
) -> None:
    client = client_for(books, "bea", Role.BOOKKEEPER)
    data = csv_bytes(MEMBER_HEADER, "N1,Pat,Lee,,pat-at-example,,,,,", "N2,,,,,,,,,")

    page = upload(client, "members", data)
    html = page.content.decode()

    assert "2 errors in 2 rows." in html and "Nothing was written." in html
    rows = re.findall(
        r"<tr><td class=\"num\">(\d+)</td><td>([^<]*)</td><td><code>([^<]*)</code></td><td>([^<]*)</td></tr>",
        html,
    )
    assert rows == [
        (
            "2",
            "email",
            "pat-at-example",
            "This is not an email address; write it as name@example.org.",
        ),
        (
            "3",
            "first_name, last_name, company",
            "",
            "A member needs a first name, a last name or a company; all are empty.",
        ),
    ]
    assert 'name="token"' not in html
    assert pending_files(var_dir) == []
    assert not Member.objects.filter(member_number__in=["N1", "N2"]).exists()


def test_a_file_over_the_limit_is_refused_and_not_kept(
    books: Books, var_dir: Path, settings: object
) -> None:
    settings.IMPORT_MAX_BYTES = 10  # type: ignore[attr-defined]
    client = client_for(books, "bea", Role.BOOKKEEPER)

    html = upload(client, "members", csv_bytes(MEMBER_HEADER, "N1,Pat,Lee,,,,,,,")).content.decode()

    assert "the import takes at most 10 bytes (IMPORT_MAX_BYTES)" in html
    assert pending_files(var_dir) == []


def test_the_upload_is_checked_again_when_confirmed(books: Books) -> None:
    client = client_for(books, "bea", Role.BOOKKEEPER)
    token = token_in(
        upload(client, "members", csv_bytes(MEMBER_HEADER, "N1,Pat,Lee,,,,,,,")).content.decode()
    )
    # Between preview and confirm, a colleague adds member N1 by hand.
    actions.create_member(books.actor, "N1", last_name="Early")

    page = client.post(reverse("import-confirm", kwargs={"org": "acme"}), {"token": token})

    assert page.status_code == 409
    assert "Member number N1 is already in Acme Association" in page.content.decode()
    assert Member.objects.get(organisation=books.org, member_number="N1").last_name == "Early"


def test_cancel_discards_the_upload(books: Books, var_dir: Path) -> None:
    client = client_for(books, "bea", Role.BOOKKEEPER)
    token = token_in(
        upload(client, "members", csv_bytes(MEMBER_HEADER, "N1,Pat,Lee,,,,,,,")).content.decode()
    )

    done = client.post(
        reverse("import-confirm", kwargs={"org": "acme"}),
        {"token": token, "cancel": "1"},
        follow=True,
    )

    assert "Import of file.csv cancelled; nothing was written." in done.content.decode()
    assert pending_files(var_dir) == [] and not Member.objects.filter(member_number="N1").exists()


@pytest.mark.parametrize("token", ["../../etc/passwd", "x" * 43, "", "a/b"])
def test_a_made_up_token_finds_nothing(books: Books, token: str) -> None:
    client = client_for(books, "bea", Role.BOOKKEEPER)
    before = counts(books.org)

    done = client.post(
        reverse("import-confirm", kwargs={"org": "acme"}), {"token": token}, follow=True
    )

    assert "That upload is no longer waiting; upload the file again." in done.content.decode()
    assert counts(books.org) == before


def test_another_users_upload_cannot_be_confirmed(books: Books) -> None:
    bea = client_for(books, "bea", Role.BOOKKEEPER)
    tom = client_for(books, "tom", Role.ADMIN)
    token = token_in(
        upload(bea, "members", csv_bytes(MEMBER_HEADER, "N1,Pat,Lee,,,,,,,")).content.decode()
    )

    done = tom.post(
        reverse("import-confirm", kwargs={"org": "acme"}), {"token": token}, follow=True
    )

    assert "That upload is no longer waiting" in done.content.decode()
    assert not Member.objects.filter(member_number="N1").exists()


def test_an_upload_is_tied_to_its_organisation(books: Books, other_books: Books) -> None:
    bea = client_for(books, "bea", Role.BOOKKEEPER)
    token = token_in(
        upload(bea, "members", csv_bytes(MEMBER_HEADER, "N1,Pat,Lee,,,,,,,")).content.decode()
    )
    add_user(other_books.org, "bea", PASSWORD, Role.BOOKKEEPER)

    done = bea.post(
        reverse("import-confirm", kwargs={"org": "other"}), {"token": token}, follow=True
    )

    assert "That upload is no longer waiting" in done.content.decode()
    assert not Member.objects.filter(member_number="N1").exists()


def test_a_viewer_gets_403(books: Books) -> None:
    viewer = client_for(books, "val", Role.VIEWER)

    assert viewer.get(reverse("import", kwargs={"org": "acme"})).status_code == 403
    assert (
        upload(viewer, "members", csv_bytes(MEMBER_HEADER, "N1,Pat,Lee,,,,,,,")).status_code == 403
    )
    assert not Member.objects.filter(member_number="N1").exists()


def test_a_user_of_another_organisation_gets_404(books: Books, other_books: Books) -> None:
    outsider = Client()
    outsider.force_login(add_user(other_books.org, "otto", PASSWORD, Role.ADMIN))

    assert outsider.get(reverse("import", kwargs={"org": "acme"})).status_code == 404
    assert (
        upload(outsider, "members", csv_bytes(MEMBER_HEADER, "N1,Pat,Lee,,,,,,,")).status_code
        == 404
    )
    assert (
        outsider.post(reverse("import-confirm", kwargs={"org": "acme"}), {"token": "x"}).status_code
        == 404
    )


def test_anonymous_users_are_sent_to_log_in(books: Books) -> None:
    response = Client().get(reverse("import", kwargs={"org": "acme"}))

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_csrf_is_enforced(books: Books) -> None:
    client = client_for(books, "bea", Role.BOOKKEEPER, enforce_csrf_checks=True)

    response = upload(client, "members", csv_bytes(MEMBER_HEADER, "N1,Pat,Lee,,,,,,,"))

    assert response.status_code == 403
    assert not Member.objects.filter(member_number="N1").exists()


def test_confirm_only_takes_post(books: Books) -> None:
    client = client_for(books, "bea", Role.BOOKKEEPER)

    assert client.get(reverse("import-confirm", kwargs={"org": "acme"})).status_code == 405


def test_a_form_without_a_file_is_refused(books: Books) -> None:
    client = client_for(books, "bea", Role.BOOKKEEPER)

    response = client.post(reverse("import", kwargs={"org": "acme"}), {"kind": "members"})

    assert response.status_code == 400 and b"This field is required." in response.content


def test_old_pending_uploads_are_swept(books: Books, var_dir: Path) -> None:
    old = storage.save(
        [b"x"], organisation_id=books.org.pk, user_id=1, kind="members", filename="old.csv"
    )
    for path in (old.path, old.path.with_suffix(".json")):
        os.utime(path, (1, 1))  # long ago

    storage.save(
        [b"y"], organisation_id=books.org.pk, user_id=1, kind="members", filename="new.csv"
    )

    assert not old.path.exists() and len(pending_files(var_dir)) == 2
