from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "memberbooks.imports"
    label = "imports"
