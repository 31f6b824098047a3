"""Alert rule evaluation: the one place that decides whether a rule fires.

Counting: a rule counts in its `unit` (observations.filters.Unit): the sum of
the records' `occurrences` (the cases; the default for new rules, as on the
maps) or the records. Rules that existed before the unit was added count
records, as they did (migration 0005). The alert's text names the unit.
The window is D calendar days ending with today (local date of `now`)
inclusive: [today - D + 1, today]. The previous period is the D days before it.

A rule fires once per window: while its last alert is open (not cleared), a
re-evaluation that still meets the condition does nothing. When the
condition no longer holds, the open alert is cleared; if it recurs, the rule
fires again.

A condition about events (a new hot spot, registered in conditions.py) fires
each time something new happens, even while its last alert is open; that alert
is then cleared.
"""
import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from geo_indi.areas.models import Municipality
from geo_indi.observations.filters import Unit, filter_q
from geo_indi.observations.models import Observation

from geo_indi.indicators.models import IndicatorValue

from .conditions import Outcome, evaluator_for
from .models import AlertRule, FiredAlert

logger = logging.getLogger(__name__)


@dataclass
class Evaluation:
    rule: AlertRule
    outcome: Outcome
    fired: FiredAlert | None = None
    cleared: FiredAlert | None = None


def _observations(rule: AlertRule, start: dt.date, end: dt.date):
    """The rule's observations in [start, end]: its filters by the one translation (observations.filters),
    its area by id."""
    filters = {"phenomenon": rule.phenomenon_id, "category": rule.category_id, "direction": rule.direction,
               "date_from": start, "date_to": end}
    area = ({"postcode_area_id": rule.postcode_area_id} if rule.postcode_area_id
            else {"municipality_id": rule.municipality_id})
    return Observation.objects.filter(filter_q(filters), **area)


def counted(rule, condition=None):
    """What a count rule counts in its unit, as an aggregate over its observations (0 when there are none)."""
    if rule.unit == Unit.RECORDS:
        return Count("id", filter=condition)
    return Coalesce(Sum("occurrences", filter=condition), 0)


def unit_words(rule, n):
    """'N occurrences' or 'N records', in the page language."""
    if rule.unit == Unit.RECORDS:
        return ngettext("%(n)d record", "%(n)d records", n) % {"n": n}
    return ngettext("%(n)d occurrence", "%(n)d occurrences", n) % {"n": n}


def current_window(rule, today):
    start = today - dt.timedelta(days=rule.window_days - 1)
    return start, today


def _what(rule):
    parts = [rule.phenomenon.name_fi]
    if rule.category_id:
        parts.append(rule.category.name_fi)
    if rule.direction:
        parts.append(rule.get_direction_display())
    return " / ".join(str(p) for p in parts)


def measure(rule, today):
    """Compute the rule's condition for the day `today` (counts in SQL)."""
    registered = evaluator_for(rule.condition)
    if registered is not None:
        return registered(rule, today)
    if rule.condition == AlertRule.Condition.NEW_HOT_SPOT:  # its app is not installed: nothing to evaluate
        return Outcome(False, None, today, today, "")
    if rule.condition == AlertRule.Condition.COUNT_AT_LEAST:
        start, end = current_window(rule, today)
        n = _observations(rule, start, end).aggregate(n=counted(rule))["n"]
        summary = _("%(what)s in %(area)s: %(counted)s from %(start)s to %(end)s (limit: at least %(limit)s).") % {
            "what": _what(rule), "area": str(rule.area), "counted": unit_words(rule, n), "start": start, "end": end,
            "limit": unit_words(rule, rule.min_count)}
        return Outcome(n >= rule.min_count, n, start, end, summary)

    if rule.condition == AlertRule.Condition.INCREASE_PERCENT:
        start, end = current_window(rule, today)
        previous_start = start - dt.timedelta(days=rule.window_days)
        counts = _observations(rule, previous_start, end).aggregate(
            current=counted(rule, Q(observed_on__gte=start)), previous=counted(rule, Q(observed_on__lt=start)))
        current, previous = counts["current"], counts["previous"]
        # With nothing in the previous period, no percentage exists: the rule does not fire.
        increase = None if previous == 0 else (current - previous) * 100.0 / previous
        summary = _("%(what)s in %(area)s: %(current)s from %(start)s to %(end)s, "
                    "%(previous)s in the previous %(days)d days (limit: increase of at least %(limit)s %%).") % {
            "what": _what(rule), "area": str(rule.area), "current": unit_words(rule, current),
            "previous": unit_words(rule, previous),
            "start": start, "end": end, "days": rule.window_days, "limit": f"{rule.increase_percent:g}"}
        return Outcome(increase is not None and increase >= rule.increase_percent, increase, start, end, summary)

    # Indicator threshold: the latest year with a value for the rule's municipality.
    latest = (IndicatorValue.objects.filter(indicator_id=rule.indicator_id, municipality_id=rule.area_municipality_id,
                                            gender="total", value__isnull=False)
              .order_by("-year").first())
    if latest is None:
        return Outcome(False, None, today, today, "")
    start, end = dt.date(latest.year, 1, 1), dt.date(latest.year, 12, 31)
    if rule.comparison == AlertRule.Comparison.ABOVE:
        met = latest.value > rule.threshold
    else:
        met = latest.value < rule.threshold
    summary = _("%(indicator)s in %(area)s: %(value)s in %(year)d (limit: %(comparison)s %(threshold)s).") % {
        "indicator": rule.indicator.title_fi, "area": str(rule.area), "value": f"{latest.value:g}",
        "year": latest.year, "comparison": rule.get_comparison_display(), "threshold": f"{rule.threshold:g}"}
    return Outcome(met, latest.value, start, end, summary)


