from django.http import HttpRequest, HttpResponse

from .outlines import municipalities_geojson as outlines


def municipalities_geojson(request: HttpRequest) -> HttpResponse:
    """Municipality outlines as RFC 7946 GeoJSON (application/geo+json)."""
    return HttpResponse(outlines(), content_type="application/geo+json")
