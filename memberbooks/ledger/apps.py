from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "memberbooks.ledger"
    label = "ledger"
    verbose_name = "Member billing ledger"
