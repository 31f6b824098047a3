import logging
import sys

import psycopg
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DatabaseError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from geo_indi.jobs.queue import queue_health

from .database import check_database, is_unavailable, retry_after_seconds, unavailable_response
from .middleware import client_shape, shaped_error

logger = logging.getLogger("geo_indi.health")


def healthz(request):
    """200 {"status": "ok", …} or 503 naming the failing part; JSON either way.

    Also what an operator watches of the background work: the queue (jobs waiting, the oldest one's age)
    and the workers (how many, seconds since the newest heartbeat; null when none runs). A missing
    worker does not fail the check: the web server still answers, and the numbers say what is late."""
    try:
        postgis = check_database()
        jobs = queue_health()
    except (DatabaseError, psycopg.Error) as exc:
        failing = "database" if is_unavailable(exc) else "postgis"
        response = JsonResponse({"status": "unavailable", "failing": [failing]}, status=503)
        response["Retry-After"] = str(retry_after_seconds())
        return response
    try:
        cache.set("healthz", 1, 10)
    except Exception as exc:  # redis-py's ConnectionError/TimeoutError; the type only, never the message
        logger.warning("shared cache unavailable: %s", type(exc).__name__)
        response = JsonResponse({"status": "unavailable", "failing": ["cache"]}, status=503)
        response["Retry-After"] = str(retry_after_seconds())
        return response
    response = JsonResponse({"status": "ok", "database": "ok", "postgis": postgis, "cache": "ok", **jobs})
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception):
    """handler400: a body too large or too many fields is a 400 in the client's shape."""
    if client_shape(request) == "html":
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        message, code = _("The request body is too large."), "too_large"
    elif isinstance(exception, TooManyFieldsSent):
        message, code = _("The request has too many fields."), "too_large"
    else:
        message, code = _("Bad request."), "bad_request"
    return shaped_error(request, 400, message, code if client_shape(request) == "api" else None)


def server_error(request):
    """handler500: an unreachable database is a 503 with Retry-After; anything else a 500 in the client's shape."""
    exception = sys.exc_info()[1]
    if exception is not None and is_unavailable(exception):
        return unavailable_response(request)
    if client_shape(request) == "html":
        return defaults.server_error(request)
    return shaped_error(request, 500, _("Internal server error."), "server_error")
