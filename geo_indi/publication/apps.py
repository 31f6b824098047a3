from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "geo_indi.publication"
    label = "publication"
