"""OGC API - Features under /ogcapi/."""
from django.urls import path, re_path
from drf_spectacular.views import SpectacularRedocView

from . import ogc, ogc_openapi

urlpatterns = [
    path("", ogc.landing, name="ogc-landing"),
    path("conformance", ogc.conformance, name="ogc-conformance"),
    path("openapi.json", ogc_openapi.openapi, name="ogc-openapi"),
    path("api.html", SpectacularRedocView.as_view(url_name="ogc-openapi"), name="ogc-api-docs"),
    path("collections", ogc.collections, name="ogc-collections"),
    path("collections/<str:collection_id>", ogc.collection, name="ogc-collection"),
    path("collections/<str:collection_id>/queryables", ogc.queryables, name="ogc-queryables"),
    path("collections/<str:collection_id>/items", ogc.items, name="ogc-items"),
    path("collections/<str:collection_id>/items/<str:feature_id>", ogc.item, name="ogc-item"),
    re_path(r"^(?P<path>.*)$", ogc.unknown_path),
]
