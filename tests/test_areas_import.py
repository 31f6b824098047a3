import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from geo_indi.areas.models import Municipality, PostcodeArea, PostcodeAreaPart

from .conftest import LAPLAND, TEST_DATA


def run_import(*args):
    from io import StringIO

    out = StringIO()
    call_command("import_postcode_areas", *args, stdout=out)
    return out.getvalue()


def all_valid(model):
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FILTER (WHERE NOT ST_IsValid(geom)) FROM {model._meta.db_table}")
        return cur.fetchone()[0] == 0


def test_small_file_import_repairs_and_derives_municipalities(db):
    out = run_import(str(TEST_DATA / "small_areas.geojson"))
    assert "5 created, 0 changed, 0 unchanged, 1 repaired, 0 skipped" in out
    assert "99005" in out  # the bowtie is named as repaired
    assert PostcodeArea.objects.count() == 5
    assert set(Municipality.objects.values_list("code", flat=True)) == {"320", "698"}
    assert all_valid(PostcodeArea) and all_valid(Municipality)
    rovaniemi = Municipality.objects.get(code="698")
    assert rovaniemi.name_fi == "Rovaniemi" and rovaniemi.name_sv == "Rovaniemi"
    assert rovaniemi.population == 2000  # 1200 + 800, summed from its postcode areas
    assert Municipality.objects.get(code="320").population is None  # 99004's population is unknown
    assert PostcodeAreaPart.objects.filter(area__postcode="99004").exists()
    # Stored in ETRS-TM35FIN; the dissolved shape covers both of its areas.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_SRID(geom), round(ST_Area(geom)) = round((SELECT sum(ST_Area(geom)) FROM areas_postcodearea "
            "WHERE municipality_id = m.id)) FROM areas_municipality m WHERE code = '698'"
        )
        assert cur.fetchone() == (3067, True)


def test_reimport_changes_nothing(db):
    run_import(str(TEST_DATA / "small_areas.geojson"))
    out = run_import(str(TEST_DATA / "small_areas.geojson"))
    assert "0 created, 0 changed, 5 unchanged" in out
    assert "Municipalities: 0 created, 0 changed" in out


def test_changed_area_is_updated_and_municipality_redissolved(db, tmp_path):
    run_import(str(TEST_DATA / "small_areas.geojson"))
    before = Municipality.objects.get(code="698").geom.area
    data = json.loads((TEST_DATA / "small_areas.geojson").read_text())
    data["features"][0]["geometry"]["coordinates"][0][2] = [25.2, 66.12]
    data["features"][0]["geometry"]["coordinates"][0][3] = [25.0, 66.12]
    changed = tmp_path / "changed.geojson"
    changed.write_text(json.dumps(data))
    out = run_import(str(changed))
    assert "0 created, 1 changed, 4 unchanged" in out
    assert "Municipalities: 0 created, 1 changed" in out
    assert Municipality.objects.get(code="698").geom.area > before


