from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "geo_indi.core"
    label = "core"
