"""Models whose saves and deletions are audited, registered by the app that owns them.

Audit sits on the lowest floor and names no higher model: an app calls `audit_changes(...)` in its
AppConfig.ready() (alerts: AlertRule). Each registration connects post_save/post_delete for that model.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save

from .services import audit_record

Detail = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class AuditedModel:
    model: type[models.Model]
    saved: str
    deleted: str
    detail: Detail


_registered: dict[type[models.Model], AuditedModel] = {}


def audit_changes(model: type[models.Model], *, saved: str, deleted: str, detail: Detail) -> None:
    """Record `saved` (detail + {"created": …}) after each save of `model` and `deleted` after each deletion."""
    entry = AuditedModel(model, saved, deleted, detail)
    _registered[model] = entry
    uid = model._meta.label_lower

    def on_save(sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any) -> None:
        audit_record(entry.saved, obj=instance, detail={**entry.detail(instance), "created": created})

    def on_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
        audit_record(entry.deleted, obj=instance, detail=entry.detail(instance))

    post_save.connect(on_save, sender=model, weak=False, dispatch_uid=f"audit_saved:{uid}")
    post_delete.connect(on_delete, sender=model, weak=False, dispatch_uid=f"audit_deleted:{uid}")


def audited_models() -> list[type[models.Model]]:
    return list(_registered)
