"""Every /api/ error is JSON in one shape (docs/api.md); each 500 once found is now a 4xx."""
import datetime as dt
import json
import logging

import pytest
from django.test import Client
from rest_framework.test import APIClient

from geo_indi.core.api import MAX_JSON_DEPTH, MAX_OFFSET, LimitOffsetPagination
from geo_indi.core.logformat import JSONFormatter, TextFormatter
from geo_indi.observations.models import Observation

from .conftest import INSIDE_ALFA

URL = "/api/observations/"


@pytest.fixture
def field_client(users):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(users["field_698"])
    return client


@pytest.fixture
def valid(phenomena):
    lat, lon = INSIDE_ALFA
    return {"phenomenon": phenomena["yksinaisyys"].pk, "subject": "person", "direction": "weakens", "lat": lat, "lon": lon}


def assert_api_error(response, status, code=None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert body["request_id"] == response["X-Request-ID"]
    if code:
        assert body["code"] == code
    return body


def nested(depth):
    return "[" * depth + "]" * depth


def test_body_larger_than_the_upload_limit_is_400_json(field_client, valid, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({**valid, "description": "x" * 20_000})
    response = field_client.post(URL, body, content_type="application/json")
    assert_api_error(response, 400, "too_large")
    assert not Observation.objects.exists()


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1000, 100_000])
def test_deeply_nested_json_is_400_on_post_and_patch(field_client, record, depth):
    observation = record(*INSIDE_ALFA)
    body = '{"description": ' + nested(depth) + "}"
    assert_api_error(field_client.post(URL, body, content_type="application/json"), 400, "too_deep")
    response = field_client.patch(f"{URL}{observation.pk}/", body, content_type="application/json")
    assert_api_error(response, 400, "too_deep")


def test_nesting_within_the_limit_reaches_validation(field_client, valid):
    body = json.dumps({**valid, "description": json.loads(nested(MAX_JSON_DEPTH - 1))})
    body = assert_api_error(field_client.post(URL, body, content_type="application/json"), 400, "invalid")
    assert "description" in body["errors"]


@pytest.mark.parametrize("field", ["lat", "lon"])
def test_401_digit_coordinate_is_400_on_post_and_patch(field_client, valid, record, field):
    body = json.dumps({**valid, field: 10**400})
    assert field in assert_api_error(field_client.post(URL, body, content_type="application/json"), 400)["errors"]
    observation = record(*INSIDE_ALFA)
    patch = json.dumps({"lat": INSIDE_ALFA[0], "lon": INSIDE_ALFA[1], field: -(10**400)})
    response = field_client.patch(f"{URL}{observation.pk}/", patch, content_type="application/json")
    assert field in assert_api_error(response, 400)["errors"]


def test_401_digit_coordinate_in_geojson_location_is_400(field_client, valid):
    data = {k: v for k, v in valid.items() if k not in ("lat", "lon")}
    body = json.dumps({**data, "location": {"type": "Point", "coordinates": [10**400, 66]}})
    assert "location" in assert_api_error(field_client.post(URL, body, content_type="application/json"), 400)["errors"]


def test_limit_beyond_bigint_is_served_at_the_maximum_page_size(field_client, record, monkeypatch):
    monkeypatch.setattr(LimitOffsetPagination, "max_limit", 2)
    for _ in range(3):
        record(*INSIDE_ALFA)
    for limit in ("9223372036854775808", "1000000000"):
        response = field_client.get(URL, {"limit": limit})
        assert response.status_code == 200
        assert len(response.json()["features"]) == 2
        assert "limit=2" in response.json()["next"]


def test_offset_beyond_the_maximum_is_400(field_client):
    response = field_client.get(URL, {"offset": str(2**63)})
    assert "offset" in assert_api_error(response, 400, "invalid")["errors"]
    assert field_client.get(URL, {"offset": str(MAX_OFFSET)}).status_code == 200


