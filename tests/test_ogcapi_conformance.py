"""OGC API - Features conformance under /ogcapi/: Part 1 errors and parameters, Part 2 CRS,
and the OpenAPI document of the landing page's service-desc link."""
import importlib
import json

import pytest
from django.test import Client
from openapi_spec_validator import validate
from pyproj import Transformer

from geo_indi.layers.ogc import CRS84, EPSG_3067, ITEMS_PARAMS, OPENAPI
from geo_indi.layers.params import DEFAULT_LIMIT, MAX_LIMIT

from .test_layers_fixtures import ALFA_OBJECT_POINTS, LAYER_IDS, layer_scenario  # noqa: F401
from .test_ogcapi import body_of, get_json

ITEMS = "/ogcapi/collections/observations/items"
TO_3067 = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)


def assert_ogc_exception(response, status):
    assert response.status_code == status, body_of(response)[:300]
    assert not response.streaming and response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"code", "description"} and body["description"]
    return body


# --- Part 1: parameters and errors ---------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{ITEMS}?foo=1",
        f"{ITEMS}?filter=id=1",
        f"{ITEMS}?sortby=-id",
        f"{ITEMS}?properties=id",
        f"{ITEMS}?limit=5&unknown=",
        "/ogcapi/?foo=1",
        "/ogcapi/conformance?foo=1",
        "/ogcapi/collections?bbox=25,66,26,67",
        "/ogcapi/collections/observations?limit=1",
        "/ogcapi/collections/postcode-areas/items/99001?bbox=25,66,26,67",
        "/ogcapi/openapi.json?foo=1",
    ],
)
def test_unknown_query_parameter_is_a_400(client, small_geography, url):
    body = assert_ogc_exception(client.get(url), 400)
    assert "Unknown query parameter" in body["description"]


@pytest.mark.parametrize("url", [f"{ITEMS}?f=", f"{ITEMS}?bbox=", f"{ITEMS}?phenomenon=", f"{ITEMS}?crs=", "/ogcapi/?f="])
def test_a_parameter_without_value_is_a_400_not_absent(client, small_geography, url):
    assert "No value for" in assert_ogc_exception(client.get(url), 400)["description"]


@pytest.mark.parametrize(
    "url",
    [
        f"{ITEMS}?crs=http://www.opengis.net/def/crs/EPSG/0/4326",
        f"{ITEMS}?crs=EPSG:3067",
        f"{ITEMS}?bbox=25,66,26,67&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857",
        "/ogcapi/collections/postcode-areas/items/99001?crs=urn:ogc:def:crs:EPSG::3067",
    ],
)
def test_unsupported_crs_is_a_400(client, small_geography, url):
    body = assert_ogc_exception(client.get(url), 400)
    assert CRS84 in body["description"] and EPSG_3067 in body["description"]


@pytest.mark.parametrize(
    "url",
    [
        f"{ITEMS}?limit=0",
        f"{ITEMS}?limit=-1",
        f"{ITEMS}?limit=ten",
        f"{ITEMS}?limit=1.5",
        f"{ITEMS}?after=abc",
        f"{ITEMS}?after=12345678901234567890",
        f"{ITEMS}?after=-1",
        "/ogcapi/collections/postcode-areas/items?after=a;b",
        f"{ITEMS}?datetime=9999-12-31T23:59:59Z",
        f"{ITEMS}?datetime=0001-01-01T00:00:00%2B01:00",
        f"{ITEMS}?datetime=0001-01-01T00:00:00%2B01:00/..",
        "/ogcapi/collections/municipality-stats/items?datetime=../9999-12-31T23:59:59Z",
        f"{ITEMS}?bbox=300000,7300000,400000&bbox-crs={EPSG_3067}",
        f"{ITEMS}?bbox=400000,7300000,300000,7400000&bbox-crs={EPSG_3067}",
    ],
)
def test_bad_values_are_a_400_before_the_first_byte(client, layer_scenario, url):
    """Streamed collections are answered whole: a 400 is never a 200 whose body breaks off."""
    assert_ogc_exception(client.get(url), 400)


def test_text_ids_page_after_any_id(client, layer_scenario):
    _, page = get_json(client, "/ogcapi/collections/postcode-areas/items?after=99003")
    assert [f["id"] for f in page["features"]] == ["99004", "99005"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [ITEMS, f"{ITEMS}/1", "/ogcapi/collections", "/ogcapi/"])
def test_writes_are_405_json_not_a_csrf_page(small_geography, method, url):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(url, data="{}", content_type="application/json")
    assert_ogc_exception(response, 405)
    assert response["Allow"] == "GET, HEAD"


