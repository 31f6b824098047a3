"""GeoJSON layers under /api/layers/: visibility, suppression, filters, bad input, streaming."""
import json
import re
import subprocess

import pytest
from django.db import connection
from django.http import StreamingHttpResponse

from geo_indi.areas.models import Municipality, PostcodeArea

from .test_layers_fixtures import FORBIDDEN_KEYS, LAYER_IDS, SECRET, layer_scenario  # noqa: F401


def fetch(client, url, user=None):
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def geojson(client, layer, user=None, query=""):
    response, body = fetch(client, f"/api/layers/{layer}.geojson{query}", user)
    assert response.status_code == 200, body[:500]
    return json.loads(body)


def by_id(collection):
    return {f["id"]: f for f in collection["features"]}


# --- object points -----------------------------------------------------------------


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", {"alfa"}), ("field_698", {"alfa", "gamma"}), ("coord_698", {"alfa", "gamma"}), ("admin", {"alfa", "gamma"})],
)
def test_object_points_follow_roles_and_never_include_people(client, layer_scenario, who, expected):
    s = layer_scenario
    user = None if who == "anonymous" else s["users"][who]
    ids = set(by_id(geojson(client, "observations", user)))
    wanted = set()
    if "alfa" in expected:
        wanted |= {o.id for o in s["alfa_objects"]}
    if "gamma" in expected:
        wanted.add(s["gamma_internal"].id)
    assert ids == wanted
    people = {o.id for o in s["alfa_people"] + s["gamma_people"]}
    assert not ids & people


def test_object_points_are_rfc7946_with_download_headers(client, layer_scenario):
    response, body = fetch(client, "/api/layers/observations.geojson")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/geo+json"
    assert re.fullmatch(r'attachment; filename="geo_indi-observations-\d{4}-\d{2}-\d{2}\.geojson"', response["Content-Disposition"])
    data = json.loads(body)
    assert data["type"] == "FeatureCollection" and "crs" not in data
    first = min(data["features"], key=lambda f: f["id"])
    assert first["geometry"] == {"type": "Point", "coordinates": [25.05, 66.03]}  # lon, lat as recorded
    props = first["properties"]
    assert props["phenomenon"] == "ilkivalta" and props["direction"] == "weakens"
    assert props["observed_on"] == "2025-03-01" and props["postcode"] == "99001" and props["municipality_code"] == "698"
    assert not FORBIDDEN_KEYS & set(props)
    assert SECRET.encode() not in body


# --- area statistics ---------------------------------------------------------------


def test_postcode_stats_anonymous_show_only_the_published_cells(client, layer_scenario):
    features = by_id(geojson(client, "postcode-area-stats", query="?year=2025"))
    assert set(features) == {"99001", "99002", "99003", "99004", "99005"}
    alfa = features["99001"]["properties"]  # hidden: the partner of 320's total (test_layers_fixtures)
    assert (alfa["count"], alfa["suppressed"], alfa["count_label"]) == (None, True, "..")
    assert (alfa["yksinaisyys"], alfa["ilkivalta"], alfa["digitaalisuus"]) == (None, None, None)
    assert alfa["weakens"] is None  # not published outside the organisation
    # Occurrences are hidden in the same cells as records.
    assert (alfa["occurrences"], alfa["records"], alfa["unit"]) == (None, None, "occurrences")
    assert "nuorten-paihteet" not in alfa  # internal phenomenon: no column for the public
    gamma = features["99003"]["properties"]
    assert (gamma["count"], gamma["suppressed"], gamma["count_label"]) == (None, True, "..")
    beta = features["99002"]["properties"]
    assert (beta["count"], beta["suppressed"], beta["count_label"]) == (None, True, "..")  # a 0 looks like a small count
    assert features["99003"]["geometry"]["type"] == "MultiPolygon"


def test_postcode_stats_default_to_this_year_for_outsiders(client, layer_scenario):
    alfa = by_id(geojson(client, "postcode-area-stats"))["99001"]["properties"]
    assert alfa["suppressed"] is True  # no observations this year: a hidden 0


def test_postcode_stats_coordinator_exact_in_own_municipality_only(client, layer_scenario):
    features = by_id(geojson(client, "postcode-area-stats", layer_scenario["users"]["coord_698"], "?year=2025"))
    alfa = features["99001"]["properties"]
    assert (alfa["ilkivalta"], alfa["yksinaisyys"], alfa["count"], alfa["weakens"]) == (3, 6, 9, 9)
    gamma = features["99003"]["properties"]
    assert gamma["count"] is None and gamma["suppressed"] is True
    assert "nuorten-paihteet" in gamma and gamma["nuorten-paihteet"] is None


