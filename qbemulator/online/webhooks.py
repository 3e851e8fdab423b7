"""Change notifications to a company's registered endpoint. (Stub: the webhooks work fills this in.)"""

from qbemulator.online.state import Company, Emulator


def notify(
    emulator: Emulator, company: Company, entity: str, entity_id: str, operation: str
) -> None:
    """Queue a notification of one change (Create, Update, Delete, Void, Merge). Never blocks the caller."""
