from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "memberbooks.connections"
    label = "connections"
    verbose_name = "QuickBooks connections"
