"""Alert rules in the app: coordinators set their organisation's rules, everyone sees who receives them and who set the limit."""
import pytest
from django.core import mail

from geo_indi.alerts.models import AlertRule, FiredAlert
from tests.conftest import INSIDE_ALFA

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def with_emails(users):
    for name in ("coord_698", "field_698", "field_320"):
        users[name].email = f"{users[name].username}@example.fi"
        users[name].save()
    return users


def rule_data(phenomena, municipality, recipients=(), **overrides):
    data = {
        "name": "Yksinäisyys Rovaniemellä", "phenomenon": phenomena["yksinaisyys"].pk, "municipality": municipality.pk,
        "condition": AlertRule.Condition.COUNT_AT_LEAST, "min_count": 2, "window_days": 7,
        "recipient_users": [u.pk for u in recipients], "recipient_emails": "", "is_active": "on",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_a_rule_and_is_recorded_as_the_one_who_set_the_limit(client, with_emails, phenomena, small_geography):
    coordinator = with_emails["coord_698"]
    client.force_login(coordinator)
    assert client.get("/indicators/alerts/rules/new/").status_code == 200
    response = client.post("/indicators/alerts/rules/new/",
                           rule_data(phenomena, small_geography["698"], recipients=[with_emails["field_698"]]))
    rule = AlertRule.objects.get()
    assert response.status_code == 302 and response.url == f"/indicators/alerts/rules/{rule.pk}/"
    assert rule.organisation.pk == coordinator.membership.organisation_id
    assert (rule.created_by, rule.limit_set_by) == (coordinator, coordinator) and rule.limit_set_at is not None

    page = client.get(response.url).content.decode()
    assert "field698@example.fi" in page  # who receives it
    assert "coord698" in page  # who set the limit
    assert "at least 2 occurrences in 7 days" in page  # a new rule counts occurrences


def test_editing_only_the_recipients_keeps_who_set_the_limit(client, with_emails, phenomena, small_geography, users):
    client.force_login(users["coord_698"])
    client.post("/indicators/alerts/rules/new/", rule_data(phenomena, small_geography["698"]))
    rule = AlertRule.objects.get()
    client.force_login(users["admin"])
    url = f"/indicators/alerts/rules/{rule.pk}/edit/"
    client.post(url, rule_data(phenomena, small_geography["698"], recipients=[users["field_698"]]))
    rule.refresh_from_db()
    assert rule.limit_set_by == users["coord_698"] and list(rule.recipient_users.all()) == [users["field_698"]]
    client.post(url, rule_data(phenomena, small_geography["698"], min_count=5))
    rule.refresh_from_db()
    assert (rule.min_count, rule.limit_set_by) == (5, users["admin"])


def test_field_worker_sees_rules_but_cannot_create_or_edit(client, users, phenomena, small_geography):
    client.force_login(users["coord_698"])
    client.post("/indicators/alerts/rules/new/", rule_data(phenomena, small_geography["698"]))
    rule = AlertRule.objects.get()
    client.force_login(users["field_698"])
    assert "Yksinäisyys Rovaniemellä" in client.get("/indicators/alerts/rules/").content.decode()
    assert client.get(f"/indicators/alerts/rules/{rule.pk}/").status_code == 200
    assert client.get("/indicators/alerts/rules/new/").status_code == 403
    assert client.post(f"/indicators/alerts/rules/{rule.pk}/edit/", rule_data(phenomena, small_geography["698"])).status_code == 403


def test_other_organisations_rules_are_not_found(client, users, phenomena, small_geography):
    client.force_login(users["coord_698"])
    client.post("/indicators/alerts/rules/new/", rule_data(phenomena, small_geography["698"]))
    rule = AlertRule.objects.get()
    client.force_login(users["field_320"])
    assert client.get(f"/indicators/alerts/rules/{rule.pk}/").status_code == 404
    assert "Yksinäisyys Rovaniemellä" not in client.get("/indicators/alerts/rules/").content.decode()


def test_recipients_and_areas_must_belong_to_the_organisation(client, users, phenomena, small_geography):
    client.force_login(users["coord_698"])
    response = client.post("/indicators/alerts/rules/new/",
                           rule_data(phenomena, small_geography["320"], recipients=[users["field_320"]]))
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"municipality", "recipient_users"}
    assert AlertRule.objects.count() == 0


