"""The API error shape (docs/api.md): always JSON, never a stack trace.

    {"error": "One sentence for people.", "code": "machine_code",
     "errors": {"field": ["message", ...]}}      # "errors" only on validation errors

Every /api/ error comes through `error_body`: DRF's exceptions through
`exception_handler`, everything Django answers itself (unknown URL, too large
body, database unavailable) through `geo_indi.core.middleware.APIErrorMiddleware`
and the handlers in `geo_indi.core.views`.
"""
import codecs
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, parsers

from .requestid import current_request_id

API_PREFIX = "/api/"
OGC_PREFIX = "/ogcapi/"
# Observation bodies nest three levels; anything much deeper is not ours.
MAX_JSON_DEPTH = 20
# Paging: a page has at most MAX_PAGE_SIZE items (a larger limit is served at the maximum).
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_OFFSET = 10_000_000


def error_body(message, code, errors=None):
    body = {"error": str(message), "code": code}
    if errors is not None:
        body["errors"] = errors
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    return body


def error_response(status, message, code, errors=None, headers=None):
    return JsonResponse(error_body(message, code, errors), status=status, headers=headers)


def is_api_path(path):
    return path.startswith(API_PREFIX)


def exception_handler(exc, context):
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES, which names this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = error_body(_("The request has invalid values."), "invalid", errors)
    else:
        if isinstance(exc, Http404):
            exc = exceptions.NotFound()
        detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(detail, code if isinstance(code, str) else "error")
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["retry_after"] = int(response["Retry-After"])
    return response


def _depth(value, limit):
    """True when containers nest deeper than `limit` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            if level > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting depth bounded: a 400, never a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        # DRF reads the body through HttpRequest.body, which enforces DATA_UPLOAD_MAX_MEMORY_SIZE
        # (a RequestDataTooBig, answered by geo_indi.core.views.bad_request).
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        too_deep = exceptions.ParseError(
            _("The JSON body nests deeper than %(depth)s levels.") % {"depth": MAX_JSON_DEPTH}, code="too_deep"
        )
        try:
            data = json.loads(codecs.decode(raw, encoding), parse_constant=self._refuse_constant)
        except RecursionError:
            raise too_deep from None
        except ValueError:
            raise exceptions.ParseError(_("The request body is not valid JSON."), code="parse_error") from None
        if _depth(data, MAX_JSON_DEPTH):
            raise too_deep
        return data

    @staticmethod
    def _refuse_constant(name):
        raise ValueError(f"{name} is not JSON")


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """limit/offset paging with a maximum page size; an offset beyond MAX_OFFSET is a 400."""

    default_limit = DEFAULT_PAGE_SIZE
    max_limit = MAX_PAGE_SIZE

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param, "")
        if raw.isdigit() and int(raw) > MAX_OFFSET:
            raise exceptions.ValidationError(
                {self.offset_query_param: [_("Give a whole number from 0 to %(max)s.") % {"max": MAX_OFFSET}]}
            )
        return super().get_offset(request)


# DRF's ?format= override is accepted everywhere.
ALWAYS_ALLOWED_QUERY_PARAMS = frozenset({"format"})


class KnownQueryParamsMixin:
    """A view that answers 400 to a query parameter it does not take, instead of ignoring it
    (a misspelt filter would otherwise return unfiltered data). `allowed_query_params(action)`
    names what each action takes."""

    def allowed_query_params(self, action):
        return frozenset()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        allowed = ALWAYS_ALLOWED_QUERY_PARAMS | self.allowed_query_params(self.action)
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise exceptions.ValidationError({
                name: [_("Unknown query parameter. This endpoint takes: %(names)s.") % {"names": ", ".join(sorted(allowed))}]
                for name in unknown
            })
