"""The audit log: who did what, when and from where. Rows are only ever added.

A database trigger refuses UPDATE and DELETE (migration 0001), so not even the
admin or a shell can rewrite history. The actor is kept as id and username, not
as a foreign key: erasing an account does not rewrite the log.
"""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    LAYER_DOWNLOAD = "layer_download", _("Layer download")
    MAP_EXPORT = "map_export", _("Map export")
    OBSERVATION_READ = "observation_read", _("Observation read (not own)")
    ADMIN_CHANGE = "admin_change", _("Admin change")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    ALERT_RULE_SAVED = "alert_rule_saved", _("Alert rule saved")
    ALERT_RULE_DELETED = "alert_rule_deleted", _("Alert rule deleted")
    USER_ERASED = "user_erased", _("Account erased")
    SHARED_RECORDS_READ = "shared_records_read", _("Records of another organisation read")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only.")

    def delete(self):
        raise TypeError("Audit events are append-only.")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")
