from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    """pg_dump backups and restores (`manage.py backup`, `manage.py restore`); no models."""

    name = "geo_indi.backups"
    label = "backups"
    verbose_name = _("Backups")
