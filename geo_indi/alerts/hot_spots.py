"""The "new hot spot" alert condition, evaluated on the hot spots of geo_indi.analysis.

Alerts sit above analysis: this module calls `analysis.hotspots` and registers itself in the condition
registry (AlertsConfig.ready); analysis knows nothing of alert rules.
"""
import datetime as dt

from django.utils.translation import gettext as _

from geo_indi.analysis.hotspots import ALPHA, RECENT_DAYS, hot_spots

from .conditions import Outcome
from .models import AlertRule


def new_hot_spot_outcome(rule: AlertRule, today: dt.date) -> Outcome:
    """The "new hot spot" alert condition: hot spot areas of the rule's phenomenon that were not hot spots at the
    rule's previous evaluation. Evaluated only for a municipality the rule's organisation works in (sees exactly)."""
    start = today - dt.timedelta(days=RECENT_DAYS - 1)
    municipality = rule.postcode_area.municipality if rule.postcode_area_id else rule.municipality
    if not rule.organisation.municipalities.filter(pk=municipality.pk).exists():
        return Outcome(False, None, start, today, "", state={"hot_spots": []})
    spots = [s for s in hot_spots(municipality, today) if s.phenomenon_id == rule.phenomenon_id
             and (not rule.postcode_area_id or s.postcode_area_id == rule.postcode_area_id)]
    known = set(rule.condition_state.get("hot_spots", []))
    new = [s for s in spots if s.postcode_area_id not in known]
    state = {"hot_spots": sorted(s.postcode_area_id for s in spots)}
    areas = "; ".join(_("%(postcode)s %(name)s (%(recent)d observations in %(days)d days, expected %(expected)s; "
                        "Gi* z = %(z)s, q = %(q)s)") % {
        "postcode": s.postcode, "name": s.name, "recent": s.recent, "days": RECENT_DAYS,
        "expected": f"{s.expected:g}", "z": f"{s.z:g}", "q": f"{s.p_adjusted:g}"} for s in new)
    summary = _("New hot spot of %(phenomenon)s in %(municipality)s: %(areas)s. An area is a hot spot when its "
                "Benjamini–Hochberg corrected p-value (q) is at most %(alpha)s.") % {
        "phenomenon": rule.phenomenon.name_fi, "municipality": str(municipality), "areas": areas,
        "alpha": f"{ALPHA:g}"} if new else ""
    return Outcome(bool(spots), len(new), start, today, summary, state=state, renewed=bool(new))
