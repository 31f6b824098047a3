"""initiative_create, reviews_request_due (daily), and the timeline a municipality page shows."""
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_indi.accounts import roles
from geo_indi.questions import access
from geo_indi.questions.models import Kind
from geo_indi.questions.services import question_ask

from .models import Initiative, Measure, Review


@transaction.atomic
def initiative_create(*, created_by, title, goal, phenomena, municipalities, responsible_organisations, measures,
                      starts_on, review_dates, postcode_areas=()):
    if not access.may_create_initiative(created_by):
        raise PermissionDenied(_("Only coordinators and administrators create initiatives."))
    errors = {}
    if not phenomena:
        errors["phenomena"] = [_("Link at least one phenomenon.")]
    if not municipalities:
        errors["municipalities"] = [_("Link at least one municipality.")]
    if not responsible_organisations:
        errors["responsible_organisations"] = [_("Name at least one responsible organisation.")]
    measures = [m.strip() for m in measures if m.strip()]
    if not measures:
        errors["measures"] = [_("Give at least one measure.")]
    municipality_ids = {m.pk for m in municipalities}
    idle = [o.name for o in responsible_organisations
            if not o.municipalities.filter(pk__in=municipality_ids).exists()]
    if municipalities and idle:
        errors["responsible_organisations"] = [
            _("These organisations do not work in the municipalities: %(names)s") % {"names": ", ".join(idle)}]
    if any(d <= starts_on for d in review_dates):
        errors["review_dates"] = [_("Review dates come after the start.")]
    if errors:
        raise ValidationError(errors)
    initiative = Initiative.objects.create(title=title, goal=goal, starts_on=starts_on, created_by=created_by,
                                           organisation=roles.organisation_of(created_by))
    initiative.phenomena.set(phenomena)
    initiative.municipalities.set(municipalities)
    initiative.postcode_areas.set(postcode_areas)
    initiative.responsible_organisations.set(responsible_organisations)
    Measure.objects.bulk_create(Measure(initiative=initiative, text=t, position=i) for i, t in enumerate(measures))
    Review.objects.bulk_create(Review(initiative=initiative, review_on=d) for d in sorted(set(review_dates)))
    return initiative


def _request_feedback(review, today):
    initiative = review.initiative
    measures = [m.text for m in initiative.measures.all()]
    text = _("Review of the initiative “%(title)s”: how far is each measure, and which way is the phenomenon "
             "going?") % {"title": initiative.title}
    for municipality in initiative.municipalities.all():
        responsible = [o for o in initiative.responsible_organisations.all()
                       if o.municipalities.filter(pk=municipality.pk).exists()]
        if not responsible:
            continue
        areas = [a for a in initiative.postcode_areas.all() if a.municipality_id == municipality.pk]
        for phenomenon in initiative.phenomena.all():
            review.questions.add(question_ask(
                asked_by=initiative.created_by, phenomenon=phenomenon, municipality=municipality, text=text,
                kind=Kind.REVIEW, options=measures, postcode_areas=areas, target_organisations=responsible,
                closes_on=today + dt.timedelta(days=settings.INITIATIVE_REVIEW_ANSWER_DAYS),
                check_permission=False))


def reviews_request_due(*, today=None):
    """Ask the responsible organisations for feedback on every review whose date has come. Returns the reviews."""
    today = today or timezone.localdate()
    done = []
    for review in (Review.objects.filter(review_on__lte=today, requested_at__isnull=True)
                   .select_related("initiative__created_by")):
        with transaction.atomic():
            locked = Review.objects.select_for_update().get(pk=review.pk)
            if locked.requested_at is not None:
                continue
            _request_feedback(review, today)
            locked.requested_at = timezone.now()
            locked.save(update_fields=["requested_at"])
            done.append(review)
    return done


@dataclass
class TimelineEvent:
    date: object
    kind: str  # "start" or "review"
    answers: list = field(default_factory=list)  # feedback, only for the initiative's own organisations


@dataclass
class TimelineEntry:
    initiative: Initiative
    phenomenon_ids: list
    events: list
    sees_feedback: bool


def initiatives_visible_to(user):
    """Administrators: all; others: the initiatives in the municipalities their organisation works in, and their own."""
    if roles.is_administrator(user):
        return Initiative.objects.all()
    org = roles.organisation_of(user)
    if org is None:
        return Initiative.objects.none()
    return Initiative.objects.filter(
        Q(municipalities__in=org.municipalities.all()) | Q(organisation=org) | Q(responsible_organisations=org)
    ).distinct()


def sees_feedback(user, initiative):
    """Feedback stays inside the organisations of the initiative (creator, responsible) and administrators."""
    if roles.is_administrator(user):
        return True
    org = roles.organisation_of(user)
    if org is None:
        return False
    return org.pk == initiative.organisation_id or initiative.responsible_organisations.filter(pk=org.pk).exists()


def municipality_timeline(municipality, user):
    """The initiatives in a municipality: start and review dates; the feedback answers for insiders."""
    entries = []
    initiatives = (Initiative.objects.filter(municipalities=municipality)
                   .prefetch_related("phenomena", "reviews__questions__answers__organisation"))
    for initiative in initiatives:
        inside = sees_feedback(user, initiative)
        events = [TimelineEvent(initiative.starts_on, "start")]
        for review in initiative.reviews.all():
            answers = []
            if inside:
                answers = [a for q in review.questions.all() if q.municipality_id == municipality.pk
                           for a in q.answers.all()]
            events.append(TimelineEvent(review.review_on, "review", answers))
        entries.append(TimelineEntry(initiative, [p.pk for p in initiative.phenomena.all()], events, inside))
    return entries
