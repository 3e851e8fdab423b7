from django.apps import AppConfig


class MappingConfig(AppConfig):
    name = "memberbooks.mapping"
    label = "mapping"