def test_id_beyond_bigint_is_404_json(field_client):
    assert_api_error(field_client.get(f"{URL}99999999999999999999/"), 404)


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00", "../9999-12-31T23:59:59Z"])
def test_datetime_whose_local_date_leaves_the_calendar_is_a_400_json_not_a_500(client, record, value):
    """9999-12-31T23:59:59Z is already year 10000 in Helsinki: a clear 400, as /ogcapi/ answers too."""
    record(*INSIDE_ALFA, subject="object", phenomenon="ilkivalta")
    for extension in ("geojson", "csv"):
        response = client.get(f"/api/layers/observations.{extension}", {"datetime": value})
        assert response.status_code == 400, value
        assert response["Content-Type"].startswith("application/json")
        assert "out of range" in json.dumps(response.json())
    ogc = client.get("/ogcapi/collections/observations/items", {"datetime": value, "f": "json"})
    assert ogc.status_code == 400 and ogc.json()["code"] == "InvalidParameterValue"


def test_nul_byte_in_a_page_path_is_400_not_500(db):
    client = Client(raise_request_exception=False)
    for path in ("/maps/%00/", "/maps/%00/report/", "/maps/?phenomenon=%00"):
        assert client.get(path).status_code in (400, 404), path


def test_nul_byte_under_api_is_400_json(field_client):
    assert_api_error(field_client.get(f"{URL}%00/"), 400)
    assert_api_error(field_client.get(URL, {"postcode": "\x00"}), 400)


def test_unknown_api_path_is_404_json(field_client):
    assert_api_error(field_client.get("/api/no-such-thing/"), 404, "not_found")


def test_method_not_allowed_is_405_json_with_allow(field_client):
    response = field_client.delete("/api/phenomena/")
    assert_api_error(response, 405)
    assert "GET" in response["Allow"]


def test_anonymous_is_401_or_403_json(db):
    response = APIClient().get(URL)
    assert_api_error(response, response.status_code)
    assert response.status_code in (401, 403)