def test_missing_limit_is_a_form_error_not_a_crash(client, users, phenomena, small_geography):
    client.force_login(users["coord_698"])
    response = client.post("/indicators/alerts/rules/new/", rule_data(phenomena, small_geography["698"], min_count=""))
    assert response.status_code == 400 and "min_count" in response.context["form"].errors


def test_a_record_fires_the_rule_mails_a_map_link_and_badges_the_navigation(client, with_emails, phenomena, small_geography, record,
                                                                           settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://geo-indi.example.fi"
    coordinator, field_worker = with_emails["coord_698"], with_emails["field_698"]
    client.force_login(coordinator)
    client.post("/indicators/alerts/rules/new/",
                rule_data(phenomena, small_geography["698"], recipients=[coordinator], min_count=2))
    rule = AlertRule.objects.get()
    assert 'class="nav-badge"' not in client.get("/indicators/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        record(*INSIDE_ALFA)
    assert FiredAlert.objects.count() == 0 and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        record(*INSIDE_ALFA)
    alert = FiredAlert.objects.get(rule=rule)
    assert [m.to for m in mail.outbox] == [["coord698@example.fi"]]
    assert (f"https://geo-indi.example.fi/maps/698/?phenomenon={phenomena['yksinaisyys'].pk}") in mail.outbox[0].body

    client.force_login(field_worker)  # not a recipient, but in the organisation: sees the badge too
    header = client.get("/indicators/").content.decode()
    assert '<span class="nav-badge">1<' in header
    client.post(f"/indicators/alerts/{alert.pk}/acknowledge/")
    assert 'class="nav-badge"' not in client.get("/indicators/").content.decode()
    history = client.get("/indicators/alerts/?show=all").content.decode()
    assert "field698" in history and rule.name in history
    assert rule.name not in client.get("/indicators/alerts/").content.decode()


def test_outsiders_get_no_badge(client, with_emails, phenomena, small_geography, record, django_capture_on_commit_callbacks):
    client.force_login(with_emails["coord_698"])
    client.post("/indicators/alerts/rules/new/", rule_data(phenomena, small_geography["698"], min_count=1))
    with django_capture_on_commit_callbacks(execute=True):
        record(*INSIDE_ALFA)
    assert FiredAlert.objects.count() == 1
    client.force_login(with_emails["field_320"])
    assert 'class="nav-badge"' not in client.get("/indicators/").content.decode()


def test_recipient_choices_show_addresses_and_say_who_has_none_in_the_page_language(client, users, with_emails):
    client.force_login(users["coord_698"])
    html = client.get("/indicators/alerts/rules/new/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "coord698 (coord698@example.fi)" in html
    assert "field320" not in html  # another organisation's member is no choice
    users["field_698"].email = ""
    users["field_698"].save()
    html = client.get("/indicators/alerts/rules/new/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "field698 (ei sähköpostiosoitetta)" in html


def test_two_organisations_set_different_limits_for_the_same_area(client, users, organisations, make_member, phenomena,
                                                                   small_geography, record, django_capture_on_commit_callbacks):
    from geo_indi.accounts.models import Membership

    organisations["320"].municipalities.add(small_geography["698"])
    other = make_member("coord320", organisations["320"], Membership.Role.COORDINATOR)
    client.force_login(users["coord_698"])
    client.post("/indicators/alerts/rules/new/", rule_data(phenomena, small_geography["698"], name="Raja 1", min_count=1))
    client.force_login(other)
    client.post("/indicators/alerts/rules/new/", rule_data(phenomena, small_geography["698"], name="Raja 3", min_count=3))
    assert dict(AlertRule.objects.values_list("name", "organisation")) == {
        "Raja 1": organisations["698"].pk, "Raja 3": organisations["320"].pk}
    listed = client.get("/indicators/alerts/rules/").content.decode()
    assert "Raja 3" in listed and "Raja 1" not in listed

    with django_capture_on_commit_callbacks(execute=True):
        record(*INSIDE_ALFA)
    assert list(FiredAlert.objects.values_list("rule__name", flat=True)) == ["Raja 1"]
