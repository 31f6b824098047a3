"""Official indicators (THL Sotkanet) and their links to phenomena. Alert rules live in geo_indi.alerts."""
from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Indicator(models.Model):
    sotkanet_id = models.PositiveIntegerField(unique=True, verbose_name=_("Sotkanet id"))
    title_fi = models.CharField(max_length=500, verbose_name=_("title in Finnish"))
    title_sv = models.CharField(max_length=500, blank=True, verbose_name=_("title in Swedish"))
    title_en = models.CharField(max_length=500, blank=True, verbose_name=_("title in English"))
    unit = models.CharField(max_length=200, blank=True, help_text=_("Primary value type, e.g. 'Prosentti'"),
                            verbose_name=_("unit"))
    decimals = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("decimals"))
    source_organisation = models.CharField(max_length=300, blank=True, verbose_name=_("source organisation"))
    description_fi = models.TextField(blank=True, verbose_name=_("description in Finnish"))
    description_sv = models.TextField(blank=True, verbose_name=_("description in Swedish"))
    description_en = models.TextField(blank=True, verbose_name=_("description in English"))
    imported_at = models.DateTimeField(null=True, blank=True, verbose_name=_("imported"))
    is_sample = models.BooleanField(default=False, help_text=_("Demo values made up for trying the service, not THL's data"),
                                    verbose_name=_("sample data"))

    class Meta:
        ordering = ["sotkanet_id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return f"{self.sotkanet_id} {self.title_fi}"

    @property
    def title(self):
        lang = (translation.get_language() or "fi")[:2]
        return getattr(self, f"title_{lang}", "") or self.title_fi


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values",
                                  verbose_name=_("indicator"))
    municipality = models.ForeignKey("areas.Municipality", on_delete=models.CASCADE, related_name="indicator_values",
                                     verbose_name=_("municipality"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    gender = models.CharField(max_length=10, default="total", verbose_name=_("gender"))
    value = models.FloatField(null=True, blank=True, verbose_name=_("value"))
    absolute_value = models.FloatField(null=True, blank=True, verbose_name=_("absolute value"))

    class Meta:
        ordering = ["indicator", "municipality", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "municipality", "year", "gender"], name="indicator_value_unique"
            )
        ]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")

    def __str__(self):
        return f"{self.indicator_id} · {self.municipality_id} · {self.year} · {self.value}"


class PhenomenonIndicatorLink(models.Model):
    """A link a person confirmed: nothing is linked automatically."""

    phenomenon = models.ForeignKey("observations.Phenomenon", on_delete=models.CASCADE, related_name="indicator_links",
                                   verbose_name=_("phenomenon"))
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="phenomenon_links",
                                  verbose_name=_("indicator"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("confirmed"))
    matched_words = models.CharField(max_length=500, blank=True, help_text=_("Words the suggestion matched, if any"),
                                     verbose_name=_("matched words"))

    class Meta:
        ordering = ["phenomenon", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["phenomenon", "indicator"], name="phenomenon_indicator_link_unique")
        ]
        verbose_name = _("link of a phenomenon and an indicator")
        verbose_name_plural = _("links of phenomena and indicators")

    def __str__(self):
        return f"{self.phenomenon} ↔ {self.indicator}"


class SotkanetImportRun(models.Model):
    """One import started from the app; the page polls it for progress."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("started by"))
    started_at = models.DateTimeField(auto_now_add=True, verbose_name=_("started"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished"))
    indicator_ids = models.JSONField(default=list, verbose_name=_("indicator ids"))
    years = models.JSONField(default=list, verbose_name=_("years"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, verbose_name=_("status"))
    step = models.PositiveIntegerField(default=0, verbose_name=_("step"))
    total_steps = models.PositiveIntegerField(default=1, verbose_name=_("steps in total"))
    message = models.TextField(blank=True, verbose_name=_("message"))

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("Sotkanet import")
        verbose_name_plural = _("Sotkanet imports")

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"

    @property
    def percent(self):
        return round(100 * self.step / self.total_steps) if self.total_steps else 0
