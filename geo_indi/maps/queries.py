"""SQL for the maps: simplified shapes, heat points and time series, all made by PostGIS.

Counts per area come from geo_indi.publication.counts; this
module only adds what the maps need around them.
"""
import json
import math

from django.conf import settings
from geo_indi.core.db_routers import read_connection as connection
from geo_indi.observations import summary
from geo_indi.observations.filters import DEFAULT_UNIT

# Tolerances in metres (EPSG:3067) for ST_SimplifyPreserveTopology.
MUNICIPALITY_TOLERANCE_M = 250
POSTCODE_AREA_TOLERANCE_M = 40

def _rows(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        columns = [c[0] for c in cur.description]
        return [dict(zip(columns, row)) for row in cur.fetchall()]


def municipality_shapes():
    """Every municipality: id, code, name, population (the importer's sum of its areas', when all are known), geometry."""
    rows = _rows(
        """
        SELECT m.id, m.code, m.name_fi AS name, m.population,
               ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(m.geom, %s), 4326), 5) AS geometry
          FROM areas_municipality m
         ORDER BY m.code
        """,
        [MUNICIPALITY_TOLERANCE_M],
    )
    for row in rows:
        row["geometry"] = json.loads(row["geometry"])
    return rows


def postcode_area_shapes(municipality):
    rows = _rows(
        """
        SELECT p.id, p.postcode AS code, p.name_fi AS name, p.population,
               ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(p.geom, %s), 4326), 5) AS geometry
          FROM areas_postcodearea p
         WHERE p.municipality_id = %s
         ORDER BY p.postcode
        """,
        [POSTCODE_AREA_TOLERANCE_M, municipality.id],
    )
    for row in rows:
        row["geometry"] = json.loads(row["geometry"])
    return rows


def bounds(municipality=None):
    """[[south, west], [north, east]] in WGS 84 of a municipality, or of them all; None if there is none."""
    where, params = ("WHERE id = %s", [municipality.id]) if municipality else ("", [])
    params = [settings.GEO_INDI_STORAGE_SRID, *params]
    rows = _rows(
        f"""
        SELECT ST_YMin(b) AS s, ST_XMin(b) AS w, ST_YMax(b) AS n, ST_XMax(b) AS e
          FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, %s), 4326) AS b
                  FROM areas_municipality {where}) x
        """,
        params,
    )
    r = rows[0]
    if r["s"] is None:
        return None
    return [[r["s"], r["w"]], [r["n"], r["e"]]]


HEAT_CELL_M = 100
HEAT_MAX_CELLS = 10_000


def heat_cell_size(area_m2):
    """Cell side in metres: 100 m, or coarser so that a municipality has at most ~HEAT_MAX_CELLS cells."""
    return max(HEAT_CELL_M, math.ceil((area_m2 / HEAT_MAX_CELLS) ** 0.5 / 10) * 10)


def object_points(queryset, cell_m=HEAT_CELL_M, unit=DEFAULT_UNIT):
    """[[lat, lon, weight], ...] of object observations in WGS 84, one per grid cell
    (at the mean of the cell's points): the page stays small however many points there are.
    The weight is in `unit`: the cell's occurrences or its records."""
    weight = "count(*)" if summary.unit_key(unit) == "n" else "sum(o.occurrences)"  # never input
    sql, params = (
        queryset.filter(subject="object", location__isnull=False).order_by().values("id").query.sql_with_params()
    )
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT ST_Y(pt), ST_X(pt), n FROM (
                SELECT ST_Transform(ST_Centroid(ST_Collect(o.location)), 4326) AS pt, {weight} AS n
                  FROM observations_observation o WHERE o.id IN ({sql})
                 GROUP BY ST_SnapToGrid(o.location, %s)) x
            """,
            [*params, cell_m],
        )
        return [[round(lat, 5), round(lon, 5), n] for lat, lon, n in cur.fetchall()]


def representative_points(area_ids):
    """{postcode_area_id: [lat, lon]}: ST_PointOnSurface of each area, the only place a person observation may be drawn."""
    if not area_ids:
        return {}
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT id, ST_Y(pt), ST_X(pt) FROM (
                SELECT id, ST_Transform(ST_PointOnSurface(geom), 4326) AS pt
                  FROM areas_postcodearea WHERE id = ANY(%s)) x
            """,
            [list(area_ids)],
        )
        return {area_id: [round(lat, 5), round(lon, 5)] for area_id, lat, lon in cur.fetchall()}


def monthly_counts(user, filters, unit=DEFAULT_UNIT):
    """{(month date, direction): n} of the observations this user may count (observations.summary), in `unit`."""
    rows = summary.grouped_counts(filters, ["month", "direction"], user=user)
    return {(row["month"], row["direction"]): row[summary.unit_key(unit)] for row in rows}


def category_counts(user, filters, unit=DEFAULT_UNIT):
    """{(category_id or None): n} of the observations this user may count (observations.summary), in `unit`."""
    rows = summary.grouped_counts(filters, ["category_id"], user=user)
    return {row["category_id"]: row[summary.unit_key(unit)] for row in rows}
