"""Request ids, and errors in the client's shape.

RequestIDMiddleware (first in MIDDLEWARE): every request gets an id (the
caller's X-Request-ID if plain, else a new one) that log lines and API error
bodies carry and the response echoes.

APIErrorMiddleware: whatever Django itself answers under /api/ (unknown URL,
405, CSRF 403, ...) becomes the API error JSON, under /ogcapi/ an OGC exception;
an unreachable database is a 503 with Retry-After everywhere; a value the
database cannot hold (a NUL byte, a number out of range) is a 400, never a 500.
"""
import logging
from http import HTTPStatus

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import requestid
from .api import OGC_PREFIX, error_response, is_api_path
from .database import is_bad_value, is_unavailable, unavailable_response

logger = logging.getLogger("geo_indi.request")
# Headers an error keeps when its body is rewritten.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary", requestid.HEADER)
STATUS_MESSAGES = {
    403: gettext_lazy("Forbidden."),
    404: gettext_lazy("Not found."),
    405: gettext_lazy("Method not allowed."),
}


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


def client_shape(request):
    if request.path.startswith(OGC_PREFIX):
        return "ogc"
    if is_api_path(request.path):
        return "api"
    return "html"


def shaped_error(request, status, message, code=None):
    """An error response in the shape of the path's clients."""
    phrase = HTTPStatus(status).phrase
    shape = client_shape(request)
    if shape == "ogc":
        return JsonResponse({"code": code or phrase.replace(" ", ""), "description": str(message)}, status=status)
    if shape == "api":
        return error_response(status, message, code or phrase.lower().replace(" ", "_").replace("-", "_"))
    if status == 400:
        return HttpResponseBadRequest(f"<!doctype html><title>400</title><h1>{phrase}</h1>")
    return None


def bad_value(request, message):
    """A 400 for a value the server cannot take, in the path's shape."""
    return shaped_error(request, 400, message, "InvalidParameterValue" if client_shape(request) == "ogc" else "invalid")


def _contains_nul(request):
    if "\x00" in request.path_info:
        return True
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())


class APIErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _contains_nul(request):
            return bad_value(request, _("The address contains a NUL character."))
        response = self.get_response(request)
        if response.status_code >= 400 and client_shape(request) != "html" and "json" not in response.get("Content-Type", ""):
            message = STATUS_MESSAGES.get(response.status_code, HTTPStatus(response.status_code).phrase)
            reshaped = shaped_error(request, response.status_code, message)
            for header in KEPT_HEADERS:
                if header in response:
                    reshaped[header] = response[header]
            return reshaped
        return response

    def process_exception(self, request, exception):
        if is_unavailable(exception):
            return unavailable_response(request)
        if is_bad_value(exception):
            logger.warning("%s %s: a value the database cannot hold answered 400", request.method, request.path)
            response = bad_value(request, _("A value in the request is out of range or not allowed."))
            response._has_been_logged = True  # logged above, once
            return response
        return None
