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
