from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "memberbooks.jobs"
    label = "jobs"
