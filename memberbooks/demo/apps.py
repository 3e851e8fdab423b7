from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "memberbooks.demo"
    label = "demo"
