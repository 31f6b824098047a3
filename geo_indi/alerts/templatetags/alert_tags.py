from django import template

from geo_indi.alerts import services as alerts

register = template.Library()


@register.simple_tag
def unacknowledged_alert_count(user):
    """How many fired alerts the user may see that nobody has acknowledged (the navigation badge)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return alerts.unacknowledged_for(user).count()
