"""The audit log: what is recorded, that it cannot be changed, who sees it, and its CSV export."""
import csv
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from geo_indi.accounts.models import Organisation
from geo_indi.audit.models import Action, AuditEvent
from geo_indi.audit.services import audit_record

from .conftest import INSIDE_ALFA


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def only_event(action):
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, events
    return events[0]


def test_layer_download_is_logged_with_who_where_and_params_but_no_coordinates(client, users, small_geography):
    client.force_login(users["coord_698"])
    url = "/api/layers/municipalities.csv?municipality=698&bbox=25.0,66.0,25.5,66.2"
    response = client.get(url, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    body_of(response)
    event = only_event(Action.LAYER_DOWNLOAD)
    assert (event.actor_id, event.actor_username, event.ip_address) == (users["coord_698"].pk, "coord698", "192.0.2.7")
    assert (event.object_type, event.object_id) == ("layer", "municipalities")
    assert event.detail == {"format": "csv", "params": {"municipality": "698", "bbox": "(omitted)"}}
    assert "25.5" not in str(event.detail) and "66.2" not in str(event.detail)


def test_anonymous_download_is_logged_without_a_user_and_bad_requests_are_not(client, small_geography):
    assert client.get("/api/layers/municipalities.geojson?datetime=nonsense").status_code == 400
    assert not AuditEvent.objects.exists()
    body_of(client.get("/api/layers/municipalities.geojson"))
    event = only_event(Action.LAYER_DOWNLOAD)
    assert event.actor_id is None and event.actor_username == "" and event.detail["format"] == "geojson"


def test_maps_csv_export_is_logged(client, users, small_geography):
    client.force_login(users["field_698"])
    assert client.get("/maps/698/aggregates.csv?date_from=2026-01-01").status_code == 200
    event = only_event(Action.MAP_EXPORT)
    assert event.object_type == "areas.municipality" and event.actor_username == "field698"
    assert event.detail == {"format": "csv", "params": {"date_from": "2026-01-01"}}


def test_reading_someone_elses_observation_is_logged_but_not_ones_own(users, record):
    observation = record(*INSIDE_ALFA, user="field_698")
    api = APIClient()
    api.force_authenticate(users["field_698"])
    assert api.get(f"/api/observations/{observation.pk}/").status_code == 200
    assert not AuditEvent.objects.exists()
    api.force_authenticate(users["coord_698"])
    assert api.get(f"/api/observations/{observation.pk}/").status_code == 200
    event = only_event(Action.OBSERVATION_READ)
    assert (event.object_type, event.object_id, event.actor_username) == (
        "observations.observation", str(observation.pk), "coord698"
    )
    # A record the caller may not see is a 404 and no read.
    api.force_authenticate(users["field_320"])
    assert api.get(f"/api/observations/{observation.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action=Action.OBSERVATION_READ).count() == 1


def test_listing_others_records_logs_which_ones_were_returned(users, record):
    own = record(*INSIDE_ALFA, user="field_698")
    api = APIClient()
    api.force_authenticate(users["field_698"])
    assert api.get("/api/observations/").json()["count"] == 1
    assert not AuditEvent.objects.exists()
    others = [record(*INSIDE_ALFA, user="coord_698") for _ in range(2)]
    response = api.get(f"/api/observations/?limit=2&offset=0&phenomenon={own.phenomenon_id}")
    returned = {f["id"] for f in response.json()["features"]}
    event = only_event(Action.OBSERVATION_READ)
    assert set(event.detail["ids"]) == returned - {own.pk} and set(event.detail["ids"]) <= {o.pk for o in others}
    assert event.detail["params"]["limit"] == "2" and event.object_id == ""


def test_administrator_reading_an_observation_in_the_admin_is_logged(client, users, record):
    observation = record(*INSIDE_ALFA)
    client.force_login(users["admin"])
    assert client.get(f"/admin/observations/observation/{observation.pk}/change/").status_code == 200
    event = only_event(Action.OBSERVATION_READ)
    assert (event.actor_username, event.object_id) == ("root", str(observation.pk))


def test_admin_changes_are_logged(client, users, organisations):
    client.force_login(users["admin"])
    org = organisations["698"]
    response = client.post(
        f"/admin/accounts/organisation/{org.pk}/change/",
        {"name": "Rovaniemi renamed", "kind": org.kind, "municipalities": [m.pk for m in org.municipalities.all()]},
    )
    assert response.status_code == 302
    event = only_event(Action.ADMIN_CHANGE)
    assert (event.object_type, event.object_id, event.actor_username) == ("accounts.organisation", str(org.pk), "root")
    assert event.detail["change"] == "change" and event.detail["object"] == "Rovaniemi renamed"


def test_token_creation_and_revocation_are_logged(client, users):
    client.force_login(users["field_698"])
    assert client.post("/accounts/profile/tokens/", {"name": "QGIS"}, REMOTE_ADDR="192.0.2.9").status_code == 201
    created = only_event(Action.TOKEN_CREATED)
    assert created.actor_username == "field698" and created.ip_address == "192.0.2.9"
    assert created.detail["name"] == "QGIS" and len(created.detail["prefix"]) == 8
    client.post(f"/accounts/profile/tokens/{created.object_id}/revoke/")
    revoked = only_event(Action.TOKEN_REVOKED)
    assert revoked.object_id == created.object_id and revoked.detail["owner_id"] == users["field_698"].pk


def test_alert_rule_changes_are_logged_from_any_path(client, users, organisations, phenomena):
    from geo_indi.alerts.models import AlertRule

    rule = AlertRule.objects.create(
        organisation=organisations["698"], name="Yksinäisyys", phenomenon=phenomena["yksinaisyys"],
        municipality=organisations["698"].municipalities.get(),
        condition=AlertRule.Condition.COUNT_AT_LEAST, min_count=3, window_days=30,
    )
    saved = only_event(Action.ALERT_RULE_SAVED)
    assert saved.actor_id is None and saved.detail["created"] is True and saved.object_id == str(rule.pk)
    rule_id = rule.pk
    rule.delete()
    deleted = only_event(Action.ALERT_RULE_DELETED)
    assert deleted.object_id == str(rule_id) and deleted.detail["name"] == "Yksinäisyys"


@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"])
def test_database_refuses_to_change_or_delete_audit_events(db, statement):
    audit_record(Action.MAP_EXPORT, object_type="test", object_id="1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.get().action == Action.MAP_EXPORT


def test_orm_refuses_to_change_or_delete_audit_events(db):
    event = audit_record(Action.MAP_EXPORT)
    event.action = Action.LAYER_DOWNLOAD
    for attempt in (event.save, event.delete, AuditEvent.objects.all().delete, lambda: AuditEvent.objects.update(action="x")):
        with pytest.raises(TypeError, match="append-only"):
            attempt()


def test_admin_shows_the_log_read_only_to_administrators(client, users):
    event = audit_record(Action.MAP_EXPORT, actor=users["field_698"], object_type="test", object_id="1")
    client.force_login(users["admin"])
    listing = client.get("/admin/audit/auditevent/")
    assert listing.status_code == 200 and "field698" in listing.content.decode()
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    users["coord_698"].is_staff = True
    users["coord_698"].save()
    client.force_login(users["coord_698"])
    assert client.get("/admin/audit/auditevent/").status_code == 403


def test_admin_action_exports_selected_events_as_csv(client, users):
    event = audit_record(Action.MAP_EXPORT, actor=users["field_698"], object_type="x", object_id="=1+1")
    client.force_login(users["admin"])
    response = client.post("/admin/audit/auditevent/", {"action": "export_csv", "_selected_action": [event.pk]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["actor_username"], r["action"], r["object_id"]) for r in rows] == [("field698", "map_export", "'=1+1")]


def test_export_command_writes_csv_oldest_first_with_filters(users, tmp_path):
    first = audit_record(Action.MAP_EXPORT, actor=users["field_698"])
    audit_record(Action.LAYER_DOWNLOAD, actor=users["coord_698"])
    out = io.StringIO()
    call_command("export_audit_log", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["action"] for r in rows] == ["map_export", "layer_download"]
    assert rows[0]["actor_id"] == str(users["field_698"].pk) and rows[0]["at"] == first.at.isoformat()
    target = tmp_path / "audit.csv"
    call_command("export_audit_log", "--action", "layer_download", "--output", str(target))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["actor_username"] for r in rows] == ["coord698"]


def test_erased_users_events_stay(users, organisations):
    audit_record(Action.MAP_EXPORT, actor=users["field_698"])
    call_command("erase_user", "field698", "--yes", stdout=io.StringIO())
    assert AuditEvent.objects.filter(action=Action.MAP_EXPORT, actor_username="field698").exists()
    assert Organisation.objects.filter(pk=organisations["698"].pk).exists()
