"""Alert rules an organisation sets on observations (and linked indicators), and the alerts they fire.

The tables keep their original names (indicators_alertrule, indicators_firedalert): the models moved from
`indicators` to this app by state only (migrations alerts/0001 and indicators/0008), no data moved.
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geo_indi.indicators.models import Indicator, PhenomenonIndicatorLink
from geo_indi.observations.filters import Unit
from geo_indi.observations.models import Direction


class AlertRule(models.Model):
    class Condition(models.TextChoices):
        COUNT_AT_LEAST = "count_at_least", _("At least N observations in the last D days")
        # Translators: "P %" is the rule's percentage, not a format placeholder.
        # xgettext:no-python-format
        INCREASE_PERCENT = "increase_percent", _("Increase of at least P % over the previous period")
        INDICATOR_THRESHOLD = "indicator_threshold", _("Linked indicator crosses a threshold")
        NEW_HOT_SPOT = "new_hot_spot", _("A postcode area becomes a new hot spot")

    class Comparison(models.TextChoices):
        ABOVE = "above", _("above")
        BELOW = "below", _("below")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="alert_rules",
                                     verbose_name=_("organisation"))
    name = models.CharField(max_length=200, blank=True, verbose_name=_("name"))
    phenomenon = models.ForeignKey("observations.Phenomenon", on_delete=models.CASCADE, related_name="alert_rules",
                                   verbose_name=_("phenomenon"))
    category = models.ForeignKey("observations.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                 verbose_name=_("category"))
    direction = models.CharField(max_length=12, choices=Direction.choices, blank=True,
                                 verbose_name=_("effect on wellbeing"))
    municipality = models.ForeignKey("areas.Municipality", on_delete=models.CASCADE, null=True, blank=True, related_name="alert_rules",
                                     verbose_name=_("municipality"))
    postcode_area = models.ForeignKey("areas.PostcodeArea", on_delete=models.CASCADE, null=True, blank=True, related_name="alert_rules",
                                      verbose_name=_("postcode area"))
    condition = models.CharField(max_length=24, choices=Condition.choices, verbose_name=_("condition"))
    unit = models.CharField(max_length=12, choices=Unit.choices, default=Unit.OCCURRENCES,
                            help_text=_("What a count rule counts: occurrences (the cases recorded) or records"),
                            verbose_name=_("what is counted"))
    min_count = models.PositiveIntegerField(null=True, blank=True, help_text=_("N for 'at least N observations'"),
                                            verbose_name=_("minimum count N"))
    window_days = models.PositiveIntegerField(null=True, blank=True, help_text=_("D: length of the period in days"),
                                              verbose_name=_("period in days D"))
    increase_percent = models.FloatField(null=True, blank=True, help_text=_("P for 'increase of at least P %'"),
                                         verbose_name=_("increase in per cent P"))
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, null=True, blank=True, related_name="alert_rules",
                                  verbose_name=_("indicator"))
    comparison = models.CharField(max_length=5, choices=Comparison.choices, blank=True,
                                  verbose_name=_("above or below"))
    threshold = models.FloatField(null=True, blank=True, help_text=_("Indicator value the latest year is compared with"),
                                  verbose_name=_("threshold"))
    recipient_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                             verbose_name=_("recipients"))
    recipient_emails = models.TextField(blank=True, help_text=_("Extra e-mail addresses of the organisation, one per line"),
                                        verbose_name=_("other e-mail addresses"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    condition_state = models.JSONField(default=dict, blank=True, editable=False,
                                       help_text=_("What the condition saw at the previous evaluation (new hot spot: the hot spot areas)"),
                                       verbose_name=_("state of the condition"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    limit_set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                     help_text=_("Who last set the condition or its limit"),
                                     verbose_name=_("limit set by"))
    limit_set_at = models.DateTimeField(null=True, blank=True, verbose_name=_("limit set"))

    LIMIT_FIELDS = ("condition", "unit", "min_count", "window_days", "increase_percent", "indicator", "comparison", "threshold")

    class Meta:
        db_table = "indicators_alertrule"
        ordering = ["organisation", "phenomenon", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(municipality__isnull=False) & Q(postcode_area__isnull=True))
                | (Q(municipality__isnull=True) & Q(postcode_area__isnull=False)),
                name="alert_rule_one_area",
            ),
        ]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self):
        return self.name or f"{self.phenomenon} · {self.area} · {self.get_condition_display()}"

    @property
    def area(self):
        return self.postcode_area or self.municipality

    @property
    def area_municipality_id(self):
        return self.postcode_area.municipality_id if self.postcode_area_id else self.municipality_id

    @property
    def limit_text(self):
        """The condition with its numbers, in words."""
        if self.condition == self.Condition.COUNT_AT_LEAST:
            if self.unit == Unit.RECORDS:
                return _("at least %(n)s records in %(days)s days") % {"n": self.min_count, "days": self.window_days}
            return _("at least %(n)s occurrences in %(days)s days") % {"n": self.min_count, "days": self.window_days}
        if self.condition == self.Condition.INCREASE_PERCENT:
            percent = f"{self.increase_percent:g}" if self.increase_percent is not None else "?"
            return _("an increase of at least %(percent)s %% over the previous %(days)s days") % {
                "percent": percent, "days": self.window_days} + f" ({self.get_unit_display()})"
        if self.condition == self.Condition.NEW_HOT_SPOT:
            return _("a postcode area becomes a significant hot spot of the phenomenon that was not one at the "
                     "previous evaluation (Getis–Ord Gi*, recent counts against their own history and their "
                     "neighbours, false discovery rate controlled by Benjamini–Hochberg)")
        threshold = f"{self.threshold:g}" if self.threshold is not None else "?"
        return _("%(indicator)s %(comparison)s %(threshold)s") % {
            "indicator": self.indicator.title if self.indicator_id else "?",
            "comparison": self.get_comparison_display(), "threshold": threshold}

    def email_list(self):
        return [line.strip() for line in self.recipient_emails.splitlines() if line.strip()]

    def clean(self):
        errors = {}
        if bool(self.municipality_id) == bool(self.postcode_area_id):
            errors["municipality"] = _("Choose either a municipality or a postcode area.")
        elif self.organisation_id and not self.organisation.municipalities.filter(pk=self.area_municipality_id).exists():
            errors["municipality"] = _("The area must be in a municipality the organisation works in.")
        if self.category_id and self.category.phenomenon_id != self.phenomenon_id:
            errors["category"] = _("The category does not belong to the phenomenon.")
        if self.condition in (self.Condition.COUNT_AT_LEAST, self.Condition.INCREASE_PERCENT):
            if not self.window_days:
                errors["window_days"] = _("Give the length of the period in days (at least 1).")
        if self.condition == self.Condition.COUNT_AT_LEAST and not self.min_count:
            errors["min_count"] = _("Give N, at least 1.")
        if self.condition == self.Condition.INCREASE_PERCENT and (self.increase_percent is None or self.increase_percent <= 0):
            errors["increase_percent"] = _("Give a percentage above 0.")
        if self.condition == self.Condition.NEW_HOT_SPOT:
            if self.category_id:
                errors["category"] = _("Hot spots are found for the whole phenomenon: leave the category empty.")
            if self.direction:
                errors["direction"] = _("Hot spots are found for the whole phenomenon: leave the direction empty.")
        if self.condition == self.Condition.INDICATOR_THRESHOLD:
            if not self.indicator_id:
                errors["indicator"] = _("Choose an indicator.")
            elif not PhenomenonIndicatorLink.objects.filter(phenomenon_id=self.phenomenon_id, indicator_id=self.indicator_id).exists():
                errors["indicator"] = _("The indicator is not linked to the phenomenon.")
            if not self.comparison:
                errors["comparison"] = _("Choose above or below.")
            if self.threshold is None:
                errors["threshold"] = _("Give the threshold value.")
        bad = []
        for address in self.email_list():
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            errors["recipient_emails"] = _("Not e-mail addresses: %(bad)s") % {"bad": ", ".join(bad)}
        if errors:
            raise ValidationError(errors)


class FiredAlert(models.Model):
    """One firing of a rule. At most one open (not cleared) alert per rule: it fires once per window."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="fired_alerts", verbose_name=_("rule"))
    fired_at = models.DateTimeField(verbose_name=_("fired"))
    window_start = models.DateField(verbose_name=_("period start"))
    window_end = models.DateField(verbose_name=_("period end"))
    observed_value = models.FloatField(null=True, blank=True, verbose_name=_("observed value"))
    message = models.TextField(verbose_name=_("message"))
    recipients_notified = models.PositiveIntegerField(default=0, verbose_name=_("recipients notified"))
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                        verbose_name=_("acknowledged by"))
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged"))
    cleared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cleared"))

    class Meta:
        db_table = "indicators_firedalert"
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule"], condition=Q(cleared_at__isnull=True), name="one_open_alert_per_rule"),
        ]
        verbose_name = _("fired alert")
        verbose_name_plural = _("fired alerts")

    def __str__(self):
        return f"{self.rule} · {self.fired_at:%Y-%m-%d %H:%M}"
