from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LayersConfig(AppConfig):
    name = "geo_indi.layers"
    label = "layers"
    verbose_name = _("GIS layers")
