"""Officials' maps: thin views over .services (numbers) and .rendering (folium)."""
import csv
import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from geo_indi.areas.models import Municipality
from geo_indi.audit.services import Action, audit_record, without_coordinates
from geo_indi.core.spreadsheet import spreadsheet_safe
from geo_indi.observations import suppression
from geo_indi.observations.models import AgeGroup, Direction, Observation, Phenomenon, Subject

from geo_indi.publication.counts import NotPublished

from . import queries, rendering, services
from .signals import municipality_map_built

LATEST = 10


def _bad_request(request, message):
    return render(request, "maps/error.html", {"message": message}, status=400)


def _parse(request):
    try:
        return services.parse_request(request.GET), None
    except services.MapOptionsError as exc:
        return None, _bad_request(request, str(exc))


def _query_without(request, *names):
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _context(request, form, options, data, **extra):
    k = data.k
    return {
        "form": form,
        "options": options,
        "data": data,
        "k": k,
        "hidden": suppression.label(None, k),
        "active_filters": form.active(),
        "query": request.GET.urlencode(),
        "phenomena": Phenomenon.objects.publishable_to(request.user),
        "categories": services.categories_for(request.user),
        "subjects": Subject.choices,
        "directions": Direction.choices,
        "age_groups": AgeGroup.choices,
        "class_schemes": list(services.CLASS_SCHEMES.items()),
        "trend_json": json.dumps(
            {
                "labels": [row["month"].strftime("%Y-%m") for row in data.trend],
                "weakens": [row["weakens"] for row in data.trend],
                "strengthens": [row["strengthens"] for row in data.trend],
                "weakensLabel": str(_("Weakens wellbeing")),
                "strengthensLabel": str(_("Strengthens wellbeing")),
            }
        ),
        **extra,
    }


def overview(request):
    parsed, error = _parse(request)
    if error:
        return error
    form, options = parsed
    try:
        data = services.overview(request.user, form, options)
    except NotPublished as exc:
        return _bad_request(request, str(exc))
    m = rendering.build_map(data, options, level_name=_("municipalities"), bounds=queries.bounds())
    return render(request, "maps/overview.html", _context(
        request, form, options, data, map=rendering.embedded_map(m, with_heat=False),
    ))


def _municipality(request, code):
    municipality = get_object_or_404(Municipality, code=code)
    parsed, error = _parse(request)
    if error:
        return None, error
    form, options = parsed
    try:
        data = services.municipality_view(request.user, municipality, form, options)
    except NotPublished as exc:
        return None, _bad_request(request, str(exc))
    return (municipality, form, options, data), None


def _municipality_map(municipality, data, options):
    return rendering.build_map(data, options, level_name=_("postcode areas"), bounds=queries.bounds(municipality))


def municipality(request, code):
    built, error = _municipality(request, code)
    if error:
        return error
    municipality, form, options, data = built
    latest = (
        Observation.objects.visible_to(request.user).filter(form.q(), municipality=municipality)
        .select_related("phenomenon", "postcode_area")[:LATEST]
    )
    m = _municipality_map(municipality, data, options)
    municipality_map_built.send(sender=Municipality, folium_map=m, municipality=municipality, user=request.user)
    return render(request, "maps/municipality.html", _context(
        request, form, options, data, municipality=municipality,
        map=rendering.embedded_map(m, with_heat=data.has_heat), latest=latest,
    ))


def report(request, code):
    built, error = _municipality(request, code)
    if error:
        return error
    municipality, form, options, data = built
    m = _municipality_map(municipality, data, options)
    return render(request, "maps/report.html", _context(
        request, form, options, data, municipality=municipality,
        map=rendering.embedded_map(m, with_heat=data.has_heat),
    ))


def map_html(request, code):
    built, error = _municipality(request, code)
    if error:
        return error
    municipality, _form, options, data = built
    m = _municipality_map(municipality, data, options)
    body = rendering.standalone_map(m, data.has_heat, f"{municipality.name_fi} ({municipality.code})",
                                      nonce=request.csp_nonce)
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="geo-indi-map-{municipality.code}.html"'
    return response


def aggregates_csv(request, code):
    built, error = _municipality(request, code)
    if error:
        return error
    municipality, form, _options, data = built
    audit_record(Action.MAP_EXPORT, obj=municipality, request=request,
                 detail={"format": "csv", "params": without_coordinates(request.GET)})
    k = data.k
    label = lambda v: suppression.label(v, k)  # noqa: E731
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="geo-indi-aggregates-{municipality.code}.csv"'
    writer = csv.writer(response)
    writer.writerow(["# filters", json.dumps({k_: str(v) for k_, v in form.active().items()})])
    writer.writerow(["section", "code", "name", "population", "observations", "weakens", "strengthens", "per_1000"])
    writer.writerow(["municipality", municipality.code, spreadsheet_safe(municipality.name_fi), municipality.population or "",
                     label(data.total), label(data.weakens), label(data.strengthens), ""])
    for row in data.areas:
        writer.writerow(["postcode_area", row.code, spreadsheet_safe(row.name), row.population or "", label(row.count),
                         label(row.weakens), label(row.strengthens), "" if row.rate is None else f"{row.rate:.2f}"])
    for row in data.trend:
        writer.writerow(["month", row["month"].strftime("%Y-%m"), "", "", "", label(row["weakens"]),
                         label(row["strengthens"]), ""])
    for row in data.categories:
        writer.writerow(["category", "", spreadsheet_safe(f"{row['phenomenon']} / {row['name']}"), "", label(row["count"]), "", "", ""])
    return response
