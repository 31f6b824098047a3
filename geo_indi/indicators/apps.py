from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "geo_indi.indicators"
    label = "indicators"
