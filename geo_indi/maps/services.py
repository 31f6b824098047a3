"""What the map pages show: counts per area, classes, trend and top categories.

Every count comes from geo_indi.publication.counts: exact inside the viewer's
own municipalities, the published tables elsewhere. The monthly trend and the
top categories are shown only where every number of the page is exact.
"""
import datetime as dt
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import mapclassify
import numpy as np
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo_indi.areas.models import Municipality
from geo_indi.core.errors import RequestError
from geo_indi.observations import suppression
from geo_indi.observations.filters import DEFAULT_UNIT, Unit, parse_filters, parse_unit
from geo_indi.observations.models import AgeGroup, Category, Direction, Observation, Phenomenon, Subject
from geo_indi.publication import counts as published

from . import queries

# The observation filters a map accepts (parsed only by observations.filters).
FILTER_FIELDS = ("phenomenon", "category", "subject", "direction", "age_group", "date_from", "date_to", "year")
CLASS_SCHEMES = {"quantiles": gettext_lazy("Quantiles"), "natural_breaks": gettext_lazy("Natural breaks")}
MEASURES = ("count", "rate")
MAX_CLASSES = 5
# Sequential palette (ColorBrewer YlOrRd), light = few.
PALETTE = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
NO_DATA_COLOUR = "#d9d9d9"
TOP_CATEGORIES = 10
# What a count is called where people read it ("tapauksia" / "kirjauksia").
UNIT_TITLES = {Unit.OCCURRENCES: gettext_lazy("Occurrences"), Unit.RECORDS: gettext_lazy("Records")}
UNIT_RATE_TITLES = {Unit.OCCURRENCES: gettext_lazy("Occurrences per 1,000 inhabitants"),
                    Unit.RECORDS: gettext_lazy("Records per 1,000 inhabitants")}


def unit_title(unit, measure="count"):
    """The heading of a count in `unit` (a rate per 1,000 inhabitants with measure="rate")."""
    return str((UNIT_RATE_TITLES if measure == "rate" else UNIT_TITLES)[Unit(unit)])


def other_unit(unit):
    return Unit.RECORDS if Unit(unit) == Unit.OCCURRENCES else Unit.OCCURRENCES


def in_unit(row, unit):
    """An AreaRow's (or MapData's total) count in `unit`, whichever the page shows."""
    if isinstance(row, MapData):
        return row.total_records if Unit(unit) == Unit.RECORDS else row.total_occurrences
    return row.records if Unit(unit) == Unit.RECORDS else row.occurrences


@dataclass
class MapOptions:
    classes: str = "quantiles"
    measure: str = "count"  # count | rate (per 1,000 inhabitants) of the unit
    person_heat: bool = False
    unit: Unit = DEFAULT_UNIT  # what is counted: occurrences (cases) or records

    def unit_query(self):
        """The unit as a query parameter for links that keep it (empty for the default)."""
        return "" if self.unit == DEFAULT_UNIT else f"unit={self.unit.value}"


# A map request that cannot be answered: a message in the user's language (filters named as the form
# names them, never as URL parameters) and `drop`, the parameters to leave out for a request that can be.
MapOptionsError = RequestError


# The form's names of the filters, for messages: people read labels, not URL parameters.
FILTER_LABELS = {
    "phenomenon": gettext_lazy("Phenomenon"), "category": gettext_lazy("Category"), "subject": gettext_lazy("About"),
    "direction": gettext_lazy("Direction"), "age_group": gettext_lazy("Age group"), "date_from": gettext_lazy("From"),
    "date_to": gettext_lazy("To"), "year": gettext_lazy("Year"), "classes": gettext_lazy("Classes"),
    "measure": gettext_lazy("Measure"),
}


def _labels(names) -> str:
    return ", ".join(str(FILTER_LABELS.get(name, name)) for name in names)