def test_postcode_stats_administrator_sees_everything(client, layer_scenario):
    gamma = by_id(geojson(client, "postcode-area-stats", layer_scenario["users"]["admin"]))["99003"]["properties"]
    assert (gamma["count"], gamma["yksinaisyys"], gamma["nuorten-paihteet"]) == (3, 2, 1)
    assert gamma["suppressed"] is False


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", {"698": None, "320": None}),  # 320 is 2; 698 hidden to protect it
        ("coord_698", {"698": 9, "320": None}),
        ("field_320", {"698": None, "320": 2}),  # exact in 320 (public phenomena); 698 hidden for everyone outside
        ("admin", {"698": 9, "320": 3}),
    ],
)
def test_municipality_stats_by_role(client, layer_scenario, who, expected):
    user = None if who == "anonymous" else layer_scenario["users"][who]
    features = by_id(geojson(client, "municipality-stats", user, "?year=2025"))
    assert {code: f["properties"]["count"] for code, f in features.items()} == expected
    for code, value in expected.items():
        props = features[code]["properties"]
        assert props["suppressed"] is (value is None)
        assert props["count_label"] == (".." if value is None else str(value))
        assert not FORBIDDEN_KEYS & set(props)


def test_stats_follow_filters(client, layer_scenario):
    vandalism = layer_scenario["phenomena"]["ilkivalta"].id
    alfa = by_id(geojson(client, "postcode-area-stats", query=f"?year=2025&phenomenon={vandalism}"))["99001"]["properties"]
    assert alfa["count"] is None and alfa["count_label"] == ".."  # its person cell is a hidden 0
    assert set(k for k in alfa if k in ("ilkivalta", "yksinaisyys")) == {"ilkivalta"}
    objects = by_id(geojson(client, "postcode-area-stats", query=f"?year=2025&phenomenon={vandalism}&subject=object"))
    assert objects["99001"]["properties"]["count"] == 3  # object points are public: exact
    alfa = by_id(geojson(client, "postcode-area-stats", layer_scenario["users"]["admin"], f"?phenomenon={vandalism}"))
    assert alfa["99001"]["properties"]["count"] == 3
    march = by_id(geojson(client, "postcode-area-stats", layer_scenario["users"]["admin"], "?datetime=2025-03-01/2025-03-31"))
    assert march["99001"]["properties"]["count"] == 8  # 2 objects + 6 people


@pytest.mark.parametrize("query", ["direction=strengthens", "category=1", "age_group=youth", "datetime=2025-03-01/2025-03-31"])
def test_outsiders_person_filters_beyond_the_tables_are_refused(client, layer_scenario, query):
    for layer in ("postcode-area-stats", "municipality-stats"):
        response = client.get(f"/api/layers/{layer}.geojson?{query}")
        assert response.status_code == 400 and "filters" in response.json()["errors"]
    assert client.get(f"/api/layers/observations.geojson?{query}").status_code == 200  # object points: public


# --- geography layers --------------------------------------------------------------


def test_geography_layers(client, layer_scenario):
    areas = by_id(geojson(client, "postcode-areas"))
    assert set(areas) == set(PostcodeArea.objects.values_list("postcode", flat=True))
    assert areas["99003"]["properties"] == {
        "postcode": "99003", "name_fi": "Gamma", "name_sv": "Gamma",
        "municipality_code": "320", "municipality_name": "Kemijärvi",
    }
    assert set(by_id(geojson(client, "postcode-areas", query="?municipality=320"))) == {"99003", "99004", "99005"}
    municipalities = by_id(geojson(client, "municipalities"))
    assert set(municipalities) == set(Municipality.objects.values_list("code", flat=True)) == {"698", "320"}
    ring = areas["99001"]["geometry"]["coordinates"][0][0]
    assert sorted(ring) == sorted([[25.0, 66.0], [25.2, 66.0], [25.2, 66.1], [25.0, 66.1], [25.0, 66.0]])


# --- filters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, alfa_dates",
    [
        ("?datetime=2025-03-01/2025-03-31", {"2025-03-01", "2025-03-10"}),
        ("?datetime=2025-03-10T12:00:00Z", {"2025-03-10"}),
        ("?datetime=2025-03-09T23:30:00Z", {"2025-03-10"}),  # 01:30 in Helsinki
        ("?datetime=../2025-03-05", {"2025-03-01"}),
        ("?datetime=2025-03-02/..", {"2025-03-10", "2025-04-01"}),
        ("?datetime=2025-03-02/", {"2025-03-10", "2025-04-01"}),
        ("?bbox=25.04,66.02,25.11,66.06", {"2025-03-01", "2025-03-10"}),
        ("?bbox=25.14,66.06,40,80", {"2025-04-01"}),
        ("?bbox=-10,40,0,50", set()),
        ("?direction=strengthens", set()),
        ("?municipality=320", set()),
        ("?municipality=698&datetime=2025-04-01", {"2025-04-01"}),
    ],
)
def test_observation_filters(client, layer_scenario, query, alfa_dates):
    features = geojson(client, "observations", query=query)["features"]
    assert {f["properties"]["observed_on"] for f in features} == alfa_dates
    assert len(features) == len(alfa_dates)


