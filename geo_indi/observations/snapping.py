"""Point -> postcode area. The one written rule, executed in PostGIS.

Rule: among postcode areas within SNAP_GAP_TOLERANCE_M of the point, take the
nearest; a point inside or on the border of an area is at distance 0. Ties
(a shared border, an overlap of neighbours) go to the lowest postcode. No area
within the tolerance: the point is outside coverage, a validation error.

Distances are planar metres in ETRS-TM35FIN (EPSG:3067), the storage SRID.
The lookup uses the subdivided copy of the areas (PostcodeAreaPart) and its
spatial index. The query goes through the raw driver cursor so that the
coordinates never pass Django's SQL debug logging.
"""
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.views.decorators.debug import sensitive_variables

SNAP_SQL = """
    WITH p AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), {srid}) AS g)
    SELECT a.id, a.postcode, a.name_fi, a.name_sv, a.municipality_id, c.distance,
           CASE WHEN %s THEN ST_AsEWKB((SELECT g FROM p)) END
      FROM (
        SELECT part.area_id, min(ST_Distance(part.geom, p.g)) AS distance
          FROM areas_postcodeareapart part, p
         WHERE ST_DWithin(part.geom, p.g, %s)
         GROUP BY part.area_id
      ) c JOIN areas_postcodearea a ON a.id = c.area_id
     ORDER BY c.distance, a.postcode
     LIMIT 1
""".format(srid=settings.GEO_INDI_STORAGE_SRID)

class OutsideCoverage(Exception):
    pass


@dataclass(frozen=True)
class SnapResult:
    area_id: int
    postcode: str
    name_fi: str
    name_sv: str
    municipality_id: int
    distance_m: float
    point: GEOSGeometry | None = None  # the point in the storage SRID, only when asked for


@sensitive_variables("lon", "lat", "row")
def snap_to_area(lon, lat, tolerance_m=None, keep_point=False):
    tolerance = settings.SNAP_GAP_TOLERANCE_M if tolerance_m is None else tolerance_m
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        cur.execute(SNAP_SQL, (lon, lat, keep_point, tolerance))
        row = cur.fetchone()
    if row is None:
        raise OutsideCoverage(
            f"The point is outside the postcode areas in use (no area within {tolerance} m)."
        )
    point = GEOSGeometry(memoryview(row[6])) if keep_point else None
    return SnapResult(*row[:5], distance_m=float(row[5]), point=point)
