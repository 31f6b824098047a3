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
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from geo_indi.accounts.tokens import ApiTokenAuthentication
from geo_indi.areas.models import Municipality
from geo_indi.core.throttling import seconds_to_wait

from . import streaming
from .params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    SHARED_FILTERS,
    LayerParamError,
    parse_layer_query,
)
from .services import LAYERS, get_layer

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
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
DOCUMENT_PARAMS = frozenset({"f"})
ITEM_PARAMS = frozenset({"f", "crs"})
ITEMS_PARAMS = frozenset(
    {"f", "crs", "bbox", "bbox-crs", "datetime", "limit", "offset", "after", "unit", *SHARED_FILTERS}
)


class OGCError(Exception):
    def __init__(self, status, code, description, headers=None):
        super().__init__(description)
        self.status, self.code, self.description = status, code, description
        self.headers = headers or {}


def ogc_error_response(error):
    response = JsonResponse({"code": error.code, "description": error.description}, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def wants_html(request):
    f = request.GET.get("f")
    if f == "html":
        return True
    if f in ("json", "geojson"):
        return False
    if f not in (None, ""):
        raise OGCError(400, "InvalidParameterValue", "f must be json or html.")
    accept = request.headers.get("Accept", "")
    return HTML in accept and "json" not in accept


def check_param_names(request, allowed):
    """Only the endpoint's own parameters, each with a value (an empty one is not "absent")."""
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise OGCError(
            400, "InvalidParameterValue",
            f"Unknown query parameter: {', '.join(unknown)}. This endpoint takes: {', '.join(sorted(allowed))}.",
        )
    empty = sorted(name for name, values in request.GET.lists() if "" in values)
    if empty:
        raise OGCError(400, "InvalidParameterValue", f"No value for: {', '.join(empty)}. Give one or leave it out.")


def ogc_view(allowed_params):
    """Only GET/HEAD (a 405, not a CSRF page: nothing here writes); only `allowed_params`
    (None: not checked); resolve token users; turn OGCError into an OGC exception response."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if request.method not in ("GET", "HEAD"):
                    raise OGCError(
                        405, "MethodNotAllowed", "Only GET is supported.", headers={"Allow": "GET, HEAD"}
                    )
                if not request.user.is_authenticated and "Authorization" in request.headers:
                    try:
                        result = ApiTokenAuthentication().authenticate(Request(request))
                    except AuthenticationFailed as exc:
                        raise OGCError(
                            401, "NotAuthenticated", str(exc.detail),
                            headers={"WWW-Authenticate": ApiTokenAuthentication().authenticate_header(request)},
                        ) from None
                    if result:
                        request.user = result[0]
                if allowed_params is not None:
                    check_param_names(request, allowed_params)
                wait = seconds_to_wait(request, "ogc")
                if wait is not None:
                    raise OGCError(
                        429, "TooManyRequests",
                        _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": wait},
                        headers={"Retry-After": str(wait)},
                    )
                return view(request, *args, **kwargs)
            except OGCError as error:
                return ogc_error_response(error)

        return wrapper

    return decorate


def requested_crs(request, name):
    """The CRS URI of `crs` or `bbox-crs` (CRS84 when absent)."""
    uri = request.GET.get(name) or CRS84
    if uri not in SUPPORTED_CRS:
        raise OGCError(
            400, "InvalidParameterValue", f"{name} must be one of: {', '.join(SUPPORTED_CRS)}."
        )
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


def _layer_or_404(collection_id):
    layer = get_layer(collection_id)
    if layer is None:
        raise OGCError(404, "NotFound", f"No collection '{collection_id}'. See /ogcapi/collections.")
    return layer


def collection_document(request, layer, bbox):
    cid = layer.id
    return {
        "id": cid,
        "title": str(layer.title),
        "description": str(layer.description),
        "itemType": "feature",
        "crs": list(SUPPORTED_CRS),
        "storageCrs": STORAGE_CRS,
        "extent": {"spatial": {"bbox": [bbox], "crs": CRS84}},
        "links": [
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
    bbox = _coverage_bbox()
    doc = {
        "links": [
            _link(_url(request, "ogc-collections"), "self", JSON, _("Collections")),
            _link(_url(request, "ogc-collections", f="html"), "alternate", HTML, _("Collections as HTML")),
        ],
        "collections": [collection_document(request, layer, bbox) for layer in LAYERS.values()],
    }
    if wants_html(request):
        return render(request, "layers/ogc_collections.html", {"doc": doc})
    return JsonResponse(doc)


@ogc_view(DOCUMENT_PARAMS)
def collection(request, collection_id):
    layer = _layer_or_404(collection_id)
    doc = collection_document(request, layer, _coverage_bbox())
    if wants_html(request):
        return render(request, "layers/ogc_collection.html", {"doc": doc, "layer": layer})
    return JsonResponse(doc)


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
    try:
        query = parse_layer_query(request.GET, paged=True, bbox_srid=SUPPORTED_CRS[bbox_crs])
    except LayerParamError as exc:
        raise OGCError(400, "InvalidParameterValue", str(exc)) from None
    if query.after is not None:
        query.after = feature_key(layer, query.after)
        if query.after is None:
            raise OGCError(400, "InvalidParameterValue", "after: give the id of the last feature of the previous page.")
    return query


@ogc_view(ITEMS_PARAMS)
def items(request, collection_id):
    layer = _layer_or_404(collection_id)
    html = wants_html(request)
    crs = requested_crs(request, "crs")
    srid = SUPPORTED_CRS[crs]
    query = parse_items_query(request, layer)
    try:
        lsql = layer.sql(request.user, query)
    except LayerParamError as exc:
        raise OGCError(400, "InvalidParameterValue", str(exc)) from None
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
    not_found = OGCError(404, "NotFound", f"No feature '{feature_id}' in collection '{collection_id}'.")
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
    raise OGCError(404, "NotFound", f"No resource /ogcapi/{path}. Start at /ogcapi/.")