def test_wrong_token_is_401_with_www_authenticate(client, small_geography):
    response = client.get("/ogcapi/collections", HTTP_AUTHORIZATION="Token wrong")
    assert_ogc_exception(response, 401)
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "url",
    [
        "/ogcapi/collections/people",
        "/ogcapi/collections/people/items",
        "/ogcapi/collections/people/items/1",
        f"{ITEMS}/987654321",
        "/ogcapi/collections/municipalities/items/999",
        "/ogcapi/nothing-here",
        "/ogcapi/nothing-here?foo=1",
        "/ogcapi/collections/observations/items/1/more",
    ],
)
def test_unknown_resources_are_ogc_404(client, small_geography, url):
    assert assert_ogc_exception(client.get(url), 404)["code"] == "NotFound"


# --- Part 2: CRS by reference ---------------------------------------------------------


def test_conformance_and_collections_declare_the_crs(client, small_geography):
    _, conformance = get_json(client, "/ogcapi/conformance")
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance["conformsTo"]
    _, collections = get_json(client, "/ogcapi/collections")
    for collection in collections["collections"]:
        assert collection["crs"] == [CRS84, EPSG_3067]
        assert collection["storageCrs"] == EPSG_3067
        assert collection["extent"]["spatial"]["crs"] == CRS84


