from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "memberbooks.audit"
    label = "audit"
    verbose_name = "Audit log"
