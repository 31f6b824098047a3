"""Request errors, declared once (docs/architecture.md, "Declared once: request errors").

Views, services of the request and parsers *raise* `RequestError`; they never format an error.
`render_error(request, error)` is the one renderer: it picks the client's shape by route.

| route                              | shape                                                                |
|------------------------------------|----------------------------------------------------------------------|
| /ogcapi/…                          | OGC API exception: {"code": "InvalidParameterValue", "description"}  |
| /api/…, /healthz, JSON endpoints   | API error: {"error", "code", "errors"?, "retry_after"?, "request_id"} |
| /maps/tiles/…                      | the API error body, never cached (Cache-Control: no-store)           |
| every other page                   | the translated HTML error page (templates/error.html)                |

The status table (STATUS) gives each status its API code and its OGC exception code; an error may name
its own API code (e.g. too_deep). DRF's exception handler, the middleware (database unavailable, a value
the database cannot hold, whatever Django itself answers) and handler400/500 all end here.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .database import retry_after_seconds
from .requestid import current_request_id

logger = logging.getLogger("geo_indi.request")

API_PREFIX = "/api/"
OGC_PREFIX = "/ogcapi/"
TILE_PREFIX = "/maps/tiles/"
# Paths outside /api/ whose clients read JSON (the field app's script, the health check).
JSON_PATHS = ("/healthz", "/field/mine.json")

# What Django accepts of a request (gunicorn's own limits are lifted, scripts/gunicorn.conf.py): a longer
# address is a 414, a longer header or more headers a 431, each in the client's shape.
MAX_URI_LENGTH = 8190
MAX_HEADER_LENGTH = 8190
MAX_HEADER_FIELDS = 100

# status: (API code, OGC API exception code, message when the error gives none)
STATUS: dict[int, tuple[str, str, str | Promise]] = {
    400: ("invalid", "InvalidParameterValue", gettext_lazy("The request has invalid values.")),
    401: ("not_authenticated", "NotAuthenticated", gettext_lazy("Authentication credentials were not provided.")),
    403: ("permission_denied", "Forbidden", gettext_lazy("Forbidden.")),
    404: ("not_found", "NotFound", gettext_lazy("Not found.")),
    405: ("method_not_allowed", "MethodNotAllowed", gettext_lazy("Method not allowed.")),
    406: ("not_acceptable", "NotAcceptable", gettext_lazy("The requested format is not available.")),
    409: ("conflict", "Conflict", gettext_lazy("The request conflicts with the stored data.")),
    413: ("too_large", "PayloadTooLarge", gettext_lazy("The request body is too large.")),
    414: ("uri_too_long", "URITooLong", gettext_lazy("The address is too long.")),
    415: ("unsupported_media_type", "UnsupportedMediaType", gettext_lazy("The body's media type is not supported.")),
    429: ("throttled", "TooManyRequests", gettext_lazy("Too many requests.")),
    431: ("headers_too_large", "RequestHeaderFieldsTooLarge", gettext_lazy("The request's headers are too large.")),
    500: ("server_error", "ServerError", gettext_lazy("Internal server error.")),
    503: ("database_unavailable", "ServiceUnavailable", gettext_lazy("The database is unavailable. Try again shortly.")),
}
# Headers an error keeps when Django's or DRF's own answer is rendered again.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")


def _status_entry(status: int) -> tuple[str, str, str | Promise]:
    if status in STATUS:
        return STATUS[status]
    phrase = HTTPStatus(status).phrase
    return phrase.lower().replace(" ", "_").replace("-", "_"), phrase.replace(" ", "").replace("-", ""), phrase


def flatten(errors: Mapping[str, Iterable[str]]) -> str:
    """{"limit": ["Give …"], "bbox": ["…"]} as one sentence: "limit: Give …; bbox: …"."""
    return "; ".join(f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in errors.items())


class RequestError(Exception):
    """The request cannot be answered as asked. Raised anywhere below a view; rendered by `render_error`.

    message: one sentence for people (default: the status's); code: the API code (default: the status's);
    errors: messages per parameter or field ({name: [message, …]}); field: the one parameter at fault
    (becomes errors={field: [message]}); headers: sent with the error (Allow, Retry-After, …);
    drop: query parameters whose removal makes the page work (the HTML page links to it without them).
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int = 400,
        code: str | None = None,
        errors: Mapping[str, list] | None = None,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        drop: Iterable[str] = (),
    ) -> None:
        if field is not None and errors is None and message is not None:
            errors = {field: [str(message)]}
        default_code, _ogc, default_message = _status_entry(status)
        self.status = status
        self.code = code or default_code
        self.errors = dict(errors) if errors is not None else None
        self.message = str(message) if message is not None else (flatten(self.errors) if self.errors else str(default_message))
        self.field = field
        self.headers = dict(headers or {})
        self.drop = tuple(drop)
        super().__init__(self.message)

    @property
    def ogc_code(self) -> str:
        return _status_entry(self.status)[1]