def recipient_users(rule):
    """The rule's users who are active and still belong to its organisation."""
    return rule.recipient_users.filter(membership__organisation_id=rule.organisation_id, is_active=True)


def recipients(rule):
    """E-mail addresses: the rule's recipient users', and its listed addresses."""
    users = recipient_users(rule).exclude(email="")
    addresses = list(users.values_list("email", flat=True)) + rule.email_list()
    return sorted(set(addresses))


def map_url(rule):
    """Absolute link to the rule's municipality map, filtered to its phenomenon."""
    code = Municipality.objects.filter(pk=rule.area_municipality_id).values_list("code", flat=True).get()
    return f"{settings.SITE_URL.rstrip('/')}{reverse('maps:municipality', args=[code])}?phenomenon={rule.phenomenon_id}"


def notify(alert):
    to = recipients(alert.rule)
    if not to:
        return 0
    subject = _("geo_indi alert: %(rule)s") % {"rule": alert.rule}
    body = "\n\n".join([
        alert.message,
        _("See it on the map: %(url)s") % {"url": map_url(alert.rule)},
        _("Fired at %(when)s. Acknowledge it in geo_indi: %(url)s") % {
            "when": timezone.localtime(alert.fired_at).strftime("%Y-%m-%d %H:%M"),
            "url": f"{settings.SITE_URL.rstrip('/')}{reverse('alerts:alerts')}"},
    ])
    send_mail(subject, body, None, to)
    return len(to)


