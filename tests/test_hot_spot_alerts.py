"""The "new hot spot" alert condition: analysis registers its evaluator, indicators evaluates rules with it.

Background: 400 demo observations (below the demo's cluster threshold, so no planted cluster) in Lapland,
dated as if loaded 120 days ago: history, but nothing in the last 90 days, so no hot spot yet.
A cluster is 30 recent vandalism observations drawn by PostGIS inside one Rovaniemi postcode area and the
areas touching it, recorded as one batch through the recording service (one observation_recorded).
"""
import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from geo_indi.accounts.demo import ensure_demo_accounts
from geo_indi.accounts.models import Membership, Organisation
from geo_indi.analysis import hotspots
from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.alerts import services as alerts
from geo_indi.alerts.models import AlertRule, FiredAlert
from geo_indi.observations.demo import load_demo_observations
from geo_indi.observations.models import Direction, Subject
from geo_indi.observations.services import PendingObservation, record_observations

CLUSTER_SIZE = 30


@pytest.fixture
def rovaniemi(lapland_geography, phenomena):
    ensure_demo_accounts()
    load_demo_observations(count=400, seed=2024, today=timezone.localdate() - dt.timedelta(days=120))
    return Municipality.objects.get(code="698")


@pytest.fixture
def coordinator(django_user_model):
    return django_user_model.objects.get(username="koordinaattori")


def _neighbourhood(centre):
    return set(PostcodeArea.objects.filter(municipality_id=centre.municipality_id, geom__intersects=centre.geom)
               .values_list("id", flat=True))


def _record_cluster(centre, phenomenon, reporter, seed):
    """CLUSTER_SIZE vandalism observations of the last 20 days inside `centre` and the areas touching it."""
    with connection.cursor() as cur:
        cur.execute("""SELECT ST_X(ST_Transform(p, 4326)), ST_Y(ST_Transform(p, 4326)) FROM (
                         SELECT (ST_Dump(ST_GeneratePoints(ST_Buffer(ST_Union(a.geom), -50), %s, %s))).geom AS p
                           FROM areas_postcodearea a, areas_postcodearea c
                          WHERE c.id = %s AND a.municipality_id = c.municipality_id AND ST_Intersects(a.geom, c.geom)) s""",
                    [CLUSTER_SIZE, seed, centre.pk])
        points = cur.fetchall()
    today = timezone.localdate()
    items = [PendingObservation({"phenomenon": phenomenon, "subject": Subject.OBJECT, "direction": Direction.WEAKENS,
                                 "occurrences": 1, "observed_on": today - dt.timedelta(days=i % 20)}, lat, lon, None)
             for i, (lon, lat) in enumerate(points)]
    outcomes = record_observations(items, reporter=reporter)
    assert [o.status for o in outcomes] == ["created"] * len(points)


def _vandalism_spots(municipality, phenomena):
    return {s.postcode_area_id for s in hotspots.compute_hot_spots(municipality)
            if s.phenomenon_id == phenomena["ilkivalta"].pk}


def _far_apart_centres(municipality):
    """The lowest postcode area, and the area farthest from its neighbourhood."""
    areas = PostcodeArea.objects.filter(municipality=municipality).order_by("postcode")
    first = areas.first()
    with connection.cursor() as cur:
        cur.execute("SELECT a.id FROM areas_postcodearea a, areas_postcodearea c WHERE c.id = %s "
                    "AND a.municipality_id = c.municipality_id ORDER BY ST_Distance(a.geom, c.geom) DESC, a.postcode LIMIT 1",
                    [first.pk])
        second = PostcodeArea.objects.get(pk=cur.fetchone()[0])
    return first, second


