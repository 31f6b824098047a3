from django import template

from geo_indi.analysis import grouping_runs, hotspots, welfare_report
from geo_indi.observations import suppression

register = template.Library()


@register.inclusion_tag("analysis/_hot_spots.html", takes_context=True)
def hot_spot_section(context, municipality):
    """Links to the situation summaries (and the groups, for coordinators); the hot spots as a table for viewers
    who see the municipality's counts exactly, nothing of them for others."""
    viewer = suppression.viewer_of(context["request"])
    user = viewer.user
    shown = hotspots.shown_to(viewer, municipality)
    return {"shown": shown, "municipality": municipality, "may_group": grouping_runs.may_group(user),
            "may_read_report": welfare_report.may_read(user, municipality),
            "spots": hotspots.hot_spots(municipality) if shown else [],
            "alpha": hotspots.ALPHA, "days": hotspots.RECENT_DAYS, "permutations": hotspots.PERMUTATIONS,
            "fewest": hotspots.min_observations()}


@register.inclusion_tag("analysis/_county_report_link.html", takes_context=True)
def county_report_link(context):
    """The county's welfare report chapter, for those who read every municipality's."""
    return {"shown": welfare_report.may_read(context["request"].user, None)}
