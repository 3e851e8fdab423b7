from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "memberbooks.exports"
    label = "exports"
