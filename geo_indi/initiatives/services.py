"""initiative_create / initiative_update, reviews_request_due (daily), and the timeline a municipality page shows."""
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from dateutil.relativedelta import relativedelta
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_indi.accounts import roles
from geo_indi.questions import access
from geo_indi.questions.models import Kind
from geo_indi.questions.services import question_ask

from .models import Initiative, Measure, Review


def _validate(*, phenomena, municipalities, responsible_organisations, postcode_areas, starts_on, review_dates,
              review_interval_months) -> None:
    """Every rule an initiative keeps, for the API, the web form and editing alike: {field: [messages]}."""
    errors = {}
    if not phenomena:
        errors["phenomena"] = [_("Link at least one phenomenon.")]
    if not municipalities:
        errors["municipalities"] = [_("Link at least one municipality.")]
    if not responsible_organisations:
        errors["responsible_organisations"] = [_("Name at least one responsible organisation.")]
    municipality_ids = {m.pk for m in municipalities}
    idle = [o.name for o in responsible_organisations
            if not o.municipalities.filter(pk__in=municipality_ids).exists()]
    if municipalities and idle:
        errors["responsible_organisations"] = [
            _("These organisations do not work in the municipalities: %(names)s") % {"names": ", ".join(idle)}]
    outside = [a.postcode for a in postcode_areas if a.municipality_id not in municipality_ids]
    if municipalities and outside:
        errors["postcode_areas"] = [
            _("These postcode areas are not in the municipalities: %(names)s") % {"names": ", ".join(outside)}]
    if any(d <= starts_on for d in review_dates):
        errors["review_dates"] = [_("Review dates come after the start.")]
    if not review_dates and not review_interval_months:
        errors["review_interval_months"] = [_("Choose how often feedback is asked, or give review dates.")]
    if errors:
        raise ValidationError(errors)


def may_manage_in(user, municipalities) -> bool:
    """Coordinators of an organisation working in every one of the municipalities, and administrators."""
    if roles.is_administrator(user):
        return True
    return access.may_create_initiative(user) and {m.pk for m in municipalities} <= roles.municipality_ids_of(user)


def may_edit(user, initiative: Initiative) -> bool:
    return may_manage_in(user, list(initiative.municipalities.all()))


def _check_permission(user, municipalities) -> None:
    if not access.may_create_initiative(user):
        raise PermissionDenied(_("Only coordinators and administrators create initiatives."))
    if not may_manage_in(user, municipalities):
        raise PermissionDenied(_("Only coordinators of an organisation working in the municipality manage its "
                                 "initiatives."))


def _set_links(initiative: Initiative, *, phenomena, municipalities, postcode_areas, responsible_organisations,
               indicators) -> None:
    initiative.phenomena.set(phenomena)
    initiative.municipalities.set(municipalities)
    initiative.postcode_areas.set(postcode_areas)
    initiative.responsible_organisations.set(responsible_organisations)
    initiative.indicators.set(indicators)


@transaction.atomic
def initiative_create(*, created_by, title, goal, phenomena, municipalities, responsible_organisations, starts_on,
                      measures=(), review_dates=(), review_interval_months=None, postcode_areas=(),
                      indicators=()) -> Initiative:
    """Raises PermissionDenied, or ValidationError ({field: [messages]}) and writes nothing."""
    _check_permission(created_by, municipalities)
    measures = [m.strip() for m in measures if m.strip()]
    _validate(phenomena=phenomena, municipalities=municipalities, responsible_organisations=responsible_organisations,
              postcode_areas=postcode_areas, starts_on=starts_on, review_dates=review_dates,
              review_interval_months=review_interval_months)
    if roles.organisation_of(created_by) is None:  # an initiative is always some organisation's
        raise PermissionDenied(_("You belong to no organisation."))
    initiative = Initiative.objects.create(title=title, goal=goal, starts_on=starts_on, created_by=created_by,
                                           organisation=roles.organisation_of(created_by),
                                           review_interval_months=review_interval_months)
    _set_links(initiative, phenomena=phenomena, municipalities=municipalities, postcode_areas=postcode_areas,
               responsible_organisations=responsible_organisations, indicators=indicators)
    Measure.objects.bulk_create(Measure(initiative=initiative, text=t, position=i) for i, t in enumerate(measures))
    Review.objects.bulk_create(Review(initiative=initiative, review_on=d) for d in sorted(set(review_dates)))
    return initiative


