"""Point -> postcode area. The one written rule, executed in PostGIS.

Rule: among postcode areas within SNAP_GAP_TOLERANCE_M of the point, take the
nearest; a point inside or on the border of an area is at distance 0. Ties
(a shared border, an overlap of neighbours) go to the lowest postcode. No area
within the tolerance: the point is outside coverage, a validation error.

Distances are planar metres in ETRS-TM35FIN (EPSG:3067), the storage SRID.
The lookup uses the subdivided copy of the areas (PostcodeAreaPart) and its
spatial index, for a whole batch of points in one statement. The query goes
through `bound_cursor()`: the raw driver cursor (the coordinates never pass
Django's SQL debug logging) with server-side binding (they never appear as
literals in the SQL text that pg_stat_activity or a server log could show).
"""
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

def wgs84_point_sql(lon, lat):
    """SQL of a WGS 84 point given by two float8 expressions, in the storage SRID."""
    return f"ST_Transform(ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326), {settings.GEO_INDI_STORAGE_SRID})"


def nearest_area_sql(point):
    """A LATERAL subquery with the area the point (an SQL expression in the storage SRID)
    belongs to: id, postcode, name_fi, name_sv, municipality_id, distance. No row when no
    area is within `%(tolerance)s` metres (a named parameter of the statement).

    A point inside or on the border of an area is at distance 0: those are found by
    containment first (ST_Intersects on the parts' index), and only a point that no
    area covers measures distances to the areas within the tolerance."""
    return f"""LATERAL (
        SELECT a.id, a.postcode, a.name_fi, a.name_sv, a.municipality_id, c.distance
          FROM (
            SELECT DISTINCT part.area_id, 0::float8 AS distance
              FROM areas_postcodeareapart part
             WHERE ST_Intersects(part.geom, {point})
            UNION ALL
            SELECT * FROM (
                SELECT part.area_id, min(ST_Distance(part.geom, {point})) AS distance
                  FROM areas_postcodeareapart part
                 WHERE ST_DWithin(part.geom, {point}, %(tolerance)s)
                   AND NOT EXISTS (SELECT FROM areas_postcodeareapart inside WHERE ST_Intersects(inside.geom, {point}))
                 GROUP BY part.area_id
            ) near
          ) c JOIN areas_postcodearea a ON a.id = c.area_id
         ORDER BY c.distance, a.postcode
         LIMIT 1
    )"""


SNAP_SQL = f"""
    WITH pts AS (
        SELECT t.i, t.keep, {wgs84_point_sql("t.lon", "t.lat")} AS g
          FROM unnest(%(i)s::int[], %(lon)s::float8[], %(lat)s::float8[], %(keep)s::bool[]) AS t(i, lon, lat, keep)
    )
    SELECT pts.i, best.id, best.postcode, best.name_fi, best.name_sv, best.municipality_id,
           (SELECT m.code FROM areas_municipality m WHERE m.id = best.municipality_id),
           (SELECT m.name_fi FROM areas_municipality m WHERE m.id = best.municipality_id),
           best.distance, CASE WHEN pts.keep AND best.id IS NOT NULL THEN ST_AsEWKB(pts.g) END
      FROM pts
      LEFT JOIN {nearest_area_sql("pts.g")} best ON true
     ORDER BY pts.i
"""


class OutsideCoverage(Exception):
    pass


@dataclass(frozen=True)
class SnapResult:
    area_id: int
    postcode: str
    name_fi: str
    name_sv: str
    municipality_id: int
    municipality_code: str
    municipality_name_fi: str
    distance_m: float
    point: GEOSGeometry | None = None  # the point in the storage SRID, only when asked for


def bound_cursor():
    """A psycopg cursor on Django's connection (same transaction) that sends values
    apart from the SQL text, whatever the connection's own binding setting is."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def outside_coverage_message(tolerance):
    return _("The point is outside the postcode areas in use (no area within %(metres)s m).") % {"metres": tolerance}


@sensitive_variables("points", "lons", "lats", "rows", "row")
def snap_points(points, tolerance_m=None):
    """[(lon, lat, keep_point)] -> [SnapResult or None (outside coverage)], in order."""
    tolerance = settings.SNAP_GAP_TOLERANCE_M if tolerance_m is None else tolerance_m
    if not points:
        return []
    lons = [float(p[0]) for p in points]
    lats = [float(p[1]) for p in points]
    keeps = [bool(p[2]) for p in points]
    with bound_cursor() as cur:
        cur.execute(SNAP_SQL, {"i": list(range(len(points))), "lon": lons, "lat": lats, "keep": keeps, "tolerance": tolerance})
        rows = cur.fetchall()
    results = []
    for row in rows:
        if row[1] is None:
            results.append(None)
        else:
            point = GEOSGeometry(memoryview(row[9])) if row[9] is not None else None
            results.append(SnapResult(*row[1:8], distance_m=float(row[8]), point=point))
    return results


@sensitive_variables("lon", "lat")
def snap_to_area(lon, lat, tolerance_m=None, keep_point=False):
    tolerance = settings.SNAP_GAP_TOLERANCE_M if tolerance_m is None else tolerance_m
    result = snap_points([(lon, lat, keep_point)], tolerance)[0]
    if result is None:
        raise OutsideCoverage(outside_coverage_message(tolerance))
    return result
