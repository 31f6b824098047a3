"""What the map pages show: counts per area (suppressed), classes, trend and top categories.

Numbers come from geo_indi.observations.aggregates.area_counts (grouped SQL,
suppression applied) and from grouped queries in .queries; suppression of the
trend and the category table reuses geo_indi.observations.suppression.
"""
from dataclasses import dataclass, field

import mapclassify
import numpy as np
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo_indi.observations import suppression
from geo_indi.observations.aggregates import area_counts
from geo_indi.observations.filters import parse_filters
from geo_indi.observations.models import Category, Direction, Observation, Phenomenon

from . import queries

# The observation filters a map accepts (parsed only by observations.filters).
FILTER_FIELDS = ("phenomenon", "category", "subject", "direction", "age_group", "date_from", "date_to")
CLASS_SCHEMES = {"quantiles": gettext_lazy("Quantiles"), "natural_breaks": gettext_lazy("Natural breaks")}
MEASURES = ("count", "rate")
MAX_CLASSES = 5
# Sequential palette (ColorBrewer YlOrRd), light = few.
PALETTE = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
NO_DATA_COLOUR = "#d9d9d9"
TOP_CATEGORIES = 10


class MapOptionsError(ValueError):
    pass


@dataclass
class MapOptions:
    classes: str = "quantiles"
    measure: str = "count"
    person_heat: bool = False


def parse_request(params):
    """(filter form, MapOptions) from a query string; raises MapOptionsError with a message."""
    form, errors = parse_filters({k: params[k] for k in FILTER_FIELDS if k in params})
    if errors:
        message = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        raise MapOptionsError(message)
    classes = params.get("classes") or "quantiles"
    if classes not in CLASS_SCHEMES:
        raise MapOptionsError(_("classes must be one of: %s") % ", ".join(CLASS_SCHEMES))
    measure = params.get("measure") or "count"
    if measure not in MEASURES:
        raise MapOptionsError(_("measure must be one of: %s") % ", ".join(MEASURES))
    person_heat = params.get("person_heat") or "0"
    if person_heat not in ("0", "1"):
        raise MapOptionsError(_("person_heat must be 0 or 1"))
    return form, MapOptions(classes=classes, measure=measure, person_heat=person_heat == "1")


@dataclass
class AreaRow:
    id: int
    code: str
    name: str
    population: int | None
    geometry: dict
    count: int | None  # None: suppressed
    weakens: int | None
    strengthens: int | None
    by_phenomenon: dict  # phenomenon_id -> {direction: n or None}
    exact: bool
    rate: float | None = None
    value: float | None = None
    class_index: int | None = None

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
        rows, low = [], self.lower
        for upper, colour in zip(self.bins, self.colours):
            rows.append({"low": low, "high": upper, "colour": colour})
            low = upper
        return rows


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
    categories_other_suppressed: bool = False
    heat_points: list = field(default_factory=list)  # [lat, lon, observations in the 100 m cell]
    person_heat_points: list = field(default_factory=list)
    phenomena: dict = field(default_factory=dict)  # id -> name

    @property
    def has_heat(self):
        return bool(self.heat_points or self.person_heat_points)

    @property
    def heat_observation_count(self):
        return sum(point[2] for point in self.heat_points)


def publishable(user, form):
    return Observation.objects.publishable_to(user).filter(form.q())


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
        bins = [int(round(b)) if float(b).is_integer() else b for b in bins]
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


def _rows(shapes, counts, exact_default):
    rows = []
    for shape in shapes:
        c = counts.get(shape["id"])
        if c is None:  # no observations: a shown zero
            rows.append(AreaRow(shape["id"], shape["code"], shape["name"], shape["population"], shape["geometry"],
                                0, 0, 0, {}, exact_default(shape)))
        else:
            rows.append(AreaRow(shape["id"], shape["code"], shape["name"], shape["population"], shape["geometry"],
                                c.count, c.weakens, c.strengthens, c.by_phenomenon, c.exact))
    return rows


def _apply_measure(rows, options):
    for row in rows:
        if row.count is not None and row.population:
            row.rate = round(row.count * 1000 / row.population, 2)
        row.value = row.count if options.measure == "count" else row.rate
    classification = classify([r.value for r in rows], options.classes, options.measure)
    for row in rows:
        row.class_index = class_of(row.value, classification.bins)
    return classification


def _trend(queryset, exact, weakens_total, strengthens_total, k):
    """Months with weakening and strengthening counts; outsiders get suppression per series."""
    cells = queries.monthly_counts(queryset)
    months = sorted({month for month, _d in cells})
    series = {}
    for direction, total in ((Direction.WEAKENS, weakens_total), (Direction.STRENGTHENS, strengthens_total)):
        counts = {month: cells.get((month, direction), 0) for month in months}
        if exact:
            series[direction] = counts
        elif total is None:  # the series' total is suppressed: so is every month of it
            series[direction] = {m: (None if n else 0) for m, n in counts.items()}
        else:
            series[direction] = suppression.suppress_group(counts, k)
    return [
        {"month": m, "weakens": series[Direction.WEAKENS][m], "strengthens": series[Direction.STRENGTHENS][m]}
        for m in months
    ]


