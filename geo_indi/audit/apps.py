from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "geo_indi.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self):
        from . import signals  # noqa: F401
