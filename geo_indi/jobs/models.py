"""What the queue does not keep: the class of the exception a job failed with (written by jobs/tasks.py's `job`)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobFailure(models.Model):
    """The last failure of one Procrastinate job: its task, queue, attempt, time and exception class.

    Never the exception's message nor the job's arguments: either can carry a row's content (a note, a name)."""

    job_id = models.BigIntegerField(_("job"), unique=True)
    task_name = models.CharField(_("task"), max_length=128)
    queue = models.CharField(_("queue"), max_length=128)
    attempts = models.PositiveIntegerField(_("attempts"))
    exception_class = models.CharField(_("exception class"), max_length=255)
    failed_at = models.DateTimeField(_("failed at"))

    class Meta:
        verbose_name = _("failed job")
        verbose_name_plural = _("failed jobs")
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.job_id}"
