"""Clients nobody on the project wrote, against a live server: OWSLib's OGC API - Features
client, GDAL 3.6's command-line tools (Debian's gdal-bin, what QGIS on Debian 12 uses) and
the newer GDAL inside pyogrio, which also speaks Part 2 (CRS)."""
import json
import subprocess
import sys
import urllib.request
from urllib.parse import parse_qsl, urlsplit

import pytest
from owslib.ogcapi.features import Features
from pyproj import Transformer

from geo_indi.layers.ogc import CRS84, EPSG_3067
from geo_indi.layers.params import MAX_LIMIT

from .test_layers_fixtures import (  # noqa: F401
    ALFA_OBJECT_DATES,
    ALFA_OBJECT_POINTS,
    LAYER_IDS,
    layer_scenario,
)

TO_3067 = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
PART_2 = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"


@pytest.fixture
def ogcapi(live_server, transactional_db, layer_scenario):
    return f"{live_server.url}/ogcapi"


def alfa_ids(scenario):
    return sorted(o.id for o in scenario["alfa_objects"])


def next_params(page):
    """The query of the page's `next` link as keyword arguments, or None on the last page."""
    nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
    return dict(parse_qsl(urlsplit(nxt[0]).query)) if nxt else None


# --- OWSLib -------------------------------------------------------------------------


def test_owslib_reads_landing_conformance_collections_and_openapi(ogcapi):
    api = Features(f"{ogcapi}/")
    assert {"service-desc", "conformance", "data"} <= {link["rel"] for link in api.links}
    definition = api.api()  # follows service-desc
    assert definition["openapi"].startswith("3.0")
    assert {f"/collections/{cid}/items" for cid in LAYER_IDS} <= set(definition["paths"])
    conforms = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conforms and PART_2 in conforms
    assert api.feature_collections() == LAYER_IDS
    observations = api.collection("observations")
    assert observations["crs"] == [CRS84, EPSG_3067] and observations["storageCrs"] == EPSG_3067


def test_owslib_items_filters_paging_crs_and_one_item(ogcapi, layer_scenario):
    api = Features(f"{ogcapi}/")
    alfa = alfa_ids(layer_scenario)

    page = api.collection_items("observations", bbox=[25.04, 66.02, 25.11, 66.06], datetime_="2025-03-01/..")
    assert {f["properties"]["observed_on"] for f in page["features"]} == {"2025-03-01", "2025-03-10"}
    assert api.response_headers["Content-Crs"] == f"<{CRS84}>"

    seen, params, pages = [], {"limit": 2}, 0
    while params is not None:
        page = api.collection_items("observations", **params)
        seen += [f["id"] for f in page["features"]]
        params, pages = next_params(page), pages + 1
    assert pages == 2 and sorted(seen) == alfa

    page = api.collection_items("observations", limit=MAX_LIMIT * 10)
    assert page["numberReturned"] == page["numberMatched"] == len(alfa)

    projected = api.collection_items("observations", crs=EPSG_3067)
    assert api.response_headers["Content-Crs"] == f"<{EPSG_3067}>"
    by_id = {f["id"]: f["geometry"]["coordinates"] for f in projected["features"]}
    for obj, (lat, lon) in zip(layer_scenario["alfa_objects"], ALFA_OBJECT_POINTS):
        assert by_id[obj.id] == pytest.approx(TO_3067.transform(lon, lat), abs=0.2)

    x, y = TO_3067.transform(ALFA_OBJECT_POINTS[2][1], ALFA_OBJECT_POINTS[2][0])
    boxed = api.collection_items("observations", bbox=[x - 50, y - 50, x + 50, y + 50], **{"bbox-crs": EPSG_3067})
    assert [f["id"] for f in boxed["features"]] == [layer_scenario["alfa_objects"][2].id]

    feature = api.collection_item("observations", str(alfa[0]))
    assert feature["type"] == "Feature" and feature["id"] == alfa[0]
    assert feature["properties"]["observed_on"] == ALFA_OBJECT_DATES[0].isoformat()


