from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "geo_indi.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
