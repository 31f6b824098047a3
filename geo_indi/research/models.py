"""Research extracts and the review that lets an observation's description into one."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewedDescription(models.Model):
    """Someone checked that an observation's description identifies no one: only then can it go into an extract.
    Editing the description afterwards does not carry the review over (it records the text it checked)."""

    observation = models.OneToOneField("observations.Observation", on_delete=models.CASCADE,
                                       related_name="description_review", verbose_name=_("observation"))
    checked_text = models.TextField(verbose_name=_("checked text"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                    verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(default=timezone.now, verbose_name=_("reviewed"))

    class Meta:
        verbose_name = _("reviewed description")
        verbose_name_plural = _("reviewed descriptions")

    def __str__(self):
        return f"{self.observation_id} · {self.reviewed_at:%Y-%m-%d}"


class ResearchExtract(models.Model):
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                verbose_name=_("made by"))
    made_by_username = models.CharField(max_length=150, verbose_name=_("made by (username)"))
    made_at = models.DateTimeField(_("made"), default=timezone.now)
    year_from = models.PositiveSmallIntegerField(verbose_name=_("from year"))
    year_to = models.PositiveSmallIntegerField(verbose_name=_("to year"))
    purpose = models.TextField(_("purpose"))
    recipient = models.CharField(_("recipient"), max_length=200)
    rows = models.JSONField(default=dict, help_text=_("Rows per resource"), verbose_name=_("rows"))
    sha256 = models.CharField(max_length=64, help_text=_("Of datapackage.json, which lists every file's hash"),
                              verbose_name=_("SHA-256 checksum"))
    path = models.CharField(max_length=500, verbose_name=_("path"))

    class Meta:
        ordering = ["-made_at", "-id"]
        verbose_name = _("research extract")
        verbose_name_plural = _("research extracts")

    def __str__(self):
        return f"{self.made_at:%Y-%m-%d} {self.year_from}–{self.year_to} {self.recipient}"


class ResearchRequest(models.Model):
    """A researcher's request for an extract, and the data owner's decision on it (docs/loop.md).

    The rules of a request are declared here once (`clean`): the web form is a ModelForm of this model, and
    research/requests.py validates with `full_clean` before it writes anything."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", _("Expired")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="research_requests", verbose_name=_("requested by"))
    requested_by_username = models.CharField(max_length=150, verbose_name=_("requested by (username)"))
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    purpose = models.TextField(_("purpose"), help_text=_("What the research is and what the data is used for"))
    agreement_reference = models.CharField(
        _("data agreement reference"), max_length=200,
        help_text=_("The reference of the data-sharing agreement or research permit the request rests on"))
    wanted_fields = models.JSONField(_("fields wanted"), default=list,
                                     help_text=_("Optional fields of the observations table"))
    year_from = models.PositiveSmallIntegerField(verbose_name=_("from year"))
    year_to = models.PositiveSmallIntegerField(verbose_name=_("to year"))
    municipalities = models.ManyToManyField("areas.Municipality", related_name="+", verbose_name=_("municipalities"))
    expires_on = models.DateField(_("access expires on"),
                                  help_text=_("The extract can be downloaded until this day (inclusive)"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.REQUESTED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_by_username = models.CharField(max_length=150, blank=True, verbose_name=_("decided by (username)"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    extract = models.OneToOneField(ResearchExtract, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="request", verbose_name=_("extract"))
    build_error = models.TextField(_("build error"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("research request")
        verbose_name_plural = _("research requests")

    def __str__(self):
        return f"{self.requested_by_username} {self.year_from}–{self.year_to} · {self.get_state_display()}"

    def clean(self):
        from .requests import request_errors

        errors = request_errors(self)
        if errors:
            raise ValidationError(errors)

    def is_expired(self, today=None) -> bool:
        """Past its expiry date (the last day it may be downloaded), whatever the stored state says."""
        return (today or timezone.localdate()) > self.expires_on

    @property
    def current_state(self) -> str:
        """The state as of today: a request not refused turns expired after its expiry date."""
        if self.state in (self.State.REQUESTED, self.State.APPROVED) and self.is_expired():
            return self.State.EXPIRED
        return self.state

    def get_current_state_display(self) -> str:
        return str(self.State(self.current_state).label)
