"""Research extracts and the review that lets an observation's description into one."""
from django.conf import settings
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
