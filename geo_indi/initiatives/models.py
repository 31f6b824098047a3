"""An initiative (*aloite*): a cross-sector plan on phenomena in areas, with measures and review dates."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 200
GOAL_MAX_LENGTH = 5000
MEASURE_MAX_LENGTH = 300


class ReviewInterval(models.IntegerChoices):
    """How often the organisations involved are asked for feedback, in months from the start."""

    MONTHLY = 1, _("Every month")
    QUARTERLY = 3, _("Every three months")
    HALF_YEARLY = 6, _("Every six months")
    YEARLY = 12, _("Every year")


class Initiative(models.Model):
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    goal = models.TextField(_("goal"))
    phenomena = models.ManyToManyField("observations.Phenomenon", related_name="initiatives",
                                       verbose_name=_("phenomena"))
    municipalities = models.ManyToManyField("areas.Municipality", related_name="initiatives",
                                            verbose_name=_("municipalities"))
    postcode_areas = models.ManyToManyField("areas.PostcodeArea", blank=True, related_name="initiatives",
                                            verbose_name=_("postcode areas"))
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="initiatives_created", verbose_name=_("organisation"))
    responsible_organisations = models.ManyToManyField("accounts.Organisation", related_name="initiatives",
                                                       verbose_name=_("responsible organisations"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="initiatives_created", verbose_name=_("created by"))
    starts_on = models.DateField(_("starts on"))
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval"), choices=ReviewInterval.choices, null=True, blank=True,
        help_text=_("Empty: only the review dates set by hand"))
    indicators = models.ManyToManyField("indicators.Indicator", blank=True, related_name="initiatives",
                                        verbose_name=_("indicators followed"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")

    def __str__(self):
        return self.title


class Measure(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="measures",
                                   verbose_name=_("initiative"))
    text = models.CharField(_("measure"), max_length=MEASURE_MAX_LENGTH)
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        ordering = ["initiative", "position", "id"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self):
        return self.text


class Review(models.Model):
    """A review date; when it comes, the responsible organisations are asked for feedback (`questions`)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="reviews",
                                   verbose_name=_("initiative"))
    review_on = models.DateField(_("review on"))
    questions = models.ManyToManyField("questions.Question", blank=True, related_name="initiative_reviews",
                                       verbose_name=_("questions"))
    requested_at = models.DateTimeField(null=True, blank=True, verbose_name=_("requested"))

    class Meta:
        ordering = ["initiative", "review_on"]
        constraints = [models.UniqueConstraint(fields=["initiative", "review_on"], name="one_review_per_date")]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self):
        return f"{self.initiative} · {self.review_on}"
