"""Typed QuickBooks Online errors, each with words a bookkeeper can act on.

Callers decide what to do from the class alone: a `TransientQboError` (throttle,
server fault, timeout, network) may succeed if tried again later; a
`TerminalQboError` (validation, not found, access revoked) will fail the same way
until someone changes the data or the connection. The QuickBooks code, message,
detail and element are kept for the log; `message_for_bookkeeper` and `fix` are
what the Member Status and QuickBooks Config pages show.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Advice:
    """What a QuickBooks fault means for an association's bookkeeper, and what to do."""

    message: str
    fix: str
    transient: bool = False


RECONNECT = Advice(
    "memberbooks is no longer allowed to reach your QuickBooks company "
    "(the connection expired or was revoked).",
    "Ask an administrator to open the QuickBooks Config page and click "
    "'Connect to QuickBooks' again.",
)

ADVICE: dict[str, Advice] = {
    "6240": Advice(
        "A customer, vendor or employee in QuickBooks already has this name.",
        "Map the member to the existing QuickBooks customer on the Member Status page, "
        "or change the name in one of the two systems.",
    ),
    "6140": Advice(
        "QuickBooks already has a document with this number.",
        "Check whether the document was already sent to QuickBooks; if it is a different "
        "document, renumber one of them.",
    ),
    "610": Advice(
        "Something this record refers to no longer exists in QuickBooks, or was made "
        "inactive (a customer, item or account).",
        "Reactivate the customer, item or account in QuickBooks, or choose another one "
        "in the mapping, then retry.",
    ),
    "5010": Advice(
        "Someone changed this record in QuickBooks while memberbooks was updating it.",
        "Nothing is lost: retry the sync; memberbooks reads the latest version first.",
    ),
    "2020": Advice(
        "QuickBooks needs a value that memberbooks did not send.",
        "Check the field named in the details (for example a missing customer or line) "
        "and complete it in memberbooks, then retry.",
    ),
    "2010": Advice(
        "QuickBooks did not accept one of the fields memberbooks sent.",
        "Report this to support with the details shown; it is a memberbooks problem, "
        "not a problem with your books.",
    ),
    "2030": Advice(
        "QuickBooks did not recognise the record number memberbooks used.",
        "Re-link the record on the Member Status page (the QuickBooks record may have "
        "been replaced), then retry.",
    ),
    "2500": Advice(
        "An account, item or customer this record uses is inactive or missing in QuickBooks.",
        "Reactivate it in QuickBooks or pick an active one in the account and item "
        "mappings, then retry.",
    ),
    "6000": Advice(
        "QuickBooks refused the change because it breaks one of its bookkeeping rules.",
        "Read the details (for example a payment applied to more than is owed, or a "
        "customer with a balance being deactivated), correct it, then retry.",
    ),
    "6210": Advice(
        "The books are closed in QuickBooks for the date of this transaction.",
        "Change the transaction date to an open period, or ask your accountant to move "
        "the closing date in QuickBooks.",
    ),
    "4000": Advice(
        "memberbooks asked QuickBooks for something in a way it did not understand.",
        "Report this to support with the details shown; your books are unchanged.",
    ),
    "4001": Advice(
        "memberbooks asked QuickBooks for something in a way it did not understand.",
        "Report this to support with the details shown; your books are unchanged.",
    ),
    "3200": RECONNECT,
    "invalid_grant": RECONNECT,
    "3100": Advice(
        "The QuickBooks connection does not have permission for this (wrong company, "
        "environment or access level).",
        "Ask an administrator to reconnect from the QuickBooks Config page, signing in "
        "as a QuickBooks admin of the right company.",
    ),
    "3001": Advice(
        "QuickBooks is limiting how fast memberbooks may send requests.",
        "Nothing to do: memberbooks waits and tries again automatically.",
        transient=True,
    ),
    "429": Advice(
        "QuickBooks is limiting how fast memberbooks may send requests.",
        "Nothing to do: memberbooks waits and tries again automatically.",
        transient=True,
    ),
    "500": Advice(
        "QuickBooks does not support this operation on this kind of record.",
        "Report this to support with the details shown; your books are unchanged.",
    ),
    "10000": Advice(
        "QuickBooks had an internal error.",
        "Nothing to do: memberbooks tries again automatically; if it keeps failing, "
        "check status.developer.intuit.com.",
        transient=True,
    ),
    "503": Advice(
        "QuickBooks is temporarily unavailable.",
        "Nothing to do: memberbooks tries again automatically.",
        transient=True,
    ),
    "timeout": Advice(
        "QuickBooks did not answer in time, or could not be reached.",
        "Nothing to do: memberbooks tries again automatically; if it keeps failing, "
        "check the server's internet connection.",
        transient=True,
    ),
}

UNKNOWN = Advice(
    "QuickBooks refused the request.",
    "Read the details shown; if they do not explain it, report it to support.",
)


def advice_for(code: str, status: int) -> Advice:
    """The table entry for a code, falling back on the HTTP status for gateway answers."""
    if code in ADVICE and (status < 500 or ADVICE[code].transient):
        return ADVICE[code]
    if status == 429:
        return ADVICE["429"]
    if status >= 500:
        return ADVICE["503"] if status in (502, 503, 504) else ADVICE["10000"]
    if status == 401:
        return RECONNECT
    return UNKNOWN


class QboError(Exception):
    """A failed QuickBooks call; `code` is QuickBooks' fault code (a string) or a pseudo-code."""

    def __init__(
        self,
        code: str,
        *,
        status: int = 0,
        qbo_message: str = "",
        detail: str = "",
        element: str = "",
        fault_type: str = "",
        retry_after: float | None = None,
        intuit_tid: str = "",
    ) -> None:
        self.code = code
        self.intuit_tid = intuit_tid  # Intuit's trace id: quote it to Intuit support
        self.status = status
        self.qbo_message = qbo_message
        self.detail = detail
        self.element = element
        self.fault_type = fault_type
        self.retry_after = retry_after
        advice = advice_for(code, status)
        self.message_for_bookkeeper = advice.message
        self.fix = advice.fix
        super().__init__(f"QuickBooks {status or '-'} code {code}: {qbo_message} {detail}".strip())


class TransientQboError(QboError):
    """Worth retrying later: throttled, a server fault, a timeout or the network."""


class TerminalQboError(QboError):
    """Retrying will not help until the data or the connection is fixed."""


class AuthQboError(TerminalQboError):
    """The connection itself is refused (3200 after a refresh, 3100, invalid_grant): reconnect."""


def classify(
    code: str,
    status: int,
    *,
    qbo_message: str = "",
    detail: str = "",
    element: str = "",
    fault_type: str = "",
    retry_after: float | None = None,
    intuit_tid: str = "",
) -> QboError:
    """The right error class for a fault: 429 and 5xx are transient, the rest terminal."""
    kind: type[QboError]
    if status == 429 or status >= 500 or code in ("3001", "10000", "timeout"):
        kind = TransientQboError
    elif status in (401, 403) or code in ("3200", "3100", "invalid_grant"):
        kind = AuthQboError
    else:
        kind = TerminalQboError
    return kind(
        code,
        status=status,
        qbo_message=qbo_message,
        detail=detail,
        element=element,
        fault_type=fault_type,
        retry_after=retry_after,
        intuit_tid=intuit_tid,
    )
