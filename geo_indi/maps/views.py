"""Officials' maps: thin views over .services (numbers) and .rendering (folium)."""
import csv
import json

from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from geo_indi.areas.models import Municipality
from geo_indi.audit.services import Action, audit_record, without_coordinates
from geo_indi.core.spreadsheet import spreadsheet_safe
from geo_indi.core.throttling import throttled
from geo_indi.observations import suppression
from geo_indi.observations.models import AgeGroup, Direction, Observation, Phenomenon, Subject

from . import comparison, exports, queries, rendering, report_pdfs, services, tiles
from .signals import municipality_map_built

LATEST = 10


def _parse(request):
    return services.parse_request(request.GET)


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
        "limited_filters": services.limited_filters(data, form),
        "member": request.viewer.member,
        "object_label": Subject.OBJECT.label,
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


def home(request):
    """The public front page: this year's published counts by municipality, and where to go next."""
    year = timezone.localdate().year
    rows, total = services.municipality_overview(request.viewer, year)
    return render(request, "home.html", {
        "rows": rows, "total": total, "year": year, "hidden": suppression.label(None), "k": request.viewer.k,
    })


def overview(request):
    form, options = _parse(request)
    data = services.overview(request.viewer, form, options)
    m = rendering.build_map(data, options, level_name=_("municipalities"), bounds=queries.bounds())
    return render(request, "maps/overview.html", _context(
        request, form, options, data, map=rendering.embedded_map(m, with_heat=False),
    ))


def _municipality(request, code, *, object_heat=False):
    municipality = get_object_or_404(Municipality, code=code)
    form, options = _parse(request)
    data = services.municipality_view(request.viewer, municipality, form, options, object_heat=object_heat)
    return municipality, form, options, data


def _municipality_map(municipality, data, options, object_tiles=None):
    return rendering.build_map(data, options, level_name=_("postcode areas"), bounds=queries.bounds(municipality),
                               object_tiles=object_tiles)


def _comparison(request, municipality, form):
    """(ComparisonRequest, Comparison, embedded change map); the comparison only when asked."""
    asked = comparison.comparison_request(request.viewer, municipality, request.GET, timezone.localdate())
    if not asked.requested:
        return asked, None, None
    result = comparison.compare(request.viewer, municipality, form.active(), asked.first, asked.second,
                                timezone.localdate())
    change_map = rendering.build_change_map(result, bounds=queries.bounds(municipality))
    return asked, result, rendering.embedded_map(change_map, with_heat=False)


def municipality(request, code):
    municipality, form, options, data = _municipality(request, code)
    asked, result, change_map = _comparison(request, municipality, form)
    latest = (
        Observation.objects.visible_to(request.user).filter(form.q(), municipality=municipality)
        .select_related("phenomenon", "postcode_area")[:LATEST]
    )
    m = _municipality_map(municipality, data, options, tiles.tile_layers(form.active(), options.unit))
    municipality_map_built.send(sender=Municipality, folium_map=m, municipality=municipality, user=request.user,
                                viewer=request.viewer)
    return render(request, "maps/municipality.html", _context(
        request, form, options, data, municipality=municipality,
        map=rendering.embedded_map(m, with_heat=data.has_heat, with_tiles=True), latest=latest,
        compare=asked, comparison=result, change_map=change_map,
        compare_fields=[("period_1", asked.first, _("Earlier period")), ("period_2", asked.second, _("Later period"))],
        significance_percent=round(comparison.SIGNIFICANCE * 100),
    ))


def report(request, code):
    municipality, form, options, data = _municipality(request, code)
    m = _municipality_map(municipality, data, options, tiles.tile_layers(form.active(), options.unit))
    return render(request, "maps/report.html", _context(
        request, form, options, data, municipality=municipality,
        map=rendering.embedded_map(m, with_heat=data.has_heat, with_tiles=True),
        filters_in_words=services.filters_in_words(form, data.period),
        legend=rendering.legend_html(data, options.measure, _("postcode areas")),
    ))


def _export(request, code, file_format):
    built = _municipality(request, code)
    audit_record(Action.MAP_EXPORT, obj=built[0], request=request,
                 detail={"format": file_format, "params": without_coordinates(request.GET)})
    return built


def _attachment(body, content_type, filename):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def report_csv(request, code):
    municipality, _form, _options, data = _export(request, code, "report-csv")
    return _attachment(exports.report_csv(municipality, data), "text/csv; charset=utf-8",
                       f"geo-indi-{municipality.code}.csv")


def report_xlsx(request, code):
    municipality, form, _options, data = _export(request, code, "xlsx")
    return _attachment(exports.report_xlsx(municipality, data, services.filters_in_words(form, data.period)),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       f"geo-indi-{municipality.code}.xlsx")


@throttled("pdf")
def report_pdf(request, code):
    """Checked and audited here, made by the worker (report_pdfs): the progress page offers the file when ready."""
    municipality, form, options, _data = _export(request, code, "pdf")
    filters = {name: str(value) for name, value in form.active().items()}
    filters.update(classes=options.classes, measure=options.measure, unit=options.unit.value)
    report = report_pdfs.request_pdf(request, municipality, filters)
    return redirect("maps:report-pdf-status", code=municipality.code, pk=report.pk)


