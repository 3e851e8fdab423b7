from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "memberbooks.tenancy"
    label = "tenancy"
    verbose_name = "Organisations and roles"