@transaction.atomic
def initiative_update(*, initiative: Initiative, updated_by, title, goal, phenomena, municipalities,
                      responsible_organisations, starts_on, review_interval_months=None, postcode_areas=(),
                      indicators=()) -> Initiative:
    """Change what the web form edits; measures and reviews already set stay. Same rules as initiative_create."""
    _check_permission(updated_by, list(initiative.municipalities.all()))
    _check_permission(updated_by, municipalities)
    pending = list(initiative.reviews.filter(requested_at__isnull=True).values_list("review_on", flat=True))
    _validate(phenomena=phenomena, municipalities=municipalities, responsible_organisations=responsible_organisations,
              postcode_areas=postcode_areas, starts_on=starts_on, review_dates=pending,
              review_interval_months=review_interval_months)
    initiative.title, initiative.goal, initiative.starts_on = title, goal, starts_on
    initiative.review_interval_months = review_interval_months
    initiative.save(update_fields=["title", "goal", "starts_on", "review_interval_months"])
    _set_links(initiative, phenomena=phenomena, municipalities=municipalities, postcode_areas=postcode_areas,
               responsible_organisations=responsible_organisations, indicators=indicators)
    return initiative


def interval_review_due(initiative: Initiative, today: dt.date, last_review: dt.date | None) -> dt.date | None:
    """The latest date of the initiative's interval schedule (start + n intervals, n >= 1) that has come and
    falls after its last review; None when there is none. Missed dates are not asked one by one: the newest is."""
    months = initiative.review_interval_months
    if not months:
        return None
    due, n = None, 1
    while (candidate := initiative.starts_on + relativedelta(months=months * n)) <= today:
        if last_review is None or candidate > last_review:
            due = candidate
        n += 1
    return due


def next_review_on(initiative: Initiative, today: dt.date) -> dt.date | None:
    """The next date feedback will be asked: a review set by hand, or the interval's next date."""
    dates = [r.review_on for r in initiative.reviews.all() if r.review_on > today and r.requested_at is None]
    if initiative.review_interval_months:
        n = 1
        while (candidate := initiative.starts_on + relativedelta(months=initiative.review_interval_months * n)) \
                <= today:
            n += 1
        dates.append(candidate)
    return min(dates, default=None)


def _schedule_interval_reviews(today: dt.date) -> None:
    """Add the review an initiative's interval brings due today (one per initiative, never twice)."""
    for initiative in (Initiative.objects.filter(review_interval_months__isnull=False, starts_on__lt=today)
                       .annotate(last_review=Max("reviews__review_on"))):
        due = interval_review_due(initiative, today, initiative.last_review)
        if due is not None:
            Review.objects.get_or_create(initiative=initiative, review_on=due)


def _request_feedback(review, today):
    initiative = review.initiative
    measures = [m.text for m in initiative.measures.all()]
    if measures:
        kind = Kind.REVIEW
        text = _("Review of the initiative “%(title)s”: how far is each measure, and which way is the phenomenon "
                 "going?") % {"title": initiative.title}
    else:  # two taps in the field app: better / same / worse, and an optional short text
        kind = Kind.FEEDBACK
        text = _("Feedback on the initiative “%(title)s”: since it started or since the last review, has the "
                 "situation got better, stayed the same or got worse?") % {"title": initiative.title}
    for municipality in initiative.municipalities.all():
        responsible = [o for o in initiative.responsible_organisations.all()
                       if o.municipalities.filter(pk=municipality.pk).exists()]
        if not responsible:
            continue
        areas = [a for a in initiative.postcode_areas.all() if a.municipality_id == municipality.pk]
        for phenomenon in initiative.phenomena.all():
            review.questions.add(question_ask(
                asked_by=initiative.created_by, phenomenon=phenomenon, municipality=municipality, text=text,
                kind=kind, options=measures, postcode_areas=areas, target_organisations=responsible,
                closes_on=today + dt.timedelta(days=settings.INITIATIVE_REVIEW_ANSWER_DAYS),
                check_permission=False))


def reviews_request_due(*, today=None):
    """Ask the responsible organisations for feedback on every review whose date has come. Returns the reviews."""
    today = today or timezone.localdate()
    _schedule_interval_reviews(today)
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
    kind: str  # "start", "review", or "planned" (the interval's next date, no review yet)
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
        planned = next_review_on(initiative, timezone.localdate())
        if planned is not None and all(ev.date != planned for ev in events):
            events.append(TimelineEvent(planned, "planned"))
        events.sort(key=lambda ev: ev.date)
        entries.append(TimelineEntry(initiative, [p.pk for p in initiative.phenomena.all()], events, inside))
    return entries
