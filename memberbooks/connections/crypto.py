"""Encryption at rest for QuickBooks tokens and client secrets (the only place that touches keys).

Keys come from MEMBERBOOKS_ENCRYPTION_KEYS (Fernet keys, comma-separated). The first key
encrypts; every key decrypts, so a new key can be put in front, `memberbooks qbo rotate-keys`
re-encrypts the rows, and the old key can then be dropped. Outside production, with no keys
set, a key derived from SECRET_KEY is used so that the demo and tests need no setup
(settings refuse to start production without keys).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


def _keys() -> list[str]:
    keys = list(getattr(settings, "ENCRYPTION_KEYS", []) or [])
    if keys:
        return keys
    digest = hashlib.sha256(b"memberbooks-encryption:" + settings.SECRET_KEY.encode()).digest()
    return [base64.urlsafe_b64encode(digest).decode()]


def _cipher() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in _keys()])


def encrypt(plain: str) -> str:
    """Ciphertext for a non-empty secret; the empty string stays empty (nothing to hide)."""
    if not plain:
        return ""
    return _cipher().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    try:
        return _cipher().decrypt(stored.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "A stored QuickBooks secret cannot be decrypted with the configured keys; "
            "restore the old key in MEMBERBOOKS_ENCRYPTION_KEYS or reconnect."
        ) from exc


def reencrypt(stored: str) -> str:
    """The same secret under the first (current) key."""
    if not stored:
        return ""
    try:
        return _cipher().rotate(stored.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "A stored secret cannot be decrypted with any configured key."
        ) from exc
