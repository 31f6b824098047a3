from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "geo_indi.analysis"
    label = "analysis"
    verbose_name = _("Phenomena analysis")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from geo_indi.indicators.conditions import register
        from geo_indi.indicators.models import AlertRule
        from geo_indi.maps.signals import municipality_map_built

        from .hotspots import add_hot_spot_layer, new_hot_spot_outcome

        def add_layer(sender, folium_map, municipality, user, **kwargs):
            add_hot_spot_layer(folium_map, municipality, user)

        municipality_map_built.connect(add_layer, dispatch_uid="analysis-hot-spots", weak=False)
        register(AlertRule.Condition.NEW_HOT_SPOT, new_hot_spot_outcome)
