from django import template

from geo_indi.indicators import services
from geo_indi.observations import suppression

register = template.Library()


@register.inclusion_tag("indicators/_sections.html", takes_context=True)
def indicator_sections(context, municipality):
    """Each phenomenon's linked indicators beside its yearly observation counts (suppressed for outsiders)."""
    viewer = suppression.viewer_of(context["request"])
    rows = services.municipality_report(municipality, viewer)
    k = viewer.k
    has_sample = any(series.indicator.is_sample for row in rows for series in row.indicators)
    return {"rows": rows, "chart_data": [row.chart_data(k) for row in rows], "k": k, "has_sample": has_sample, "hidden": suppression.HIDDEN}
