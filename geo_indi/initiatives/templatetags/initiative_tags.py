from django import template

from geo_indi.initiatives.services import may_manage_in, municipality_timeline
from geo_indi.observations.models import Phenomenon

register = template.Library()


def _chosen_phenomenon(context):
    """The phenomenon the municipality page is filtered to, if any (a new initiative starts on it)."""
    form = context.get("form")
    chosen = getattr(form, "cleaned_data", {}).get("phenomenon") if form is not None else None
    return Phenomenon.objects.filter(pk=chosen, is_active=True).first() if isinstance(chosen, int) else None


@register.inclusion_tag("initiatives/_timeline.html", takes_context=True)
def initiative_timeline(context, municipality):
    """The municipality's initiatives as a timeline (start, reviews, feedback inside), each linking to its page,
    and for its coordinators a link to start one; initiatives/timeline.js marks the same dates on each
    phenomenon's chart."""
    user = context["request"].user
    entries = municipality_timeline(municipality, user)
    chart = [{"title": e.initiative.title, "phenomena": e.phenomenon_ids,
              "events": [{"year": ev.date.year, "date": ev.date.isoformat(), "kind": ev.kind} for ev in e.events]}
             for e in entries]
    return {"entries": entries, "chart": chart, "municipality": municipality,
            "may_create": may_manage_in(user, [municipality]), "phenomenon": _chosen_phenomenon(context)}