def test_token_auth_failure_is_401_json_with_challenge(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get(URL)
    assert_api_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Token")


def test_permission_denied_is_403_json(field_client, record, users):
    observation = record(*INSIDE_ALFA, user="field_698")
    client = APIClient()
    client.force_authenticate(users["coord_698"])
    assert_api_error(client.patch(f"{URL}{observation.pk}/", {"occurrences": 3}, format="json"), 403)


def test_form_and_multipart_bodies_are_415_json(field_client, valid):
    assert_api_error(field_client.post(URL, valid), 415)  # APIClient's default is multipart
    response = field_client.post(URL, "phenomenon=1", content_type="application/x-www-form-urlencoded")
    assert_api_error(response, 415)
    assert not Observation.objects.exists()


def test_validation_error_shape(field_client, valid):
    body = assert_api_error(field_client.post(URL, {**valid, "subject": "animal"}, format="json"), 400, "invalid")
    assert list(body["errors"]) == ["subject"] and all(isinstance(m, str) for m in body["errors"]["subject"])


def test_request_id_is_echoed_or_made(field_client):
    assert field_client.get(URL, HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    made = field_client.get(URL, HTTP_X_REQUEST_ID="no spaces or <tags> please")["X-Request-ID"]
    assert made != "no spaces or <tags> please" and len(made) == 32


def _record_with_exception(message, exc):
    try:
        raise exc
    except type(exc):
        import sys

        return logging.LogRecord("django.request", logging.ERROR, __file__, 1, message, (), sys.exc_info())


def test_log_lines_are_one_line_without_exception_text_or_query():
    record = _record_with_exception(
        'Internal Server Error: "GET /api/layers/x.geojson?bbox=25.1,66.05,25.2,66.1 HTTP/1.1"',
        ValueError('Failing row contains (66.050000, 25.100000)'),
    )
    record.request_id = "req-1"
    text = TextFormatter().format(record)
    entry = json.loads(JSONFormatter().format(record))
    for line in (text, json.dumps(entry)):
        assert "\n" not in line and "66.05" not in line and "25.1" not in line and "Failing row" not in line
    assert "req-1" in text and "ValueError" in text
    assert entry["request_id"] == "req-1" and entry["level"] == "ERROR"
    assert entry["exception"]["type"] == "ValueError" and "test_api_errors.py" in entry["exception"]["where"]
    assert dt.datetime.fromisoformat(entry["time"]).tzinfo is not None


@pytest.mark.parametrize("extension", ["geojson", "csv"])
def test_stream_that_breaks_mid_way_raises_instead_of_ending(transactional_db, record, monkeypatch, extension, caplog):
    """Three features read one per fetch; the database connection is killed after the first."""
    import psycopg
    from django.db import OperationalError, connection

    from geo_indi.layers import streaming

    for _ in range(3):
        record(*INSIDE_ALFA, subject="object", phenomenon="ilkivalta")
    monkeypatch.setattr(streaming.iter_rows, "__defaults__", (1,))
    response = Client().get(f"/api/layers/observations.{extension}")
    assert response.status_code == 200
    chunks = iter(response.streaming_content)
    assert b"ilkivalta" in next(chunks) + (next(chunks) if extension == "csv" else b"")
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"],
                         autocommit=True) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    try:
        with pytest.raises(OperationalError):
            list(chunks)
    finally:
        connection.close()
    assert "stream broken after 1 rows" in caplog.text


def test_stream_query_runs_before_the_response_starts(db, monkeypatch):
    """A query that fails is an error response, not a 200 whose body breaks off."""
    from geo_indi.layers import streaming

    monkeypatch.setattr(streaming, "feature_sql", lambda *args, **kwargs: ("SELECT 1/0, 1", []))
    response = Client(raise_request_exception=False).get("/api/layers/observations.geojson")
    assert not response.streaming
    assert_api_error(response, 400)


@pytest.mark.parametrize("after", ["abc", "99999999999999999999"])
def test_ogc_items_after_that_the_database_refuses_is_400_ogc_exception(db, client, after):
    response = Client(raise_request_exception=False).get("/ogcapi/collections/observations/items", {"after": after})
    assert response.status_code == 400 and not response.streaming
    assert set(response.json()) == {"code", "description"}


def test_unknown_ogcapi_path_is_an_ogc_exception(db):
    response = Client().get("/ogcapi/no/such/path", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "description"} and response.json()["code"] == "NotFound"


def test_unhandled_error_is_500_json_and_logged_once_in_one_line(field_client, monkeypatch, caplog):
    from geo_indi.observations.api import ObservationViewSet

    def broken(self, request, *args, **kwargs):
        raise ZeroDivisionError("secret detail 66.05")

    monkeypatch.setattr(ObservationViewSet, "list", broken)
    with caplog.at_level(logging.INFO):
        response = field_client.get(URL, {"bbox": "25.1,66.05,25.2,66.1"})
    assert_api_error(response, 500, "server_error")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    line = TextFormatter().format(errors[0])
    assert "ZeroDivisionError" in line and "secret detail" not in line and "66.05" not in line and "\n" not in line


@pytest.mark.parametrize("query", ["phenomenom=1", "sortby=id", "filter=x", "limit=2&crs=EPSG:3067"])
def test_unknown_query_parameter_on_the_list_is_a_400_naming_it(field_client, query):
    response = field_client.get(f"{URL}?{query}")
    assert_api_error(response, 400)
    unknown = query.split("&")[-1].split("=")[0]
    assert list(response.json()["errors"]) == [unknown]


def test_every_documented_list_parameter_is_still_accepted(field_client, phenomena):
    query = "phenomenon=1&subject=person&bbox=24,65,27,67&limit=5&offset=0&year=2026&format=json"
    assert field_client.get(f"{URL}?{query}").status_code == 200


def test_unknown_query_parameter_on_one_record_or_the_phenomena_is_a_400(field_client, record):
    observation = record(*INSIDE_ALFA)
    assert_api_error(field_client.get(f"{URL}{observation.pk}/?verbose=1"), 400)
    assert_api_error(field_client.get("/api/phenomena/?lang=sv"), 400)
    assert field_client.get("/api/phenomena/").status_code == 200
