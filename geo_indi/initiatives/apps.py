from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    name = "geo_indi.initiatives"
    verbose_name = "Initiatives"
