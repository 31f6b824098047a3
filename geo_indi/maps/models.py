"""A report PDF asked for: made by the worker (geo_indi/maps/report_pdfs.py), kept for its requester until it expires."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from geo_indi.areas.models import Municipality


class ReportPdf(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for the background worker")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    PENDING = (State.QUEUED, State.RUNNING)

    # Not a sequence number: the address of the progress page says nothing of how many were asked for.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("user"))
    session_key = models.CharField(_("session key"), max_length=40, blank=True,
                                   help_text=_("Who asked, when nobody was signed in."))
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("municipality"))
    query = models.TextField(_("query"), blank=True, help_text=_("The report's parameters as they were asked for."))
    filters = models.JSONField(_("filters"), default=dict, help_text=_("The filters and options as they were parsed."))
    language = models.CharField(_("language"), max_length=8)
    viewer = models.JSONField(_("viewer"), default=dict,
                              help_text=_("What the requester saw when asking: the PDF is made with this or not at all."))
    request_key = models.CharField(max_length=64, editable=False)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    pdf = models.BinaryField(_("PDF"), null=True, editable=False)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("report PDF")
        verbose_name_plural = _("report PDFs")
        ordering = ["-created_at"]
        constraints = [
            # One waiting PDF per requester and identical request: a repeated request reuses it.
            models.UniqueConstraint(fields=["request_key"], condition=models.Q(state__in=["queued", "running"]),
                                    name="maps_reportpdf_one_pending_per_request"),
            models.CheckConstraint(condition=models.Q(user__isnull=False) | ~models.Q(session_key=""),
                                   name="maps_reportpdf_has_requester"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="maps_reportpdf_expires")]

    def __str__(self) -> str:
        return f"{self.municipality.code} {self.created_at:%Y-%m-%d %H:%M} ({self.state})"
