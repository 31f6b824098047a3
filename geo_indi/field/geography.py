"""Geometry the field app needs, computed by PostGIS: the working extent and postcode outlines."""
from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import Transform
from django.db import connection

from geo_indi.accounts import roles
from geo_indi.areas.models import Municipality
from geo_indi.core.geo import parse_wgs84_bbox

# Whole of Lapland (lon/lat) when a user's organisation has no municipalities.
LAPLAND_EXTENT = (20.5, 65.5, 29.5, 70.1)
# Largest bbox side (degrees) the outline endpoint serves; the map asks only when zoomed in.
MAX_BBOX_SPAN_DEG = 3.0
SIMPLIFY_TOLERANCE_M = 50


class BadBBox(ValueError):
    """The bbox parameter is missing or unusable; the message says why."""


def working_extent(user):
    """(min_lon, min_lat, max_lon, max_lat) of the user's organisation's municipalities."""
    ids = roles.municipality_ids_of(user)
    qs = Municipality.objects.filter(pk__in=ids) if ids else Municipality.objects.none()
    extent = qs.annotate(wgs=Transform("geom", 4326)).aggregate(e=Extent("wgs"))["e"]
    if extent is None:
        extent = Municipality.objects.annotate(wgs=Transform("geom", 4326)).aggregate(e=Extent("wgs"))["e"]
    return tuple(round(v, 5) for v in extent) if extent else LAPLAND_EXTENT


def parse_bbox(raw):
    """Parse "min_lon,min_lat,max_lon,max_lat" (WGS 84) for the outline view. Raises BadBBox."""
    if not raw:
        raise BadBBox("Give bbox=min_lon,min_lat,max_lon,max_lat.")
    try:
        min_lon, min_lat, max_lon, max_lat = parse_wgs84_bbox(raw)
    except ValueError as exc:
        raise BadBBox(str(exc)) from None
    if min_lon >= max_lon or min_lat >= max_lat:
        raise BadBBox("bbox minimum must be below its maximum.")
    if max_lon - min_lon > MAX_BBOX_SPAN_DEG or max_lat - min_lat > MAX_BBOX_SPAN_DEG:
        raise BadBBox(f"bbox is too large: at most {MAX_BBOX_SPAN_DEG:g} degrees a side. Zoom in.")
    return min_lon, min_lat, max_lon, max_lat


def postcode_outlines_geojson(bbox):
    """Postcode areas meeting the bbox as an RFC 7946 FeatureCollection (text), simplified by 50 m."""
    with connection.cursor() as cur:
        cur.execute(
            """
            WITH box AS (SELECT ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 4326), %s) AS g)
            SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
                json_build_object(
                    'type', 'Feature', 'id', a.postcode,
                    'properties', json_build_object('postcode', a.postcode, 'name_fi', a.name_fi, 'name_sv', a.name_sv),
                    'geometry', ST_AsGeoJSON(ST_Multi(ST_Transform(ST_SimplifyPreserveTopology(a.geom, %s), 4326)), 5)::json
                ) ORDER BY a.postcode), '[]'::json))::text
              FROM areas_postcodearea a, box
             WHERE a.geom && box.g AND ST_Intersects(a.geom, box.g)
            """,
            [*bbox, settings.GEO_INDI_STORAGE_SRID, SIMPLIFY_TOLERANCE_M],
        )
        return cur.fetchone()[0]
