"""Coordinator sets an alert rule in the app, a field record fires it, the recipient sees the badge and the e-mail;
the demo's municipality page draws an indicator chart. axe-core on every page touched."""
import pytest
from django.core import mail

from geo_indi.accounts.models import Membership
from geo_indi.indicators.demo import load_demo_indicators
from geo_indi.alerts.models import AlertRule, FiredAlert

from ..conftest import INSIDE_ALFA
from .helpers import LAPTOP, PHONE, fill_person_observation, open_app, run_axe, tap_map_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(organisations, make_member, phenomena):
    coordinator = make_member("koordinaattori", organisations["698"], Membership.Role.COORDINATOR)
    coordinator.email = "koordinaattori@example.fi"
    coordinator.save()
    return {"coordinator": coordinator, "walker": make_member("walker", organisations["698"])}


def test_coordinator_rule_fires_on_a_field_record_and_the_recipient_sees_badge_and_mail(page_factory, live_server, login, people, phenomena,
                                                                                        small_geography):
    office = page_factory(**LAPTOP)
    login(office, "koordinaattori")
    assert office.url == f"{live_server.url}/maps/698/"  # a coordinator lands on their municipality's map
    office.goto(f"{live_server.url}/indicators/alerts/rules/new/")
    assert run_axe(office) == []
    office.fill("#id_name", "Yksinäisyys kasvaa")
    office.select_option("#id_phenomenon", str(phenomena["yksinaisyys"].pk))
    office.select_option("#id_municipality", str(small_geography["698"].pk))
    office.select_option("#id_condition", AlertRule.Condition.INDICATOR_THRESHOLD)
    assert office.is_visible("#id_threshold") and office.is_hidden("#id_min_count")  # only the fields the condition uses
    office.select_option("#id_condition", AlertRule.Condition.COUNT_AT_LEAST)
    assert office.is_hidden("#id_threshold") and office.is_visible("#id_min_count")
    office.fill("#id_min_count", "1")
    office.fill("#id_window_days", "30")
    office.check(f"input[name=recipient_users][value='{people['coordinator'].pk}']")
    office.click("form.rule-form button[type=submit]")
    office.wait_for_selector("#recipients")
    assert "koordinaattori@example.fi" in office.inner_text("#recipients")
    assert "koordinaattori" in office.inner_text("#limit-set-by")
    assert run_axe(office) == []
    assert office.locator(".nav-badge").count() == 0

    phone = open_app(page_factory(**PHONE), live_server, login, username="walker")
    tap_map_at(phone, *INSIDE_ALFA)
    fill_person_observation(phone, phenomena["yksinaisyys"])
    phone.click("#submit-observation")
    phone.wait_for_selector("#result[data-state='saved']")

    alert = FiredAlert.objects.get()
    assert alert.rule.name == "Yksinäisyys kasvaa"
    assert [m.to for m in mail.outbox] == [["koordinaattori@example.fi"]]
    assert f"/maps/698/?phenomenon={phenomena['yksinaisyys'].pk}" in mail.outbox[0].body

    office.goto(f"{live_server.url}/maps/698/")
    assert office.inner_text(".site-header .nav-badge").startswith("1")
    office.click(".site-header nav a[href='/indicators/alerts/']")
    assert "Yksinäisyys kasvaa" in office.inner_text("main table")
    assert run_axe(office) == []
    office.click("main table button[type=submit]")  # acknowledge
    office.wait_for_selector(".messages")
    assert office.locator(".nav-badge").count() == 0

    # On a phone the header stays compact and still shows the new alert.
    with_new = page_factory(**PHONE)
    alert.acknowledged_at = None
    alert.save()
    login(with_new, "koordinaattori")
    assert with_new.locator(".site-header").bounding_box()["height"] <= 100
    assert with_new.is_visible(".site-header .alert-pill")


@pytest.fixture
def demo(small_geography, phenomena, users, record):
    record(*INSIDE_ALFA)
    load_demo_indicators()


@pytest.mark.parametrize("size", [PHONE, LAPTOP])
def test_demo_municipality_page_draws_an_indicator_chart(page_factory, live_server, demo, size):
    page = page_factory(**size)
    page.goto(f"{live_server.url}/indicators/698/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-0'))")
    datasets = page.evaluate("() => Chart.getChart(document.getElementById('chart-0')).data.datasets.length")
    assert datasets >= 2  # observations beside at least one indicator
    assert page.is_visible(".sample-note")
    assert run_axe(page) == []
    assert page.outside_requests == []


def test_demo_municipality_map_page_shows_indicators_beside_observations(page_factory, live_server, demo):
    page = page_factory(**LAPTOP)
    page.goto(f"{live_server.url}/maps/698/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-0'))")
    assert "No indicators are linked" not in page.content()
    zoom = page.locator(".leaflet-control-zoom-in").first.bounding_box()
    assert zoom["width"] >= 44 and zoom["height"] >= 44


def test_rule_list_and_import_pages_pass_axe(page_factory, live_server, login, users):
    page = page_factory(**LAPTOP)
    login(page, "root")
    for path in ("/indicators/alerts/rules/", "/indicators/import/", "/indicators/alerts/?show=all"):
        page.goto(f"{live_server.url}{path}")
        assert run_axe(page) == [], path
