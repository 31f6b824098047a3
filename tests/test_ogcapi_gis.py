"""GIS users first-class (issue 26, parts 1-3), through Django's test client: HTTP Basic with an API token on
/ogcapi/ and the layer downloads, URLs and filters as GDAL and QGIS send them, typed and self-describing
collections. The real clients (QGIS's provider, GDAL) are in tests/test_qgis_client.py.

Fixture: tests/test_layers_fixtures.py — 3 public ilkivalta objects in Alfa (lon 25.05, 25.10, 25.15;
2025-03-01, 2025-03-10, 2025-04-01) and one internal nuorten-paihteet object of the 320 organisation."""
import base64
import datetime as dt
import json

import pytest

from geo_indi.accounts.tokens import api_token_create
from geo_indi.layers.ogc import CRS84
from geo_indi.observations.models import Category

from .test_layers_fixtures import LAYER_IDS, layer_scenario  # noqa: F401
from .test_ogcapi import body_of, get_json

ITEMS = "/ogcapi/collections/observations/items"


def basic(username, password):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def ids(client, url, **headers):
    _, page = get_json(client, url, **headers)
    return sorted(f["id"] for f in page["features"])


@pytest.fixture
def member_key(layer_scenario):
    """An API token of the 320 field worker, who also sees the organisation's internal object."""
    return api_token_create(user=layer_scenario["users"]["field_320"], name="QGIS")[1]


# --- 1. HTTP Basic with an API token ----------------------------------------------------------


def test_basic_with_username_and_token_gets_the_members_view_over_https(client, layer_scenario, member_key):
    public = sorted(o.id for o in layer_scenario["alfa_objects"])
    assert ids(client, ITEMS, secure=True) == public
    signed_in = ids(client, ITEMS, secure=True, **basic("field320", member_key))
    assert signed_in == sorted([*public, layer_scenario["gamma_internal"].id])


@pytest.mark.parametrize("username, password", [("field320", "wrong"), ("field698", None), ("root", "pw-for-tests")])
def test_basic_with_a_wrong_password_is_a_401_ogc_exception_with_a_basic_challenge(
        client, layer_scenario, member_key, username, password):
    """A wrong token, another user's token, or the account's own password (never accepted here)."""
    response = client.get(ITEMS, secure=True, **basic(username, password or member_key))
    assert response.status_code == 401 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "NotAuthenticated" and body["description"]
    assert response["WWW-Authenticate"] == 'Basic realm="geo_indi"'


def test_basic_over_plain_http_is_refused_in_production(client, layer_scenario, member_key, settings):
    settings.DEBUG = False
    settings.GEO_INDI_BASIC_AUTH_OVER_HTTP = False
    response = client.get(ITEMS, **basic("field320", member_key))
    assert response.status_code == 401 and "HTTPS" in response.json()["description"]
    settings.GEO_INDI_BASIC_AUTH_OVER_HTTP = True  # a TLS proxy that does not say so: the operator allows it
    assert layer_scenario["gamma_internal"].id in ids(client, ITEMS, **basic("field320", member_key))


def test_layer_downloads_take_basic_too(client, layer_scenario, member_key):
    url = "/api/layers/observations.geojson"
    response = client.get(url, secure=True, **basic("field320", member_key))
    assert response.status_code == 200
    got = [f["id"] for f in json.loads(body_of(response))["features"]]
    assert layer_scenario["gamma_internal"].id in got
    wrong = client.get(url, secure=True, **basic("field320", "wrong"))
    assert wrong.status_code == 401 and wrong.json()["code"] == "authentication_failed"
    assert wrong["WWW-Authenticate"].startswith("Basic")


def test_the_api_schema_names_basic_on_the_layer_downloads(client, small_geography):
    doc = client.get("/api/schema/?format=json").json()
    assert doc["components"]["securitySchemes"]["basicToken"] == {**doc["components"]["securitySchemes"]["basicToken"],
                                                                  "type": "http", "scheme": "basic"}
    security = doc["paths"]["/api/layers/observations.geojson"]["get"]["security"]
    assert {"basicToken": []} in security and {"tokenAuth": []} in security


