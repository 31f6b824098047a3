from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "geo_indi.indicators"
    label = "indicators"
    verbose_name = _("Indicators and alerts")

    def ready(self):
        from geo_indi.observations.services import observation_recorded

        from .alerts import evaluate_for_observations

        observation_recorded.connect(evaluate_for_observations, dispatch_uid="indicators.evaluate_alerts_on_record")
