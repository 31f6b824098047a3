import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .contract import DESCRIPTION_MAX_LENGTH, NOTE_MAX_LENGTH, OCCURRENCES_MAX  # noqa: F401  (declared once there)
from .querysets import ObservationMonthlyCountQuerySet, ObservationQuerySet, PhenomenonQuerySet



def in_active_language(obj, field):
    """`obj.<field>_<lang>` in the active language, falling back to Finnish."""
    lang = (translation.get_language() or "fi")[:2]
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_fi")


class TranslatedNameMixin:
    """`name` in the active language, falling back to Finnish."""

    @property
    def name(self):
        return in_active_language(self, "name")


class Phenomenon(TranslatedNameMixin, models.Model):
    """An *ilmiö*: what is observed (loneliness, vandalism, ...)."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        INTERNAL = "internal", _("Internal")

    slug = models.SlugField(max_length=60, unique=True, verbose_name=_("identifier (slug)"))
    name_fi = models.CharField(max_length=120, verbose_name=_("name in Finnish"))
    name_sv = models.CharField(max_length=120, blank=True, verbose_name=_("name in Swedish"))
    name_en = models.CharField(max_length=120, blank=True, verbose_name=_("name in English"))
    description_fi = models.TextField(blank=True, verbose_name=_("description in Finnish"))
    description_sv = models.TextField(blank=True, verbose_name=_("description in Swedish"))
    description_en = models.TextField(blank=True, verbose_name=_("description in English"))
    examples_fi = models.TextField(blank=True, help_text=_("What counts and what does not, shown under the description"),
                                   verbose_name=_("examples in Finnish"))
    examples_sv = models.TextField(blank=True, verbose_name=_("examples in Swedish"))
    examples_en = models.TextField(blank=True, verbose_name=_("examples in English"))
    icon = models.CharField(max_length=60, blank=True, help_text=_("Icon file name under static/icons/"),
                            verbose_name=_("icon"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC,
                                  verbose_name=_("visibility"))

    objects = PhenomenonQuerySet.as_manager()

    class Meta:
        ordering = ["name_fi"]
        verbose_name_plural = _("phenomena")
        verbose_name = _("phenomenon")

    def __str__(self):
        return self.name_fi

    @property
    def description(self):
        return in_active_language(self, "description")

    @property
    def examples(self):
        return in_active_language(self, "examples")


class Category(TranslatedNameMixin, models.Model):
    phenomenon = models.ForeignKey(Phenomenon, on_delete=models.CASCADE, related_name="categories",
                                   verbose_name=_("phenomenon"))
    slug = models.SlugField(max_length=60, verbose_name=_("identifier (slug)"))
    name_fi = models.CharField(max_length=120, verbose_name=_("name in Finnish"))
    name_sv = models.CharField(max_length=120, blank=True, verbose_name=_("name in Swedish"))
    name_en = models.CharField(max_length=120, blank=True, verbose_name=_("name in English"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        ordering = ["phenomenon", "name_fi"]
        verbose_name_plural = _("categories")
        constraints = [models.UniqueConstraint(fields=["phenomenon", "slug"], name="category_unique_slug")]
        verbose_name = _("category")

    def __str__(self):
        return f"{self.phenomenon} / {self.name_fi}"


class Subject(models.TextChoices):
    PERSON = "person", _("About a person")
    OBJECT = "object", _("About a place or thing")


class Direction(models.TextChoices):
    WEAKENS = "weakens", _("Weakens wellbeing")
    STRENGTHENS = "strengthens", _("Strengthens wellbeing")


class AgeGroup(models.TextChoices):
    CHILDREN = "children", _("Children 0–12")
    YOUTH = "youth", _("Youth 13–17")
    YOUNG_ADULTS = "young_adults", _("Young adults 18–29")
    ADULTS = "adults", _("Adults 30–64")
    OLDER = "older", _("Older people 65+")
    UNKNOWN = "unknown", _("Unknown")


class Observation(models.Model):
    """One record of something noticed in the field.

    Person observations have no location: the point was snapped to a postcode
    area on write and dropped (a database constraint holds it).
    """

    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False,
                                   verbose_name=_("client identifier (UUID)"))
    phenomenon = models.ForeignKey(Phenomenon, on_delete=models.PROTECT, related_name="observations",
                                   verbose_name=_("phenomenon"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="observations",
                                 verbose_name=_("category"))
    subject = models.CharField(max_length=10, choices=Subject.choices, verbose_name=_("about a person or a place"))
    direction = models.CharField(max_length=12, choices=Direction.choices, verbose_name=_("effect on wellbeing"))
    occurrences = models.PositiveSmallIntegerField(default=1, verbose_name=_("occurrences"))
    age_group = models.CharField(max_length=15, choices=AgeGroup.choices, blank=True, verbose_name=_("age group"))
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True, verbose_name=_("description"))
    observed_on = models.DateField(verbose_name=_("observed on"))
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="observations",
                                 verbose_name=_("reporter"))
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="observations",
                                     verbose_name=_("organisation"))
    postcode_area = models.ForeignKey("areas.PostcodeArea", on_delete=models.PROTECT, related_name="observations",
                                      verbose_name=_("postcode area"))
    municipality = models.ForeignKey("areas.Municipality", on_delete=models.PROTECT, related_name="observations",
                                     verbose_name=_("municipality"))
    location = models.PointField(srid=settings.GEO_INDI_STORAGE_SRID, null=True, blank=True,
                                 verbose_name=_("location"))
    consent_recorded = models.BooleanField(default=False, verbose_name=_("consent recorded"))
    follow_up_note = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True, verbose_name=_("follow-up note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    objects = ObservationQuerySet.as_manager()

    class Meta:
        ordering = ["-observed_on", "-id"]
        indexes = [
            models.Index(fields=["municipality", "observed_on"]),
            models.Index(fields=["postcode_area", "observed_on"]),
            models.Index(fields=["phenomenon", "observed_on"]),
            models.Index(fields=["organisation", "observed_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(subject="person") | Q(location__isnull=True),
                name="person_observation_has_no_point",
            ),
            models.CheckConstraint(
                condition=~Q(subject="object") | Q(location__isnull=False),
                name="object_observation_has_point",
            ),
            models.CheckConstraint(
                condition=Q(occurrences__gte=1, occurrences__lte=OCCURRENCES_MAX),
                name="occurrences_1_to_999",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_note="") | Q(consent_recorded=True, subject="person"),
                name="follow_up_note_needs_consent",
            ),
        ]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")

    def save(self, *args, **kwargs):
        if getattr(self, "shared_view", False):
            raise ValueError("A record as shown to another organisation (sharing.services.Reading) is not saved.")
        super().save(*args, **kwargs)

    def __str__(self):
        return f"{self.phenomenon} · {self.postcode_area_id} · {self.observed_on}"


class ObservationMonthlyCount(models.Model):
    """Observations (and their occurrences) per area, phenomenon, category, direction, subject and month.

    Internal: never published as such. Maintained by PostgreSQL triggers on
    the observation table (migration 0003), so every write path keeps it in
    the same transaction; `manage.py check_counts` proves it equal to the raw
    counts. Read through geo_indi.observations.summary, never directly.
    """

    month = models.DateField(help_text=_("First day of the month"), verbose_name=_("month"))
    municipality = models.ForeignKey("areas.Municipality", on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                     verbose_name=_("municipality"))
    postcode_area = models.ForeignKey("areas.PostcodeArea", on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                      verbose_name=_("postcode area"))
    phenomenon = models.ForeignKey(Phenomenon, on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                   verbose_name=_("phenomenon"))
    category = models.ForeignKey(Category, on_delete=models.DO_NOTHING, null=True, related_name="+", db_index=False,
                                 verbose_name=_("category"))
    direction = models.CharField(max_length=12, choices=Direction.choices, verbose_name=_("effect on wellbeing"))
    subject = models.CharField(max_length=10, choices=Subject.choices, verbose_name=_("about a person or a place"))
    observations = models.IntegerField(verbose_name=_("records"))
    occurrences = models.BigIntegerField(verbose_name=_("occurrences"))

    objects = ObservationMonthlyCountQuerySet.as_manager()

    class Meta:
        db_table = "observations_monthlycount"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "municipality", "postcode_area", "phenomenon", "category", "direction", "subject"],
                name="monthlycount_unique_cell", nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["municipality", "month"], name="monthlycount_muni_month")]
        verbose_name = _("monthly count of observations")
        verbose_name_plural = _("monthly counts of observations")

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.postcode_area_id} · {self.phenomenon_id}: {self.observations}"
