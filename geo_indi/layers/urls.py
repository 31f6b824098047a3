"""/api/layers/<layer>.<geojson|gpkg|csv>"""
from django.urls import path

from .api import CSVLayerView, GeoJSONLayerView, GeoPackageLayerView
from .services import LAYERS

VIEWS = {"geojson": GeoJSONLayerView, "gpkg": GeoPackageLayerView, "csv": CSVLayerView}

app_name = "layers"
urlpatterns = [
    path(f"{layer_id}.{extension}", view.as_view(layer_id=layer_id), name=f"{layer_id}-{extension}")
    for layer_id in LAYERS
    for extension, view in VIEWS.items()
]
