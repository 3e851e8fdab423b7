from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "memberbooks.devtools"
    label = "devtools"
