from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "geo_indi.research"
    verbose_name = "Research extracts"
