from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render


def home(request):
    return render(request, "core/home.html")


def municipalities_geojson(request):
    """Municipality outlines as RFC 7946 GeoJSON, built by PostGIS (simplified for the overview)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
                json_build_object(
                    'type', 'Feature', 'id', code,
                    'properties', json_build_object('code', code, 'name_fi', name_fi, 'name_sv', name_sv),
                    'geometry', ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(geom, 200), 4326), 5)::json
                ) ORDER BY code), '[]'::json))::text
              FROM areas_municipality
            """
        )
        body = cur.fetchone()[0]
    return HttpResponse(body, content_type="application/geo+json")


def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT postgis_lib_version()")
    return HttpResponse("ok", content_type="text/plain")