def test_a_wrong_token_header_is_still_challenged_with_token(client, layer_scenario):
    response = client.get(ITEMS, HTTP_AUTHORIZATION="Token wrong")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_openapi_declares_basic_and_token(client, small_geography):
    schemes = client.get("/ogcapi/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["basic"] == {**schemes["basic"], "type": "http", "scheme": "basic"}
    assert schemes["token"]["type"] == "apiKey"


# --- 2. URLs and filters as clients send them ---------------------------------------------------


def test_ogcapi_without_the_slash_is_the_landing_page_not_a_redirect(client, small_geography):
    response, doc = get_json(client, "/ogcapi")
    assert response.status_code == 200
    assert {"service-desc", "conformance", "data"} <= {link["rel"] for link in doc["links"]}
    bad = client.get("/ogcapi?foo=1")
    assert bad.status_code == 400 and set(bad.json()) == {"code", "description"}


@pytest.mark.parametrize("by", ["slug", "id"])
def test_phenomenon_and_category_filters_take_the_slug_and_the_id(client, layer_scenario, by):
    ilkivalta = layer_scenario["phenomena"]["ilkivalta"]
    category = ilkivalta.categories.order_by("id").first()
    expected = sorted(o.id for o in layer_scenario["alfa_objects"] if o.category_id == category.id)
    assert ids(client, f"{ITEMS}?phenomenon={getattr(ilkivalta, by)}") == sorted(o.id for o in layer_scenario["alfa_objects"])
    assert ids(client, f"{ITEMS}?phenomenon={ilkivalta.slug}&category={getattr(category, by)}") == expected
    assert ids(client, f"{ITEMS}?phenomenon=yksinaisyys") == []


def test_the_rest_api_takes_the_slug_too(client, layer_scenario):
    """Declared once (observations/filters.py): the REST API's list gets the same parsing."""
    client.force_login(layer_scenario["users"]["admin"])
    by_slug = client.get("/api/observations/?phenomenon=ilkivalta&limit=100").json()
    by_id = client.get(f"/api/observations/?phenomenon={layer_scenario['phenomena']['ilkivalta'].id}&limit=100").json()
    assert by_slug == by_id and by_slug["count"] == 3


def test_a_category_slug_of_several_phenomena_needs_the_phenomenon(client, layer_scenario):
    phenomena = layer_scenario["phenomena"]
    slug = phenomena["ilkivalta"].categories.order_by("id").first().slug
    Category.objects.create(phenomenon=phenomena["yksinaisyys"], slug=slug, name_fi="Sama tunniste")
    response = client.get(f"{ITEMS}?category={slug}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "give phenomenon too" in response.json()["description"]
    category = phenomena["ilkivalta"].categories.order_by("id").first()
    assert client.get(f"{ITEMS}?category={slug}&phenomenon=ilkivalta").status_code == 200
    assert ids(client, f"{ITEMS}?category={slug}&phenomenon=ilkivalta") == ids(client, f"{ITEMS}?category={category.id}")


@pytest.mark.parametrize("value", ["ei-tallaista", "0", "a b", "x" * 61])
def test_an_unknown_or_malformed_phenomenon_is_a_400(client, layer_scenario, value):
    response = client.get(f"{ITEMS}?phenomenon={value}")
    assert response.status_code == 400 and response.json()["code"] == "InvalidParameterValue"


def test_error_texts_follow_accept_language(client, layer_scenario):
    english = client.get(f"{ITEMS}?phenomenon=ei-tallaista", HTTP_ACCEPT_LANGUAGE="en").json()["description"]
    finnish = client.get(f"{ITEMS}?phenomenon=ei-tallaista", HTTP_ACCEPT_LANGUAGE="fi").json()["description"]
    assert english == "phenomenon: No phenomenon with the identifier 'ei-tallaista'."
    assert finnish != english and "ei-tallaista" in finnish
    assert "Enter a whole number" in client.get(f"{ITEMS}?limit=x&year=x", HTTP_ACCEPT_LANGUAGE="en").json()[
        "description"]


@pytest.mark.parametrize(
    "datetime, days",
    [
        ("2025-03-10T/..", ["2025-03-10", "2025-04-01"]),  # GDAL 3.6's open interval
        ("../2025-03-10T", ["2025-03-01", "2025-03-10"]),
        ("2025-03-10T10:00Z", ["2025-03-10"]),  # no seconds, with its offset
        ("2025-03-01T00:00+02:00/2025-03-10T23:59Z", ["2025-03-01", "2025-03-10"]),
    ],
)
def test_datetime_forms_gdal_and_qgis_send(client, layer_scenario, datetime, days):
    _, page = get_json(client, f"{ITEMS}?datetime={datetime.replace('+', '%2B')}")
    assert sorted(f["properties"]["observed_on"] for f in page["features"]) == days


@pytest.mark.parametrize("datetime", ["2025-03-10T10:00", "2025-03-10T10", "2025-3-10T"])
def test_ambiguous_datetimes_stay_a_400(client, layer_scenario, datetime):
    """A time of day without an offset names no instant."""
    assert client.get(f"{ITEMS}?datetime={datetime}").status_code == 400


# --- 3. Typed, self-describing collections ------------------------------------------------------


def test_bbox_with_six_numbers_is_its_2d_box(client, layer_scenario):
    four = ids(client, f"{ITEMS}?bbox=25.04,66.02,25.11,66.06")
    assert four and ids(client, f"{ITEMS}?bbox=25.04,66.02,-100,25.11,66.06,100") == four


def test_bbox_across_the_antimeridian_runs_east_from_minlon(client, layer_scenario):
    """minlon 25.12 > maxlon 25.07: 25.12..180 and -180..25.07, so lon 25.15 and 25.05, not 25.10."""
    objects = layer_scenario["alfa_objects"]
    assert ids(client, f"{ITEMS}?bbox=25.12,66.0,25.07,66.1") == sorted([objects[0].id, objects[2].id])
    assert ids(client, f"{ITEMS}?bbox=170,66,-170,67") == []


def test_stats_layers_counts_are_json_numbers(client, layer_scenario):
    """The coordinator of 698 sees Alfa exactly: 9 (ilkivalta 3, yksinaisyys 6), every count an integer."""
    client.force_login(layer_scenario["users"]["coord_698"])
    _, page = get_json(client, "/ogcapi/collections/postcode-area-stats/items?year=2025")
    alfa = next(f["properties"] for f in page["features"] if f["id"] == "99001")
    assert (alfa["count"], alfa["ilkivalta"], alfa["yksinaisyys"]) == (9, 3, 6)
    for name in ("count", "occurrences", "records", "weakens", "strengthens", "ilkivalta", "yksinaisyys"):
        assert type(alfa[name]) is int, name


def test_openapi_types_each_collections_properties_and_gives_crs_defaults(client, layer_scenario):
    client.force_login(layer_scenario["users"]["coord_698"])
    doc = client.get("/ogcapi/openapi.json").json()
    parameters = doc["components"]["parameters"]
    assert parameters["crs"]["schema"]["default"] == parameters["bbox-crs"]["schema"]["default"] == CRS84
    assert parameters["bbox"]["schema"]["maxItems"] == 6
    stats = doc["components"]["schemas"]["featureCollection-postcode-area-stats"]["allOf"][1]
    properties = stats["properties"]["features"]["items"]["allOf"][1]["properties"]["properties"]["properties"]
    for name in ("count", "occurrences", "records", "weakens", "strengthens", "ilkivalta", "yksinaisyys"):
        assert properties[name] == {"type": "integer", "nullable": True}, name
    assert properties["count_label"]["type"] == "string" and properties["suppressed"]["type"] == "boolean"
    points = doc["components"]["schemas"]["featureCollection-observations"]["allOf"][1]
    point_props = points["properties"]["features"]["items"]["allOf"][1]["properties"]["properties"]["properties"]
    assert point_props["observed_on"] == {"type": "string", "format": "date", "nullable": True}
    assert point_props["occurrences"]["type"] == "integer"
    items = doc["paths"]["/collections/postcode-area-stats/items"]["get"]["responses"]["200"]["content"]
    assert items["application/geo+json"]["schema"] == {"$ref": "#/components/schemas/featureCollection-postcode-area-stats"}


@pytest.mark.parametrize("cid", LAYER_IDS)
def test_queryables_are_a_json_schema_of_the_parameters_each_collection_takes(client, layer_scenario, cid):
    client.force_login(layer_scenario["users"]["admin"])  # any period (outsiders get calendar years)
    _, collection = get_json(client, f"/ogcapi/collections/{cid}")
    link = next(link for link in collection["links"] if link["rel"].endswith("/queryables"))
    response = client.get(link["href"].replace("http://testserver", ""))
    assert response.status_code == 200 and response["Content-Type"] == "application/schema+json"
    schema = response.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == link["href"] and schema["type"] == "object" and schema["additionalProperties"] is False
    queryables = schema["properties"]
    assert queryables["geometry"]["$ref"].startswith("https://geojson.org/schema/")
    assert queryables["postcode"]["pattern"] == r"^\d{5}$"
    # Each queryable is a query parameter of the items: a valid value is served.
    values = {"phenomenon": "ilkivalta", "category": "1", "subject": "object", "direction": "weakens",
              "age_group": "adults", "municipality": "698", "postcode": "99001", "date_from": "2025-03-01",
              "date_to": "2025-03-31", "year": "2025", "datetime": "2025-03-01/.."}
    for name in set(queryables) - {"geometry"}:
        got = client.get(f"/ogcapi/collections/{cid}/items?{name}={values[name]}")
        assert got.status_code == 200, (name, body_of(got)[:200])
    temporal = cid in ("observations", "postcode-area-stats", "municipality-stats")
    assert ("phenomenon" in queryables) is temporal and ("datetime" in queryables) is temporal


def test_temporal_extent_is_whole_months_of_the_observations(client, layer_scenario):
    """Observations from 2025-03-01 to 2025-04-01: March and April 2025."""
    _, collections = get_json(client, "/ogcapi/collections")
    by_id = {c["id"]: c["extent"] for c in collections["collections"]}
    for cid in ("observations", "postcode-area-stats", "municipality-stats"):
        assert by_id[cid]["temporal"] == {
            "interval": [["2025-03-01T00:00:00Z", "2025-04-30T23:59:59Z"]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    assert "temporal" not in by_id["postcode-areas"] and "temporal" not in by_id["municipalities"]
    assert dt.date.fromisoformat(by_id["observations"]["temporal"]["interval"][0][0][:10]) == dt.date(2025, 3, 1)


def test_documents_take_the_filters_gdal_repeats_and_check_them(client, layer_scenario):
    """GDAL's OAPIF:…/collections/observations?phenomenon=ilkivalta sends the query with every request."""
    for url in ("/ogcapi/collections", "/ogcapi/collections/observations", "/ogcapi/"):
        assert client.get(f"{url}?phenomenon=ilkivalta&year=2025").status_code == 200
        assert client.get(f"{url}?phenomenon=ei-tallaista").status_code == 400
    assert client.get("/ogcapi/collections?limit=10").status_code == 400


# --- The "Connect QGIS" page ---------------------------------------------------------------------


@pytest.mark.parametrize("lang, title, basic", [("fi", "Yhdistä QGIS", "Basic-tunnistautuminen"),
                                                ("sv", "Anslut QGIS", "Basic-autentisering"),
                                                ("en", "Connect QGIS", "Basic authentication")])
def test_connect_qgis_page_gives_url_username_token_place_and_what_they_see(client, layer_scenario, lang, title,
                                                                           basic):
    client.force_login(layer_scenario["users"]["coord_698"])
    profile = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert 'href="/accounts/qgis/"' in profile
    response = client.get("/accounts/qgis/", HTTP_ACCEPT_LANGUAGE=lang, secure=True)
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page and basic in page
    assert '<code id="qgis-url">https://testserver/ogcapi</code>' in page
    assert '<code id="qgis-username">coord698</code>' in page
    assert 'href="/accounts/profile/#tokens-title"' in page
    assert "Rovaniemi" in page and "Kemijärvi" not in page  # exact counts only in the organisation's own
    assert 'role="alert"' not in page  # over HTTPS nothing to warn about


def test_connect_qgis_page_warns_where_basic_would_be_refused(client, layer_scenario, settings):
    settings.DEBUG = False
    settings.GEO_INDI_BASIC_AUTH_OVER_HTTP = False
    client.force_login(layer_scenario["users"]["field_320"])
    page = client.get("/accounts/qgis/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'role="alert"' in page and "only over HTTPS" in page


def test_connect_qgis_page_is_for_signed_in_users(client, small_geography):
    response = client.get("/accounts/qgis/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
