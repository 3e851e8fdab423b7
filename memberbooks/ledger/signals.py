"""What the ledger tells other apps, so it never has to know them.

`documents_changed` is sent inside the action's transaction when documents that
already exist change in a way QuickBooks would see: a void, or a payment's or
credit memo's applications (QuickBooks keeps those on the payment). A receiver
that raises rolls the action back, so a change and its consequences land together.

Arguments: `sender` is the document model, `organisation`, `ids` (primary keys)
and `why` (plain words for the audit trail).
"""

from django.dispatch import Signal

documents_changed = Signal()
