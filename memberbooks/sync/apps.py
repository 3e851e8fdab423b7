from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "memberbooks.sync"
    label = "sync"
