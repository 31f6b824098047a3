"""The OpenAPI 3.0 document of /ogcapi/ (the landing page's `service-desc`), generated per
collection like pygeoapi's openapi.py, from the same constants the views check.

Clients read it: GDAL's OAPIF driver, for one, looks up the items parameters here.
"""
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from geo_indi.observations.filters import FILTERS, filter_schema

from .api import FILTER_PARAMETERS
from .ogc import (
    CONFORMANCE,
    CRS84,
    DOCUMENT_PARAMS,
    GEOJSON,
    HTML,
    ITEM_PARAMS,
    ITEMS_PARAMS,
    JSON,
    OPENAPI,
    SCHEMA,
    STORAGE_CRS,
    SUPPORTED_CRS,
    ogc_view,
    properties_schema,
)
from .params import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from .services import LAYERS

_REF = "#/components/{}/{}"


def _ref(kind, name):
    return {"$ref": _REF.format(kind, name)}


def _query(name, schema, description, **extra):
    return {"name": name, "in": "query", "required": False, "style": "form", "explode": False,
            "schema": schema, "description": description, **extra}


def _shared_filter_parameters() -> dict[str, dict]:
    """The observation filters: schemas and descriptions from their one declaration (observations/filters.py)."""
    return {f.name: _query(f.name, filter_schema(f), f.description) for f in FILTERS}


def _after_parameter(layer):
    pattern = r"^\d{1,18}$" if layer.id_is_integer else r"^[0-9A-Za-z_-]{1,20}$"
    return _query("after", {"type": "string", "pattern": pattern},
                  "Keyset paging: features after this feature id (as the `next` link gives).")


def _parameters():
    datetime = next(p for p in FILTER_PARAMETERS if p.name == "datetime")
    crs_schema = {"type": "string", "format": "uri", "enum": list(SUPPORTED_CRS), "default": CRS84}
    return {
        "f": _query("f", {"type": "string", "enum": ["json", "html"]},
                    "Response format; without it a browser's Accept: text/html gets HTML."),
        "bbox": _query(
            "bbox", {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            "minx,miny,maxx,maxy: features that intersect the box, in bbox-crs (CRS84 longitude/latitude by "
            "default); six numbers (with heights) are served as their 2D box; in CRS84 a minx greater than maxx "
            "crosses the antimeridian.",
        ),
        "bbox-crs": _query("bbox-crs", crs_schema, "CRS of bbox (OGC API - Features Part 2)."),
        "crs": _query("crs", crs_schema, "CRS of the returned geometries (Part 2); the Content-Crs header names it."),
        "datetime": _query("datetime", {"type": "string", "minLength": 1}, str(datetime.description)),
        "limit": _query(
            "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            f"Features per page. More than {MAX_LIMIT} is served as {MAX_LIMIT}. "
            f"GDAL: use -oo PAGE_SIZE={DEFAULT_LIMIT} (its own default is 10 per request).",
        ),
        "offset": _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
                         "Features to skip; the `next` links use `after` instead."),
        **_shared_filter_parameters(),
        "unit": _query("unit", {"type": "string", "enum": ["occurrences", "records"], "default": "occurrences"},
                       str(next(p for p in FILTER_PARAMETERS if p.name == "unit").description)),
        "featureId": {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"},
                      "description": "Feature id: observation id, postcode or municipality code."},
    }


def _content(media_types):
    return {media_type: {"schema": schema} for media_type, schema in media_types.items()}


def _ok(description, media_types):
    return {"description": description, "content": _content(media_types)}


def _operation(operation_id, summary, parameters, ok, tags, errors=("400", "401"), inline=()):
    """A GET operation; `parameters` are names in components, `inline` parameter objects."""
    responses = {"200": ok, **{status: _ref("responses", status) for status in errors}}
    return {"get": {
        "operationId": operation_id, "summary": summary, "tags": tags,
        "parameters": [_ref("parameters", name) for name in sorted(parameters)] + list(inline),
        "responses": responses,
    }}


def _schemas():
    link = {"type": "object", "required": ["href", "rel"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"},
    }}
    links = {"type": "array", "items": _ref("schemas", "link")}
    geometry = {"type": "object", "nullable": True, "required": ["type"], "properties": {
        "type": {"type": "string", "enum": ["Point", "MultiPolygon", "Polygon"]},
        "coordinates": {"type": "array", "items": {}},
    }}
    feature = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "geometry": _ref("schemas", "geometry"),
        "properties": {"type": "object", "nullable": True},
        "links": links,
    }}
    return {
        "exception": {"type": "object", "required": ["code", "description"], "properties": {
            "code": {"type": "string"}, "description": {"type": "string"},
        }},
        "link": link,
        "landingPage": {"type": "object", "required": ["links"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"}, "links": links,
        }},
        "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}},
        }},
        "collection": {"type": "object", "required": ["id", "links"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
            "itemType": {"type": "string"}, "links": links,
            "crs": {"type": "array", "items": {"type": "string"}}, "storageCrs": {"type": "string"},
            "extent": {"type": "object"},
        }},
        "collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": links, "collections": {"type": "array", "items": _ref("schemas", "collection")},
        }},
        "geometry": geometry,
        "featureGeoJSON": feature,
        "featureCollectionGeoJSON": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": _ref("schemas", "featureGeoJSON")},
            "links": links,
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        }},
    }