@pytest.mark.django_db(transaction=False)
def test_rule_fires_once_per_new_hot_spot(rovaniemi, phenomena, coordinator, mailoutbox,
                                          django_capture_on_commit_callbacks):
    assert _vandalism_spots(rovaniemi, phenomena) == set()  # the background holds no vandalism hot spot
    rule = AlertRule.objects.create(
        organisation=coordinator.membership.organisation, phenomenon=phenomena["ilkivalta"], municipality=rovaniemi,
        condition=AlertRule.Condition.NEW_HOT_SPOT, recipient_emails="hyvinvointi@example.fi")
    rule.full_clean()
    assert alerts.evaluate_rule(rule).fired is None

    first, second = _far_apart_centres(rovaniemi)
    with django_capture_on_commit_callbacks(execute=True):
        _record_cluster(first, phenomena["ilkivalta"], coordinator, seed=1)
    spots = _vandalism_spots(rovaniemi, phenomena)
    assert spots and spots <= _neighbourhood(first)
    [alert] = FiredAlert.objects.filter(rule=rule)
    assert alert.observed_value == len(spots)
    for area in PostcodeArea.objects.filter(pk__in=spots):
        assert area.postcode in alert.message
    assert "q = " in alert.message and "z = " in alert.message
    [message] = mailoutbox
    assert message.to == ["hyvinvointi@example.fi"]
    assert f"/maps/{rovaniemi.code}/?phenomenon={phenomena['ilkivalta'].pk}" in message.body

    for _ in range(2):  # the same hot spot, evaluated again (by the command and by a save), fires nothing
        alerts.evaluate_all()
    assert FiredAlert.objects.filter(rule=rule).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        _record_cluster(second, phenomena["ilkivalta"], coordinator, seed=2)
    current = _vandalism_spots(rovaniemi, phenomena)
    new_spots = current - spots
    assert new_spots and new_spots <= _neighbourhood(second)
    latest, earlier = FiredAlert.objects.filter(rule=rule).order_by("-fired_at", "-id")
    assert earlier == alert and earlier.cleared_at is not None and latest.cleared_at is None
    assert latest.observed_value == len(new_spots)
    assert all(area.postcode in latest.message for area in PostcodeArea.objects.filter(pk__in=new_spots))
    assert not any(area.postcode in latest.message for area in PostcodeArea.objects.filter(pk__in=spots))
    assert len(mailoutbox) == 2
    rule.refresh_from_db()
    assert set(rule.condition_state["hot_spots"]) == current


def test_coordinator_creates_a_new_hot_spot_rule_and_outsiders_see_nothing(client, rovaniemi, phenomena, coordinator,
                                                                           django_user_model):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(coordinator)
    form = client.get("/indicators/alerts/rules/new/").content.decode()
    assert 'value="new_hot_spot"' in form and "A postcode area becomes a new hot spot" in form
    response = client.post("/indicators/alerts/rules/new/", {
        "name": "Ilkivallan kuumat pisteet", "phenomenon": phenomena["ilkivalta"].pk, "municipality": rovaniemi.pk,
        "condition": AlertRule.Condition.NEW_HOT_SPOT, "recipient_emails": "", "is_active": "on"})
    rule = AlertRule.objects.get(name="Ilkivallan kuumat pisteet")
    assert response.status_code == 302 and rule.condition == AlertRule.Condition.NEW_HOT_SPOT
    assert rule.created_by == coordinator

    first, _second = _far_apart_centres(rovaniemi)
    _record_cluster(first, phenomena["ilkivalta"], coordinator, seed=1)
    alert = alerts.evaluate_rule(rule).fired
    assert alert is not None
    page = client.get(f"/indicators/alerts/rules/{rule.pk}/").content.decode()
    assert "becomes a significant hot spot" in page and "Benjamini" in page
    assert alert.message in page

    outsider_org = Organisation.objects.create(name="Outside org", kind=Organisation.Kind.NGO)
    outsider_org.municipalities.set(Municipality.objects.filter(code="890"))
    outsider = django_user_model.objects.create_user("outsider", password="pw-for-tests")
    Membership.objects.create(user=outsider, organisation=outsider_org, role=Membership.Role.COORDINATOR)
    client.force_login(outsider)
    assert client.get(f"/indicators/alerts/rules/{rule.pk}/").status_code == 404
    for url in ("/indicators/alerts/", "/indicators/alerts/rules/"):
        page = client.get(url).content.decode()
        assert "Ilkivallan kuumat pisteet" not in page and first.postcode not in page
    refused = client.post("/indicators/alerts/rules/new/", {
        "name": "Toisen kunnan kuumat pisteet", "phenomenon": phenomena["ilkivalta"].pk, "municipality": rovaniemi.pk,
        "condition": AlertRule.Condition.NEW_HOT_SPOT, "recipient_emails": "", "is_active": "on"})
    assert refused.status_code == 400 and not AlertRule.objects.filter(name="Toisen kunnan kuumat pisteet").exists()


def test_new_hot_spot_rule_refuses_a_category(rovaniemi, phenomena, coordinator):
    category = phenomena["ilkivalta"].categories.first()
    rule = AlertRule(organisation=coordinator.membership.organisation, phenomenon=phenomena["ilkivalta"],
                     municipality=rovaniemi, condition=AlertRule.Condition.NEW_HOT_SPOT, category=category)
    with pytest.raises(Exception) as refused:
        rule.full_clean()
    assert "category" in refused.value.message_dict
