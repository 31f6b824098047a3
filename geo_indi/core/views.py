import logging
import sys

import psycopg
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DatabaseError
from django.http import JsonResponse
from django.utils.translation import gettext as _

from geo_indi.jobs.queue import queue_health

from .database import check_database, is_unavailable, retry_after_seconds
from .errors import RequestError, render_error, unavailable

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
    """handler400: a body too large, too many fields, or any other SuspiciousOperation: a 400 in the client's shape."""
    if isinstance(exception, RequestDataTooBig):
        error = RequestError(_("The request body is too large."), code="too_large")
    elif isinstance(exception, TooManyFieldsSent):
        error = RequestError(_("The request has too many fields."), code="too_large")
    else:
        error = RequestError(_("Bad request."), code="bad_request")
    return render_error(request, error)


def permission_denied(request, exception):
    """handler403, in the client's shape."""
    return render_error(request, RequestError(status=403))


def page_not_found(request, exception):
    """handler404, in the client's shape."""
    return render_error(request, RequestError(status=404))


def server_error(request):
    """handler500: an unreachable database is a 503 with Retry-After; anything else a 500 in the client's shape."""
    exception = sys.exc_info()[1]
    if exception is not None and is_unavailable(exception):
        return render_error(request, unavailable())
    return render_error(request, RequestError(status=500))