def test_items_in_epsg_3067_are_transformed_by_postgis(client, layer_scenario):
    response, wgs84 = get_json(client, ITEMS)
    assert response["Content-Crs"] == f"<{CRS84}>"
    response, etrs = get_json(client, f"{ITEMS}?crs={EPSG_3067}")
    assert response["Content-Crs"] == f"<{EPSG_3067}>"
    assert [f["id"] for f in etrs["features"]] == [f["id"] for f in wgs84["features"]]
    for a, b in zip(wgs84["features"], etrs["features"]):
        x, y = TO_3067.transform(*a["geometry"]["coordinates"])
        assert b["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.2)
    # The points lie in Lapland: ETRS-TM35FIN easting ~0.4-0.5 M, northing ~7.3 M metres.
    assert all(3e5 < f["geometry"]["coordinates"][0] < 6e5 for f in etrs["features"])
    assert all(7.2e6 < f["geometry"]["coordinates"][1] < 7.4e6 for f in etrs["features"])


def test_single_feature_and_areas_in_epsg_3067(client, layer_scenario):
    response, area = get_json(client, f"/ogcapi/collections/postcode-areas/items/99001?crs={EPSG_3067}")
    assert response["Content-Crs"] == f"<{EPSG_3067}>"
    assert area["geometry"]["type"] == "MultiPolygon"
    x, y = area["geometry"]["coordinates"][0][0][0]
    assert 3e5 < x < 6e5 and 7.2e6 < y < 7.4e6
    response, _ = get_json(client, "/ogcapi/collections/postcode-areas/items/99001")
    assert response["Content-Crs"] == f"<{CRS84}>"


def test_bbox_crs_epsg_3067_selects_by_metres(client, layer_scenario):
    lat, lon = ALFA_OBJECT_POINTS[1]
    x, y = TO_3067.transform(lon, lat)
    box = f"{x - 100},{y - 100},{x + 100},{y + 100}"
    _, page = get_json(client, f"{ITEMS}?bbox={box}&bbox-crs={EPSG_3067}")
    assert len(page["features"]) == 1
    assert page["features"][0]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
    # The same numbers read as CRS84 are not a valid longitude/latitude box.
    assert client.get(f"{ITEMS}?bbox={box}").status_code == 400


def test_next_link_keeps_crs_and_bbox_crs(client, layer_scenario):
    box = "300000,7200000,600000,7400000"
    url = f"{ITEMS}?limit=1&crs={EPSG_3067}&bbox={box}&bbox-crs={EPSG_3067}"
    seen = []
    while url:
        response, page = get_json(client, url)
        assert response["Content-Crs"] == f"<{EPSG_3067}>"
        seen += [f["id"] for f in page["features"]]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
    assert sorted(seen) == sorted(o.id for o in layer_scenario["alfa_objects"])


# --- OpenAPI behind service-desc ------------------------------------------------------


def parameter_names(doc, path):
    """Names of the GET parameters of a path, by reference to components or inline."""
    components = doc["components"]["parameters"]
    return {
        components[p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"]
        for p in doc["paths"][path]["get"]["parameters"]
    }


def test_service_desc_is_a_valid_openapi_document_of_ogcapi(client, small_geography):
    _, landing = get_json(client, "/ogcapi/")
    desc = next(link for link in landing["links"] if link["rel"] == "service-desc")
    assert desc["href"] == "http://testserver/ogcapi/openapi.json" and desc["type"] == OPENAPI
    response = client.get("/ogcapi/openapi.json")
    assert response.status_code == 200 and response["Content-Type"] == OPENAPI
    doc = response.json()
    validate(doc)
    assert doc["servers"] == [{"url": "http://testserver/ogcapi"}]
    for cid in LAYER_IDS:
        for path in (f"/collections/{cid}", f"/collections/{cid}/items", f"/collections/{cid}/items/{{featureId}}"):
            assert "get" in doc["paths"][path], path
        assert parameter_names(doc, f"/collections/{cid}/items") == ITEMS_PARAMS
    limit = doc["components"]["parameters"]["limit"]["schema"]
    assert (limit["default"], limit["maximum"], limit["minimum"]) == (DEFAULT_LIMIT, MAX_LIMIT, 1)
    assert doc["components"]["parameters"]["crs"]["schema"]["enum"] == [CRS84, EPSG_3067]


def test_every_documented_items_parameter_is_accepted(client, layer_scenario):
    ilkivalta = layer_scenario["phenomena"]["ilkivalta"]
    values = {
        "f": "json", "crs": CRS84, "bbox-crs": CRS84, "bbox": "25,66,26,67", "datetime": "2025-03-01/..",
        "limit": "2", "offset": "0", "after": "0", "direction": "weakens", "municipality": "698",
        "postcode": "99001", "phenomenon": ilkivalta.id, "category": ilkivalta.categories.first().id,
        "age_group": "adults", "subject": "object", "year": "2026", "unit": "records",
        "date_from": "2025-03-01", "date_to": "2025-03-31",
    }
    doc = client.get("/ogcapi/openapi.json").json()
    for name in parameter_names(doc, "/collections/observations/items"):
        response = client.get(f"{ITEMS}?{name}={values[name]}")
        assert response.status_code == 200, (name, body_of(response)[:300])


def test_service_doc_is_a_self_hosted_page(client, small_geography):
    _, landing = get_json(client, "/ogcapi/")
    doc = next(link for link in landing["links"] if link["rel"] == "service-doc")
    response = client.get(doc["href"].replace("http://testserver", ""))
    assert response.status_code == 200 and b"/ogcapi/openapi.json" in response.content


def test_landing_page_advises_page_size(client, small_geography):
    page = client.get("/ogcapi/?f=html").content.decode()
    assert f"PAGE_SIZE={DEFAULT_LIMIT}" in page and str(MAX_LIMIT) in page.replace("\u00a0", "").replace(" ", "")


# --- The conformance declaration: exactly the classes these tests prove -----------------------

# Each declared class and the tests that check it (module: test names). A class is declared only here.
PROVEN_BY = {
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core": {
        "test_ogcapi": ["test_landing_conformance_and_collections", "test_items_paging_with_next_links",
                        "test_single_feature", "test_errors_are_ogc_exceptions"],
        "test_ogcapi_conformance": ["test_unknown_query_parameter_is_a_400", "test_bad_values_are_a_400_before_the_first_byte"],
        "test_ogcapi_gis": ["test_bbox_with_six_numbers_is_its_2d_box",
                            "test_bbox_across_the_antimeridian_runs_east_from_minlon"],
    },
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30": {
        "test_ogcapi_conformance": ["test_service_desc_is_a_valid_openapi_document_of_ogcapi",
                                    "test_every_documented_items_parameter_is_accepted"],
        "test_ogcapi_gis": ["test_openapi_types_each_collections_properties_and_gives_crs_defaults"],
    },
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html": {"test_ogcapi": ["test_html_for_people"]},
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson": {
        "test_ogcapi": ["test_gdal_oapif_reads_every_collection"],
        "test_ogcapi_gis": ["test_stats_layers_counts_are_json_numbers"],
    },
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs": {
        "test_ogcapi_conformance": ["test_conformance_and_collections_declare_the_crs",
                                    "test_items_in_epsg_3067_are_transformed_by_postgis",
                                    "test_bbox_crs_epsg_3067_selects_by_metres"],
    },
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables": {
        "test_ogcapi_gis": ["test_queryables_are_a_json_schema_of_the_parameters_each_collection_takes"],
    },
}


def test_conformance_declares_exactly_the_classes_proven_here(client, small_geography):
    """Neither a class without tests (Part 3's filter, sorting, properties are not declared) nor a tested one left
    out; and every test named above exists."""
    _, doc = get_json(client, "/ogcapi/conformance")
    assert doc["conformsTo"] == list(PROVEN_BY)
    for tests in PROVEN_BY.values():
        for module, names in tests.items():
            found = importlib.import_module(f"tests.{module}")
            assert all(callable(getattr(found, name, None)) for name in names), (module, names)