def evaluate_rule(rule, now=None):
    """Evaluate one rule at `now`; fire (and notify) or clear. Returns an Evaluation."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        # Lock the rule so concurrent evaluations cannot fire twice.
        rule = AlertRule.objects.select_for_update(of=("self",)).select_related(
            "phenomenon", "category", "municipality", "postcode_area", "indicator").get(pk=rule.pk)
        outcome = measure(rule, today)
        open_alert = rule.fired_alerts.filter(cleared_at__isnull=True).first()
        evaluation = Evaluation(rule, outcome)
        if outcome.state is not None and outcome.state != rule.condition_state:
            rule.condition_state = outcome.state
            rule.save(update_fields=["condition_state"])
        fires = open_alert is None if outcome.renewed is None else outcome.renewed
        if outcome.met and rule.is_active and fires:
            if open_alert is not None:
                open_alert.cleared_at = now
                open_alert.save(update_fields=["cleared_at"])
                evaluation.cleared = open_alert
            alert = FiredAlert.objects.create(
                rule=rule, fired_at=now, window_start=outcome.window_start, window_end=outcome.window_end,
                observed_value=outcome.observed_value, message=outcome.summary)
            evaluation.fired = alert
            transaction.on_commit(lambda: _send(alert))
        elif not outcome.met and open_alert is not None:
            open_alert.cleared_at = now
            open_alert.save(update_fields=["cleared_at"])
            evaluation.cleared = open_alert
    return evaluation


def _send(alert):
    try:
        count = notify(alert)
    except Exception:  # a mail failure must not break recording an observation
        logger.exception("Sending alert %s failed", alert.pk)
        return
    FiredAlert.objects.filter(pk=alert.pk).update(recipients_notified=count)


def rules_touching(observations):
    """Active observation rules (all but indicator thresholds) whose phenomenon and place (municipality or postcode area) match any of the observations."""
    places = {(o.phenomenon_id, o.municipality_id, o.postcode_area_id) for o in observations}
    by_municipality = {(phenomenon, municipality) for phenomenon, municipality, _area in places}
    by_area = {(phenomenon, area) for phenomenon, _municipality, area in places}
    candidates = AlertRule.objects.filter(
        Q(municipality_id__in={m for _p, m in by_municipality}) | Q(postcode_area_id__in={a for _p, a in by_area}),
        is_active=True, phenomenon_id__in={p for p, _m in by_municipality},
    ).exclude(condition=AlertRule.Condition.INDICATOR_THRESHOLD).order_by("pk")
    return [
        rule for rule in candidates
        if (rule.phenomenon_id, rule.municipality_id) in by_municipality
        or (rule.phenomenon_id, rule.postcode_area_id) in by_area
    ]


def evaluate_for_observations(sender, observations, **kwargs):
    """Receiver of observation_recorded (once per write, a whole batch at a time): each
    rule the observations touch is evaluated once. The observations are already saved:
    a failing rule is logged (cron retries it), never turned into an error for the reporter."""
    for rule in rules_touching(observations):
        try:
            evaluate_rule(rule)
        except Exception:
            logger.exception("Evaluating alert rule %s failed", rule.pk)


def evaluate_all(now=None):
    return [evaluate_rule(rule, now) for rule in AlertRule.objects.filter(is_active=True)]


def acknowledge(alert, user, now=None):
    if alert.acknowledged_at is None:
        alert.acknowledged_by = user
        alert.acknowledged_at = now or timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert


def alerts_for(user):
    """Fired alerts a user may see: their organisation's; administrators all."""
    from geo_indi.accounts import roles

    qs = FiredAlert.objects.select_related("rule", "rule__phenomenon", "rule__municipality", "rule__postcode_area",
                                           "rule__organisation", "acknowledged_by")
    if roles.is_administrator(user):
        return qs
    org = roles.organisation_of(user)
    if org is None:
        return qs.none()
    return qs.filter(rule__organisation=org)


def unacknowledged_for(user):
    return alerts_for(user).filter(acknowledged_at__isnull=True)


# --- rules in the app --------------------------------------------------------------------

def rules_for(user):
    """Alert rules a user may see: their organisation's; administrators all."""
    from geo_indi.accounts import roles

    qs = AlertRule.objects.select_related("organisation", "phenomenon", "category", "municipality", "postcode_area",
                                          "indicator", "limit_set_by", "created_by").prefetch_related("recipient_users")
    if roles.is_administrator(user):
        return qs
    org = roles.organisation_of(user)
    return qs.filter(organisation=org) if org is not None else qs.none()


def can_manage_rules(user, organisation):
    """Coordinators set their own organisation's rules (and limits); administrators any organisation's."""
    from geo_indi.accounts import roles

    if organisation is None:
        return False
    return roles.is_administrator(user) or (roles.is_coordinator(user) and roles.organisation_of(user) == organisation)


def note_limit_setter(rule, changed_fields, user, now=None):
    """Remember who set the condition and limit, when a rule is created or its limit changes."""
    if rule.pk is None:
        rule.created_by = user
    if rule.pk is None or set(changed_fields) & set(AlertRule.LIMIT_FIELDS):
        rule.limit_set_by = user
        rule.limit_set_at = now or timezone.now()


def rule_save(*, form, user):
    """Save a rule from its form and evaluate it at once, so a limit already met fires now."""
    rule = form.save(commit=False)
    note_limit_setter(rule, form.changed_data, user)
    if set(form.changed_data) & {"condition", "phenomenon", "municipality", "postcode_area"}:
        rule.condition_state = {}  # what the old condition saw says nothing about the new one
    rule.save()
    form.save_m2m()
    evaluate_rule(rule)
    return rule


@dataclass
class Recipient:
    name: str
    email: str  # "" when the user has no address: they see alerts only in the app


def recipients_shown(rule):
    """Who receives the rule's e-mail, as people read it: members first, then listed addresses."""
    people = [Recipient(u.get_full_name() or u.username, u.email) for u in recipient_users(rule).order_by("username")]
    return people + [Recipient("", address) for address in rule.email_list()]
