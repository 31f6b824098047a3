from django import template

from geo_indi.initiatives.services import municipality_timeline

register = template.Library()


@register.inclusion_tag("initiatives/_timeline.html", takes_context=True)
def initiative_timeline(context, municipality):
    """The municipality's initiatives as a timeline (start, reviews, feedback inside); initiatives/timeline.js
    marks the same dates on each phenomenon's chart."""
    entries = municipality_timeline(municipality, context["request"].user)
    chart = [{"title": e.initiative.title, "phenomena": e.phenomenon_ids,
              "events": [{"year": ev.date.year, "date": ev.date.isoformat(), "kind": ev.kind} for ev in e.events]}
             for e in entries]
    return {"entries": entries, "chart": chart}
