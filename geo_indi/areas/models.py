from django.conf import settings
from django.contrib.gis.db import models
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .derived import rebuild_derived

SRID = settings.GEO_INDI_STORAGE_SRID


class Municipality(models.Model):
    code = models.CharField(max_length=3, unique=True, help_text=_("Official 3-digit code"), verbose_name=_("code"))
    name_fi = models.CharField(max_length=100, verbose_name=_("name in Finnish"))
    name_sv = models.CharField(max_length=100, blank=True, verbose_name=_("name in Swedish"))
    geom = models.MultiPolygonField(srid=SRID, verbose_name=_("geometry"))
    population = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("population"))
    source = models.CharField(max_length=40, blank=True, verbose_name=_("source"))

    class Meta:
        ordering = ["name_fi"]
        verbose_name_plural = _("municipalities")
        verbose_name = _("municipality")

    def __str__(self):
        return f"{self.name_fi} ({self.code})"


class PostcodeArea(models.Model):
    postcode = models.CharField(max_length=5, unique=True, verbose_name=_("postcode"))
    name_fi = models.CharField(max_length=100, blank=True, verbose_name=_("name in Finnish"))
    name_sv = models.CharField(max_length=100, blank=True, verbose_name=_("name in Swedish"))
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="postcode_areas", verbose_name=_("municipality")
    )
    geom = models.MultiPolygonField(srid=SRID, verbose_name=_("geometry"))
    population = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("population"))
    source = models.CharField(max_length=40, blank=True, verbose_name=_("source"))

    class Meta:
        ordering = ["postcode"]
        verbose_name = _("postcode area")
        verbose_name_plural = _("postcode areas")

    def __str__(self):
        return f"{self.postcode} {self.name_fi}".strip()

    def save(self, *args, **kwargs):
        """Save and rebuild what derives from the area (parts, municipality outline), in one transaction."""
        with transaction.atomic():
            before = PostcodeArea.objects.filter(pk=self.pk).values_list("municipality_id", flat=True).first()
            super().save(*args, **kwargs)
            rebuild_derived(area_ids=[self.pk], municipality_ids={self.municipality_id, before} - {None})

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            municipality_id = self.municipality_id
            result = super().delete(*args, **kwargs)
            rebuild_derived(area_ids=[], municipality_ids=[municipality_id])
        return result


class PostcodeAreaPart(models.Model):
    """Small pieces of each postcode area (ST_Subdivide) for fast point lookups.

    Rebuilt whenever its area is saved (`derived.rebuild_derived`); never edited by hand.
    """

    area = models.ForeignKey(PostcodeArea, on_delete=models.CASCADE, related_name="parts",
                             verbose_name=_("postcode area"))
    postcode = models.CharField(max_length=5, verbose_name=_("postcode"))
    geom = models.PolygonField(srid=SRID, verbose_name=_("geometry"))

    class Meta:
        verbose_name = _("postcode area part")
        verbose_name_plural = _("postcode area parts")
