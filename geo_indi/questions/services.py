"""The write paths of questions and answers: question_ask, answer_record, questions_remind."""
import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from geo_indi.accounts import roles

from . import access
from .models import CHOICES_MAX, Answer, Kind, Progress, Question, Trend, Verdict


def _validate_question(*, kind, options, closes_on, municipality, postcode_areas, target_organisations, target_roles):
    errors = {}
    if kind in (Kind.CHOICE, Kind.REVIEW) and not (1 <= len(options) <= CHOICES_MAX):
        errors["options"] = [_("Give 1 to %(n)s options.") % {"n": CHOICES_MAX}]
    if kind not in (Kind.CHOICE, Kind.REVIEW) and options:
        errors["options"] = [_("Only a choice question has options.")]
    if closes_on < timezone.localdate():
        errors["closes_on"] = [_("The closing date is in the past.")]
    if any(a.municipality_id != municipality.pk for a in postcode_areas):
        errors["postcode_areas"] = [_("Every postcode area must be in the municipality.")]
    if not target_organisations and not target_roles:
        errors["target_organisations"] = [_("Choose organisations or roles to ask.")]
    outside = [o.name for o in target_organisations if not o.municipalities.filter(pk=municipality.pk).exists()]
    if outside:
        errors["target_organisations"] = [
            _("These organisations do not work in the municipality: %(names)s") % {"names": ", ".join(outside)}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def question_ask(*, asked_by, phenomenon, municipality, text, kind, closes_on, options=(), postcode_areas=(),
                 target_organisations=(), target_roles=(), check_permission=True):
    """Record a question; raises PermissionDenied or ValidationError ({field: [messages]})."""
    if check_permission and not access.may_ask(asked_by):
        raise PermissionDenied(_("Only coordinators and administrators ask questions."))
    organisation = roles.organisation_of(asked_by)
    if organisation is None:
        raise PermissionDenied(_("You belong to no organisation."))
    options = [str(o).strip() for o in options if str(o).strip()]
    _validate_question(kind=kind, options=options, closes_on=closes_on, municipality=municipality,
                       postcode_areas=list(postcode_areas), target_organisations=list(target_organisations),
                       target_roles=list(target_roles))
    question = Question.objects.create(
        phenomenon=phenomenon, municipality=municipality, text=text, kind=kind, options=options,
        organisation=organisation, asked_by=asked_by, closes_on=closes_on, target_roles=sorted(set(target_roles)))
    question.postcode_areas.set(postcode_areas)
    question.target_organisations.set(target_organisations)
    return question


def _answer_fields(question, *, text, choice, trend, verdict, progress):
    errors = {}
    if question.kind == Kind.TEXT and not text.strip():
        errors["text"] = [_("Write an answer.")]
    if question.kind == Kind.CHOICE and choice not in question.options:
        errors["choice"] = [_("Choose one of the options.")]
    if question.kind in (Kind.TREND, Kind.REVIEW) and trend not in Trend.values:
        errors["trend"] = [_("Choose: seen more, about the same or seen less.")]
    if question.kind == Kind.REVIEW and (
            len(progress) != len(question.options) or any(p not in Progress.values for p in progress)):
        errors["progress"] = [_("Give the progress of every measure.")]
    if question.kind == Kind.FEEDBACK and verdict not in Verdict.values:
        errors["verdict"] = [_("Choose: better, about the same or worse.")]
    if errors:
        raise ValidationError(errors)
    return {
        "text": text.strip(),
        "choice": choice if question.kind == Kind.CHOICE else "",
        "trend": trend if question.kind in (Kind.TREND, Kind.REVIEW) else "",
        "verdict": verdict if question.kind == Kind.FEEDBACK else "",
        "progress": list(progress) if question.kind == Kind.REVIEW else [],
    }


@transaction.atomic
def answer_record(*, question, respondent, client_uuid, text="", choice="", trend="", verdict="", progress=()):
    """(answer, created). A retried submission (same client_uuid) or a second answer replaces the first."""
    if not access.may_answer(respondent, question):
        raise PermissionDenied(_("This question was not asked of you."))
    if not question.is_open():
        raise ValidationError({"question": [_("The question closed on %(date)s.") % {"date": question.closes_on}]})
    fields = _answer_fields(question, text=text, choice=choice, trend=trend, verdict=verdict, progress=progress)
    existing = Answer.objects.select_for_update().filter(client_uuid=client_uuid).first()
    if existing is not None and (existing.question_id != question.pk or existing.respondent_id != respondent.pk):
        raise PermissionDenied(_("This answer id belongs to another answer."))
    answer, created = Answer.objects.update_or_create(
        question=question, respondent=respondent,
        defaults={**fields, "client_uuid": client_uuid, "organisation": roles.organisation_of(respondent),
                  "text_reviewed": False, "answered_at": timezone.now()})
    return answer, created


def unanswered_recipients(question):
    return question.recipients().exclude(question_answers__question=question).exclude(email="")


def questions_remind(*, today=None, days_before=None):
    """Email everyone who has not answered an open question that closes within `days_before` days.
    Each question is reminded once a day at most. Returns the number of emails sent."""
    today = today or timezone.localdate()
    days_before = settings.QUESTION_REMINDER_DAYS if days_before is None else days_before
    due = Question.objects.open(today).filter(closes_on__lte=today + dt.timedelta(days=days_before)).exclude(
        reminded_on=today)
    messages = []
    link = settings.SITE_URL.rstrip("/") + reverse("field:index")
    with translation.override(settings.LANGUAGE_CODE):
        for question in due:
            subject = _("Question waiting for your answer: %(text)s") % {"text": question.text[:60]}
            body = _("%(org)s asks: %(text)s\nAnswer by %(date)s in the field app: %(link)s") % {
                "org": question.organisation.name, "text": question.text, "date": question.closes_on, "link": link}
            messages.extend((subject, body, settings.DEFAULT_FROM_EMAIL, [u.email])
                            for u in unanswered_recipients(question))
            question.reminded_on = today
            question.save(update_fields=["reminded_on"])
    return send_mass_mail(messages, fail_silently=False) if messages else 0
