from django.conf import settings
from django.contrib.gis.db import models
from django.db import transaction

from .derived import rebuild_derived

SRID = settings.GEO_INDI_STORAGE_SRID


class Municipality(models.Model):
    code = models.CharField(max_length=3, unique=True, help_text="Official 3-digit code")
    name_fi = models.CharField(max_length=100)
    name_sv = models.CharField(max_length=100, blank=True)
    geom = models.MultiPolygonField(srid=SRID)
    population = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name_fi"]
        verbose_name_plural = "municipalities"

    def __str__(self):
        return f"{self.name_fi} ({self.code})"


class PostcodeArea(models.Model):
    postcode = models.CharField(max_length=5, unique=True)
    name_fi = models.CharField(max_length=100, blank=True)
    name_sv = models.CharField(max_length=100, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="postcode_areas"
    )
    geom = models.MultiPolygonField(srid=SRID)
    population = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["postcode"]

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

    area = models.ForeignKey(PostcodeArea, on_delete=models.CASCADE, related_name="parts")
    postcode = models.CharField(max_length=5)
    geom = models.PolygonField(srid=SRID)