def unavailable() -> RequestError:
    """The database cannot be reached or used now: 503 with Retry-After, in every client's shape."""
    return RequestError(status=503, headers={"Retry-After": str(retry_after_seconds())})


def oversized(request: HttpRequest) -> RequestError | None:
    """A 414 or 431 for an address or headers beyond what Django accepts, else None."""
    uri = request.META.get("RAW_URI") or request.get_full_path()
    if len(uri) > MAX_URI_LENGTH:
        return RequestError(_("The address is too long (at most %(max)s characters).") % {"max": MAX_URI_LENGTH},
                            status=414)
    headers = [(k, v) for k, v in request.META.items() if k.startswith("HTTP_")]
    if len(headers) > MAX_HEADER_FIELDS or any(len(k) + len(str(v)) > MAX_HEADER_LENGTH for k, v in headers):
        return RequestError(status=431)
    return None


def client_shape(request: HttpRequest) -> str:
    """"ogc", "api", "tile" or "html": who asked, by route."""
    path = request.path
    if path.startswith(OGC_PREFIX) or path == OGC_PREFIX.rstrip("/"):
        return "ogc"
    if path.startswith(API_PREFIX) or path in JSON_PATHS:
        return "api"
    if path.startswith(TILE_PREFIX):
        return "tile"
    return "html"


def api_body(error: RequestError) -> dict:
    body: dict = {"error": error.message, "code": error.code}
    if error.errors is not None:
        body["errors"] = error.errors
    if "Retry-After" in error.headers:
        body["retry_after"] = int(error.headers["Retry-After"])
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    return body


def _without(request: HttpRequest, names: Iterable[str]) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return f"{request.path}?{params.urlencode()}"


def _html(request: HttpRequest, error: RequestError) -> HttpResponse:
    context = {
        "status": error.status,
        "message": error.message,
        "errors": error.errors,
        "retry": _without(request, error.drop) if error.drop else None,
        "is_map": request.path.startswith("/maps/"),
        "request_id": current_request_id(),
    }
    # A server-side failure (the database down) renders without the request: base.html would ask the database.
    if error.status >= 500:
        body = render_to_string("error_plain.html", context)
    else:
        body = render_to_string("error.html", context, request=request)
    return HttpResponse(body, status=error.status, content_type="text/html; charset=utf-8")


def render_error(request: HttpRequest, error: RequestError) -> HttpResponse:
    """The one error renderer: `error` in the shape of the route's clients."""
    shape = client_shape(request)
    if shape == "ogc":
        response: HttpResponse = JsonResponse({"code": error.ogc_code, "description": error.message}, status=error.status)
    elif shape == "html":
        response = _html(request, error)
    else:
        response = JsonResponse(api_body(error), status=error.status)
        if shape == "tile":
            response["Cache-Control"] = "no-store"
    for name, value in error.headers.items():
        response[name] = value
    if error.status == 503:
        logger.warning("%s %s answered 503 (%s)", request.method, request.path, error.code)
        response._has_been_logged = True  # the line above is the one line of this event
    return response


def from_response(response: HttpResponse, message: str | None = None, code: str | None = None) -> RequestError:
    """An error Django or DRF answered in its own shape, as a RequestError (status and kept headers)."""
    return RequestError(message, status=response.status_code, code=code,
                        headers={h: response[h] for h in KEPT_HEADERS if h in response})


def from_drf(exc: Exception) -> RequestError | None:
    """DRF's exceptions (and Django's Http404/PermissionDenied, as DRF treats them) as a RequestError."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from rest_framework import exceptions

    if isinstance(exc, RequestError):
        return exc
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return RequestError(_("The request has invalid values."), status=exc.status_code, code="invalid",
                            errors=_plain(detail), headers=headers)
    code = exc.get_codes()
    detail = exc.detail if not isinstance(exc.detail, (dict, list)) else None
    return RequestError(str(detail) if detail is not None else None, status=exc.status_code,
                        code=code if isinstance(code, str) else None, headers=headers)


def _plain(detail):
    """DRF's ErrorDetail tree as plain dicts, lists and strings."""
    if isinstance(detail, dict):
        return {str(k): _plain(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_plain(v) for v in detail]
    return str(detail)
