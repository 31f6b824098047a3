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
