"""Data-sharing agreements between organisations: who shares what with whom, from when to when."""
from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """What the recipient's coordinators read of the provider's records (ordered: each includes the one before)."""

    AGGREGATES = "aggregates", _("Aggregates only")
    RECORDS = "records", _("Records without free text")
    FULL = "full", _("Full records")


class Period(Func):
    """daterange(valid_from, valid_to, '[]'): an open end (NULL) is unbounded."""

    function = "DATERANGE"
    output_field = DateRangeField()


class SharingAgreementQuerySet(models.QuerySet):
    def in_force(self, on):
        """Agreements valid on the date `on` (valid_to inclusive; no end: open)."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)

    def overlapping(self, provider_id, recipient_id, valid_from, valid_to):
        """Agreements of the same pair and direction whose period meets [valid_from, valid_to]."""
        qs = self.filter(provider_id=provider_id, recipient_id=recipient_id)
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
        return qs if valid_to is None else qs.filter(valid_from__lte=valid_to)


class SharingAgreement(models.Model):
    """The provider organisation shares its observation records with the recipient at a level, for a period."""

    provider = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="agreements_given",
                                 verbose_name=_("sharing organisation"))
    recipient = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                  related_name="agreements_received", verbose_name=_("receiving organisation"))
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.AGGREGATES)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True,
                                help_text=_("Last day in force; empty: until further notice"))
    reference = models.CharField(_("agreement reference"), max_length=200,
                                 help_text=_("The signed agreement's reference or record number"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SharingAgreementQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name", "recipient__name", "-valid_from"]
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_from__lte=F("valid_to")),
                                   name="sharing_valid_from_not_after_valid_to"),
            models.CheckConstraint(condition=~Q(provider=F("recipient")), name="sharing_between_two_organisations"),
            # The same rule as clean() for writes that bypass it (and two admins saving at once).
            ExclusionConstraint(name="sharing_no_overlapping_agreements", expressions=[
                ("provider", RangeOperators.EQUAL), ("recipient", RangeOperators.EQUAL),
                (Period("valid_from", "valid_to", RangeBoundary(inclusive_lower=True, inclusive_upper=True)),
                 RangeOperators.OVERLAPS),
            ]),
        ]

    def __str__(self) -> str:
        return f"{self.provider} → {self.recipient} · {self.get_level_display()} ({self.reference})"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            errors.setdefault("valid_to", []).append(_("The last day cannot be before the first day."))
        if self.provider_id and self.provider_id == self.recipient_id:
            errors.setdefault("recipient", []).append(_("An organisation does not need an agreement with itself."))
        if not errors and self.provider_id and self.recipient_id and self.valid_from:
            clash = SharingAgreement.objects.overlapping(
                self.provider_id, self.recipient_id, self.valid_from, self.valid_to).exclude(pk=self.pk).first()
            if clash is not None:
                errors.setdefault("valid_from", []).append(
                    _("This period overlaps the agreement %(reference)s of the same organisations (%(start)s–%(end)s).")
                    % {"reference": clash.reference, "start": clash.valid_from, "end": clash.valid_to or "…"})
        if errors:
            raise ValidationError(errors)
