from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "geo_indi.field"
    label = "field"
