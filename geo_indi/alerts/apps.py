from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "geo_indi.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from geo_indi.audit.models import Action
        from geo_indi.audit.registry import audit_changes
        from geo_indi.observations.services import observation_recorded

        from .conditions import register
        from .hot_spots import new_hot_spot_outcome
        from .models import AlertRule
        from .services import evaluate_for_observations

        register(AlertRule.Condition.NEW_HOT_SPOT, new_hot_spot_outcome)
        audit_changes(AlertRule, saved=Action.ALERT_RULE_SAVED, deleted=Action.ALERT_RULE_DELETED,
                      detail=lambda rule: {"name": rule.name, "organisation_id": rule.organisation_id,
                                           "condition": rule.condition})
        observation_recorded.connect(evaluate_for_observations, dispatch_uid="alerts.evaluate_on_record")