def parse_request(params):
    """(filter form, MapOptions) from a query string; raises MapOptionsError with a message."""
    form, errors = parse_filters({k: params[k] for k in FILTER_FIELDS if k in params})
    if errors:
        fields = [name for name in errors if name in FILTER_LABELS]
        message = "; ".join(f"{FILTER_LABELS[name]}: {' '.join(msgs)}" if name in FILTER_LABELS else " ".join(msgs)
                            for name, msgs in errors.items())
        raise MapOptionsError(message, drop=fields or ("date_from", "date_to"))
    classes = params.get("classes") or "quantiles"
    if classes not in CLASS_SCHEMES:
        raise MapOptionsError(_("%(field)s: choose one of %(choices)s.") % {
            "field": FILTER_LABELS["classes"], "choices": ", ".join(str(v) for v in CLASS_SCHEMES.values())},
            drop=["classes"])
    measure = params.get("measure") or "count"
    if measure not in MEASURES:
        raise MapOptionsError(_("%(field)s: choose the number of observations or per 1,000 inhabitants.") % {
            "field": FILTER_LABELS["measure"]}, drop=["measure"])
    person_heat = params.get("person_heat") or "0"
    if person_heat not in ("0", "1"):
        raise MapOptionsError(_("The choice of people in the heatmap is either on or off."), drop=["person_heat"])
    try:
        unit = parse_unit(params)
    except ValueError as exc:
        raise MapOptionsError(str(exc), drop=["unit"]) from None
    return form, MapOptions(classes=classes, measure=measure, person_heat=person_heat == "1", unit=unit)


@dataclass
class AreaRow:
    id: int
    code: str
    name: str
    population: int | None
    geometry: dict
    count: int | None  # None: suppressed; in the page's unit (MapData.unit)
    weakens: int | None
    strengthens: int | None
    by_phenomenon: dict  # phenomenon_id -> n or None
    exact: bool
    rate: float | None = None
    value: float | None = None
    class_index: int | None = None
    records: int | None = None  # both units, whichever the page shows (None: hidden)
    occurrences: int | None = None

    @property
    def suppressed(self):
        return self.count is None


@dataclass
class Classification:
    scheme: str
    measure: str
    bins: list  # upper bounds
    lower: float | None
    colours: list

    def legend(self):
        """Classes as (low, high, colour); counts are whole numbers, so a count class starts after the last one ends."""
        rows, low = [], self.lower
        for upper, colour in zip(self.bins, self.colours):
            rows.append({"low": low, "high": upper, "colour": colour})
            low = upper + 1 if self.measure == "count" else upper
        return rows


@dataclass(frozen=True)
class CountedPeriod:
    """The time the counts of an output cover: all time, a calendar year, or dates (and a year), as counted."""

    year: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def all_time(self) -> bool:
        return self.year is None and self.date_from is None and self.date_to is None

    def label(self) -> str:
        """The period in words in the active language, e.g. "All time (every observation recorded)", "Year 2026"."""
        if self.all_time:
            return str(_("All time (every observation recorded)"))
        parts = []
        if self.year is not None:
            parts.append(str(_("Year %(year)s") % {"year": self.year}))
        if self.date_from or self.date_to:
            start = formats.date_format(self.date_from, "SHORT_DATE_FORMAT") if self.date_from else "…"
            end = formats.date_format(self.date_to, "SHORT_DATE_FORMAT") if self.date_to else "…"
            parts.append(f"{start}–{end}")
        return ", ".join(parts)


def counted_period(filters: dict, exact: bool) -> CountedPeriod:
    """The period the counts of an output (exact everywhere or not) cover for these filters.

    Exact counts count what the filters ask, all time when they ask no time; an output that also shows
    published tables counts their calendar year (geo_indi.publication.counts.exact_filters, period_of)."""
    used = published.exact_filters(filters, exact)
    return CountedPeriod(used.get("year"), used.get("date_from"), used.get("date_to"))


@dataclass
class MapData:
    areas: list
    classification: Classification
    k: int
    exact: bool
    total: int | None
    weakens: int | None
    strengthens: int | None
    trend: list = field(default_factory=list)  # [{"month", "weakens", "strengthens"}]
    categories: list = field(default_factory=list)  # [{"name", "phenomenon", "count"}]
    heat_points: list = field(default_factory=list)  # [lat, lon, observations in the cell]; standalone maps only
    person_heat_points: list = field(default_factory=list)
    phenomena: dict = field(default_factory=dict)  # id -> name
    withheld: str = ""  # why rows outside the viewer's municipalities are empty, if they are
    unit: Unit = DEFAULT_UNIT  # what count, total, trend and categories count
    total_records: int | None = None  # the total in both units
    total_occurrences: int | None = None
    period: CountedPeriod = field(default_factory=CountedPeriod)  # the time the counts cover
    rate: float | None = None  # the total per 1,000 inhabitants, where the population is known

    @property
    def has_heat(self):
        return bool(self.heat_points or self.person_heat_points)



