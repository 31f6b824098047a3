"""The snapping rule (geo_indi/observations/snapping.py), on small fixtures and on real Lapland."""
import random

import pytest
from django.db import connection

from geo_indi.observations.snapping import OutsideCoverage, snap_points, snap_to_area

from .conftest import (
    IN_BETA_GAMMA_OVERLAP,
    IN_GAP_NEAR_ALFA,
    INSIDE_ALFA,
    ON_ALFA_BETA_BORDER,
    OUTSIDE_COVERAGE,
)


def snap(latlon, **kw):
    lat, lon = latlon
    return snap_to_area(lon, lat, **kw)


def test_inside(small_geography):
    assert snap(INSIDE_ALFA).postcode == "99001"
    assert snap(INSIDE_ALFA).distance_m == 0


def test_on_shared_border_goes_to_lowest_postcode(small_geography):
    assert snap(ON_ALFA_BETA_BORDER).postcode == "99001"


def test_in_overlap_goes_to_lowest_postcode(small_geography):
    assert snap(IN_BETA_GAMMA_OVERLAP).postcode == "99002"


def test_in_gap_goes_to_nearest_area_within_tolerance(small_geography):
    result = snap(IN_GAP_NEAR_ALFA)
    assert result.postcode == "99001"
    assert 400 < result.distance_m < 500


def test_gap_tolerance_is_a_setting(small_geography, settings):
    settings.SNAP_GAP_TOLERANCE_M = 300
    with pytest.raises(OutsideCoverage):
        snap(IN_GAP_NEAR_ALFA)


def test_outside_coverage_is_an_error(small_geography):
    from django.utils import translation

    with translation.override("en"), pytest.raises(OutsideCoverage, match="outside the postcode areas"):
        snap(OUTSIDE_COVERAGE)
    with translation.override("fi"), pytest.raises(OutsideCoverage, match="postinumeroalueiden ulkopuolella"):
        snap(OUTSIDE_COVERAGE)


def test_point_kept_only_when_asked(small_geography):
    assert snap(INSIDE_ALFA).point is None
    kept = snap(INSIDE_ALFA, keep_point=True).point
    assert kept.srid == 3067


def test_island_of_multipolygon(small_geography):
    assert snap((66.165, 25.32)).postcode == "99004"


def test_repaired_bowtie_is_snappable(small_geography):
    assert snap((66.03, 26.1)).postcode == "99005"


def reference_snap(areas, tree, x, y, tolerance):
    """Shapely reference of the written rule: nearest area within tolerance, ties to lowest postcode."""
    from shapely import Point

    point = Point(x, y)
    candidates = tree.query(point, predicate="dwithin", distance=tolerance)
    best = None
    for index in candidates:
        postcode, geom = areas[index]
        key = (geom.distance(point), postcode)
        if best is None or key < best:
            best = key
    return best[1] if best else None


def test_agrees_with_shapely_reference_on_real_lapland(lapland_geography, settings):
    from pyproj import Transformer
    from shapely import STRtree, from_wkb

    with connection.cursor() as cur:
        cur.execute("SELECT postcode, ST_AsBinary(geom) FROM areas_postcodearea ORDER BY postcode")
        areas = [(postcode, from_wkb(bytes(wkb))) for postcode, wkb in cur.fetchall()]
    tree = STRtree([geom for _p, geom in areas])
    to_tm = Transformer.from_crs(4326, 3067, always_xy=True)
    rng = random.Random(7)
    points = [(rng.uniform(23.0, 30.0), rng.uniform(65.5, 70.1)) for _ in range(1000)]
    results = snap_points([(lon, lat, False) for lon, lat in points])
    tolerance = settings.SNAP_GAP_TOLERANCE_M
    disagreements = []
    outside = 0
    for (lon, lat), result in zip(points, results):
        x, y = to_tm.transform(lon, lat)
        expected = reference_snap(areas, tree, x, y, tolerance)
        got = result.postcode if result else None
        outside += got is None
        if got != expected:
            disagreements.append((lon, lat, got, expected))
    assert disagreements == []
    assert 0 < outside < 1000  # the sample covers both coverage and outside coverage


def test_overlaps_in_real_data_resolve_to_lowest_postcode(lapland_geography):
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT ST_X(ST_Transform(p, 4326)), ST_Y(ST_Transform(p, 4326)), least(a.postcode, b.postcode)
              FROM areas_postcodearea a JOIN areas_postcodearea b
                ON a.postcode < b.postcode AND ST_Overlaps(a.geom, b.geom),
                   LATERAL ST_PointOnSurface(ST_Intersection(a.geom, b.geom)) p
             WHERE ST_Area(ST_Intersection(a.geom, b.geom)) > 10000
             LIMIT 20
            """
        )
        rows = cur.fetchall()
    assert rows, "the real data has overlapping neighbours"
    for lon, lat, _lowest_of_pair in rows:
        covering = snap_to_area(lon, lat)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT min(postcode) FROM areas_postcodearea WHERE ST_Covers(geom, ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 3067))",
                [lon, lat],
            )
            assert covering.postcode == cur.fetchone()[0]


def test_saving_an_area_in_code_rebuilds_its_parts_and_municipality(small_geography):
    from django.contrib.gis.geos import GEOSGeometry

    from geo_indi.areas.models import Municipality, PostcodeArea

    alfa = PostcodeArea.objects.get(postcode="99001")
    rovaniemi_before = Municipality.objects.get(code="698").geom.area
    with pytest.raises(OutsideCoverage):
        snap((65.95, 25.1))
    # Alfa extended south by 0.1° (Delta lies north of it): its parts and Rovaniemi's outline grow with it.
    alfa.geom = GEOSGeometry("SRID=4326;MULTIPOLYGON(((25.0 65.9,25.2 65.9,25.2 66.1,25.0 66.1,25.0 65.9)))")
    alfa.geom.transform(alfa._meta.get_field("geom").srid)
    alfa.save()
    parts_area = sum(p.geom.area for p in alfa.parts.all())
    assert parts_area == pytest.approx(alfa.geom.area, rel=1e-6)
    assert Municipality.objects.get(code="698").geom.area > rovaniemi_before
    assert snap((65.95, 25.1)).postcode == "99001"


def test_editing_an_area_in_the_admin_changes_where_a_point_snaps(small_geography, admin_client):
    """Alfa (99001, 25.0–25.2°E) is moved in the admin's change form onto Beeta's ground
    (25.25–25.35°E). A point inside Beeta is then in both: the overlap goes to the lowest
    postcode, 99001. A point in the old Alfa (25.1°E) is then about 4.5 km from Beeta and
    6.8 km from the moved Alfa: outside coverage (tolerance 2 km)."""
    from geo_indi.areas.models import PostcodeArea

    inside_beeta = (66.05, 25.3)
    assert snap(inside_beeta).postcode == "99002"
    assert snap(INSIDE_ALFA).postcode == "99001"
    alfa = PostcodeArea.objects.get(postcode="99001")
    form = {
        "postcode": "99001", "name_fi": "Alfa", "name_sv": "Alfa", "municipality": alfa.municipality_id,
        "geom": "SRID=4326;MULTIPOLYGON(((25.25 66.0,25.35 66.0,25.35 66.1,25.25 66.1,25.25 66.0)))",
        "population": "1200", "source": "file",
    }
    response = admin_client.post(f"/admin/areas/postcodearea/{alfa.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert snap(inside_beeta).postcode == "99001"
    with pytest.raises(OutsideCoverage):
        snap(INSIDE_ALFA)
