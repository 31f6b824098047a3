from django.apps import AppConfig


class MapsConfig(AppConfig):
    name = "geo_indi.maps"
    label = "maps"
