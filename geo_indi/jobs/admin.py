"""Procrastinate's own admin pages are not offered: their labels are English only and cannot be translated from
here (its models' field names come from the package), and they show each job's arguments, which can carry a row's
content. Failed jobs are listed instead through `JobFailure` (view only): task, queue, attempts, time and the
exception's class. Other job states reach people through the progress pages, the `/healthz` queue numbers and
`manage.py procrastinate`; see docs/operations.md."""
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from procrastinate.contrib.django import models

from .models import JobFailure

for model in (models.ProcrastinateJob, models.ProcrastinateEvent, models.ProcrastinatePeriodicDefer,
              models.ProcrastinateWorker):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(JobFailure)
class JobFailureAdmin(admin.ModelAdmin):
    list_display = ("task_name", "queue", "attempts", "failed_at", "exception_class")
    list_filter = ("task_name", "queue")
    date_hierarchy = "failed_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[JobFailure]:
        """Jobs that are failed now: a failure a retry made good is not listed."""
        failed = models.ProcrastinateJob.objects.filter(status="failed").values("id")
        return super().get_queryset(request).filter(job_id__in=failed)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: JobFailure | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: JobFailure | None = None) -> bool:
        return False
