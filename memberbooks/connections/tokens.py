"""`ConnectionTokens`: the `TokenSource` the QuickBooks client uses, over the stored connection."""

import datetime as dt
import threading

from django.utils import timezone

from memberbooks.connections.actions import REFRESH_MARGIN, reconnect, refresh_connection
from memberbooks.connections.models import QboConnection, Status


class ConnectionTokens:
    """Tokens of one organisation's connection; refreshes when under 5 minutes remain.

    Reading is lock-free; only a refresh takes the row lock (actions.refresh_connection),
    so many workers share one connection and at most one of them refreshes at a time.
    """

    def __init__(self, connection: QboConnection) -> None:
        self._pk = connection.pk
        self.realm_id = connection.realm_id
        self._seen = threading.local()  # the token each thread last used (the sync's threads)

    @property
    def _last(self) -> str:
        return str(getattr(self._seen, "token", ""))

    @_last.setter
    def _last(self, token: str) -> None:
        self._seen.token = token

    def access_token(self) -> str:
        connection = QboConnection.objects.get(pk=self._pk)
        if connection.status == Status.CONNECTED and _fresh(connection.access_expires_at):
            self._last = connection.secret("access_token")
        elif connection.status == Status.NEEDS_RECONNECT:
            raise reconnect()
        else:
            self._last = refresh_connection(self._pk)
        return self._last

    def refresh(self) -> str:
        self._last = refresh_connection(self._pk, force=True, stale_access=self._last)
        return self._last


def _fresh(expires: dt.datetime | None) -> bool:
    return expires is not None and expires - timezone.now() > REFRESH_MARGIN
