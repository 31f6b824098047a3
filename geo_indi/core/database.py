""""The database is unavailable": one answer for every client (/api/, /ogcapi/, /healthz, pages).

The OGC API views may call `unavailable_response(request)` or `ogc_unavailable_response()`
directly; the middleware and the 500 handler call it for everything else.
"""
import logging

import psycopg
from django.conf import settings
from django.db import DataError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from .api import OGC_PREFIX, error_response, is_api_path

logger = logging.getLogger("geo_indi.database")


def retry_after_seconds():
    return getattr(settings, "DATABASE_RETRY_AFTER_SECONDS", 10)


# Django's wrapped classes, and the driver's own, raised by a raw psycopg cursor (observations.snapping.bound_cursor)
# that Django does not wrap. OperationalError covers a lost connection, a refused one, a server shutting down,
# and a statement cancelled by statement_timeout (psycopg.errors.QueryCanceled) or a lock timeout.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
# A value the database cannot hold (a NUL byte, a number out of range): the request's fault, a 400.
VALUE_ERRORS = (DataError, psycopg.DataError)


def is_unavailable(exc):
    """An error that says the database cannot be reached or used now (not a bad query)."""
    return isinstance(exc, UNAVAILABLE_ERRORS)


def is_bad_value(exc):
    """An error that says a value of the request cannot be stored or compared (a 400)."""
    return isinstance(exc, VALUE_ERRORS)


def check_database():
    """Raise a DatabaseError when the database does not answer; return PostGIS's version otherwise."""
    with connection.cursor() as cur:
        cur.execute("SELECT postgis_lib_version()")
        return cur.fetchone()[0]


def ogc_unavailable_response():
    response = JsonResponse(
        {"code": "ServiceUnavailable", "description": _("The database is unavailable. Try again shortly.")},
        status=503,
    )
    response["Retry-After"] = str(retry_after_seconds())
    return response


def unavailable_response(request):
    """503 with Retry-After in the caller's shape: OGC exception, API error JSON, or a plain page."""
    logger.warning("database unavailable: %s %s answered 503", request.method, request.path)
    if request.path.startswith(OGC_PREFIX):
        response = ogc_unavailable_response()
    else:
        headers = {"Retry-After": str(retry_after_seconds())}
        message = _("The database is unavailable. Try again shortly.")
        if _wants_json(request):
            response = error_response(503, message, "database_unavailable", headers=headers)
        else:
            response = HttpResponse(f"<!doctype html><title>503</title><h1>{escape(message)}</h1>", status=503, headers=headers)
    response._has_been_logged = True  # the line above is the one line of this event
    return response


def _wants_json(request):
    return is_api_path(request.path) or request.path == "/healthz"
