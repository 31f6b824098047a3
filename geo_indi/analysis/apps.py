from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "geo_indi.analysis"
    label = "analysis"
    verbose_name = _("Phenomena analysis")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from geo_indi.maps.signals import municipality_map_built, municipality_report_sections

        from .hotspots import add_hot_spot_layer, hot_spot_report_table

        def add_layer(sender, folium_map, municipality, user, **kwargs):
            add_hot_spot_layer(folium_map, municipality, kwargs.get("viewer") or user)

        def report_table(sender, municipality, user, filters=None, **kwargs):
            return hot_spot_report_table(municipality, kwargs.get("viewer") or user, (filters or {}).get("phenomenon"))

        municipality_map_built.connect(add_layer, dispatch_uid="analysis-hot-spots", weak=False)
        municipality_report_sections.connect(report_table, dispatch_uid="analysis-hot-spot-table", weak=False)
