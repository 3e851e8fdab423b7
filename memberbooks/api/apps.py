from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "memberbooks.api"
    label = "api"
