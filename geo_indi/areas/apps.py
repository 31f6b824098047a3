from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "geo_indi.areas"
    label = "areas"
