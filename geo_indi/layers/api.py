"""Layer downloads under /api/layers/: GeoJSON (streamed), GeoPackage and CSV."""
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from geo_indi.accounts.tokens import GISAuthenticationMixin
from geo_indi.audit.services import Action, audit_record, without_coordinates
from geo_indi.core.schema import ValidationErrorSerializer
from geo_indi.observations.filters import filter_openapi_parameters

from . import exports, streaming
from .params import parse_layer_query
from .services import get_layer


class FirstRenderer(BaseContentNegotiation):
    """The format is fixed by the URL suffix; Accept headers (e.g. application/geo+json) never give 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


BAD_PARAMETERS = {400: OpenApiResponse(
    ValidationErrorSerializer,
    description="A parameter does not parse (e.g. phenomenon=abc, date_from=notadate, a choice not listed).",
)}
FILTER_PARAMETERS = [
    OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat in WGS 84 (CRS84)."),
    OpenApiParameter(
        "datetime", str,
        description="RFC 3339 date-time or date, or an interval start/end with '..' for an open end; "
        "matched against the observation date.",
    ),
    *filter_openapi_parameters(),  # the observation filters, as declared in observations/filters.py
    OpenApiParameter(
        "unit", str, enum=["occurrences", "records"],
        description="What the statistics layers' `count` (and per-phenomenon columns) counts: occurrences (the "
        "cases recorded, the default) or records. `occurrences` and `records` are both always given.",
    ),
]


class LayerDownloadView(GISAuthenticationMixin, APIView):
    permission_classes = [permissions.AllowAny]
    content_negotiation_class = FirstRenderer
    renderer_classes = [JSONRenderer]
    throttle_scope = "downloads"
    layer_id = None
    extension = ""

    def layer_sql(self, request):
        layer = get_layer(self.layer_id)
        lsql = layer.sql(request.user, parse_layer_query(request.query_params))
        audit_record(
            Action.LAYER_DOWNLOAD, object_type="layer", object_id=self.layer_id, request=request,
            detail={"format": self.extension, "params": without_coordinates(request.query_params)},
        )
        return layer, lsql

    def filename(self):
        return f"geo_indi-{self.layer_id}-{timezone.localdate().isoformat()}.{self.extension}"

    def attach(self, response):
        response["Content-Disposition"] = f'attachment; filename="{self.filename()}"'
        response["Cache-Control"] = "private, no-store"
        return response


class GeoJSONLayerView(LayerDownloadView):
    extension = "geojson"

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, **BAD_PARAMETERS},
        description="RFC 7946 FeatureCollection, streamed; WGS 84 longitude/latitude with 6 decimals.",
    )
    def get(self, request):
        _layer, lsql = self.layer_sql(request)
        response = StreamingHttpResponse(
            streaming.feature_collection_chunks(lsql), content_type="application/geo+json"
        )
        return self.attach(response)


class CSVLayerView(LayerDownloadView):
    extension = "csv"

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.STR, **BAD_PARAMETERS},
        description="CSV in WGS 84: points as lon/lat columns, areas as a WKT column. Streamed.",
    )
    def get(self, request):
        _layer, lsql = self.layer_sql(request)
        # The header row, then the first rows: the query runs before the response starts.
        chunks = streaming.started(exports.csv_chunks(lsql), items=2)
        response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
        return self.attach(response)


class GeoPackageLayerView(LayerDownloadView):
    extension = "gpkg"

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={(200, "application/geopackage+sqlite3"): OpenApiTypes.BINARY, **BAD_PARAMETERS},
        description="OGC GeoPackage with one layer in WGS 84 (EPSG:4326).",
    )
    def get(self, request):
        layer, lsql = self.layer_sql(request)
        handle = exports.write_geopackage(lsql, layer.id.replace("-", "_"))
        response = FileResponse(handle, content_type="application/geopackage+sqlite3")
        return self.attach(response)
