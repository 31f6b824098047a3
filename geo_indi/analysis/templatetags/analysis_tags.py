from django import template

from geo_indi.analysis import hotspots

register = template.Library()


@register.inclusion_tag("analysis/_hot_spots.html", takes_context=True)
def hot_spot_section(context, municipality):
    """The municipality's hot spots as a table, for viewers who see its counts exactly; nothing for others."""
    user = context["request"].user
    shown = hotspots.shown_to(user, municipality)
    return {"shown": shown, "spots": hotspots.hot_spots(municipality) if shown else [],
            "alpha": hotspots.ALPHA, "days": hotspots.RECENT_DAYS, "permutations": hotspots.PERMUTATIONS}