def _responses():
    exception = _content({JSON: _ref("schemas", "exception")})
    return {
        "400": {"description": "A query parameter is unknown or has an invalid value.", "content": exception},
        "401": {"description": "The Authorization token is invalid.", "content": exception,
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
        "404": {"description": "No such collection or feature.", "content": exception},
    }


def _content_crs_header():
    return {"Content-Crs": {"description": "The CRS of the geometries, in angle brackets.",
                            "schema": {"type": "string"}}}


def _feature_collection_schema(layer, user):
    """The items response of one collection, its properties typed by the layer's columns for this user."""
    feature = {"allOf": [_ref("schemas", "featureGeoJSON"),
                         {"type": "object", "properties": {"properties": properties_schema(layer, user)}}]}
    return {"allOf": [_ref("schemas", "featureCollectionGeoJSON"),
                      {"type": "object", "properties": {"features": {"type": "array", "items": feature}}}]}


def openapi_document(request):
    html = {HTML: {"type": "string"}}
    paths = {
        "/": _operation("getLandingPage", _("Landing page"), DOCUMENT_PARAMS,
                        _ok("Links to the API definition, conformance and collections.",
                            {JSON: _ref("schemas", "landingPage"), **html}), ["Capabilities"]),
        "/conformance": _operation("getConformanceDeclaration", _("Conformance classes"), DOCUMENT_PARAMS,
                                   _ok("The conformance classes this API implements.",
                                       {JSON: _ref("schemas", "confClasses"), **html}), ["Capabilities"]),
        "/openapi.json": _operation("getAPIDefinition", _("This OpenAPI document"), DOCUMENT_PARAMS,
                                    _ok("OpenAPI 3.0 definition.", {OPENAPI: {"type": "object"}}), ["Capabilities"]),
        "/collections": _operation("getCollections", _("Collections"), DOCUMENT_PARAMS,
                                   _ok("The collections (layers).", {JSON: _ref("schemas", "collections"), **html}),
                                   ["Capabilities"]),
    }
    schemas = _schemas()
    for layer in LAYERS.values():
        cid, tags = layer.id, [layer.id]
        schemas[f"featureCollection-{cid}"] = _feature_collection_schema(layer, request.user)
        base = f"/collections/{cid}"
        paths[base] = _operation(f"describe-{cid}", str(layer.title), DOCUMENT_PARAMS,
                                 _ok(str(layer.description), {JSON: _ref("schemas", "collection"), **html}), tags)
        paths[f"{base}/queryables"] = _operation(
            f"getQueryables-{cid}", str(layer.title), DOCUMENT_PARAMS,
            _ok("The queryables (OGC API - Features Part 3): JSON Schema of the query parameters.",
                {SCHEMA: {"type": "object"}}), tags, errors=("400", "401", "404"),
        )
        items_ok = _ok(f"{layer.geometry_type} features, one page.",
                       {GEOJSON: _ref("schemas", f"featureCollection-{cid}"), **html})
        items_ok["headers"] = _content_crs_header()
        paths[f"{base}/items"] = _operation(f"getFeatures-{cid}", str(layer.title), ITEMS_PARAMS - {"after"},
                                            items_ok, tags, inline=[_after_parameter(layer)])
        item_ok = _ok("One feature.", {GEOJSON: _ref("schemas", "featureGeoJSON"), **html})
        item_ok["headers"] = _content_crs_header()
        item_path = _operation(f"getFeature-{cid}", str(layer.title), ITEM_PARAMS | {"featureId"}, item_ok, tags,
                               errors=("400", "401", "404"))
        paths[f"{base}/items/{{featureId}}"] = item_path
    return {
        "openapi": "3.0.3",
        "info": {
            "title": _("geo_indi GIS layers (OGC API - Features)"),
            "version": "1.0.0",
            "description": _(
                "Object observations as points and counts per area (small counts suppressed) in Lapland. "
                "Conformance: %(classes)s. Storage CRS: %(storage)s."
            ) % {"classes": ", ".join(CONFORMANCE), "storage": STORAGE_CRS},
        },
        "servers": [{"url": request.build_absolute_uri(reverse("ogc-landing")).rstrip("/")}],
        "tags": [{"name": "Capabilities"}] + [{"name": layer.id, "description": str(layer.title)}
                                              for layer in LAYERS.values()],
        "paths": paths,
        "components": {
            "parameters": _parameters(),
            "schemas": schemas,
            "responses": _responses(),
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization",
                          "description": "Authorization: Token <key> (optional; more data for members)."},
                "basic": {"type": "http", "scheme": "basic",
                          "description": "Username and an API token as the password (QGIS: Basic authentication)."},
            },
        },
    }


@ogc_view(DOCUMENT_PARAMS)
def openapi(request):
    return JsonResponse(openapi_document(request), content_type=OPENAPI)