def test_real_lapland_import(db):
    out = run_import(str(LAPLAND))
    assert PostcodeArea.objects.count() == 278
    assert Municipality.objects.count() == 21
    assert all_valid(PostcodeArea) and all_valid(Municipality)
    assert "278 created" in out
    again = run_import(str(LAPLAND))
    assert "0 created, 0 changed, 278 unchanged" in again
    assert "Municipalities: 0 created, 0 changed" in again


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.geojson", "this is not a GIS file at all\n", "not a readable GIS file"),
        ("nopostcode.geojson", json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"nimi": "x"}, "geometry": {"type": "Point", "coordinates": [25, 66]}}]}), "no postcode field"),
        ("table.csv", "postcode,name\n99001,x\n", "no geometries"),
    ],
)
def test_bad_files_give_one_clear_error_and_change_nothing(db, tmp_path, name, content, message):
    run_import(str(TEST_DATA / "small_areas.geojson"))
    before = list(PostcodeArea.objects.order_by("postcode").values_list("postcode", "name_fi"))
    bad = tmp_path / name
    bad.write_text(content)
    with pytest.raises(CommandError, match=message):
        run_import(str(bad))
    assert list(PostcodeArea.objects.order_by("postcode").values_list("postcode", "name_fi")) == before


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_unknown_crs_is_an_error(db, tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    gdf = gpd.GeoDataFrame({"postcode": ["99001"], "kunta": ["698"]}, geometry=[box(0, 0, 1, 1)], crs=None)
    path = tmp_path / "nocrs.shp"
    gdf.to_file(path)
    with pytest.raises(CommandError, match="unknown CRS"):
        run_import(str(path))
    assert PostcodeArea.objects.count() == 0


def test_command_exit_code_and_single_line_on_error(tmp_path, db):
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    proc = subprocess.run(
        [sys.executable, "manage.py", "import_postcode_areas", str(bad)],
        capture_output=True, text=True, env={**__import__("os").environ, "DATABASE_URL": _test_db_url()},
    )
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0 and "not a readable GIS file" in proc.stderr


def _test_db_url():
    s = connection.settings_dict
    return f"postgis://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def test_geopackage_with_paavo_field_names(db, tmp_path):
    import geopandas as gpd

    gdf = gpd.read_file(TEST_DATA / "small_areas.geojson").rename(
        columns={"postcode": "posti_alue", "name_fi": "nimi", "name_sv": "namn", "municipality_code": "kunta", "population": "he_vakiy"}
    ).drop(columns=["municipality_name"]).to_crs(3067)
    path = tmp_path / "paavo.gpkg"
    gdf.to_file(path, driver="GPKG")
    out = run_import(str(path))
    assert "5 created" in out
    assert PostcodeArea.objects.get(postcode="99001").name_fi == "Alfa"
    assert Municipality.objects.get(code="320").name_fi == "Kemijärvi"  # from the built-in Lapland list


def _one_area_file(tmp_path, name, ring, **properties):
    """A GeoJSON with postcode 99001 (Alfa, Rovaniemi) given the ring `ring`."""
    feature = {
        "type": "Feature",
        "properties": {"postcode": "99001", "name_fi": "Alfa", "municipality_code": "698", **properties},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def _areas_as_stored():
    return {a.postcode: a.geom.wkb.hex() for a in PostcodeArea.objects.all()}, {
        m.code: m.geom.wkb.hex() for m in Municipality.objects.all()}, PostcodeAreaPart.objects.count()


# Alfa is 0.2° x 0.1° (about 8.9 km x 11.1 km) at 66°N.
@pytest.mark.parametrize(
    "name, ring, reason",
    [
        ("huge.geojson", [[1e308, 1e308], [1e308, -1e308], [-1e308, -1e308], [1e308, 1e308]], "empty after repair"),
        # ETRS-TM35FIN metres in a GeoJSON, which GDAL reads as longitude/latitude.
        ("metric.geojson", [[440000, 7330000], [450000, 7330000], [450000, 7340000], [440000, 7330000]],
         "empty after repair"),
        ("equator.geojson", [[25.0, 0.0], [25.2, 0.0], [25.2, 0.1], [25.0, 0.1], [25.0, 0.0]],
         "outside the plausible extent"),
        # A quarter of Alfa: a 75 % shrink.
        ("shrunk.geojson", [[25.0, 66.0], [25.1, 66.0], [25.1, 66.05], [25.0, 66.05], [25.0, 66.0]],
         "area would change"),
        # Alfa and three more of its size: a 300 % growth, still inside Finland.
        ("grown.geojson", [[25.0, 66.0], [25.4, 66.0], [25.4, 66.2], [25.0, 66.2], [25.0, 66.0]],
         "area would change"),
    ],
)
def test_import_rejects_a_destructive_feature_and_writes_nothing(db, tmp_path, name, ring, reason):
    run_import(str(TEST_DATA / "small_areas.geojson"))
    before = _areas_as_stored()
    with pytest.raises(CommandError) as raised:
        run_import(str(_one_area_file(tmp_path, name, ring)))
    lines = str(raised.value).splitlines()
    assert lines[0] == f"{name}: 1 postcode area(s) rejected, nothing imported:"
    assert len(lines) == 2 and lines[1].startswith("Rejected 99001: ") and reason in lines[1]
    assert _areas_as_stored() == before


def test_one_line_per_rejected_feature_and_good_features_not_written(db, tmp_path):
    data = json.loads((TEST_DATA / "small_areas.geojson").read_text())
    data["features"][1]["geometry"]["coordinates"] = [[[25.0, 0.0], [25.2, 0.0], [25.2, 0.1], [25.0, 0.0]]]
    data["features"][2]["geometry"]["coordinates"] = [[[1e308, 1e308], [1e308, -1e308], [-1e308, 1e308], [1e308, 1e308]]]
    path = tmp_path / "two_bad.geojson"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError) as raised:
        run_import(str(path))
    assert str(raised.value).splitlines()[1:] == [
        "Rejected 99002: outside the plausible extent of the coverage (COVERAGE_PLAUSIBLE_EXTENT)",
        "Rejected 99003: empty after repair (coordinates unusable: a wrong or missing CRS?)",
    ]
    assert not PostcodeArea.objects.exists() and not Municipality.objects.exists()


def test_plausible_extent_is_a_setting(db, tmp_path, settings):
    settings.COVERAGE_PLAUSIBLE_EXTENT = (24.0, -1.0, 26.0, 1.0)
    out = run_import(str(_one_area_file(tmp_path, "equator.geojson",
                                        [[25.0, 0.0], [25.2, 0.0], [25.2, 0.1], [25.0, 0.1], [25.0, 0.0]])))
    assert "1 created" in out


def test_allow_shrink_accepts_a_large_change(db, tmp_path):
    run_import(str(TEST_DATA / "small_areas.geojson"))
    alfa_before = PostcodeArea.objects.get(postcode="99001").geom.area
    quarter = [[25.0, 66.0], [25.1, 66.0], [25.1, 66.05], [25.0, 66.05], [25.0, 66.0]]
    out = run_import(str(_one_area_file(tmp_path, "shrunk.geojson", quarter)), "--allow-shrink")
    assert "0 created, 1 changed" in out
    assert PostcodeArea.objects.get(postcode="99001").geom.area == pytest.approx(alfa_before / 4, rel=0.01)
    parts = PostcodeAreaPart.objects.filter(area__postcode="99001")
    assert sum(p.geom.area for p in parts) == pytest.approx(alfa_before / 4, rel=0.01)
