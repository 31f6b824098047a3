"""REST API for observations: recording, validation, idempotency, visibility, edit window."""
import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from geo_indi.observations.models import Observation
from geo_indi.sharing.models import Level, SharingAgreement

from .conftest import INSIDE_ALFA, OUTSIDE_COVERAGE

URL = "/api/observations/"


@pytest.fixture
def client_for(users):
    def make(name):
        client = APIClient()
        client.force_authenticate(users[name])
        return client

    return make


@pytest.fixture
def valid(phenomena):
    lat, lon = INSIDE_ALFA
    return {
        "phenomenon": phenomena["yksinaisyys"].pk,
        "subject": "person",
        "direction": "weakens",
        "occurrences": 2,
        "age_group": "older",
        "description": "Yksin asuva",
        "observed_on": dt.date.today().isoformat(),
        "lat": lat,
        "lon": lon,
    }


def test_person_observation_is_snapped_and_has_no_point(client_for, valid):
    response = client_for("field_698").post(URL, valid, format="json")
    assert response.status_code == 201, response.content
    feature = response.json()
    assert feature["type"] == "Feature" and feature["geometry"] is None
    body = feature["properties"]
    assert body["postcode"] == "99001" and body["postcode_area_name"] == "Alfa"
    assert body["municipality_code"] == "698"
    assert "location" not in body and "lat" not in body and "lon" not in body
    stored = Observation.objects.get()
    assert stored.location is None and stored.postcode_area.postcode == "99001"


def test_object_observation_keeps_its_point_geojson_input(client_for, valid, phenomena):
    lat, lon = INSIDE_ALFA
    data = {**valid, "subject": "object", "phenomenon": phenomena["ilkivalta"].pk, "age_group": ""}
    del data["lat"], data["lon"]
    data["location"] = {"type": "Point", "coordinates": [lon, lat]}
    response = client_for("field_698").post(URL, data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["geometry"] == {"type": "Point", "coordinates": [lon, lat]}
    assert Observation.objects.get().location is not None


def test_same_client_uuid_returns_first_record_and_creates_nothing(client_for, valid):
    client = client_for("field_698")
    data = {**valid, "client_uuid": str(uuid.uuid4())}
    first = client.post(URL, data, format="json")
    again = client.post(URL, {**data, "description": "changed"}, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["properties"]["description"] == "Yksin asuva"
    assert Observation.objects.count() == 1


def test_client_uuid_of_another_reporter_is_a_conflict(client_for, valid):
    data = {**valid, "client_uuid": str(uuid.uuid4())}
    client_for("field_698").post(URL, data, format="json")
    response = client_for("field_320").post(URL, data, format="json")
    assert response.status_code == 409
    assert Observation.objects.count() == 1


def bad_cases():
    future = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    return {
        "missing phenomenon": ({"phenomenon": None}, "phenomenon"),
        "unknown phenomenon": ({"phenomenon": 99999}, "phenomenon"),
        "unknown field": ({"colour": "red"}, "colour"),
        "lat/lon swapped": ({"lat": 25.1, "lon": 66.05}, "location"),
        "outside Finland": ({"lat": 48.85, "lon": 2.35}, "location"),
        "outside coverage": ({"lat": OUTSIDE_COVERAGE[0], "lon": OUTSIDE_COVERAGE[1]}, "location"),
        "NaN": ({"lat": float("nan")}, "lat"),
        "Infinity": ({"lon": float("inf")}, "lon"),
        "string coordinate": ({"lat": "66.05"}, "lat"),
        "occurrences 0": ({"occurrences": 0}, "occurrences"),
        "occurrences 10^9": ({"occurrences": 10**9}, "occurrences"),
        "future date": ({"observed_on": future}, "observed_on"),
        "1 MB description": ({"description": "x" * 1_000_000}, "description"),
        "polygon for point": ({"lat": None, "lon": None, "location": {"type": "Polygon", "coordinates": [[[25, 66], [25.1, 66], [25, 66.1], [25, 66]]]}}, "location"),
        "unknown subject": ({"subject": "animal"}, "subject"),
        "note without consent": ({"follow_up_note": "call back"}, "follow_up_note"),
        "age group on object": ({"subject": "object", "age_group": "youth"}, "age_group"),
        "category of other phenomenon": ({"category": "other"}, "category"),
    }


# "future date" is tomorrow of the frozen clock (bad_cases() runs again inside the test, when it is frozen).
@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.calendar) if c == "future date" else c
                                  for c in bad_cases()])
def test_bad_input_is_400_with_field_errors_and_writes_nothing(client_for, valid, phenomena, case):
    changes, field = bad_cases()[case]
    data = {**valid, **changes}
    if data.get("category") == "other":
        data["category"] = phenomena["ilkivalta"].categories.first().pk
    data = {k: v for k, v in data.items() if v is not None}
    payload = json.dumps(data, allow_nan=True)
    response = client_for("field_698").post(URL, payload, content_type="application/json")
    assert response.status_code == 400, response.content
    body = response.json()
    if case in ("NaN", "Infinity"):
        assert body["code"] == "parse_error"  # not JSON at all (RFC 8259 has no NaN)
    else:
        assert field in body["errors"]
    assert Observation.objects.count() == 0