def render_report_pdf(request, municipality) -> bytes:
    """The report PDF of this request (run by the job report_pdf on the request rebuilt as it was asked)."""
    municipality, form, options, data = _municipality(request, municipality.code)
    features = [(row.geometry, rendering.area_fill(row, data), f"{row.code} {row.name}: "
                 f"{rendering.measure_label(row, options.measure, data.k)}") for row in data.areas]
    context = _context(
        request, form, options, data, municipality=municipality,
        filters_in_words=services.filters_in_words(form, data.period),
        legend=rendering.legend_html(data, options.measure, _("postcode areas")),
        svg_map=rendering.svg_choropleth(features, label=_("Map of the postcode areas")),
        svg_trend=rendering.svg_trend(data.trend),
        suppressed_fill=rendering.SUPPRESSED_FILL,
        report_css=exports.print_css(),
        **services.report_extras(request.viewer, municipality, form.active()),
    )
    return exports.report_pdf(request, context)


@never_cache
def report_pdf_status(request, code, pk):
    report = report_pdfs.progress(get_object_or_404(
        report_pdfs.requests_of(request).select_related("municipality"), pk=pk, municipality__code=code))
    download = reverse("maps:report-pdf-download", args=[code, report.pk]) if report_pdfs.ready(report) else ""
    if request.GET.get("format") == "json":
        return JsonResponse({"state": report.state, "state_display": report.get_state_display(),
                             "message": report.message, "download_url": download})
    return render(request, "maps/report_pdf_status.html", {
        "report": report, "municipality": report.municipality, "download_url": download,
        "pending": report.state in report.PENDING, "retry_url": f"{reverse('maps:report-pdf', args=[code])}?{report.query}"})


@never_cache
def report_pdf_download(request, code, pk):
    report = get_object_or_404(report_pdfs.requests_of(request).select_related("municipality"),
                               pk=pk, municipality__code=code)
    if not report_pdfs.ready(report):
        raise Http404
    return _attachment(bytes(report.pdf), "application/pdf", f"geo-indi-{report.municipality.code}.pdf")


def map_html(request, code):
    municipality, _form, options, data = _municipality(request, code, object_heat=True)
    m = _municipality_map(municipality, data, options)
    body = rendering.standalone_map(m, data.has_heat, f"{municipality.name_fi} ({municipality.code})",
                                      nonce=request.csp_nonce)
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="geo-indi-map-{municipality.code}.html"'
    return response


def aggregates_csv(request, code):
    municipality, form, _options, data = _export(request, code, "csv")
    k = data.k
    label = lambda v: suppression.label(v, k)  # noqa: E731
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="geo-indi-aggregates-{municipality.code}.csv"'
    writer = csv.writer(response)
    writer.writerow(["# filters", json.dumps({k_: str(v) for k_, v in form.active().items()})])
    # "observations" counts in `unit` (default occurrences); "occurrences" and "records" are both always given.
    writer.writerow(["section", "code", "name", "population", "observations", "weakens", "strengthens", "per_1000",
                     "occurrences", "records", "unit"])
    writer.writerow(["municipality", municipality.code, spreadsheet_safe(municipality.name_fi), municipality.population or "",
                     label(data.total), label(data.weakens), label(data.strengthens),
                     "" if data.rate is None else f"{data.rate:.2f}",
                     label(data.total_occurrences), label(data.total_records), data.unit.value])
    for row in data.areas:
        writer.writerow(["postcode_area", row.code, spreadsheet_safe(row.name), row.population or "", label(row.count),
                         label(row.weakens), label(row.strengthens), "" if row.rate is None else f"{row.rate:.2f}",
                         label(row.occurrences), label(row.records), data.unit.value])
    for row in data.trend:
        writer.writerow(["month", row["month"].strftime("%Y-%m"), "", "", "", label(row["weakens"]),
                         label(row["strengthens"]), "", "", "", data.unit.value])
    for row in data.categories:
        writer.writerow(["category", "", spreadsheet_safe(f"{row['phenomenon']} / {row['name']}"), "", label(row["count"]), "", "", "",
                         "", "", data.unit.value])
    return response


def tile(request, layer, z, x, y):
    """A vector tile of object observations: 200 with the tile, 204 when empty, 304 when the client's is current."""
    asked = tiles.tile_request(layer, z, x, y, request.GET)
    known = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
    result = tiles.tile_for(asked, request.user, known_etags=known)
    if result.body is None:
        response = HttpResponseNotModified()
    elif result.body:
        response = HttpResponse(result.body, content_type=tiles.CONTENT_TYPE)
    else:
        response = HttpResponse(status=204)
    response["ETag"] = result.etag
    response["Cache-Control"] = f"private, max-age={tiles.BROWSER_CACHE_SECONDS}"
    response["X-Tile-Cache"] = "hit" if result.cached else "miss"
    return response
