from django.db import models


class PublishedRelease(models.Model):
    """The published tables of one year: the counts and the hidden pattern computed for exactly those counts.

    A pattern is never served over other counts than its own, so the counts are frozen with it
    (releases.py explains the refresh). Keyed by year, k, complementary suppression and the
    structure (areas, phenomenon groups, organisations' scopes); only the latest per key is kept.
    The payload also holds the occurrence sums of the same cells (tables.RELEASE_FORMAT).
    """

    year = models.IntegerField()
    k = models.PositiveSmallIntegerField()
    complementary = models.BooleanField()
    structure_digest = models.CharField(max_length=64)
    data_digest = models.CharField(max_length=64)
    computed_at = models.DateTimeField(help_text="when the counts were read")
    payload = models.BinaryField(help_text="np.savez_compressed: persons, objects, hidden per phenomenon group")

    class Meta:
        indexes = [models.Index(fields=["year", "k", "complementary", "structure_digest", "-computed_at"],
                                name="publication_release_key")]

    def __str__(self):
        return f"{self.year} k={self.k} {self.computed_at:%Y-%m-%d %H:%M:%S}"
