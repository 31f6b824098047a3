"""Derived state follows every write path: alerts after bulk recording and admin
deletes, and one rule for who reads a consent note."""
import csv
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from geo_indi.alerts.models import AlertRule, FiredAlert
from geo_indi.observations import services
from geo_indi.observations.importing import CSV_FIELDS
from geo_indi.observations.models import Observation

from .conftest import INSIDE_ALFA, OUTSIDE_COVERAGE


@pytest.fixture
def announcements():
    """Every observation_recorded sent, as the list of observations it carried."""
    sent = []

    def receiver(sender, observations, **kwargs):
        sent.append(list(observations))

    services.observation_recorded.connect(receiver, dispatch_uid="test-announcements")
    yield sent
    services.observation_recorded.disconnect(dispatch_uid="test-announcements")


@pytest.fixture
def rule(organisations, phenomena, small_geography):
    """At least 2 loneliness observations in Rovaniemi (698) within 7 days."""
    return AlertRule.objects.create(
        organisation=organisations["698"], phenomenon=phenomena["yksinaisyys"], municipality=small_geography["698"],
        condition=AlertRule.Condition.COUNT_AT_LEAST, min_count=2, window_days=7)


def pending(phenomena, point=INSIDE_ALFA, client_uuid=None, **fields):
    data = {"phenomenon": phenomena["yksinaisyys"], "subject": "person", "direction": "weakens", **fields}
    return services.PendingObservation(data, *point, client_uuid=client_uuid)


@pytest.mark.parametrize("size", [3, services.COPY_THRESHOLD + 1])  # one INSERT … VALUES, and COPY
def test_bulk_recording_announces_once_per_batch(phenomena, users, announcements, size,
                                                 django_capture_on_commit_callbacks):
    stored = services.record_observation(
        {"phenomenon": phenomena["yksinaisyys"], "subject": "person", "direction": "weakens"},
        reporter=users["field_698"], lat=INSIDE_ALFA[0], lon=INSIDE_ALFA[1], client_uuid=uuid.uuid4())
    items = [pending(phenomena) for _ in range(size)]
    items.append(pending(phenomena, point=OUTSIDE_COVERAGE))            # rejected
    items.append(pending(phenomena, client_uuid=stored.observation.client_uuid))  # duplicate
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = services.record_observations(items, reporter=users["field_698"])
    assert [o.status for o in outcomes] == ["created"] * size + ["rejected", "duplicate"]
    assert len(announcements) == 1
    assert sorted(o.pk for o in announcements[0]) == sorted(o.observation.pk for o in outcomes[:size])
    assert outcomes[-1].observation.pk == stored.observation.pk


@pytest.mark.calendar
def test_bulk_import_fires_an_alert_without_the_cron_shortcut(rule, users, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "two.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for _ in range(2):
            writer.writerow({"phenomenon": "yksinaisyys", "subject": "person", "direction": "weakens",
                             "observed_on": timezone.localdate().isoformat(),
                             "lat": INSIDE_ALFA[0], "lon": INSIDE_ALFA[1]})
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_observations", str(path), reporter=users["field_698"].username)
    assert Observation.objects.count() == 2
    assert FiredAlert.objects.filter(rule=rule, cleared_at__isnull=True).count() == 1


def _two_and_an_alert(record, django_capture_on_commit_callbacks, rule):
    with django_capture_on_commit_callbacks(execute=True):
        observations = [record(*INSIDE_ALFA), record(*INSIDE_ALFA)]
    assert FiredAlert.objects.filter(rule=rule, cleared_at__isnull=True).count() == 1
    return observations


def test_deleting_in_the_admin_goes_through_the_service(rule, record, users, client,
                                                        django_capture_on_commit_callbacks, announcements):
    first, _second = _two_and_an_alert(record, django_capture_on_commit_callbacks, rule)
    client.force_login(users["admin"])
    announcements.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/observations/observation/{first.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Observation.objects.filter(pk=first.pk).exists()
    assert [[o.pk for o in batch] for batch in announcements] == [[first.pk]]
    assert FiredAlert.objects.get(rule=rule).cleared_at is not None


def test_bulk_delete_in_the_admin_announces_once(rule, record, users, client,
                                                 django_capture_on_commit_callbacks, announcements):
    observations = _two_and_an_alert(record, django_capture_on_commit_callbacks, rule)
    client.force_login(users["admin"])
    announcements.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/observations/observation/", {
            "action": "delete_selected", "_selected_action": [o.pk for o in observations], "post": "yes"})
    assert response.status_code == 302
    assert not Observation.objects.exists()
    assert len(announcements) == 1 and sorted(o.pk for o in announcements[0]) == sorted(o.pk for o in observations)
    assert FiredAlert.objects.get(rule=rule).cleared_at is not None


def test_the_serializer_shows_a_note_exactly_where_the_queryset_rule_allows(record, users):
    observation = record(*INSIDE_ALFA, consent_recorded=True, follow_up_note="Soitto sovittu")
    for name, user in users.items():
        client = APIClient()
        client.force_authenticate(user)
        response = client.get(f"/api/observations/{observation.pk}/")
        if response.status_code == 404:
            continue  # the record itself is not visible to this user
        readable = Observation.objects.notes_visible_to(user).filter(pk=observation.pk).exists()
        assert response.json()["properties"]["follow_up_note"] == ("Soitto sovittu" if readable else None), name
