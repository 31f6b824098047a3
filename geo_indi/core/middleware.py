"""Request ids, and errors in the client's shape.

RequestIDMiddleware (first in MIDDLEWARE): every request gets an id (the
caller's X-Request-ID if plain, else a new one) that log lines and API error
bodies carry and the response echoes.

APIErrorMiddleware: a RequestError raised by a view, an unreachable database (503 with Retry-After),
a value the database cannot hold (a NUL byte, a number out of range: 400, never 500), and whatever
Django itself answers outside the HTML pages (unknown URL, 405, CSRF 403, ...) are all rendered by
geo_indi.core.errors.render_error, the one renderer.
"""
import logging

from django.utils.translation import gettext as _

from . import requestid
from .database import is_bad_value, is_unavailable
from .errors import RequestError, client_shape, from_response, oversized, render_error, unavailable

logger = logging.getLogger("geo_indi.request")


class RequestIDMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Not reset when the view returns: Django logs the response, and a streamed body is
        # produced, after this; the next request on the thread sets its own.
        request.request_id = requestid.begin(request.headers.get(requestid.HEADER))
        response = self.get_response(request)
        response[requestid.HEADER] = request.request_id
        return response


def _contains_nul(request):
    if "\x00" in request.path_info:
        return True
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())


def as_request_error(exception):
    """The RequestError an exception stands for (a database fault included), or None."""
    if isinstance(exception, RequestError):
        return exception
    if is_unavailable(exception):
        return unavailable()  # logged once by the renderer
    if is_bad_value(exception):
        logger.warning("a value the database cannot hold answered 400")
        return RequestError(_("A value in the request is out of range or not allowed."))
    return None


class APIErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        too_large = oversized(request)
        if too_large is not None:
            return render_error(request, too_large)
        if _contains_nul(request):
            return render_error(request, RequestError(_("The address contains a NUL character.")))
        response = self.get_response(request)
        if (response.status_code >= 400 and client_shape(request) != "html"
                and "json" not in response.get("Content-Type", "")):
            return render_error(request, from_response(response))
        return response

    def process_exception(self, request, exception):
        error = as_request_error(exception)
        if error is None:
            return None
        response = render_error(request, error)
        response._has_been_logged = True  # a RequestError is the client's; a fault was logged above, once
        return response