@pytest.mark.parametrize(
    "call",
    [
        lambda api: api.collection("people"),
        lambda api: api.collection_item("observations", "987654321"),
        lambda api: api.collection_items("observations", foo="1"),
        lambda api: api.collection_items("observations", sortby="id"),
        lambda api: api.collection_items("observations", after="abc"),
        lambda api: api.collection_items("observations", limit=0),
        lambda api: api.collection_items("observations", datetime_="9999-12-31T23:59:59Z"),
        lambda api: api.collection_items("observations", crs="http://www.opengis.net/def/crs/EPSG/0/4326"),
    ],
)
def test_owslib_gets_ogc_exceptions(ogcapi, call):
    with pytest.raises(RuntimeError) as raised:
        call(Features(f"{ogcapi}/"))
    body = json.loads(str(raised.value))
    assert set(body) == {"code", "description"}


# --- GDAL 3.6 command line ------------------------------------------------------------


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120)


@pytest.mark.gdal
def test_gdal_bbox_paging_and_errors(ogcapi, layer_scenario, tmp_path):
    source = f"OAPIF:{ogcapi}"
    out = tmp_path / "alfa.geojson"
    # -spat sends bbox; PAGE_SIZE=1 makes GDAL follow `next` for every feature.
    result = run("ogr2ogr", "-f", "GeoJSON", str(out), source, "observations",
                 "-spat", "25.04", "66.02", "25.11", "66.06", "-oo", "PAGE_SIZE=1")
    assert result.returncode == 0, result.stderr
    ids = sorted(f["properties"]["id"] for f in json.loads(out.read_text())["features"])
    assert ids == alfa_ids(layer_scenario)[:2]

    listing = run("ogrinfo", "-ro", "-so", source, "observations", "-oo", "PAGE_SIZE=1000")
    assert listing.returncode == 0, listing.stderr
    assert f"Feature Count: {len(alfa_ids(layer_scenario))}" in listing.stdout

    missing = run("ogrinfo", "-ro", "-so", f"OAPIF:{ogcapi}/collections/people")
    assert missing.returncode != 0 and "NotFound" in missing.stderr + missing.stdout


@pytest.mark.gdal
def test_gdal_3_6_reads_the_geopackage_export_without_warning(live_server, transactional_db, layer_scenario, tmp_path):
    path = tmp_path / "observations.gpkg"
    with urllib.request.urlopen(f"{live_server.url}/api/layers/observations.gpkg") as response:
        path.write_bytes(response.read())
    info = run("ogrinfo", "-ro", "-al", "-so", str(path))
    assert info.returncode == 0 and "Warning" not in info.stderr + info.stdout, info.stderr
    assert "observed_on: Date" in info.stdout
    assert path.read_bytes()[60:64] == (10300).to_bytes(4, "big")  # SQLite user_version: GeoPackage 1.3.0


# --- newer GDAL (pyogrio's): OGC API - Features Part 2 --------------------------------

READ_WITH_PYOGRIO = """
import json, sys
import pyogrio
source, layer, bbox = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
frame = pyogrio.read_dataframe(source, layer=layer, CRS="EPSG:3067", bbox=tuple(bbox) if bbox else None)
print(json.dumps({"epsg": frame.crs.to_epsg(), "types": sorted(set(frame.geometry.geom_type)),
                  "features": [[fid, g.centroid.x, g.centroid.y] for fid, g in zip(frame["id"], frame.geometry)]}))
"""


def read_with_pyogrio(source, layer, bbox=None):
    """pyogrio holds the GIL while GDAL fetches pages, so it runs apart from the live server's thread."""
    result = run(sys.executable, "-c", READ_WITH_PYOGRIO, source, layer, json.dumps(bbox))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_gdal_reads_collections_in_epsg_3067_with_bbox_crs(ogcapi, layer_scenario):
    source = f"OAPIF:{ogcapi}"
    points = read_with_pyogrio(source, "observations")
    assert points["epsg"] == 3067
    by_id = {fid: (x, y) for fid, x, y in points["features"]}
    for obj, (lat, lon) in zip(layer_scenario["alfa_objects"], ALFA_OBJECT_POINTS):
        assert by_id[obj.id] == pytest.approx(TO_3067.transform(lon, lat), abs=0.2)

    x, y = TO_3067.transform(ALFA_OBJECT_POINTS[0][1], ALFA_OBJECT_POINTS[0][0])
    boxed = read_with_pyogrio(source, "observations", [x - 50, y - 50, x + 50, y + 50])
    assert [fid for fid, _x, _y in boxed["features"]] == [layer_scenario["alfa_objects"][0].id]

    areas = read_with_pyogrio(source, "postcode-areas")
    assert len(areas["features"]) == 5 and areas["types"] == ["MultiPolygon"]
