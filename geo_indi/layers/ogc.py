"""OGC API - Features, Part 1 Core and Part 2 CRS by reference, under /ogcapi/
(what QGIS and GDAL's OAPIF driver read).

JSON/GeoJSON by default, HTML for people (f=html or a browser's Accept header).
Errors are OGC exceptions: {"code": ..., "description": ...} with 400, 401, 404 or 405.
Every endpoint names the query parameters it takes; any other is a 400.
"""
import json
import re
from functools import wraps

from django.conf import settings
from geo_indi.core.db_routers import read_connection as connection
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from geo_indi.accounts.tokens import GISAuthenticationMixin
from geo_indi.areas.models import Municipality
from geo_indi.core.errors import RequestError, from_drf
from geo_indi.observations.filters import FILTERS, filter_schema
from geo_indi.observations.models import ObservationMonthlyCount

from . import streaming
from .params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    SHARED_FILTERS,
    parse_layer_query,
)
from .services import LAYERS, get_layer

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
]
SCHEMA = "application/schema+json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
# JSON Schema of each layer column kind (services.Column.kind).
KIND_SCHEMAS = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
}
# The JSON Schema of each geometry type (OGC API - Features Part 3 queryables name the geometry this way).
GEOMETRY_SCHEMAS = {
    "Point": "https://geojson.org/schema/Point.json",
    "MultiPolygon": "https://geojson.org/schema/MultiPolygon.json",
}
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_3067 = "http://www.opengis.net/def/crs/EPSG/0/3067"
# The CRSs of `crs` and `bbox-crs` and the SRID PostGIS transforms to (CRS84 is WGS 84 lon/lat).
SUPPORTED_CRS = {CRS84: 4326, EPSG_3067: 3067}
STORAGE_CRS = f"http://www.opengis.net/def/crs/EPSG/0/{settings.GEO_INDI_STORAGE_SRID}"
JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"

# The query parameters each kind of endpoint takes (OGC API - Features /req/core/query-param-unknown).
# The observation filters are taken (checked, then not used) by the documents too: GDAL's OAPIF driver sends
# the query of a dataset URL (OAPIF:…/collections/observations?phenomenon=ilkivalta) with every request.
PINNED_PARAMS = frozenset({*SHARED_FILTERS, "unit", "datetime"})
DOCUMENT_PARAMS = frozenset({"f", *PINNED_PARAMS})
ITEM_PARAMS = frozenset({"f", "crs"})
ITEMS_PARAMS = frozenset(
    {"f", "crs", "bbox", "bbox-crs", "datetime", "limit", "offset", "after", "unit", *SHARED_FILTERS}
)


def wants_html(request):
    f = request.GET.get("f")
    if f == "html":
        return True
    if f in ("json", "geojson"):
        return False
    if f not in (None, ""):
        raise RequestError("f must be json or html.", field="f")
    accept = request.headers.get("Accept", "")
    return HTML in accept and "json" not in accept


def check_param_names(request, allowed):
    """Only the endpoint's own parameters, each with a value (an empty one is not "absent")."""
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise RequestError(
            f"Unknown query parameter: {', '.join(unknown)}. This endpoint takes: {', '.join(sorted(allowed))}.",
        )
    empty = sorted(name for name, values in request.GET.lists() if "" in values)
    if empty:
        raise RequestError(f"No value for: {', '.join(empty)}. Give one or leave it out.")


class OGCGate(GISAuthenticationMixin, APIView):
    """DRF's authentication classes and throttles from settings (REST_FRAMEWORK), applied to an OGC request:
    token, Basic (username + token) or session users resolved, the "ogc" throttle scope counted.
    Nothing is rendered here."""

    permission_classes = [AllowAny]
    throttle_scope = "ogc"

    def admit(self, request):
        drf_request = self.initialize_request(request)
        self.request = drf_request
        try:
            self.perform_authentication(drf_request)
            self.check_throttles(drf_request)
        except APIException as exc:
            if getattr(exc, "status_code", None) == 401:
                exc.auth_header = self.get_authenticate_header(drf_request)
            raise from_drf(exc) from None
        request.user = drf_request.user


