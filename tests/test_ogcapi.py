"""OGC API - Features under /ogcapi/: documents, paging, negotiation, errors, and GDAL's OAPIF driver."""
import json
import subprocess

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token

from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.layers.params import DEFAULT_LIMIT, MAX_LIMIT
from geo_indi.observations import suppression
from geo_indi.observations.models import Observation

from .test_layers_fixtures import FORBIDDEN_KEYS, LAYER_IDS, SECRET, layer_scenario  # noqa: F401


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def get_json(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, body_of(response)[:500]
    return response, json.loads(body_of(response))


def rels(doc):
    return {link["rel"] for link in doc["links"]}


def test_landing_conformance_and_collections(client, layer_scenario):
    _, landing = get_json(client, "/ogcapi/")
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= rels(landing)
    _, conformance = get_json(client, "/ogcapi/conformance")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance["conformsTo"]
    _, collections = get_json(client, "/ogcapi/collections")
    assert [c["id"] for c in collections["collections"]] == LAYER_IDS
    for c in collections["collections"]:
        assert "items" in rels(c)
        minlon, minlat, maxlon, maxlat = c["extent"]["spatial"]["bbox"][0]
        # The small geography spans 25.0..26.2 E, 66.0..66.2 N.
        assert minlon == pytest.approx(25.0, abs=0.01) and maxlon == pytest.approx(26.2, abs=0.01)
        assert minlat == pytest.approx(66.0, abs=0.01) and maxlat == pytest.approx(66.2, abs=0.01)
    _, one = get_json(client, "/ogcapi/collections/postcode-areas")
    assert one["id"] == "postcode-areas" and one["itemType"] == "feature"


def test_items_paging_with_next_links(client, layer_scenario):
    expected = {o.id for o in layer_scenario["alfa_objects"]}  # anonymous: the 3 public object points
    seen, url, pages = [], "/ogcapi/collections/observations/items?limit=2", 0
    while url:
        response, page = get_json(client, url)
        assert response["Content-Type"] == "application/geo+json"
        assert page["numberReturned"] == len(page["features"])
        # Counted once, on the first page; pages reached by `next` do not count again.
        assert page.get("numberMatched") == (3 if pages == 0 else None)
        seen += [f["id"] for f in page["features"]]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
        if url:  # keyset paging: continue after the last id of this page
            assert f"after={page['features'][-1]['id']}" in url and "offset=" not in url
        pages += 1
    assert pages == 2 and sorted(seen) == sorted(expected)


def test_exactly_full_last_page_has_no_next_link(client, layer_scenario):
    _, page = get_json(client, "/ogcapi/collections/observations/items?limit=3")
    assert page["numberReturned"] == 3
    assert not [link for link in page["links"] if link["rel"] == "next"]


def test_items_filters_and_default_limit(client, layer_scenario):
    _, page = get_json(client, "/ogcapi/collections/observations/items?bbox=25.04,66.02,25.11,66.06&datetime=2025-03-01/..")
    assert {f["properties"]["observed_on"] for f in page["features"]} == {"2025-03-01", "2025-03-10"}
    self_link = next(link["href"] for link in page["links"] if link["rel"] == "self")
    assert f"limit={DEFAULT_LIMIT}" in self_link and "bbox=" in self_link


def test_items_follow_roles_with_session_and_token(client, layer_scenario):
    users = layer_scenario["users"]
    internal = layer_scenario["gamma_internal"].id
    _, anonymous = get_json(client, "/ogcapi/collections/observations/items")
    assert internal not in {f["id"] for f in anonymous["features"]}
    token = Token.objects.create(user=users["admin"])
    _, with_token = get_json(client, "/ogcapi/collections/observations/items", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert internal in {f["id"] for f in with_token["features"]}
    assert client.get("/ogcapi/collections", HTTP_AUTHORIZATION="Token wrong").status_code == 401
    client.force_login(users["coord_698"])
    _, stats = get_json(client, "/ogcapi/collections/postcode-area-stats/items?year=2025")
    alfa = next(f for f in stats["features"] if f["id"] == "99001")
    assert alfa["properties"]["ilkivalta"] == 3


def test_single_feature(client, layer_scenario):
    alfa_object = layer_scenario["alfa_objects"][0]
    response, feature = get_json(client, f"/ogcapi/collections/observations/items/{alfa_object.id}")
    assert response["Content-Type"] == "application/geo+json"
    assert feature["type"] == "Feature" and feature["id"] == alfa_object.id
    assert not FORBIDDEN_KEYS & set(feature["properties"])
    assert SECRET not in json.dumps(feature)
    _, gamma = get_json(client, "/ogcapi/collections/postcode-area-stats/items/99003")
    assert gamma["properties"]["count"] is None and gamma["properties"]["count_label"] == ".."
    # Person observations and internal phenomena are not features for the public.
    for hidden in (layer_scenario["alfa_people"][0].id, layer_scenario["gamma_internal"].id):
        response = client.get(f"/ogcapi/collections/observations/items/{hidden}")
        assert response.status_code == 404 and response.json()["code"] == "NotFound"


@pytest.mark.parametrize(
    "url, status",
    [
        ("/ogcapi/collections/people", 404),
        ("/ogcapi/collections/people/items", 404),
        ("/ogcapi/collections/observations/items/abc", 404),
        ("/ogcapi/collections/observations/items/99999999999999999999", 404),
        ("/ogcapi/collections/postcode-areas/items/00000", 404),
        ("/ogcapi/collections/observations/items?limit=0", 400),
        ("/ogcapi/collections/observations/items?limit=-5", 400),
        ("/ogcapi/collections/observations/items?offset=x", 400),
        ("/ogcapi/collections/observations/items?after=1;drop", 400),
        ("/ogcapi/collections/observations/items?bbox=25,67,26,66", 400),
        ("/ogcapi/collections/observations/items?bbox=25,66,26", 400),
        ("/ogcapi/collections/municipalities/items?datetime=2025-04-01/2025-03-01", 400),
        ("/ogcapi/collections/municipality-stats/items?phenomenon=loneliness", 400),
        ("/ogcapi/collections/postcode-area-stats/items?category=x", 400),
        ("/ogcapi/collections/observations/items?f=xml", 400),
    ],
)
def test_errors_are_ogc_exceptions(client, small_geography, url, status):
    response = client.get(url)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "description"} and body["description"]


@pytest.mark.parametrize("limit", [MAX_LIMIT, MAX_LIMIT + 1, 1_000_000_000, 9223372036854775808, "0" + "9" * 30])
def test_limit_above_the_maximum_is_served_at_the_maximum(client, layer_scenario, limit):
    _, page = get_json(client, f"/ogcapi/collections/postcode-areas/items?limit={limit}")
    assert page["numberReturned"] == 5
    self_link = next(link["href"] for link in page["links"] if link["rel"] == "self")
    assert f"limit={MAX_LIMIT}" in self_link


def test_html_for_people(client, layer_scenario):
    browser = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for url in (
        "/ogcapi/",
        "/ogcapi/conformance",
        "/ogcapi/collections",
        "/ogcapi/collections/observations",
        "/ogcapi/collections/postcode-area-stats/items",
        "/ogcapi/collections/municipalities/items/698",
    ):
        response = client.get(url, **browser)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html"), url
        assert b"<h1>" in response.content
    page = client.get("/ogcapi/collections/postcode-area-stats/items?f=html").content.decode()
    assert "99003" in page and ".." in page
    # GDAL and QGIS ask for JSON; f=json wins over a browser's Accept header.
    assert client.get("/ogcapi/", HTTP_ACCEPT="application/json")["Content-Type"] == "application/json"
    assert client.get("/ogcapi/?f=json", **browser)["Content-Type"] == "application/json"


# --- GDAL's OAPIF driver (what QGIS uses) against a live server ----------------------


def expected_counts_for_anonymous():
    """What an anonymous client must receive, straight from the database."""
    return {
        "observations": Observation.objects.object_points_for(AnonymousUser()).count(),
        "postcode-area-stats": PostcodeArea.objects.count(),
        "municipality-stats": Municipality.objects.count(),
        "postcode-areas": PostcodeArea.objects.count(),
        "municipalities": Municipality.objects.count(),
    }


@pytest.mark.gdal
def test_gdal_oapif_reads_every_collection(live_server, transactional_db, layer_scenario, tmp_path):
    source = f"OAPIF:{live_server.url}/ogcapi"
    listing = subprocess.run(["ogrinfo", "-ro", source], capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr
    for number, layer_id in enumerate(LAYER_IDS, start=1):
        assert f"{number}: {layer_id} " in listing.stdout

    expected = expected_counts_for_anonymous()
    assert expected == {"observations": 3, "postcode-area-stats": 5, "municipality-stats": 2,
                        "postcode-areas": 5, "municipalities": 2}
    for layer_id in LAYER_IDS:
        out = tmp_path / f"{layer_id}.geojson"
        # A page size of 2 makes GDAL follow the next links.
        run = subprocess.run(
            ["ogr2ogr", "-f", "GeoJSON", str(out), source, layer_id, "-oo", "PAGE_SIZE=2"],
            capture_output=True, text=True, timeout=120,
        )
        assert run.returncode == 0, run.stderr
        features = json.loads(out.read_text())["features"]
        assert len(features) == expected[layer_id], layer_id

        if layer_id == "municipality-stats":
            for f in features:  # anonymous, this year (no observations): hidden 0s, like small counts
                assert f["properties"]["count"] is None and f["properties"]["count_label"] == suppression.HIDDEN
        if layer_id == "observations":
            assert {f["properties"]["id"] for f in features} == {o.id for o in layer_scenario["alfa_objects"]}
            assert SECRET not in out.read_text()


@pytest.fixture
def many_object_points(tmp_path, users, phenomena):
    """10,050 public object points (more than the largest page of earlier versions, 10,000),
    written by the bulk importer: 10,000 about vandalism, 50 about hobbies."""
    import csv
    import uuid

    from django.core.management import call_command
    from django.db import connection

    from geo_indi.observations.importing import CSV_FIELDS

    from .conftest import INSIDE_ALFA

    path = tmp_path / "points.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for i in range(10_050):
            writer.writerow({
                "client_uuid": str(uuid.uuid4()), "phenomenon": "ilkivalta" if i < 10_000 else "harrastustoiminta",
                "subject": "object", "direction": "weakens", "observed_on": "2025-03-01",
                "lat": INSIDE_ALFA[0] + (i % 100) * 0.0001, "lon": INSIDE_ALFA[1] + (i // 100) * 0.0001,
            })
    call_command("import_observations", str(path), "--reporter", "field698", stdout=open("/dev/null", "w"))
    with connection.cursor() as cur:
        cur.execute("ANALYZE observations_observation")
    return {"count": 10_050, "vandalism": phenomena["ilkivalta"].pk, "hobbies": phenomena["harrastustoiminta"].pk}


def test_large_page_counts_once_and_continues_by_keyset(client, many_object_points):
    limit = 10_020  # above the old maximum, below MAX_LIMIT
    assert limit < MAX_LIMIT
    _, first = get_json(client, f"/ogcapi/collections/observations/items?limit={limit}")
    assert first["numberReturned"] == len(first["features"]) == limit
    assert first["numberMatched"] == many_object_points["count"]
    ids = [f["id"] for f in first["features"]]
    assert ids == sorted(ids)
    nxt = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert f"after={ids[-1]}" in nxt and f"limit={limit}" in nxt and "offset=" not in nxt
    _, second = get_json(client, nxt.replace("http://testserver", ""))
    assert second["numberReturned"] == many_object_points["count"] - limit
    assert "numberMatched" not in second and "next" not in rels(second)
    assert min(f["id"] for f in second["features"]) > ids[-1]
    _, hobbies = get_json(
        client, f"/ogcapi/collections/observations/items?phenomenon={many_object_points['hobbies']}&limit=10")
    assert hobbies["numberMatched"] == 50 and hobbies["numberReturned"] == 10


def test_next_page_reads_the_id_index_with_the_filters_applied(many_object_points):
    """The page after=<id> is an index range scan on the primary key (no sort of all matches),
    with the visibility and request filters checked on the rows it reads."""
    from django.db import connection

    from geo_indi.layers import streaming
    from geo_indi.layers.params import parse_layer_query
    from geo_indi.layers.services import get_layer

    query = parse_layer_query({"phenomenon": str(many_object_points["vandalism"]), "limit": "100"}, paged=True)
    lsql = get_layer("observations").sql(AnonymousUser(), query)
    after = Observation.objects.order_by("id").values_list("id", flat=True)[5000]
    sql, params = streaming.feature_sql(lsql, limit=query.limit + 1, after=after)
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(line for (line,) in cur.fetchall())
    assert "Index Scan using observations_observation_pkey on observations_observation" in plan, plan
    assert "Index Cond: (id > " in plan, plan
    assert "Sort" not in plan.split("Index Scan using observations_observation_pkey")[0], plan
    index_scan = plan.split("Index Scan using observations_observation_pkey")[1].split("->")[0]
    assert "phenomenon_id = " in index_scan and "subject" in index_scan, plan  # filtered as it reads
