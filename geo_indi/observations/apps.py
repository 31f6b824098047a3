from django.apps import AppConfig


class ObservationsConfig(AppConfig):
    name = "geo_indi.observations"
    label = "observations"