def ogc_view(allowed_params):
    """Only GET/HEAD (a 405, not a CSRF page: nothing here writes); only `allowed_params`
    (None: not checked); DRF's authentication and throttles (OGCGate). A RequestError raised by the
    view is rendered as an OGC exception by the middleware (geo_indi.core.errors.render_error)."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                raise RequestError("Only GET is supported.", status=405, headers={"Allow": "GET, HEAD"})
            OGCGate().admit(request)
            if allowed_params is not None:
                check_param_names(request, allowed_params)
            if allowed_params is DOCUMENT_PARAMS and PINNED_PARAMS & set(request.GET):
                parse_layer_query(request.GET)  # a 400 for a filter that would fail on the items
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def requested_crs(request, name):
    """The CRS URI of `crs` or `bbox-crs` (CRS84 when absent)."""
    uri = request.GET.get(name) or CRS84
    if uri not in SUPPORTED_CRS:
        raise RequestError(f"{name} must be one of: {', '.join(SUPPORTED_CRS)}.", field=name)
    return uri


def with_content_crs(response, crs):
    response["Content-Crs"] = f"<{crs}>"
    return response


def feature_key(layer, text):
    """A feature id as the layer's id column compares it (int or str), or None if it cannot be one."""
    if layer.id_is_integer:
        return int(text) if re.fullmatch(r"\d{1,18}", text) else None
    return text if re.fullmatch(r"[0-9A-Za-z_-]{1,20}", text) else None


def _url(request, name, *args, **params):
    url = request.build_absolute_uri(reverse(name, args=args))
    return f"{url}?{urlencode(params)}" if params else url


def _link(href, rel, media_type, title):
    return {"href": href, "rel": rel, "type": media_type, "title": str(title)}


def _coverage_bbox():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ("
            " SELECT ST_Extent(ST_Transform(geom, 4326)) AS e"
            f" FROM {Municipality._meta.db_table}) x"
        )
        row = cur.fetchone()
    if row is None or row[0] is None:
        return [-180.0, -90.0, 180.0, 90.0]
    return [round(v, 6) for v in row]


