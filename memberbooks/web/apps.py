from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "memberbooks.web"
    label = "web"
