"""Geometry the field app needs, computed by PostGIS: the working extent and postcode outlines."""
from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import Transform
from django.db import connection

from geo_indi.accounts import roles
from geo_indi.areas.models import Municipality

# Whole of Lapland (lon/lat) when a user's organisation has no municipalities.
LAPLAND_EXTENT = (20.5, 65.5, 29.5, 70.1)
SIMPLIFY_TOLERANCE_M = 50
OUTLINE_DECIMALS = 4  # about 11 m: enough to draw, and the whole of Finland stays under 1 MB


def working_extent(user):
    """(min_lon, min_lat, max_lon, max_lat) of the user's organisation's municipalities."""
    ids = roles.municipality_ids_of(user)
    qs = Municipality.objects.filter(pk__in=ids) if ids else Municipality.objects.none()
    extent = qs.annotate(wgs=Transform("geom", 4326)).aggregate(e=Extent("wgs"))["e"]
    if extent is None:
        extent = Municipality.objects.annotate(wgs=Transform("geom", 4326)).aggregate(e=Extent("wgs"))["e"]
    return tuple(round(v, 5) for v in extent) if extent else LAPLAND_EXTENT


def postcode_outlines_geojson():
    """Every postcode area as an RFC 7946 FeatureCollection (text), simplified.

    The whole coverage, never a part of it chosen by the caller: a request for the
    outlines around a pin would tell an access log where the person was.
    """
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
                json_build_object(
                    'type', 'Feature', 'id', a.postcode,
                    'properties', json_build_object('postcode', a.postcode, 'name_fi', a.name_fi, 'name_sv', a.name_sv),
                    'geometry', ST_AsGeoJSON(ST_Multi(ST_Transform(ST_SimplifyPreserveTopology(a.geom, %s), 4326)), %s)::json
                ) ORDER BY a.postcode), '[]'::json))::text
              FROM areas_postcodearea a
            """,
            [SIMPLIFY_TOLERANCE_M, OUTLINE_DECIMALS],
        )
        return cur.fetchone()[0]