def test_malformed_json_is_400(client_for):
    response = client_for("field_698").post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert Observation.objects.count() == 0


def test_anonymous_cannot_record_or_list(valid):
    client = APIClient()
    assert client.post(URL, valid, format="json").status_code in (401, 403)
    assert client.get(URL).status_code in (401, 403)


def test_field_workers_see_only_their_organisation(record, client_for):
    mine = record(*INSIDE_ALFA, user="field_698", consent_recorded=True, follow_up_note="Soita tyttärelle")
    theirs = record(*INSIDE_ALFA, user="field_320", consent_recorded=True, follow_up_note="Naapurin numero")
    listed = client_for("field_698").get(URL).json()["features"]
    assert [o["id"] for o in listed] == [mine.pk]
    assert listed[0]["properties"]["follow_up_note"] == "Soita tyttärelle"
    assert client_for("field_698").get(f"{URL}{theirs.pk}/").status_code == 404
    assert client_for("field_320").get(f"{URL}{mine.pk}/").status_code == 404


def test_coordinator_reads_shared_records_but_not_other_organisations_notes(record, client_for, organisations):
    other = record(*INSIDE_ALFA, user="field_320", consent_recorded=True, follow_up_note="Naapurin numero")
    assert client_for("coord_698").get(f"{URL}{other.pk}/").status_code == 404  # no agreement: aggregates only
    SharingAgreement.objects.create(provider=organisations["320"], recipient=organisations["698"],
                                    level=Level.FULL, valid_from=dt.date(2020, 1, 1), reference="test")
    body = client_for("coord_698").get(f"{URL}{other.pk}/").json()
    assert body["id"] == other.pk
    assert body["properties"]["follow_up_note"] is None


def test_list_filters_and_bad_filter(record, client_for, phenomena):
    record(*INSIDE_ALFA, phenomenon="yksinaisyys")
    record(*INSIDE_ALFA, phenomenon="digitaalisuus")
    client = client_for("field_698")
    only = client.get(URL, {"phenomenon": phenomena["digitaalisuus"].pk}).json()["features"]
    assert [o["properties"]["phenomenon"] for o in only] == [phenomena["digitaalisuus"].pk]
    assert client.get(URL, {"postcode": "99001"}).json()["count"] == 2
    assert client.get(URL, {"phenomenon": "loneliness"}).status_code == 400
    assert client.get(URL, {"date_from": "2025-02-01", "date_to": "2025-01-01"}).status_code == 400


def test_owner_edits_within_window_others_cannot(record, client_for, users, settings):
    observation = record(*INSIDE_ALFA, user="field_698")
    assert client_for("field_698").patch(f"{URL}{observation.pk}/", {"occurrences": 4}, format="json").status_code == 200
    observation.refresh_from_db()
    assert observation.occurrences == 4
    assert client_for("coord_698").patch(f"{URL}{observation.pk}/", {"occurrences": 5}, format="json").status_code == 403
    Observation.objects.filter(pk=observation.pk).update(created_at=observation.created_at - dt.timedelta(hours=settings.OBSERVATION_EDIT_WINDOW_HOURS + 1))
    assert client_for("field_698").delete(f"{URL}{observation.pk}/").status_code == 403
    assert client_for("admin").delete(f"{URL}{observation.pk}/").status_code == 204
    assert not Observation.objects.exists()


def test_moving_a_person_observation_resnaps(record, client_for):
    observation = record(*INSIDE_ALFA, user="field_698")
    response = client_for("field_698").patch(f"{URL}{observation.pk}/", {"lat": 66.05, "lon": 25.3}, format="json")
    assert response.status_code == 200
    assert response.json()["properties"]["postcode"] == "99002" and response.json()["geometry"] is None


def test_token_auth_for_scripts(users, valid):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=users["field_698"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.post(URL, valid, format="json").status_code == 201


def test_session_auth_requires_csrf(users, valid):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="field698", password="pw-for-tests")
    assert client.post(URL, valid, format="json").status_code == 403


def test_phenomena_listing_is_language_aware(phenomena):
    client = APIClient()
    body = client.get("/api/phenomena/", HTTP_ACCEPT_LANGUAGE="sv").json()
    names = {p["slug"]: p["name"] for p in body}
    assert names["yksinaisyys"] == "Ensamhet"
    assert "nuorten-paihteet" not in names  # internal phenomenon hidden from anonymous callers