def categories_for(user):
    return Category.objects.filter(phenomenon__in=Phenomenon.objects.publishable_to(user)).select_related("phenomenon")


def classify(values, scheme, measure):
    """mapclassify bins over the shown values (suppressed and unknown values are left out)."""
    values = [v for v in values if v is not None]
    if not values:
        return Classification(scheme, measure, [], None, [])
    distinct = sorted(set(values))
    k = min(MAX_CLASSES, len(distinct))
    if k < 2:
        bins = [distinct[-1]]
    else:
        array = np.array(values, dtype=float)
        classifier = mapclassify.Quantiles(array, k=k) if scheme == "quantiles" else mapclassify.NaturalBreaks(array, k=k)
        bins = sorted(set(float(b) for b in classifier.bins))
    if measure == "count":
        bins = sorted({math.ceil(b) for b in bins})
    colours = _colours(len(bins))
    return Classification(scheme, measure, bins, distinct[0], colours)


def _colours(n):
    if n <= 0:
        return []
    if n == 1:
        return [PALETTE[2]]
    return [PALETTE[round(i * (len(PALETTE) - 1) / (n - 1))] for i in range(n)]


def class_of(value, bins):
    if value is None:
        return None
    for index, upper in enumerate(bins):
        if value <= upper:
            return index
    return len(bins) - 1


def _rows(shapes, counts):
    rows = []
    for shape in shapes:
        c = counts.rows[shape["id"]]
        rows.append(AreaRow(shape["id"], shape["code"], shape["name"], shape["population"], shape["geometry"],
                            c.count, c.weakens, c.strengthens, c.by_phenomenon, c.exact,
                            records=c.records, occurrences=c.occurrences))
    return rows


def per_thousand(count: int | None, population: int | None) -> float | None:
    """Observations per 1,000 inhabitants; None when the count is hidden or the population is not known."""
    if count is None or not population:
        return None
    return round(count * 1000 / population, 2)


def _apply_measure(rows, options):
    for row in rows:
        row.rate = per_thousand(row.count, row.population)
        row.value = row.count if options.measure == "count" else row.rate
    classification = classify([r.value for r in rows], options.classes, options.measure)
    for row in rows:
        row.class_index = class_of(row.value, classification.bins)
    return classification


def _trend(user, filters, unit):
    """Months with weakening and strengthening counts in `unit` (exact pages only)."""
    cells = queries.monthly_counts(user, filters, unit)
    months = sorted({month for month, _d in cells})
    return [
        {"month": m, "weakens": cells.get((m, Direction.WEAKENS), 0), "strengthens": cells.get((m, Direction.STRENGTHENS), 0)}
        for m in months
    ]


def _categories(user, filters, unit):
    counts = queries.category_counts(user, filters, unit)
    names = {c.id: c for c in Category.objects.filter(id__in=[key for key in counts if key]).select_related("phenomenon")}
    rows = []
    for key, n in counts.items():
        category = names.get(key)
        rows.append({
            "name": category.name if category else _("No category"),
            "phenomenon": category.phenomenon.name if category else "",
            "count": n,
        })
    rows.sort(key=lambda r: (-r["count"], r["name"]))
    return rows[:TOP_CATEGORIES]


def _phenomenon_names(rows):
    ids = {pid for row in rows for pid in row.by_phenomenon}
    return {p.id: p.name for p in Phenomenon.objects.filter(id__in=ids)}


def _exact_extras(user, filters, area_counts, unit):
    """Trend and categories, only when every number of the page is exact."""
    if not area_counts.fully_exact:
        return [], []
    return _trend(user, filters, unit), _categories(user, filters, unit)


@contextmanager
def refused_in_words(filters: dict):
    """A NotPublished below becomes the map's own words for it (not_published): raised, never formatted here."""
    try:
        yield
    except published.NotPublished as exc:
        raise not_published(filters, exc) from None