def test_bbox_selects_areas(client, layer_scenario):
    inside_alfa = "?bbox=25.05,66.02,25.15,66.08"
    assert set(by_id(geojson(client, "postcode-areas", query=inside_alfa))) == {"99001"}
    assert set(by_id(geojson(client, "municipality-stats", query=inside_alfa))) == {"698"}


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=25,67,26,66", "bbox"),
        ("bbox=25,66,26,95", "bbox"),
        ("bbox=nan,66,26,67", "bbox"),
        ("datetime=2025-04-01/2025-03-01", "datetime"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2025-02-30", "datetime"),
        ("datetime=2025-01-01/2025-02-01/2025-03-01", "datetime"),
        ("phenomenon=abc", "phenomenon"),
        ("category=1;DROP", "category"),
        ("direction=sideways", "direction"),
        ("municipality=Rovaniemi", "municipality"),
    ],
)
def test_bad_input_is_400_json_on_every_layer_and_format(client, db, query, parameter):
    for layer in LAYER_IDS:
        for extension in ("geojson", "csv", "gpkg"):
            response = client.get(f"/api/layers/{layer}.{extension}?{query}")
            assert response.status_code == 400, (layer, extension)
            assert response["Content-Type"] == "application/json"
            assert parameter in response.json()["errors"]


def test_unknown_layer_is_404(client, small_geography):
    assert client.get("/api/layers/people.geojson").status_code == 404


# --- streaming at scale ------------------------------------------------------------


def insert_object_observations(n, organisation, phenomenon):
    """n object observations in Alfa (99001), made by PostgreSQL in one statement. The setup is not a request:
    it runs without the web's statement timeout (a loaded machine may take longer), which is put back after it."""
    area = PostcodeArea.objects.get(postcode="99001")
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('statement_timeout')")
        (timeout,) = cur.fetchone()
        cur.execute("SET LOCAL statement_timeout = 0")
        cur.execute(
            """
            INSERT INTO observations_observation
                (client_uuid, phenomenon_id, category_id, subject, direction, occurrences, age_group,
                 description, observed_on, reporter_id, organisation_id, postcode_area_id, municipality_id,
                 location, consent_recorded, follow_up_note, created_at, updated_at)
            SELECT gen_random_uuid(), %s, NULL, 'object', 'weakens', 1, '', %s, DATE '2025-01-01' + (g %% 300),
                   NULL, %s, %s, %s,
                   ST_Transform(ST_SetSRID(ST_MakePoint(25.0 + random() * 0.2, 66.0 + random() * 0.1), 4326), 3067),
                   false, '', now(), now()
              FROM generate_series(1, %s) AS g
            """,
            [phenomenon.id, SECRET, organisation.id, area.id, area.municipality_id, n],
        )
        cur.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])


@pytest.mark.gdal
def test_100k_object_observations_stream_as_valid_rfc7946(client, phenomena, organisations, tmp_path):
    n = 100_000
    insert_object_observations(n, organisations["698"], phenomena["ilkivalta"])
    response = client.get("/api/layers/observations.geojson")
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    chunks = 0
    path = tmp_path / "observations.geojson"
    with path.open("wb") as out:
        for chunk in response.streaming_content:
            chunks += 1
            out.write(chunk)
    assert chunks > n // 2000  # rows arrive chunk by chunk from the server-side cursor
    text = path.read_text()
    assert SECRET not in text
    data = json.loads(text)
    assert set(data) == {"type", "features"} and data["type"] == "FeatureCollection"
    features = data["features"]
    assert len(features) == n and len({f["id"] for f in features}) == n
    for f in features:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]
        assert 25.0 <= lon <= 25.2 and 66.0 <= lat <= 66.1  # longitude first, WGS 84
    decimals = re.findall(r'"coordinates":\[-?\d+(?:\.(\d+))?,-?\d+(?:\.(\d+))?\]', text)
    assert len(decimals) == n
    assert max(len(d) for pair in decimals for d in pair) <= 6
    info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True, check=True)
    assert f"Feature Count: {n}" in info.stdout
