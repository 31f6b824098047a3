"""The API's request plumbing: DRF's exception handler (delegating to the one error renderer,
geo_indi.core.errors), the bounded JSON parser, limit/offset paging that refuses what it cannot read,
and the 400 to an unknown query parameter.

The API error shape (docs/api.md) is geo_indi.core.errors.api_body:

    {"error": "One sentence for people.", "code": "machine_code",
     "errors": {"field": ["message", ...]}}      # "errors" only on validation errors
"""
import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, parsers

from .errors import API_PREFIX, OGC_PREFIX, RequestError, from_drf, render_error

__all__ = ["API_PREFIX", "OGC_PREFIX", "exception_handler", "JSONParser", "LimitOffsetPagination"]
# Observation bodies nest three levels; anything much deeper is not ours.
MAX_JSON_DEPTH = 20
# Paging: a page has at most MAX_PAGE_SIZE items (a larger limit is served at the maximum).
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_OFFSET = 10_000_000


def exception_handler(exc, context):
    """DRF's exception handler: every DRF, Django and request error through the one renderer."""
    error = from_drf(exc)
    if error is None:
        return None
    request = context.get("request")
    return render_error(getattr(request, "_request", request), error)


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
    """limit/offset paging with a maximum page size. A limit that is not a whole number from 1, or an
    offset that is not one from 0 to MAX_OFFSET, is a 400 (DRF would silently use the default)."""

    default_limit = DEFAULT_PAGE_SIZE
    max_limit = MAX_PAGE_SIZE

    def get_limit(self, request):
        # Any whole number from 1 is taken; more than max_limit is served as max_limit.
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
        if not re.fullmatch(r"\d{1,100}", raw) or int(raw) < 1:
            raise RequestError(_("Give a whole number of at least 1 (at most %(max)s are served).")
                               % {"max": self.max_limit}, field=self.limit_query_param)
        return min(int(raw), self.max_limit)

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        if not re.fullmatch(r"\d{1,12}", raw) or int(raw) > MAX_OFFSET:
            raise RequestError(_("Give a whole number from 0 to %(max)s.") % {"max": MAX_OFFSET},
                               field=self.offset_query_param)
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}
        return parameters


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
            raise RequestError(errors={
                name: [_("Unknown query parameter. This endpoint takes: %(names)s.") % {"names": ", ".join(sorted(allowed))}]
                for name in unknown
            })