def overview(who: Any, form: Any, options: Any) -> "MapData":
    """Lapland: a choropleth of municipalities. Raises a RequestError for a request outsiders may not make.

    who: the request's viewer (suppression.Viewer; a user is made into one)."""
    viewer = suppression.Viewer.of(who)
    with refused_in_words(form.active()):
        return _overview(viewer, form, options)


def _overview(viewer: "suppression.Viewer", form: Any, options: Any) -> "MapData":
    user, k = viewer.user, viewer.k
    filters = form.active()
    shapes = queries.municipality_shapes()
    counts = published.area_counts(viewer, "municipality", [(s["id"], s["id"]) for s in shapes], filters, options.unit)
    rows = _rows(shapes, counts)
    classification = _apply_measure(rows, options)
    totals = {u: published.lapland_total(viewer, filters, u) for u in Unit}
    total, weakens, strengthens = totals[options.unit]
    trend, categories = _exact_extras(user, filters, counts, options.unit)
    return MapData(
        areas=rows, classification=classification, k=k, exact=counts.fully_exact, total=total, weakens=weakens,
        strengthens=strengthens, trend=trend, categories=categories, phenomena=_phenomenon_names(rows),
        withheld=counts.withheld, unit=options.unit,
        total_records=totals[Unit.RECORDS][0], total_occurrences=totals[Unit.OCCURRENCES][0],
        period=counted_period(filters, counts.fully_exact),
    )


def municipality_view(who: Any, municipality: Municipality, form: Any, options: Any, *,
                      object_heat: bool = False) -> "MapData":
    """A municipality: a choropleth of its postcode areas, person heat points, trend and categories.

    object_heat: also the object observations' heat points, for a map without a server (the pages of
    the app draw them from geo_indi.maps.tiles instead). Raises a RequestError for a request outsiders
    may not make."""
    viewer = suppression.Viewer.of(who)
    with refused_in_words(form.active()):
        return _municipality_view(viewer, municipality, form, options, object_heat=object_heat)


def _municipality_view(viewer: "suppression.Viewer", municipality: Municipality, form: Any, options: Any, *,
                       object_heat: bool = False) -> "MapData":
    user, k = viewer.user, viewer.k
    filters = {**form.active(), "municipality": municipality.code}
    shapes = queries.postcode_area_shapes(municipality)
    areas = [(s["id"], municipality.id) for s in shapes]
    counts = published.area_counts(viewer, "postcode_area", areas, filters, options.unit)
    rows = _rows(shapes, counts)
    own = published.area_counts(viewer, "municipality", [(municipality.id, municipality.id)], filters,
                                options.unit).rows[municipality.id]
    classification = _apply_measure(rows, options)
    heat_points = []
    if object_heat:
        heat_points = queries.object_points(
            Observation.objects.object_points_for(user).filter(form.q(), municipality=municipality),
            cell_m=queries.heat_cell_size(municipality.geom.area), unit=options.unit,
        )
    person_heat_points = []
    if options.person_heat and filters.get("subject") != Subject.OBJECT:
        people = published.area_counts(viewer, "postcode_area", areas, {**filters, "subject": Subject.PERSON},
                                       options.unit)
        shown = {area_id: c.count for area_id, c in people.rows.items() if c.count}
        points = queries.representative_points(shown.keys())
        person_heat_points = [[*points[area_id], n] for area_id, n in shown.items() if area_id in points]
    trend, categories = _exact_extras(user, filters, counts, options.unit)
    return MapData(
        areas=rows, classification=classification, k=k, exact=counts.fully_exact, total=own.count,
        weakens=own.weakens, strengthens=own.strengthens, trend=trend, categories=categories,
        heat_points=heat_points, person_heat_points=person_heat_points, phenomena=_phenomenon_names(rows),
        withheld=counts.withheld, unit=options.unit, total_records=own.records, total_occurrences=own.occurrences,
        period=counted_period(filters, counts.fully_exact),
        rate=per_thousand(own.count, municipality.population),
    )


