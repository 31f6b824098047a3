from django.apps import AppConfig


class LayersConfig(AppConfig):
    name = "geo_indi.layers"
    label = "layers"
