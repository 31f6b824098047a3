"""Procrastinate's own admin pages are not offered: their labels are English only and cannot be translated from
here (its models' field names come from the package). Job states reach people through the progress pages, the
`/healthz` queue numbers and `manage.py procrastinate`; see docs/operations.md."""
from django.contrib import admin
from procrastinate.contrib.django import models

for model in (models.ProcrastinateJob, models.ProcrastinateEvent, models.ProcrastinatePeriodicDefer,
              models.ProcrastinateWorker):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
