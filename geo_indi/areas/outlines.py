"""Municipal outlines for the overview maps, built by PostGIS as one RFC 7946 GeoJSON document."""
from django.db import connection

# Simplified for the overview (ETRS-TM35FIN metres), 5 decimals of WGS 84 (about a metre).
SIMPLIFY_METRES = 200
DECIMALS = 5


def municipalities_geojson() -> str:
    """All municipalities as a FeatureCollection: id and properties `code`, `name_fi`, `name_sv`; ordered by code."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
                json_build_object(
                    'type', 'Feature', 'id', code,
                    'properties', json_build_object('code', code, 'name_fi', name_fi, 'name_sv', name_sv),
                    'geometry', ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(geom, %s), 4326), %s)::json
                ) ORDER BY code), '[]'::json))::text
              FROM areas_municipality
            """,
            [SIMPLIFY_METRES, DECIMALS],
        )
        return cur.fetchone()[0]
