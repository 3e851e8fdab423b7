"""Tokens and the client secret: encrypted at rest, never in logs, pages, admin or CLI output."""

import json
import logging
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection as db_connection
from django.test import Client

from memberbooks.connections import actions, crypto
from memberbooks.connections.models import QboConnection
from memberbooks.connections.tokens import ConnectionTokens
from memberbooks.tenancy.access import system_actor
from memberbooks.tenancy.models import Role
from tests.connections.conftest import Site, connect_through_pages

CLIENT_SECRET = "emulator-app-secret-Zq81x"


def raw_row(pk: int) -> dict[str, str]:
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret_enc, access_token_enc, refresh_token_enc "
            "FROM connections_qboconnection WHERE id = %s",
            [pk],
        )
        secret, access, refresh = cursor.fetchone()
    return {"client_secret": secret, "access_token": access, "refresh_token": refresh}


def test_secrets_are_encrypted_at_rest_and_never_shown(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = site.client(Role.ADMIN)
    saved = admin.post(
        "/o/acme/quickbooks/credentials/",
        {"client_id": "acme-app", "client_secret": CLIENT_SECRET},
    )
    assert saved.status_code == 302
    connection = connect_through_pages(admin)
    access = ConnectionTokens(connection).refresh()  # a refresh goes through the logs too
    connection.refresh_from_db()
    secrets = [CLIENT_SECRET, access, connection.secret("refresh_token")]
    assert connection.secret("client_secret") == CLIENT_SECRET

    raw = raw_row(connection.pk)
    for name, stored in raw.items():
        assert stored and stored != connection.secret(name)
        assert not any(secret in stored for secret in secrets)

    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-long-1")
    staff = Client()
    staff.force_login(root)
    shown = [
        admin.get("/o/acme/quickbooks/").content.decode(),
        staff.get("/admin/connections/qboconnection/").content.decode(),
        staff.get(f"/admin/connections/qboconnection/{connection.pk}/change/").content.decode(),
        staff.get("/admin/connections/oauthstate/").content.decode(),
        _cli("status", "acme", "--json"),
        _cli("status", "acme"),
    ]
    assert "Acme Association" in shown[0] and "acme-app" in shown[2]
    for text in [*shown, caplog.text]:
        for secret in secrets:
            assert secret not in text
        for stored in raw.values():
            assert stored not in text


def _cli(*args: str) -> str:
    out = StringIO()
    call_command("qbo", *args, stdout=out)
    return out.getvalue()


def test_status_json_has_the_documented_fields(site: Site) -> None:
    assert json.loads(_cli("status", "acme", "--json"))["connected"] is False
    connect_through_pages(site.client(Role.ADMIN))
    state = json.loads(_cli("status", "acme", "--json"))
    assert state["connected"] is True and state["company"] == "Acme Association"
    assert state["realmId"] == site.connection().realm_id and state["environment"] == "emulator"
    assert state["access_expires_at"] and state["last_error"] == ""


def test_key_rotation_old_keys_decrypt_and_rotate_keys_reencrypts(
    site: Site, settings: object
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]  # type: ignore[attr-defined]
    actions.save_credentials(system_actor("acme"), "acme-app", CLIENT_SECRET)
    pk = QboConnection.objects.get().pk
    before = raw_row(pk)["client_secret"]
    assert Fernet(old.encode()).decrypt(before.encode()).decode() == CLIENT_SECRET

    settings.ENCRYPTION_KEYS = [new, old]  # type: ignore[attr-defined]
    assert QboConnection.objects.get().secret("client_secret") == CLIENT_SECRET
    assert "1 connection" in _cli("rotate-keys")
    after = raw_row(pk)["client_secret"]
    assert after != before
    assert Fernet(new.encode()).decrypt(after.encode()).decode() == CLIENT_SECRET
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(after.encode())

    settings.ENCRYPTION_KEYS = [new]  # type: ignore[attr-defined]
    assert QboConnection.objects.get().secret("client_secret") == CLIENT_SECRET
    settings.ENCRYPTION_KEYS = [old]  # type: ignore[attr-defined]
    with pytest.raises(crypto.DecryptionError, match="cannot be decrypted"):
        QboConnection.objects.get().secret("client_secret")


def test_production_refuses_to_start_without_encryption_keys(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "MEMBERBOOKS_ENCRYPTION_KEYS"}
    }
    env.update(
        MEMBERBOOKS_ENV="production",
        MEMBERBOOKS_SECRET_KEY="s" * 60,
        MEMBERBOOKS_ALLOWED_HOSTS="books.example.org",
        MEMBERBOOKS_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "memberbooks", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "MEMBERBOOKS_ENCRYPTION_KEYS must be set" in result.stderr