def test_list_is_a_feature_collection_with_paging(record, client_for):
    first = record(*INSIDE_ALFA)
    record(*INSIDE_ALFA, subject="object", phenomenon="ilkivalta")
    body = client_for("field_698").get(URL, {"limit": 1}).json()
    assert body["type"] == "FeatureCollection" and body["count"] == 2
    assert body["previous"] is None and "offset=1" in body["next"]
    assert [f["type"] for f in body["features"]] == ["Feature"]
    second = client_for("field_698").get(body["next"]).json()
    assert second["next"] is None and {body["features"][0]["id"], second["features"][0]["id"]} > {first.pk}


def test_bbox_matches_object_points_and_person_postcode_areas(record, client_for, small_geography):
    """99001 Alfa is the box 25.0..25.2 E, 66.0..66.1 N; INSIDE_ALFA is at 25.1 E, 66.05 N."""
    person = record(*INSIDE_ALFA)
    thing = record(*INSIDE_ALFA, subject="object", phenomenon="ilkivalta")
    client = client_for("field_698")

    def ids(bbox):
        response = client.get(URL, {"bbox": bbox})
        assert response.status_code == 200, response.content
        return {f["id"] for f in response.json()["features"]}

    assert ids("25.09,66.04,25.11,66.06") == {person.pk, thing.pk}
    assert ids("25.15,66.04,25.19,66.06") == {person.pk}  # inside Alfa, away from the point
    assert ids("27.0,68.0,27.1,68.1") == set()
    assert ids("-10,-10,-9,-9") == set()  # outside the coverage
    assert ids("25.12,66.04,25.105,66.06") == {person.pk, thing.pk}  # across the antimeridian: 25.12 east to 25.105
    for bad in ("25,66,25.1", "25,66.1,25.1,66", "a,b,c,d", "-200,0,0,1"):
        response = client.get(URL, {"bbox": bad})
        assert response.status_code == 400 and "bbox" in response.json()["errors"], bad


@pytest.fixture
def token_client(users):
    """client_for with a real API token, so authentication is part of what a request costs."""
    from geo_indi.accounts.tokens import api_token_create

    def make(name):
        _token, key = api_token_create(user=users[name], name="test")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


def test_recording_costs_four_queries_besides_snapping_and_insert(token_client, valid, django_capture_on_commit_callbacks):
    """Django-level queries of one POST: the token with its user, membership and organisation (1),
    the phenomenon (1), the client_uuid already stored? (1), alert rules touching the new record
    after commit (1). Snapping and the INSERT go through the raw cursor and are not counted here.
    Before: token, phenomenon, membership, organisation, client_uuid, savepoint, release, the
    re-read of the created row, alert rules = 9."""
    client = token_client("field_698")
    client.post(URL, {**valid, "client_uuid": str(uuid.uuid4())}, format="json")  # first use writes last_used_at
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {**valid, "client_uuid": str(uuid.uuid4())}, format="json")
    assert response.status_code == 201, response.content
    assert len(queries.captured_queries) <= 4, [q["sql"][:80] for q in queries.captured_queries]


def test_removed_member_loses_write_access_at_once(token_client, valid, users):
    client = token_client("field_698")
    assert client.post(URL, valid, format="json").status_code == 201
    users["field_698"].membership.delete()
    response = client.post(URL, {**valid, "client_uuid": str(uuid.uuid4())}, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    assert Observation.objects.count() == 1


def test_removed_member_loses_write_access_at_once_signed_in(users, valid):
    client = APIClient()
    client.login(username="field698", password="pw-for-tests")
    assert client.post(URL, valid, format="json").status_code == 201
    users["field_698"].membership.delete()
    assert client.post(URL, {**valid, "client_uuid": str(uuid.uuid4())}, format="json").status_code == 403
    assert Observation.objects.count() == 1


@pytest.mark.parametrize("subject", ["person", "object"])
def test_recorded_response_is_the_stored_record(token_client, valid, phenomena, subject):
    """The 201 body is built from the row in hand, not re-read: it must equal a GET of the same record,
    and so must the 200 of a retry."""
    client = token_client("field_698")
    if subject == "object":
        phenomenon = phenomena["ilkivalta"]
        data = {**valid, "subject": "object", "phenomenon": phenomenon.pk, "age_group": "",
                "category": phenomenon.categories.first().pk, "description": "  Rikottu penkki  "}
    else:
        data = {**valid, "consent_recorded": True, "follow_up_note": "Soitetaan viikolla"}
    data["client_uuid"] = str(uuid.uuid4())
    created = client.post(URL, data, format="json")
    assert created.status_code == 201, created.content
    stored = client.get(f"{URL}{created.json()['id']}/")
    assert created.json() == stored.json()
    retried = client.post(URL, data, format="json")
    assert retried.status_code == 200 and retried.json() == stored.json()


def test_recorded_response_without_client_uuid_is_the_stored_record(token_client, valid):
    client = token_client("field_698")
    created = client.post(URL, valid, format="json")
    assert created.status_code == 201, created.content
    assert created.json() == client.get(f"{URL}{created.json()['id']}/").json()