def _categories(queryset, exact, total, k):
    counts = queries.category_counts(queryset)
    if not exact:
        if total is None:
            counts = {key: (None if n else 0) for key, n in counts.items()}
        else:
            counts = suppression.suppress_group(counts, k)
    names = {c.id: c for c in Category.objects.filter(id__in=[key for key in counts if key]).select_related("phenomenon")}
    rows = []
    for key, n in counts.items():
        category = names.get(key)
        rows.append({
            "name": category.name if category else _("No category"),
            "phenomenon": category.phenomenon.name if category else "",
            "count": n,
        })
    # Shown numbers first (largest first), then the suppressed ones by name.
    rows.sort(key=lambda r: (r["count"] is None, -(r["count"] or 0), r["name"]))
    return rows[:TOP_CATEGORIES]


def _phenomenon_names(rows):
    ids = {pid for row in rows for pid in row.by_phenomenon}
    return {p.id: p.name for p in Phenomenon.objects.filter(id__in=ids)}


def overview(user, form, options):
    """Lapland: a choropleth of municipalities."""
    k = suppression.threshold()
    qs = publishable(user, form)
    counts = area_counts(qs, "municipality", user, k=k)
    scope = suppression.exact_municipalities(user)
    rows = _rows(queries.municipality_shapes(), counts, lambda s: suppression.sees_exact(scope, s["id"]))
    classification = _apply_measure(rows, options)
    exact = scope == suppression.EVERYWHERE
    true_totals = qs.order_by().aggregate(
        count=Count("id"),
        weakens=Count("id", filter=Q(direction=Direction.WEAKENS)),
        strengthens=Count("id", filter=Q(direction=Direction.STRENGTHENS)),
    )
    total, weakens, strengthens = (
        _lapland_total(rows, attr, true_totals[attr], exact, k) for attr in ("count", "weakens", "strengthens")
    )
    return MapData(
        areas=rows, classification=classification, k=k, exact=exact, total=total, weakens=weakens,
        strengthens=strengthens, trend=_trend(qs, exact, weakens, strengthens, k),
        categories=_categories(qs, exact, total, k), phenomena=_phenomenon_names(rows),
    )


def _lapland_total(rows, attr, true_total, exact, k):
    """A Lapland-wide total, or None where publishing it would give a hidden number away:
    when it is itself below k, or when exactly one municipality's part of it is hidden
    (the total minus the shown parts would be that part)."""
    if exact:
        return true_total
    hidden = sum(1 for r in rows if getattr(r, attr) is None)
    if hidden == 1 or 0 < true_total < k:
        return None
    return true_total


def municipality_view(user, municipality, form, options):
    """A municipality: a choropleth of its postcode areas, heat points, trend and categories."""
    k = suppression.threshold()
    qs_all = publishable(user, form)
    qs = qs_all.filter(municipality=municipality)
    scope = suppression.exact_municipalities(user)
    exact = suppression.sees_exact(scope, municipality.id)
    # The municipality's own total as the overview shows it (same suppression, same group).
    muni_count = area_counts(qs_all, "municipality", user, k=k).get(municipality.id)
    area = area_counts(qs, "postcode_area", user, k=k)
    rows = _rows(queries.postcode_area_shapes(municipality), area, lambda s: exact)
    if muni_count is None:
        total, weakens, strengthens = 0, 0, 0
    else:
        total, weakens, strengthens = muni_count.count, muni_count.weakens, muni_count.strengthens
    if not exact and total is None:
        # Suppressed in the overview (perhaps complementarily): its areas must not add up to it.
        for row in rows:
            if row.count:
                row.count = row.weakens = row.strengthens = None
                row.by_phenomenon = {pid: {d: None for d in cell} for pid, cell in row.by_phenomenon.items()}
    classification = _apply_measure(rows, options)
    heat_points = queries.object_points(
        Observation.objects.object_points_for(user).filter(form.q(), municipality=municipality),
        cell_m=queries.heat_cell_size(municipality.geom.area),
    )
    person_heat_points = []
    if options.person_heat:
        person_counts = area_counts(qs.filter(subject="person"), "postcode_area", user, k=k)
        shown = {area_id: c.count for area_id, c in person_counts.items() if c.count}
        if not exact and total is None:
            shown = {}
        points = queries.representative_points(shown.keys())
        person_heat_points = [[*points[area_id], n] for area_id, n in shown.items() if area_id in points]
    return MapData(
        areas=rows, classification=classification, k=k, exact=exact, total=total, weakens=weakens,
        strengthens=strengthens, trend=_trend(qs, exact, weakens, strengthens, k),
        categories=_categories(qs, exact, total, k), heat_points=heat_points,
        person_heat_points=person_heat_points, phenomena=_phenomenon_names(rows),
    )
