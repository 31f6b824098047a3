"""GIS clients as people use them, against a live server (issue 26): QGIS 3.22's own OAPIF provider
(Debian's python3-qgis, headless) signed in with HTTP Basic (username + API token) from its
authentication database, and anonymously; GDAL 3.6's command-line tools with a phenomenon filter
given by its slug, as the feature property holds it, on every collection.

Expected values are those of tests/test_layers_fixtures.py (its docstring has the arithmetic):
the anonymous viewer sees Alfa 9 (yksinaisyys 6) on the postcode-area-stats layer, 3 public object
points; a member of 320 also sees the internal object of Gamma (nuorten-paihteet)."""
import json
import subprocess
from pathlib import Path

import pytest

from geo_indi.accounts.tokens import api_token_create

from .test_layers_fixtures import LAYER_IDS, layer_scenario  # noqa: F401

QGIS_READ = Path(__file__).with_name("qgis_read.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-qgis (scripts/bootstrap.sh installs it)


@pytest.fixture
def gis_server(live_server, transactional_db, layer_scenario, settings):
    # The live server speaks plain HTTP; production refuses Basic there (tests/test_ogcapi_gis.py).
    settings.GEO_INDI_BASIC_AUTH_OVER_HTTP = True
    return live_server.url


def qgis_read(url, layers):
    result = subprocess.run([SYSTEM_PYTHON, str(QGIS_READ), url, json.dumps(layers)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return {layer["collection"]: layer for layer in json.loads(result.stdout.strip().splitlines()[-1])}


INTEGER = ("int", "qlonglong")


@pytest.mark.qgis
@pytest.mark.clock("2025-11-27")  # outsiders' counts are this year's: the fixture's year
def test_qgis_reads_signed_in_with_basic_and_anonymously_with_typed_numbers(gis_server, layer_scenario):
    users = layer_scenario["users"]
    member, coordinator = users["field_320"], users["coord_698"]
    keys = {user.username: api_token_create(user=user, name="QGIS")[1] for user in (member, coordinator)}
    # The URL as docs/layers.md gives it: no trailing slash (QGIS follows no redirect there).
    read = qgis_read(f"{gis_server}/ogcapi", [
        {"collection": "observations", "username": member.username, "token": keys[member.username]},
        {"collection": "postcode-area-stats", "username": coordinator.username, "token": keys[coordinator.username]},
        {"collection": "observations", "as": "public-observations"},
        {"collection": "postcode-area-stats", "as": "public-stats"},
    ])
    public_ids = sorted(o.id for o in layer_scenario["alfa_objects"])
    internal = layer_scenario["gamma_internal"]

    signed_in = read["observations"]
    assert signed_in["valid"]
    assert sorted(f["id"] for f in signed_in["features"]) == sorted([*public_ids, internal.id])
    assert {f["phenomenon"] for f in signed_in["features"] if f["id"] == internal.id} == {"nuorten-paihteet"}
    assert signed_in["fields"]["occurrences"] in INTEGER and signed_in["fields"]["observed_on"] == "QDate"

    public = read["public-observations"]
    assert public["valid"] and sorted(f["id"] for f in public["features"]) == public_ids

    # The coordinator of 698 sees Alfa exactly (9: ilkivalta 3, yksinaisyys 6): every count column a number.
    exact = read["postcode-area-stats"]
    assert exact["valid"]
    alfa = next(f for f in exact["features"] if f["postcode"] == "99001")
    assert (alfa["count"], alfa["ilkivalta"], alfa["yksinaisyys"], alfa["weakens"]) == (9, 3, 6, 9)
    columns = [slug for slug in layer_scenario["phenomena"] if slug in exact["fields"]]
    assert {"ilkivalta", "yksinaisyys"} <= set(columns)
    counts = ["count", "occurrences", "records", "weakens", "strengthens", *columns]
    assert {name: exact["fields"][name] for name in counts} == {name: exact["fields"]["count"] for name in counts}
    assert exact["fields"]["count"] in INTEGER and exact["fields"]["suppressed"] == "bool"

    # Anonymous: every postcode area is hidden in this scenario (tests/test_layers_fixtures.py: only the Lapland
    # total is published), so QGIS gets the areas with null counts and nothing that is hidden leaks into a column.
    anonymous = read["public-stats"]
    assert anonymous["valid"]
    assert {f["postcode"] for f in anonymous["features"]} >= {"99001"}
    assert all(f.get(name) is None for f in anonymous["features"] for name in counts), "hidden counts stay null"


@pytest.mark.qgis
def test_qgis_with_a_wrong_token_gets_no_layer_not_the_public_view(gis_server, layer_scenario):
    member = layer_scenario["users"]["field_320"]
    api_token_create(user=member, name="QGIS")
    read = qgis_read(f"{gis_server}/ogcapi", [
        {"collection": "observations", "username": member.username, "token": "not-the-token"},
    ])
    assert not read["observations"]["valid"]


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120)


@pytest.mark.gdal
@pytest.mark.parametrize("collection", LAYER_IDS)
def test_gdal_reads_every_collection_with_a_phenomenon_filter_by_slug(gis_server, layer_scenario, tmp_path,
                                                                       collection):
    """The slug in the items URL (what GDAL sends for -where phenomenon = '...' on the points) is accepted
    by every collection; on the points it selects, on the statistics it picks the counted phenomenon."""
    out = tmp_path / f"{collection}.geojson"
    url = f"OAPIF:{gis_server}/ogcapi/collections/{collection}?phenomenon=ilkivalta&year=2025"
    result = run("ogr2ogr", "-f", "GeoJSON", str(out), url, "-oo", "PAGE_SIZE=1000")
    assert result.returncode == 0, result.stderr
    features = json.loads(out.read_text())["features"]
    if collection == "observations":
        assert sorted(f["properties"]["id"] for f in features) == sorted(o.id for o in layer_scenario["alfa_objects"])
    elif collection.endswith("-stats"):
        assert features and all("ilkivalta" in f["properties"] and "yksinaisyys" not in f["properties"]
                                for f in features)
    else:
        assert len(features) == {"postcode-areas": 5, "municipalities": 2}[collection]


def gdal_points_where(server, out, where):
    """ogr2ogr of the points with an attribute filter; (the features, GDAL's debug log of its requests)."""
    result = run("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{server}/ogcapi", "observations",
                 "-where", where, "--debug", "on")
    assert result.returncode == 0 and "ERROR" not in result.stderr, result.stderr
    return json.loads(out.read_text())["features"], result.stderr


@pytest.mark.gdal
def test_gdal_where_on_the_phenomenon_property_is_sent_as_the_slug(gis_server, layer_scenario, tmp_path):
    features, log = gdal_points_where(gis_server, tmp_path / "points.geojson", "phenomenon = 'ilkivalta'")
    assert "phenomenon=ilkivalta" in log  # sent to the server, not only filtered in GDAL
    assert sorted(f["properties"]["id"] for f in features) == sorted(o.id for o in layer_scenario["alfa_objects"])


@pytest.mark.gdal
def test_gdal_3_6_date_filter_is_sent_as_its_datetime_interval_and_served(gis_server, layer_scenario, tmp_path):
    """GDAL 3.6 turns `observed_on >= '2025-03-10'` into datetime=2025-03-10T/.. (a date and a bare T)."""
    features, log = gdal_points_where(gis_server, tmp_path / "points.geojson", "observed_on >= '2025-03-10'")
    assert "datetime=2025-03-10T%2F.." in log
    assert sorted(f["properties"]["observed_on"] for f in features) == ["2025-03-10", "2025-04-01"]
