"""One request-error type, one renderer (geo_indi.core.errors): every client gets its own shape.

API JSON {"error","code","errors"?,"request_id"}, OGC exception {"code","description"}, the tile clients'
JSON (never cached), the translated HTML page, and the 503 of an unavailable database in each of them."""
import json
import re
import time
from pathlib import Path

import pytest
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from geo_indi.core.errors import RequestError, client_shape, render_error
from geo_indi.layers.ogc import OGCGate

from .test_database_faults import locked  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parent.parent / "geo_indi"


@pytest.fixture
def field_client(users):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(users["field_698"])
    return client


@pytest.mark.parametrize("params", [
    {"limit": "abc"}, {"limit": "0"}, {"limit": "-1"}, {"limit": "1.5"}, {"offset": "-1"}, {"offset": "abc"},
])
def test_api_paging_values_that_do_not_parse_are_a_400_not_ignored(field_client, params):
    """limit=abc and offset=-1 were silently served with the defaults (Schemathesis: invalid request accepted)."""
    response = field_client.get("/api/observations/", params)
    assert response.status_code == 400, response.content[:200]
    body = response.json()
    name = next(iter(params))
    assert body["code"] == "invalid" and body["errors"][name] and body["request_id"] == response["X-Request-ID"]


def test_api_paging_is_documented_with_its_bounds(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/observations/"]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["minimum"] == 1
    assert parameters["offset"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 10_000_000}


def test_field_app_json_errors_carry_code_and_request_id(client, db):
    """mine.json answered {"error": "Log in first."} without a code or request id."""
    response = client.get("/field/mine.json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied" and body["error"] and body["request_id"] == response["X-Request-ID"]


def test_ogc_errors_are_ogc_exceptions(client, db):
    response = client.post("/ogcapi/collections")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert response.json() == {"code": "MethodNotAllowed", "description": "Only GET is supported."}
    response = client.get("/ogcapi/collections/nothing-here")
    assert response.status_code == 404 and set(response.json()) == {"code", "description"}


def test_ogc_uses_drf_authentication_and_throttles_from_settings():
    """OGC endpoints re-did token authentication and throttling by hand."""
    gate = OGCGate()
    assert gate.authentication_classes == api_settings.DEFAULT_AUTHENTICATION_CLASSES
    assert gate.throttle_classes == api_settings.DEFAULT_THROTTLE_CLASSES
    assert gate.throttle_scope == "ogc"


def test_ogc_bad_token_is_a_401_ogc_exception_with_challenge(client, db):
    response = client.get("/ogcapi/collections", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] == "NotAuthenticated" and response["WWW-Authenticate"]


def test_map_page_errors_are_the_translated_html_page_with_a_way_out(client, db):
    response = client.get("/maps/", {"classes": "99", "phenomenon": "1"}, HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Karttaa ei voi näyttää näillä valinnoilla" in page
    assert 'role="alert"' in page
    assert re.search(r'href="/maps/\?phenomenon=1"', page)  # the same map without the choice at fault
    assert response["X-Request-ID"] in page  # the id support asks for (the old page had none)


def test_unknown_page_is_a_translated_404_page(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 404
    assert "Sivua ei löydy" in response.content.decode()


def test_tile_errors_are_json_never_cached(client, db):
    response = client.get("/maps/tiles/heat/21/0/0.mvt")
    assert response.status_code == 400 and response["Cache-Control"] == "no-store"
    assert set(response.json()) == {"error", "code", "request_id"}


def test_an_unavailable_database_on_a_page_is_a_503_page_with_retry_after(locked, client):  # noqa: F811
    locked("areas_municipality")
    started = time.monotonic()
    response = client.get("/maps/", HTTP_ACCEPT_LANGUAGE="fi")
    assert time.monotonic() - started < 5
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    assert "Palvelu ei ole hetkeen käytettävissä" in response.content.decode()


@pytest.mark.parametrize("path, shape", [
    ("/ogcapi/collections", "ogc"), ("/api/observations/", "api"), ("/healthz", "api"),
    ("/field/mine.json", "api"), ("/maps/tiles/heat/1/0/0.mvt", "tile"), ("/maps/", "html"),
])
def test_the_shape_is_chosen_by_route(rf, path, shape):
    assert client_shape(rf.get(path)) == shape


def test_a_request_error_keeps_its_headers_and_field(rf):
    error = RequestError("Too many.", status=429, headers={"Retry-After": "7"})
    response = render_error(rf.get("/api/phenomena/"), error)
    assert response.status_code == 429 and response["Retry-After"] == "7"
    body = json.loads(response.content)
    assert body["code"] == "throttled" and body["retry_after"] == 7
    assert RequestError("Bad.", field="limit").errors == {"limit": ["Bad."]}


def test_one_renderer_in_the_tree():
    """Six renderers were found: error_body, shaped_error, the database's own, ogc_error_response, the tile
    view's {"detail": …} and the field app's {"error": …}. Only geo_indi/core/errors.py builds an error body."""
    offenders = []
    pattern = re.compile(r"""JsonResponse\(\{\s*["'](error|detail|code)["']|def (error_body|shaped_error|"""
                         r"""ogc_error_response|unavailable_response|error_response)\b|class OGCError""")
    for path in ROOT.rglob("*.py"):
        if path.name == "errors.py" and path.parent.name == "core":
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
