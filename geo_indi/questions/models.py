"""Questions a coordinator asks local actors about a phenomenon in an area, and their answers."""
import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geo_indi.accounts.models import Membership

QUESTION_MAX_LENGTH = 500
ANSWER_MAX_LENGTH = 2000
CHOICES_MAX = 10
OPEN_DAYS_DEFAULT = 14


def default_closing_date():
    return timezone.localdate() + dt.timedelta(days=OPEN_DAYS_DEFAULT)


class Kind(models.TextChoices):
    TEXT = "text", _("Free text")
    CHOICE = "choice", _("A choice")
    TREND = "trend", _("Seen more / same / less")
    REVIEW = "review", _("Initiative review")
    FEEDBACK = "feedback", _("Initiative feedback: better / same / worse")


# What a coordinator asks by hand; the others are asked by an initiative's reviews.
ASKABLE_KINDS = [(value, label) for value, label in Kind.choices if value not in (Kind.REVIEW, Kind.FEEDBACK)]


class Trend(models.TextChoices):
    MORE = "more", _("Seen more")
    SAME = "same", _("About the same")
    LESS = "less", _("Seen less")


class Verdict(models.TextChoices):
    """Feedback on an initiative: which way things went in its area since the last review."""

    BETTER = "better", _("Better")
    SAME = "same", _("About the same")
    WORSE = "worse", _("Worse")


class Progress(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ONGOING = "ongoing", _("Ongoing")
    DONE = "done", _("Done")


class QuestionQuerySet(models.QuerySet):
    def open(self, today=None):
        return self.filter(closes_on__gte=today or timezone.localdate())

    def asked_to(self, user):
        """Questions whose recipients include the user: their organisation, or their role in an organisation
        working in the question's municipality."""
        membership = getattr(user, "membership", None) if getattr(user, "is_authenticated", False) else None
        if membership is None:
            return self.none()
        by_role = Q(target_roles__contains=[membership.role],
                    municipality__in=membership.organisation.municipalities.all())
        return self.filter(Q(target_organisations=membership.organisation) | by_role).distinct()

    def of_organisation(self, organisation):
        return self.filter(organisation=organisation)


class Question(models.Model):
    phenomenon = models.ForeignKey("observations.Phenomenon", on_delete=models.PROTECT, related_name="questions",
                                   verbose_name=_("phenomenon"))
    municipality = models.ForeignKey("areas.Municipality", on_delete=models.PROTECT, related_name="questions",
                                     verbose_name=_("municipality"))
    postcode_areas = models.ManyToManyField("areas.PostcodeArea", blank=True, related_name="questions",
                                            help_text=_("Empty: the whole municipality"),
                                            verbose_name=_("postcode areas"))
    text = models.TextField(_("question"), max_length=QUESTION_MAX_LENGTH)
    kind = models.CharField(_("answered with"), max_length=10, choices=Kind.choices, default=Kind.TREND)
    options = models.JSONField(_("options"), default=list, blank=True,
                               help_text=_("The options of a choice question; the measures of a review"))
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="questions_asked", verbose_name=_("organisation"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 related_name="questions_asked", verbose_name=_("asked by"))
    target_organisations = models.ManyToManyField("accounts.Organisation", blank=True,
                                                  related_name="questions_received",
                                                  verbose_name=_("organisations asked"))
    target_roles = models.JSONField(default=list, blank=True,
                                    help_text=_("Roles asked in every organisation working in the municipality"),
                                    verbose_name=_("roles asked"))
    closes_on = models.DateField(_("closes on"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    reminded_on = models.DateField(null=True, blank=True, verbose_name=_("reminded on"))

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text[:60]

    def is_open(self, today=None):
        return self.closes_on >= (today or timezone.localdate())

    def recipients(self):
        """Users asked: members of the target organisations, and holders of the target roles working here."""
        User = Membership._meta.get_field("user").related_model
        q = Q(membership__organisation__in=self.target_organisations.all())
        if self.target_roles:
            q |= Q(membership__role__in=self.target_roles,
                   membership__organisation__municipalities=self.municipality)
        return User.objects.filter(q, is_active=True).distinct()


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers",
                                 verbose_name=_("question"))
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4, verbose_name=_("client identifier (UUID)"))
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="question_answers", verbose_name=_("respondent"))
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="answers",
                                     verbose_name=_("organisation"))
    text = models.TextField(_("answer"), max_length=ANSWER_MAX_LENGTH, blank=True)
    choice = models.CharField(max_length=200, blank=True, verbose_name=_("choice"))
    trend = models.CharField(max_length=10, choices=Trend.choices, blank=True, verbose_name=_("trend"))
    verdict = models.CharField(max_length=10, choices=Verdict.choices, blank=True,
                               verbose_name=_("better, same or worse"))
    progress = models.JSONField(default=list, blank=True, help_text=_("A review: one progress value per measure"),
                                verbose_name=_("progress"))
    text_reviewed = models.BooleanField(
        _("text checked"), default=False,
        help_text=_("Someone checked that the text identifies no one; only then can it go into research extracts"))
    answered_at = models.DateTimeField(default=timezone.now, verbose_name=_("answered"))

    class Meta:
        ordering = ["-answered_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["question", "respondent"], name="one_answer_per_respondent")]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"{self.question_id} · {self.organisation}"
