"""Alert rules: evaluation at the edges, once-per-window firing, notifications, privacy."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from geo_indi.accounts.models import Membership, Organisation
from geo_indi.areas.models import PostcodeArea
from geo_indi.alerts.models import AlertRule, FiredAlert
from geo_indi.alerts.services import evaluate_rule
from geo_indi.indicators.models import Indicator, IndicatorValue, PhenomenonIndicatorLink
from tests.clock import FROZEN_NOW, FROZEN_TODAY
from tests.conftest import INSIDE_ALFA

IN_BETA = (66.05, 25.3)    # 99002, Rovaniemi (698)
IN_GAMMA = (66.05, 25.5)   # 99003, Kemijärvi (320)

# The suite's frozen instant (tests/clock.py): read at import, when the clock is not frozen yet, timezone.now()
# would be the real time. Windows "the last n days" are relative to it, so the module runs at any date.
NOW = FROZEN_NOW
TODAY = FROZEN_TODAY

pytestmark = pytest.mark.calendar


def days_ago(n):
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def make_rule(organisations, phenomena, users):
    def make(organisation="698", phenomenon="yksinaisyys", recipients=("coord_698",), **fields):
        fields.setdefault("municipality", organisations["698"].municipalities.get() if "postcode_area" not in fields else None)
        fields.setdefault("condition", AlertRule.Condition.COUNT_AT_LEAST)
        fields.setdefault("window_days", 7)
        org = organisations[organisation] if isinstance(organisation, str) else organisation
        rule = AlertRule(organisation=org, phenomenon=phenomena[phenomenon], **fields)
        rule.full_clean()
        rule.save()
        for name in recipients:
            user = users[name]
            user.email = f"{user.username}@example.fi"
            user.save()
            rule.recipient_users.add(user)
        return rule

    return make


def record_on(record, day, point=INSIDE_ALFA, **fields):
    return record(*point, observed_on=day, **fields)


# --- count_at_least -------------------------------------------------------------------------

def test_exactly_n_fires_and_n_minus_one_does_not(make_rule, record):
    rule = make_rule(min_count=3)
    record_on(record, days_ago(1))
    record_on(record, days_ago(2))
    assert evaluate_rule(rule, NOW).fired is None
    assert FiredAlert.objects.count() == 0
    record_on(record, days_ago(3))
    evaluation = evaluate_rule(rule, NOW)
    assert evaluation.fired is not None
    assert evaluation.fired.observed_value == 3
    assert (evaluation.fired.window_start, evaluation.fired.window_end) == (days_ago(6), TODAY)


def test_a_rule_in_records_counts_records_not_occurrences(make_rule, record):
    rule = make_rule(min_count=2, unit="records")
    record_on(record, days_ago(1), occurrences=5)
    assert evaluate_rule(rule, NOW).fired is None


def test_a_new_rule_counts_occurrences(make_rule, record):
    rule = make_rule(min_count=2)
    assert rule.unit == "occurrences"
    record_on(record, days_ago(1), occurrences=5)
    evaluation = evaluate_rule(rule, NOW)
    assert evaluation.fired is not None and evaluation.fired.observed_value == 5


def test_window_boundaries(make_rule, record):
    """D=7: the window is today and the six days before it."""
    rule = make_rule(min_count=1, window_days=7)
    record_on(record, days_ago(7))  # one day too old
    assert evaluate_rule(rule, NOW).outcome.observed_value == 0
    record_on(record, days_ago(6))  # first day of the window
    assert evaluate_rule(rule, NOW).fired is not None


def test_today_is_in_the_window(make_rule, record):
    rule = make_rule(min_count=1, window_days=1)
    record_on(record, days_ago(1))
    assert evaluate_rule(rule, NOW).fired is None
    record_on(record, TODAY)
    assert evaluate_rule(rule, NOW).fired is not None


def test_filters_area_category_and_direction(make_rule, record, phenomena):
    category = phenomena["yksinaisyys"].categories.get(slug="menetys")
    rule = make_rule(min_count=2, category=category, direction="weakens")
    record_on(record, days_ago(1), category=category.pk)                          # counts
    record_on(record, days_ago(1))                                                 # no category
    record_on(record, days_ago(1), category=category.pk, direction="strengthens")  # other direction
    record_on(record, days_ago(1), point=IN_GAMMA, user="field_320", category=category.pk)  # other municipality
    record_on(record, days_ago(1), phenomenon="ilkivalta")                         # other phenomenon
    assert evaluate_rule(rule, NOW).outcome.observed_value == 1
    record_on(record, days_ago(2), point=IN_BETA, category=category.pk)            # same municipality, other postcode area
    assert evaluate_rule(rule, NOW).fired is not None


def test_postcode_area_rule_counts_only_its_area(make_rule, record):
    rule = make_rule(min_count=2, postcode_area=PostcodeArea.objects.get(postcode="99002"))
    record_on(record, days_ago(1))                  # 99001
    record_on(record, days_ago(1), point=IN_BETA)   # 99002
    assert evaluate_rule(rule, NOW).outcome.observed_value == 1
    record_on(record, days_ago(2), point=IN_BETA)
    assert evaluate_rule(rule, NOW).fired is not None


# --- increase_percent -----------------------------------------------------------------------

def test_increase_with_zero_previous_period_does_not_fire(make_rule, record):
    rule = make_rule(condition=AlertRule.Condition.INCREASE_PERCENT, increase_percent=10, window_days=7)
    for _ in range(5):
        record_on(record, days_ago(1))
    evaluation = evaluate_rule(rule, NOW)
    assert evaluation.fired is None
    assert evaluation.outcome.observed_value is None


def test_increase_percent_edges(make_rule, record):
    """Previous 7 days: 2 observations; current 7 days: 3 -> +50 %."""
    at_50 = make_rule(condition=AlertRule.Condition.INCREASE_PERCENT, increase_percent=50, window_days=7)
    at_51 = make_rule(condition=AlertRule.Condition.INCREASE_PERCENT, increase_percent=51, window_days=7)
    record_on(record, days_ago(7))    # last day of the previous period
    record_on(record, days_ago(13))   # first day of the previous period
    record_on(record, days_ago(14))   # before both periods: not counted
    for n in (0, 3, 6):
        record_on(record, days_ago(n))
    evaluation = evaluate_rule(at_50, NOW)
    assert evaluation.outcome.observed_value == pytest.approx(50.0)
    assert evaluation.fired is not None
    assert evaluate_rule(at_51, NOW).fired is None


def test_no_increase_does_not_fire(make_rule, record):
    rule = make_rule(condition=AlertRule.Condition.INCREASE_PERCENT, increase_percent=1, window_days=7)
    record_on(record, days_ago(8))
    record_on(record, days_ago(1))
    evaluation = evaluate_rule(rule, NOW)
    assert evaluation.outcome.observed_value == 0
    assert evaluation.fired is None


# --- fires once per window ------------------------------------------------------------------

def test_repeated_evaluation_notifies_once(make_rule, record, mailoutbox, django_capture_on_commit_callbacks):
    rule = make_rule(min_count=2)
    record_on(record, days_ago(1))
    record_on(record, days_ago(2))
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_rule(rule, NOW)
        evaluate_rule(rule, NOW)
        record_on(record, days_ago(3))
        evaluate_rule(rule, NOW + dt.timedelta(hours=1))
    assert FiredAlert.objects.filter(rule=rule).count() == 1
    assert len(mailoutbox) == 1
    assert FiredAlert.objects.get(rule=rule).recipients_notified == 1


def test_clears_and_fires_again_when_condition_recurs(make_rule, record, mailoutbox, django_capture_on_commit_callbacks):
    rule = make_rule(min_count=2)
    first = record_on(record, days_ago(1))
    record_on(record, days_ago(2))
    with django_capture_on_commit_callbacks(execute=True):
        fired = evaluate_rule(rule, NOW).fired
        first.delete()
        evaluation = evaluate_rule(rule, NOW + dt.timedelta(minutes=5))
        assert evaluation.cleared == fired
        assert evaluate_rule(rule, NOW + dt.timedelta(minutes=6)).cleared is None  # stays cleared, no new alert
        record_on(record, days_ago(1))
        again = evaluate_rule(rule, NOW + dt.timedelta(minutes=10)).fired
    assert again is not None and again.pk != fired.pk
    fired.refresh_from_db()
    assert fired.cleared_at == NOW + dt.timedelta(minutes=5)
    assert FiredAlert.objects.filter(rule=rule).count() == 2
    assert len(mailoutbox) == 2


def test_window_moving_on_clears(make_rule, record):
    rule = make_rule(min_count=1, window_days=7)
    record_on(record, days_ago(6))
    assert evaluate_rule(rule, NOW).fired is not None
    later = evaluate_rule(rule, NOW + dt.timedelta(days=1))
    assert later.cleared is not None


def test_one_open_alert_per_rule_in_the_database(make_rule):
    rule = make_rule(min_count=1)
    FiredAlert.objects.create(rule=rule, fired_at=NOW, window_start=TODAY, window_end=TODAY, message="x")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        FiredAlert.objects.create(rule=rule, fired_at=NOW, window_start=TODAY, window_end=TODAY, message="y")


# --- organisations ---------------------------------------------------------------------------

@pytest.fixture
def second_org_in_698(organisations, make_member):
    org = Organisation.objects.create(name="Seurakunta 698", kind=Organisation.Kind.PARISH)
    org.municipalities.set(organisations["698"].municipalities.all())
    user = make_member("parish698", org, Membership.Role.COORDINATOR)
    user.email = "parish698@example.fi"
    user.save()
    return org, user


def test_organisations_hold_different_rules_for_the_same_area(make_rule, record, second_org_in_698, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    org_b, user_b = second_org_in_698
    rule_a = make_rule(min_count=2)
    rule_b = make_rule(organisation=org_b, min_count=3, recipients=())
    rule_b.recipient_users.add(user_b)
    record_on(record, days_ago(1))
    record_on(record, days_ago(2))
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_rule(rule_a, NOW).fired is not None
        assert evaluate_rule(rule_b, NOW).fired is None
    assert [m.to for m in mailoutbox] == [["coord698@example.fi"]]
    record_on(record, days_ago(3))
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_rule(rule_b, NOW).fired is not None
    assert mailoutbox[1].to == ["parish698@example.fi"]


def test_rule_area_must_be_where_the_organisation_works(make_rule, organisations, small_geography):
    with pytest.raises(ValidationError) as excinfo:
        make_rule(min_count=1, municipality=small_geography["320"])
    assert "municipality" in excinfo.value.message_dict


@pytest.mark.parametrize("fields, field", [
    ({"min_count": None}, "min_count"),
    ({"min_count": 1, "window_days": None}, "window_days"),
    ({"condition": "increase_percent", "increase_percent": 0}, "increase_percent"),
    ({"condition": "indicator_threshold"}, "indicator"),
    ({"min_count": 1, "recipient_emails": "ok@example.fi\nnot an address"}, "recipient_emails"),
])
def test_rule_validation(make_rule, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        make_rule(**fields)
    assert field in excinfo.value.message_dict


def test_recipients_outside_the_organisation_get_nothing(make_rule, record, users, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    rule = make_rule(min_count=1, recipients=("coord_698", "field_320"), recipient_emails="kirjaamo@rovaniemi.example")
    record_on(record, days_ago(1))
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_rule(rule, NOW)
    assert sorted(mailoutbox[0].to) == ["coord698@example.fi", "kirjaamo@rovaniemi.example"]


# --- privacy ---------------------------------------------------------------------------------

def test_notification_names_area_and_count_never_text_or_note(make_rule, record, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    rule = make_rule(min_count=2)
    record_on(record, days_ago(1), description="Naapurin Matti istuu yksin SALAKUVAUS")
    record_on(record, days_ago(2), consent_recorded=True, follow_up_note="Soita tyttärelle SALAMUISTIO")
    with django_capture_on_commit_callbacks(execute=True):
        alert = evaluate_rule(rule, NOW).fired
    mail = mailoutbox[0]
    for text in (mail.subject, mail.body, alert.message):
        assert "SALAKUVAUS" not in text and "SALAMUISTIO" not in text and "Matti" not in text
    assert "Rovaniemi (698)" in mail.body
    assert " 2 " in mail.body
    assert "Yksinäisyys" in mail.body


# --- recording triggers evaluation -----------------------------------------------------------

def test_recording_an_observation_evaluates_rules_of_its_area(make_rule, record, small_geography, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    here = make_rule(min_count=1)
    area_rule = make_rule(min_count=1, postcode_area=PostcodeArea.objects.get(postcode="99001"))
    other_area = make_rule(min_count=1, postcode_area=PostcodeArea.objects.get(postcode="99002"))
    other_phenomenon = make_rule(min_count=1, phenomenon="ilkivalta")
    with django_capture_on_commit_callbacks(execute=True):
        record_on(record, TODAY)
    assert set(FiredAlert.objects.values_list("rule_id", flat=True)) == {here.pk, area_rule.pk}
    assert len(mailoutbox) == 2
    assert not FiredAlert.objects.filter(rule__in=[other_area, other_phenomenon]).exists()


def test_inactive_rules_are_not_evaluated_on_record(make_rule, record, django_capture_on_commit_callbacks):
    make_rule(min_count=1, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        record_on(record, TODAY)
    assert FiredAlert.objects.count() == 0


# --- indicator threshold -----------------------------------------------------------------------

@pytest.fixture
def loneliness_indicator(phenomena, users, small_geography):
    indicator = Indicator.objects.create(sotkanet_id=4307, title_fi="Yksinäiseksi itsensä tuntevien osuus (%)")
    PhenomenonIndicatorLink.objects.create(phenomenon=phenomena["yksinaisyys"], indicator=indicator, confirmed_by=users["admin"])
    rovaniemi = small_geography["698"]
    IndicatorValue.objects.create(indicator=indicator, municipality=rovaniemi, year=2019, value=14.0)
    IndicatorValue.objects.create(indicator=indicator, municipality=rovaniemi, year=2020, value=12.0)
    return indicator


def test_indicator_threshold_uses_latest_year(make_rule, loneliness_indicator):
    kwargs = {"condition": AlertRule.Condition.INDICATOR_THRESHOLD, "indicator": loneliness_indicator}
    above_12 = make_rule(comparison="above", threshold=12.0, **kwargs)   # 12.0 is not above 12.0
    above_11 = make_rule(comparison="above", threshold=11.9, **kwargs)
    below_13 = make_rule(comparison="below", threshold=13.0, **kwargs)  # 14.0 (2019) would not be
    assert evaluate_rule(above_12, NOW).fired is None
    fired = evaluate_rule(above_11, NOW).fired
    assert fired is not None and fired.observed_value == 12.0
    assert (fired.window_start, fired.window_end) == (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert evaluate_rule(below_13, NOW).fired is not None


def test_indicator_rule_needs_a_confirmed_link(make_rule, phenomena, loneliness_indicator):
    with pytest.raises(ValidationError) as excinfo:
        make_rule(phenomenon="ilkivalta", condition=AlertRule.Condition.INDICATOR_THRESHOLD,
                  indicator=loneliness_indicator, comparison="above", threshold=1)
    assert "indicator" in excinfo.value.message_dict


# --- cron command ------------------------------------------------------------------------------

def test_evaluate_alerts_command(make_rule, record, capsys, mailoutbox):
    make_rule(min_count=1)
    make_rule(min_count=5)
    record_on(record, days_ago(1))
    call_command("evaluate_alerts")
    assert "Evaluated 2 rule(s): 1 fired, 0 cleared." in capsys.readouterr().out
    call_command("evaluate_alerts")
    assert "Evaluated 2 rule(s): 0 fired, 0 cleared." in capsys.readouterr().out
    assert FiredAlert.objects.count() == 1


# --- edits and deletions re-evaluate -------------------------------------------------------------

def test_deleting_an_observation_clears_the_alert(make_rule, record, django_capture_on_commit_callbacks):
    from geo_indi.observations.services import delete_observation

    rule = make_rule(min_count=2)
    with django_capture_on_commit_callbacks(execute=True):
        first = record_on(record, TODAY)
        record_on(record, TODAY)
    assert rule.fired_alerts.filter(cleared_at__isnull=True).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        delete_observation(first)
    assert rule.fired_alerts.filter(cleared_at__isnull=True).count() == 0


def test_moving_an_observation_re_evaluates_its_old_area(make_rule, record, django_capture_on_commit_callbacks):
    from geo_indi.observations.services import update_observation

    rule = make_rule(min_count=2, postcode_area=PostcodeArea.objects.get(postcode="99001"))
    with django_capture_on_commit_callbacks(execute=True):
        moving = record_on(record, TODAY)
        record_on(record, TODAY)
    assert rule.fired_alerts.filter(cleared_at__isnull=True).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        update_observation(moving, {}, lat=IN_BETA[0], lon=IN_BETA[1])
    assert moving.postcode_area.postcode == "99002"
    assert rule.fired_alerts.filter(cleared_at__isnull=True).count() == 0
