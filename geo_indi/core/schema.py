"""OpenAPI components of the API error shape (geo_indi.core.api.error_body), for response schemas."""
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="One sentence for people, in the request's language.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. not_found, invalid, too_deep.")
    request_id = serializers.CharField(required=False, help_text="The X-Request-ID of the request, for support.")


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field (or non_field_errors); present when code is invalid.",
    )


# ReDoc's bundle (drf-spectacular-sidecar) shows its logo from cdn.redoc.ly: no outside service at run time, so
# the page's CSP blocks it and every visit logged a console error. The same bundle is served with that address
# replaced by an inline picture (a data: URI, allowed by img-src), read once per process.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
REDOC_LOGO_INLINE = ("data:image/svg+xml;charset=utf-8,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'"
                     "%3E%3C/svg%3E")


@lru_cache(maxsize=1)
def redoc_bundle() -> bytes:
    source = finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")
    return Path(source).read_text(encoding="utf-8").replace(REDOC_LOGO, REDOC_LOGO_INLINE).encode()


def redoc_standalone(request) -> HttpResponse:
    response = HttpResponse(redoc_bundle(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
