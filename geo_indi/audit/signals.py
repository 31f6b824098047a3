"""What is logged without the code that does it knowing: admin changes (models of higher apps: registry.py)."""
from django.contrib.admin.models import LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from .services import Action, audit_record

ADMIN_FLAGS = {1: "addition", 2: "change", 3: "deletion"}


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def admin_change(sender, instance, created, **kwargs):
    if not created:
        return
    audit_record(
        Action.ADMIN_CHANGE,
        actor=instance.user,
        object_type=instance.content_type.model_class()._meta.label_lower if instance.content_type_id else "",
        object_id=instance.object_id or "",
        detail={
            "change": ADMIN_FLAGS.get(instance.action_flag, str(instance.action_flag)),
            "object": instance.object_repr,
            "message": instance.get_change_message(),
        },
    )
