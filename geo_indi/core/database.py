"""Which database errors mean "unavailable" (a 503) and which "a bad value" (a 400).

The answer itself is rendered by geo_indi.core.errors.render_error (errors.unavailable()), through
the middleware and the 500 handler, in every client's shape.
"""
import logging

import psycopg
from django.conf import settings
from django.db import DataError, InterfaceError, OperationalError, connection

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
