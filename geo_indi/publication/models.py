from django.db import models
from django.utils.translation import gettext_lazy as _


class PublishedRelease(models.Model):
    """The published tables of one year: the counts and the hidden pattern computed for exactly those counts.

    A pattern is never served over other counts than its own, so the counts are frozen with it
    (releases.py explains the refresh). Keyed by year, k, complementary suppression and the
    structure (areas, phenomenon groups, organisations' scopes); only the latest per key is kept.
    The payload also holds the occurrence sums of the same cells (tables.RELEASE_FORMAT).
    """

    year = models.IntegerField(verbose_name=_("year"))
    k = models.PositiveSmallIntegerField(verbose_name=_("small-count limit k"))
    complementary = models.BooleanField(verbose_name=_("complementary suppression"))
    structure_digest = models.CharField(max_length=64, verbose_name=_("structure digest"))
    data_digest = models.CharField(max_length=64, verbose_name=_("data digest"))
    computed_at = models.DateTimeField(help_text=_("when the counts were read"), verbose_name=_("computed"))
    frozen = models.BooleanField(default=False, verbose_name=_("frozen"),
                                 help_text=_("the release of a closed year: never computed again"))
    reason = models.TextField(blank=True, verbose_name=_("reason for republishing"),
                              help_text=_("given by the administrator who republished a frozen year"))
    payload = models.BinaryField(help_text=_("np.savez_compressed: persons, objects, hidden per phenomenon group"),
                                 verbose_name=_("content"))

    class Meta:
        indexes = [models.Index(fields=["year", "k", "complementary", "structure_digest", "-computed_at"],
                                name="publication_release_key")]
        verbose_name = _("published release")
        verbose_name_plural = _("published releases")

    def __str__(self):
        return f"{self.year} k={self.k} {self.computed_at:%Y-%m-%d %H:%M:%S}"
