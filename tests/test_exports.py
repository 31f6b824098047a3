"""CSV and GeoPackage exports: the same rows, visibility and suppression as the GeoJSON layers."""
import csv
import io
import re

import pyogrio
import pytest
import shapely

from .test_layers_fixtures import ALFA_OBJECT_POINTS, FORBIDDEN_KEYS, LAYER_IDS, SECRET, layer_scenario  # noqa: F401


def download(client, url, user=None):
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else b"".join(response)
    return response, body


def csv_rows(client, layer, user=None, query=""):
    response, body = download(client, f"/api/layers/{layer}.csv{query}", user)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(rf'attachment; filename="geo_indi-{layer}-\d{{4}}-\d{{2}}-\d{{2}}\.csv"', response["Content-Disposition"])
    assert SECRET.encode() not in body
    return list(csv.DictReader(io.StringIO(body.decode())))


def gpkg_frame(client, layer, tmp_path, user=None, query=""):
    response, body = download(client, f"/api/layers/{layer}.gpkg{query}", user)
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert response["Content-Disposition"].endswith('.gpkg"')
    path = tmp_path / f"{layer}.gpkg"
    path.write_bytes(body)
    assert [name for name, _ in pyogrio.list_layers(path)] == [layer.replace("-", "_")]
    return pyogrio.read_dataframe(path)


@pytest.mark.parametrize("who, internal_visible", [("anonymous", False), ("field_698", True), ("admin", True)])
def test_observation_csv_has_lon_lat_and_only_visible_object_points(client, layer_scenario, who, internal_visible):
    user = None if who == "anonymous" else layer_scenario["users"][who]
    rows = csv_rows(client, "observations", user)
    expected = {o.id for o in layer_scenario["alfa_objects"]}
    if internal_visible:
        expected.add(layer_scenario["gamma_internal"].id)
    assert {int(r["id"]) for r in rows} == expected
    assert not FORBIDDEN_KEYS & set(rows[0])
    alfa = {(float(r["lat"]), float(r["lon"])) for r in rows if r["postcode"] == "99001"}
    assert alfa == set(ALFA_OBJECT_POINTS)


def test_area_csv_has_wkt_and_suppressed_counts(client, layer_scenario):
    rows = {r["postcode"]: r for r in csv_rows(client, "postcode-area-stats", query="?year=2025")}
    assert set(rows) == {"99001", "99002", "99003", "99004", "99005"}
    assert (rows["99001"]["count"], rows["99001"]["suppressed"]) == ("", "True")  # see test_layers_fixtures
    assert (rows["99003"]["count"], rows["99003"]["count_label"], rows["99003"]["suppressed"]) == ("", "..", "True")
    alfa = shapely.from_wkt(rows["99001"]["wkt"])
    assert alfa.geom_type == "MultiPolygon"
    assert alfa.bounds == pytest.approx((25.0, 66.0, 25.2, 66.1), abs=1e-6)
    admin_rows = {r["code"]: r for r in csv_rows(client, "municipality-stats", layer_scenario["users"]["admin"])}
    assert (admin_rows["698"]["count"], admin_rows["320"]["count"]) == ("9", "3")


def test_csv_filters(client, layer_scenario):
    rows = csv_rows(client, "observations", query="?datetime=2025-03-01/2025-03-31&bbox=25.0,66.0,25.2,66.1")
    assert sorted(r["observed_on"] for r in rows) == ["2025-03-01", "2025-03-10"]
    assert len(csv_rows(client, "postcode-areas", query="?municipality=698")) == 2


@pytest.mark.parametrize("who, expected_ids", [("anonymous", "alfa"), ("coord_698", "all")])
def test_observation_geopackage(client, layer_scenario, tmp_path, who, expected_ids):
    user = None if who == "anonymous" else layer_scenario["users"][who]
    frame = gpkg_frame(client, "observations", tmp_path, user)
    expected = {o.id for o in layer_scenario["alfa_objects"]}
    if expected_ids == "all":
        expected.add(layer_scenario["gamma_internal"].id)
    assert set(frame["id"]) == expected
    assert frame.crs.to_epsg() == 4326
    assert not FORBIDDEN_KEYS & set(frame.columns)
    first = frame.sort_values("id").iloc[0]
    assert (first.geometry.x, first.geometry.y) == pytest.approx((25.05, 66.03), abs=1e-6)
    assert str(first["observed_on"])[:10] == "2025-03-01"


def test_stats_geopackage_suppression_by_role(client, layer_scenario, tmp_path):
    anonymous = gpkg_frame(client, "municipality-stats", tmp_path, query="?year=2025").set_index("code")
    assert anonymous["count"].isna().all() and anonymous["suppressed"].all()
    assert set(anonymous["count_label"]) == {".."}
    coordinator = gpkg_frame(client, "municipality-stats", tmp_path, layer_scenario["users"]["coord_698"],
                             query="?year=2025").set_index("code")
    assert coordinator.loc["698", "count"] == 9 and not coordinator.loc["698", "suppressed"]
    assert coordinator["count"].isna()["320"]
    areas = gpkg_frame(client, "postcode-area-stats", tmp_path, layer_scenario["users"]["admin"]).set_index("postcode")
    assert areas.loc["99003", "count"] == 3 and areas.loc["99003", "nuorten-paihteet"] == 1
    assert set(areas.geometry.geom_type) == {"MultiPolygon"}


def test_empty_export_is_still_a_valid_geopackage(client, layer_scenario, tmp_path):
    frame = gpkg_frame(client, "observations", tmp_path, query="?direction=strengthens")
    assert len(frame) == 0 and "phenomenon" in frame.columns


@pytest.mark.parametrize("layer", LAYER_IDS)
def test_every_layer_exports_as_csv_and_geopackage(client, layer_scenario, tmp_path, layer):
    rows = csv_rows(client, layer)
    frame = gpkg_frame(client, layer, tmp_path)
    assert len(rows) == len(frame) > 0