def not_published(filters: dict, exc: published.NotPublished) -> MapOptionsError:
    """A request outsiders cannot make (publication.counts.NotPublished) as a MapOptionsError: what cannot be
    chosen here, in words for the public, and the parameters to leave out."""
    if filters.get("subject") != Subject.OBJECT:
        used = [name for name in published.INTERNAL_FILTERS if filters.get(name)]
        if used:
            return MapOptionsError(_(
                "Outside the organisations working in a municipality, %(filters)s can be chosen only for observations "
                "about places and things (choose “%(object)s”).") % {"filters": _labels(used),
                                                                  "object": Subject.OBJECT.label}, drop=used)
    if published.period_of(filters) is None:
        return MapOptionsError(_(
            "Outside the organisations working in a municipality, counts are published per calendar year: "
            "choose a year instead of dates."), drop=["date_from", "date_to"])
    if filters.get("phenomenon"):
        return MapOptionsError(_("This phenomenon is not published."), drop=["phenomenon"])
    return MapOptionsError(str(exc))


def limited_filters(data: "MapData", form) -> bool:
    """Whether the page's viewer may use only the public filters: no count of the page is exact and the
    observations are not only about places and things (those are public with every filter)."""
    return not any(row.exact for row in data.areas) and form.active().get("subject") != Subject.OBJECT


def filters_in_words(form, period: CountedPeriod) -> list[tuple[str, str]]:
    """[(label, value)] of the filters in use, in the page language: names, never ids or codes; and the period
    the counts cover (`period`, MapData.period), which is what the numbers beside it count."""
    active = form.active()
    words = []
    if active.get("phenomenon"):
        phenomenon = Phenomenon.objects.filter(id=active["phenomenon"]).first()
        words.append((_("Phenomenon"), phenomenon.name if phenomenon else "–"))
    else:
        words.append((_("Phenomenon"), _("All phenomena")))
    if active.get("category"):
        category = Category.objects.filter(id=active["category"]).select_related("phenomenon").first()
        words.append((_("Category"), f"{category.phenomenon.name} / {category.name}" if category else "–"))
    choices = (("subject", _("About"), Subject), ("direction", _("Direction"), Direction),
               ("age_group", _("Age group"), AgeGroup))
    for name, label, enum in choices:
        if active.get(name):
            words.append((label, str(enum(active[name]).label)))
    words.append((_("Period"), period.label()))
    return words


@dataclass
class ReportTable:
    """A table another app adds to a municipality's PDF report (maps.signals.municipality_report_sections)."""

    title: str
    note: str
    headers: list[str]
    rows: list[list]
    empty: str = ""  # said instead of the table when there are no rows
    numeric_columns: tuple = ()  # indexes of the columns holding numbers (right-aligned, localised)


def report_extras(who: Any, municipality: Municipality, filters: dict) -> dict:
    """What the PDF report prints beside the map's numbers: linked indicators per phenomenon (the chosen one's
    only, when the report is of one phenomenon) and the tables of other apps (hot spots, for viewers who see the
    municipality's counts exactly)."""
    from geo_indi.indicators.services import municipality_report

    from .signals import municipality_report_sections

    viewer = suppression.Viewer.of(who)
    tables = [table for _receiver, table in municipality_report_sections.send(
        sender=Municipality, municipality=municipality, user=viewer.user, viewer=viewer, filters=filters) if table]
    rows = municipality_report(municipality, viewer)
    if filters.get("phenomenon"):
        rows = [row for row in rows if row.phenomenon.pk == filters["phenomenon"]]
    return {"indicator_rows": rows, "report_tables": tables}


@dataclass
class OverviewRow:
    code: str
    name: str
    count: int | None  # None: not shown; in the unit asked for
    records: int | None = None
    occurrences: int | None = None


def municipality_overview(who: Any, year: int, unit: Unit = DEFAULT_UNIT) -> tuple[list["OverviewRow"], int | None]:
    """(rows by municipality, Lapland total) of one calendar year as published for this viewer (the home page)."""
    viewer = suppression.Viewer.of(who)
    municipalities = list(Municipality.objects.order_by("name_fi").values_list("id", "code", "name_fi"))
    filters = {"year": year}
    counts = published.area_counts(viewer, "municipality", [(m_id, m_id) for m_id, _c, _n in municipalities], filters,
                                   unit)
    rows = [OverviewRow(code, name, counts.rows[m_id].count, counts.rows[m_id].records, counts.rows[m_id].occurrences)
            for m_id, code, name in municipalities]
    total, _weakens, _strengthens = published.lapland_total(viewer, filters, unit)
    return rows, total