def _temporal_interval():
    """[first day of the earliest month with observations, last day of the latest], as RFC 3339 instants
    (whole months: the summary's months, not a single record's date); None without observations."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT min(month), (max(month) + interval '1 month' - interval '1 second')"
            f" FROM {ObservationMonthlyCount._meta.db_table}"
        )
        first, last = cur.fetchone()
    if first is None:
        return None
    return [f"{first.isoformat()}T00:00:00Z", last.strftime("%Y-%m-%dT%H:%M:%SZ")]


def _layer_or_404(collection_id):
    layer = get_layer(collection_id)
    if layer is None:
        raise RequestError(f"No collection '{collection_id}'. See /ogcapi/collections.", status=404)
    return layer


def collection_document(request, layer, bbox, interval):
    cid = layer.id
    extent: dict = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    if layer.temporal and interval is not None:
        extent["temporal"] = {"interval": [interval], "trs": GREGORIAN}
    return {
        "id": cid,
        "title": str(layer.title),
        "description": str(layer.description),
        "itemType": "feature",
        "crs": list(SUPPORTED_CRS),
        "storageCrs": STORAGE_CRS,
        "extent": extent,
        "links": [
            _link(_url(request, "ogc-queryables", cid), "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                  SCHEMA, _("Queryables")),
            _link(_url(request, "ogc-collection", cid), "self", JSON, _("This collection")),
            _link(_url(request, "ogc-collection", cid, f="html"), "alternate", HTML, _("This collection as HTML")),
            _link(_url(request, "ogc-items", cid), "items", GEOJSON, _("Features")),
            _link(_url(request, "ogc-items", cid, f="html"), "items", HTML, _("Features as HTML")),
            _link(
                request.build_absolute_uri(reverse(f"layers:{cid}-gpkg")), "enclosure",
                "application/geopackage+sqlite3", _("Download as GeoPackage"),
            ),
            _link(request.build_absolute_uri(reverse(f"layers:{cid}-csv")), "enclosure", "text/csv", _("Download as CSV")),
        ],
    }


@ogc_view(DOCUMENT_PARAMS)
def landing(request):
    doc = {
        "title": _("geo_indi GIS layers"),
        "description": _(
            "Wellbeing and safety observations in Lapland as OGC API - Features: object observations as points, "
            "counts per postcode area and municipality (small counts suppressed), and the areas themselves."
        ),
        "links": [
            _link(_url(request, "ogc-landing"), "self", JSON, _("This document")),
            _link(_url(request, "ogc-landing", f="html"), "alternate", HTML, _("This document as HTML")),
            _link(_url(request, "ogc-openapi"), "service-desc", OPENAPI, _("OpenAPI definition of this API")),
            _link(_url(request, "ogc-api-docs"), "service-doc", HTML, _("Documentation of this API")),
            _link(_url(request, "ogc-conformance"), "conformance", JSON, _("Conformance classes")),
            _link(_url(request, "ogc-collections"), "data", JSON, _("Collections")),
        ],
    }
    if wants_html(request):
        return render(request, "layers/ogc_landing.html", {
            "doc": doc, "collections": LAYERS.values(), "default_limit": DEFAULT_LIMIT, "max_limit": MAX_LIMIT,
        })
    return JsonResponse(doc)


@ogc_view(DOCUMENT_PARAMS)
def conformance(request):
    doc = {"conformsTo": CONFORMANCE}
    if wants_html(request):
        return render(request, "layers/ogc_conformance.html", {"doc": doc})
    return JsonResponse(doc)


@ogc_view(DOCUMENT_PARAMS)
def collections(request):
    bbox, interval = _coverage_bbox(), _temporal_interval()
    doc = {
        "links": [
            _link(_url(request, "ogc-collections"), "self", JSON, _("Collections")),
            _link(_url(request, "ogc-collections", f="html"), "alternate", HTML, _("Collections as HTML")),
        ],
        "collections": [collection_document(request, layer, bbox, interval) for layer in LAYERS.values()],
    }
    if wants_html(request):
        return render(request, "layers/ogc_collections.html", {"doc": doc})
    return JsonResponse(doc)


@ogc_view(DOCUMENT_PARAMS)
def collection(request, collection_id):
    layer = _layer_or_404(collection_id)
    doc = collection_document(request, layer, _coverage_bbox(), _temporal_interval())
    if wants_html(request):
        return render(request, "layers/ogc_collection.html", {"doc": doc, "layer": layer})
    return JsonResponse(doc)


def queryables_document(request, layer):
    """OGC API - Features Part 3 queryables: the query parameters that select this layer's features (or what
    its counts count), each with the JSON Schema of the values it takes (observations/filters.py)."""
    properties: dict = {"geometry": {"$ref": GEOMETRY_SCHEMAS[layer.geometry_type]}}
    if layer.temporal:
        properties["datetime"] = {"type": "string", "format": "date-time",
                                  "description": "The observation date (the datetime parameter)."}
    for f in FILTERS:
        if f.name in layer.filters:
            properties[f.name] = {**filter_schema(f), "description": f.description}
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": _url(request, "ogc-queryables", layer.id),
        "type": "object",
        "title": str(layer.title),
        "properties": properties,
        "additionalProperties": False,
    }


@ogc_view(DOCUMENT_PARAMS)
def queryables(request, collection_id):
    layer = _layer_or_404(collection_id)
    if wants_html(request) and request.GET.get("f") == "html":
        raise RequestError("The queryables are JSON Schema only: f must be json.", field="f")
    return JsonResponse(queryables_document(request, layer), content_type=SCHEMA)


def properties_schema(layer, user) -> dict:
    """JSON Schema of a layer's feature properties for this user (the columns' kinds). Any property but the
    id may be null: a hidden count, an observation without a category."""
    properties = {}
    for column in layer.columns(user):
        schema = dict(KIND_SCHEMAS[column.kind])
        if column.name != "id":
            schema["nullable"] = True
        properties[column.name] = schema
    return {"type": "object", "properties": properties}


def _items_links(request, layer, query, page):
    """Links of an items page. `page` is (returned, last id, whether more follow): "next"
    continues after the last id (keyset paging), so deep pages cost as little as the first."""
    _returned, last_id, has_more = page
    params = {k: v for k, v in request.GET.items() if k not in ("offset", "after", "f")}
    params["limit"] = query.limit
    here = {"offset": query.offset} if query.offset else {}
    if query.after is not None:
        here["after"] = query.after
    links = [
        _link(_url(request, "ogc-items", layer.id, **params, **here), "self", GEOJSON, _("This page")),
        _link(
            _url(request, "ogc-items", layer.id, **params, **here, f="html"),
            "alternate", HTML, _("This page as HTML"),
        ),
        _link(_url(request, "ogc-collection", layer.id), "collection", JSON, _("The collection")),
    ]
    if has_more:
        links.append(
            _link(_url(request, "ogc-items", layer.id, **params, after=last_id), "next", GEOJSON, _("Next page"))
        )
    if query.offset > 0 and query.after is None:
        links.append(
            _link(_url(request, "ogc-items", layer.id, **params, offset=max(0, query.offset - query.limit)),
                  "prev", GEOJSON, _("Previous page"))
        )
    return links


def parse_items_query(request, layer):
    """Everything an items request asks for, checked before the database is asked anything."""
    bbox_crs = requested_crs(request, "bbox-crs")
    query = parse_layer_query(request.GET, paged=True, bbox_srid=SUPPORTED_CRS[bbox_crs])
    if query.after is not None:
        query.after = feature_key(layer, query.after)
        if query.after is None:
            raise RequestError("after: give the id of the last feature of the previous page.", field="after")
    return query


@ogc_view(ITEMS_PARAMS)
def items(request, collection_id):
    layer = _layer_or_404(collection_id)
    html = wants_html(request)
    crs = requested_crs(request, "crs")
    srid = SUPPORTED_CRS[crs]
    query = parse_items_query(request, layer)
    lsql = layer.sql(request.user, query)
    if html:
        matched = streaming.count(lsql)
        rows_iter = streaming.page_rows(lsql, limit=query.limit, offset=query.offset, after=query.after, srid=srid)
        features = []
        while True:
            try:
                features += [json.loads(text) for text, _id in next(rows_iter)]
            except StopIteration as stop:
                page = stop.value
                break
        links = _items_links(request, layer, query, page)
        return render(request, "layers/ogc_items.html", {
            "layer": layer, "features": features, "matched": matched, "query": query,
            "columns": [c.name for c in lsql.columns], "links": {link["rel"]: link for link in links},
            "max_limit": MAX_LIMIT,
        })

    # Counted on the first page only: a client following `next` (after=) learnt it there.
    matched = streaming.count(lsql) if query.after is None else None

    def members(page):
        doc = {} if matched is None else {"numberMatched": matched}
        doc.update({
            "numberReturned": page[0],
            "timeStamp": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "links": _items_links(request, layer, query, page),
        })
        return json.dumps(doc)[1:-1]

    response = StreamingHttpResponse(
        streaming.feature_collection_chunks(
            lsql, limit=query.limit, offset=query.offset, after=query.after, extra_members=members, srid=srid
        ),
        content_type=GEOJSON,
    )
    return with_content_crs(response, crs)


@ogc_view(ITEM_PARAMS)
def item(request, collection_id, feature_id):
    layer = _layer_or_404(collection_id)
    html = wants_html(request)
    crs = requested_crs(request, "crs")
    not_found = RequestError(f"No feature '{feature_id}' in collection '{collection_id}'.", status=404)
    feature_id = feature_key(layer, feature_id)
    if feature_id is None:
        raise not_found
    text = streaming.one_feature(layer.sql(request.user, parse_layer_query({})), feature_id, srid=SUPPORTED_CRS[crs])
    if text is None:
        raise not_found
    feature = json.loads(text)
    feature["links"] = [
        _link(_url(request, "ogc-item", layer.id, feature_id), "self", GEOJSON, _("This feature")),
        _link(_url(request, "ogc-item", layer.id, feature_id, f="html"), "alternate", HTML, _("This feature as HTML")),
        _link(_url(request, "ogc-collection", layer.id), "collection", JSON, _("The collection")),
    ]
    if html:
        return render(request, "layers/ogc_item.html", {"layer": layer, "feature": feature})
    return with_content_crs(JsonResponse(feature, content_type=GEOJSON), crs)


@ogc_view(allowed_params=None)
def unknown_path(request, path):
    raise RequestError(f"No resource /ogcapi/{path}. Start at /ogcapi/.", status=404)
