"""Uploaded files waiting between the page's preview and its confirmation.

An upload is saved under `VAR_DIR/imports/` as `<token>.csv`, next to
`<token>.json` naming the organisation, the user and the kind. The token is 32
random bytes; the confirmation sends only the token, never a path, and the
file is handed back only to the same user in the same organisation. Files are
deleted when confirmed or cancelled, and any left over after a day are swept
away by the next upload.
"""

import json
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 60 * 60
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Pending:
    token: str
    path: Path
    kind: str
    filename: str


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def save(
    chunks: Iterable[bytes], *, organisation_id: int, user_id: int, kind: str, filename: str
) -> Pending:
    sweep()
    token = secrets.token_urlsafe(32)
    folder = _folder()
    path = folder / f"{token}.csv"
    with path.open("xb") as out:
        path.chmod(0o600)
        for chunk in chunks:
            out.write(chunk)
    meta = {"organisation": organisation_id, "user": user_id, "kind": kind, "filename": filename}
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return Pending(token, path, kind, filename)


def load(token: str, *, organisation_id: int, user_id: int) -> Pending | None:
    """The pending upload for this token, if it belongs to this user in this organisation."""
    if not _TOKEN.fullmatch(token):
        return None
    folder = _folder()
    path, meta_path = folder / f"{token}.csv", folder / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return None
    if meta.get("organisation") != organisation_id or meta.get("user") != user_id:
        return None
    if not path.is_file():
        return None
    return Pending(token, path, str(meta.get("kind", "")), str(meta.get("filename", "")))


def discard(pending: Pending) -> None:
    for path in (pending.path, pending.path.with_suffix(".json")):
        path.unlink(missing_ok=True)


def sweep(max_age: int = MAX_AGE_SECONDS) -> None:
    """Delete pending uploads older than `max_age` seconds."""
    cutoff = time.time() - max_age
    for path in _folder().glob("*.*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
