"""The demo loads on a bare clone: the real Lapland shipped in data/postcodes/, or the synthetic one."""
import io

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.areas.sources import LAPLAND_POSTCODE_AREAS
from geo_indi.observations.models import Observation

ATTRIBUTION_FI = "Postinumeroalueet: Tilastokeskus, Paavo (CC BY 4.0)"


def wgs84_extent():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(ST_Transform(geom, 4326)) AS e FROM areas_postcodearea) s"
        )
        return cur.fetchone()


def test_real_lapland_is_shipped_in_the_repository():
    assert LAPLAND_POSTCODE_AREAS.is_file()
    assert "CC BY 4.0" in (LAPLAND_POSTCODE_AREAS.parent / "README.md").read_text()


def test_load_demo_loads_the_shipped_lapland_and_its_observations(db):
    call_command("load_demo", observations=120, stdout=io.StringIO())
    assert PostcodeArea.objects.count() == 278
    assert Municipality.objects.count() == 21
    assert Observation.objects.count() == 120


def test_load_demo_keeps_geography_already_loaded(db):
    call_command("load_demo", synthetic=True, observations=0, stdout=io.StringIO())
    synthetic = PostcodeArea.objects.count()
    call_command("load_demo", observations=0, stdout=io.StringIO())
    assert PostcodeArea.objects.count() == synthetic
    assert not PostcodeArea.objects.exclude(name_fi__contains="synteettinen").exists()


def test_synthetic_lapland_lies_where_points_may_be_recorded(db):
    call_command("load_geography", synthetic=True, stdout=io.StringIO())
    minlon, minlat, maxlon, maxlat = wgs84_extent()
    min_lon, min_lat, max_lon, max_lat = settings.COVERAGE_PLAUSIBLE_EXTENT
    assert min_lon < minlon and maxlon < max_lon
    assert min_lat < minlat and maxlat < max_lat


def test_load_demo_on_the_synthetic_lapland_records_every_observation(db):
    out = io.StringIO()
    call_command("load_demo", synthetic=True, observations=1500, stdout=out)
    assert Observation.objects.count() == 1500
    assert "Demo observations created: 1500" in out.getvalue()
    northernmost = PostcodeArea.objects.filter(municipality__code="890")
    assert Observation.objects.filter(postcode_area__in=northernmost).exists()


def test_every_page_credits_the_postcode_areas(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fi")
    assert ATTRIBUTION_FI in response.content.decode()
