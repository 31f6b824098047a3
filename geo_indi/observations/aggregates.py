"""Counts per area, computed by PostGIS in grouped queries, with suppression applied.

`area_counts` is what maps, layers and exports all use: one place for the
numbers that leave an organisation.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from . import suppression
from .models import Direction

LEVELS = {
    "municipality": ("municipality_id", "municipality_id"),
    "postcode_area": ("postcode_area_id", "municipality_id"),
}


@dataclass
class AreaCount:
    area_id: int
    municipality_id: int
    count: int | None  # None: suppressed
    occurrences: int | None
    weakens: int | None
    strengthens: int | None
    by_phenomenon: dict = field(default_factory=dict)  # phenomenon_id -> {"weakens": n|None, "strengthens": n|None}
    exact: bool = False

    @property
    def suppressed(self):
        return self.count is None


def _raw(queryset, level):
    """One grouped query: per area, phenomenon and direction. Area totals are their sums."""
    area_field, muni_field = LEVELS[level]
    totals = {}
    cells = defaultdict(dict)
    for row in (
        queryset.order_by()
        .values(area_field, muni_field, "phenomenon_id", "direction")
        .annotate(n=Count("id"), occ=Sum("occurrences"))
    ):
        area = row[area_field]
        _muni, n, occ = totals.get(area, (row[muni_field], 0, 0))
        totals[area] = (row[muni_field], n + row["n"], occ + row["occ"])
        cells[area][(row["phenomenon_id"], row["direction"])] = row["n"]
    return totals, cells


def area_counts(queryset, level, user, k=None):
    """{area_id: AreaCount} for the observations in `queryset` (already filtered and
    limited by ObservationQuerySet.publishable_to). Suppressed where the user may not
    see exact numbers."""
    k = suppression.threshold() if k is None else k
    scope = suppression.exact_municipalities(user)
    totals, cells = _raw(queryset, level)

    # Complementary suppression across areas of the same parent (published total).
    parents = defaultdict(dict)
    for area_id, (muni_id, n, _occ) in totals.items():
        parent = muni_id if level == "postcode_area" else "all"
        if not suppression.sees_exact(scope, muni_id):
            parents[parent][area_id] = n
    shown_totals = {}
    for group in parents.values():
        shown_totals.update(suppression.suppress_group(group, k))

    result = {}
    for area_id, (muni_id, n, occ) in totals.items():
        exact = suppression.sees_exact(scope, muni_id)
        area_cells = cells.get(area_id, {})
        direction_totals = {
            d: sum(v for (_p, dd), v in area_cells.items() if dd == d) for d in Direction.values
        }
        if exact:
            shown_cells, shown_dirs, count, occurrences = area_cells, direction_totals, n, occ
        else:
            count = shown_totals[area_id]
            if count is None:
                shown_cells = {key: None for key in area_cells}
                shown_dirs = {d: None for d in direction_totals}
                occurrences = None
            else:
                shown_cells = suppression.suppress_group(area_cells, k)
                shown_dirs = suppression.suppress_group(direction_totals, k)
                occurrences = occ
        by_phenomenon = defaultdict(dict)
        for (phenomenon_id, direction), value in shown_cells.items():
            by_phenomenon[phenomenon_id][direction] = value
        result[area_id] = AreaCount(
            area_id=area_id,
            municipality_id=muni_id,
            count=count,
            occurrences=occurrences,
            weakens=shown_dirs[Direction.WEAKENS],
            strengthens=shown_dirs[Direction.STRENGTHENS],
            by_phenomenon=dict(by_phenomenon),
            exact=exact,
        )
    return result
