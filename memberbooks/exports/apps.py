from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "memberbooks.exports"
    label = "exports"

    def ready(self) -> None:
        """Listen to the ledger for changes to exported documents (see `changes.py`)."""
        from memberbooks.exports.changes import on_documents_changed
        from memberbooks.ledger.signals import documents_changed

        documents_changed.connect(on_documents_changed, dispatch_uid="exports.changed")
