"""What a viewer gets: counts per area, totals and yearly series, exact or from the published tables.

Inside the viewer's own municipalities (administrators: everywhere) counts are
exact for any filter, counted by one grouped query. Everywhere else a request
must map onto a published table (tables.py): person observations, or all
observations (persons + the exactly published objects), of one calendar year,
of all public phenomena or of one phenomenon; municipality and postcode
filters only select rows of it. Object observations alone are public and are
counted exactly for any filter. Anything else is refused (NotPublished).

Every count is given in both units (observations.filters.Unit): records and the
sum of their occurrences. A row's `count`, `weakens`, `strengthens` and
`by_phenomenon` are in the unit asked for (default: occurrences), and
`records` / `occurrences` are both always there. A hidden cell hides both.

Every function takes the request's viewer (observations.suppression.Viewer; a user is accepted and made
into one): who sees which number is decided there, and the published release is read and decoded once
per viewer, that is once per request (`tables_for`).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from geo_indi.core.errors import RequestError
from geo_indi.observations import summary, suppression
from geo_indi.observations.filters import DEFAULT_UNIT, Unit
from geo_indi.observations.models import Direction, Phenomenon, Subject

from .tables import Structure, YearTables, public_phenomena, structure, year_tables

# Filters that only inside the organisation may use with person observations.
INTERNAL_FILTERS = ("category", "direction", "age_group")


class NotPublished(RequestError):
    """The request does not map onto a table published outside the organisation: a 400 in the client's
    shape when nothing below the view says more (an alias of geo_indi.core.errors.RequestError)."""


@dataclass
class Tally:
    """One unit's numbers of an area: total, by direction (None: not shown) and per phenomenon."""

    count: int | None = 0  # None: not shown
    weakens: int | None = 0
    strengthens: int | None = 0
    by_phenomenon: dict = field(default_factory=dict)  # phenomenon id -> n or None

    def add(self, phenomenon_id, direction, n, in_total=True):
        self.by_phenomenon[phenomenon_id] = self.by_phenomenon.get(phenomenon_id, 0) + n
        if not in_total:
            return
        self.count += n
        if direction == Direction.WEAKENS:
            self.weakens += n
        else:
            self.strengthens += n


def _hidden_tally():
    return Tally(None, None, None, {})


@dataclass
class AreaCount:
    """An area's counts in both units; `count` & co. in the unit asked for."""

    area_id: int
    municipality_id: int
    exact: bool
    tallies: dict  # Unit -> Tally
    unit: Unit = DEFAULT_UNIT

    @classmethod
    def zero(cls, area_id, municipality_id, unit=DEFAULT_UNIT):
        return cls(area_id, municipality_id, True, {u: Tally() for u in Unit}, unit)

    def tally(self, unit=None):
        return self.tallies[Unit(unit or self.unit)]

    @property
    def count(self):
        return self.tally().count

    @property
    def weakens(self):
        return self.tally().weakens

    @property
    def strengthens(self):
        return self.tally().strengthens

    @property
    def by_phenomenon(self):
        return self.tally().by_phenomenon

    @property
    def records(self):
        return self.tallies[Unit.RECORDS].count

    @property
    def occurrences(self):
        return self.tallies[Unit.OCCURRENCES].count

    @property
    def suppressed(self):
        return self.records is None


@dataclass(frozen=True)
class TableRequest:
    """A request as a published table: year, phenomenon (None: all public ones), subject (None: all)."""

    year: int
    phenomenon_id: int | None
    subject: str | None


def period_of(filters: dict) -> int | None:
    """The calendar year a filter set asks for, or None when its dates are not one calendar year."""
    start, end, year = filters.get("date_from"), filters.get("date_to"), filters.get("year")
    if start is None and end is None:
        return year if year else timezone.localdate().year
    if start and end and start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31):
        if year and year != start.year:
            return None
        return start.year
    return None


def table_request(who: Any, filters: dict) -> TableRequest:
    """The published table a filter set maps onto; NotPublished with a message when there is none."""
    viewer = Viewer.of(who)
    user = viewer.user
    subject = filters.get("subject") or None
    used = [name for name in INTERNAL_FILTERS if filters.get(name)]
    if used:  # a member is told where the limit lies; nobody else is addressed as one
        raise NotPublished((_(
            "Outside your organisation's municipalities, %(filters)s can only be used with subject=object."
        ) if viewer.member else _(
            "In published counts, %(filters)s can only be used with subject=object."
        )) % {"filters": ", ".join(used)})
    year = period_of(filters)
    if year is None:
        raise NotPublished(_(
            "Outside your organisation's municipalities, counts are published per calendar year: "
            "use year=YYYY (or dates from 1 January to 31 December of one year)."
        ) if viewer.member else _(
            "Counts are published per calendar year: use year=YYYY (or dates from 1 January to 31 December of "
            "one year)."
        ))
    phenomenon_id = filters.get("phenomenon")
    if phenomenon_id and not Phenomenon.objects.publishable_to(user).filter(id=phenomenon_id).exists():
        raise NotPublished(_("No such phenomenon."))
    return TableRequest(year, phenomenon_id or None, subject)


# Who is asking: declared once in observations.suppression (this name kept for the callers that import it here).
Viewer = suppression.Viewer


def tables_for(viewer: Viewer, year: int) -> YearTables:
    """The published tables of a year as this viewer's request sees them: the release read and decoded once."""
    return viewer.memo(("year_tables", year, viewer.k),
                       lambda: year_tables(year, viewer.k, struct=structure_for(viewer)))


def structure_for(viewer: Viewer) -> Structure:
    """The tables' structure, read once per viewer (request)."""
    return viewer.memo("structure", structure)


UNIT_ARRAYS = {Unit.RECORDS: ("persons", "objects"), Unit.OCCURRENCES: ("person_occurrences", "object_occurrences")}


def _published(table, node, phen_node, subject, unit):
    """A cell of a group table as published, in a unit: persons, objects or both; None where persons are hidden
    (the same cells for records and occurrences)."""
    person_name, object_name = UNIT_ARRAYS[Unit(unit)]
    objects = int(getattr(table, object_name)[node, phen_node])
    if subject == Subject.OBJECT:
        return objects
    if table.hidden[node, phen_node]:
        return None
    n = int(getattr(table, person_name)[node, phen_node])
    return n if subject == Subject.PERSON else n + objects


def _visible_groups(viewer: Viewer, tables: YearTables) -> list:
    return [g for g in tables.structure.groups if g.public or viewer.members_only]


def published_cell(who: Any, request: TableRequest, node_of: Callable, tables: YearTables | None = None,
                   unit: Unit = DEFAULT_UNIT) -> tuple[int | None, dict]:
    """(count, {phenomenon id: count}) of one area node of the published tables, in a unit; None: not shown."""
    viewer = Viewer.of(who)
    tables = tables or tables_for(viewer, request.year)
    struct = tables.structure
    node = node_of(struct)
    if node is None:
        return 0, {}
    by_phenomenon = {}
    groups = _visible_groups(viewer, tables)
    if request.phenomenon_id:
        group = struct.group_of(request.phenomenon_id)
        groups = [group] if group in groups else []
    for group in groups:
        table = tables.table_of(group)
        for pid in group.phenomenon_ids:
            if request.phenomenon_id and pid != request.phenomenon_id:
                continue
            by_phenomenon[pid] = _published(table, node, group.node_of(pid), request.subject, unit)
    if request.phenomenon_id:
        count = by_phenomenon.get(request.phenomenon_id, 0)
    elif struct.public_group is not None and struct.public_group in groups:
        count = _published(tables.table_of(struct.public_group), node, 0, request.subject, unit)
    else:
        count = 0
    return count, by_phenomenon


def _published_area(viewer: Viewer, request: TableRequest, level: str, area_id: int, muni_id: int,
                    tables: YearTables, unit: Unit) -> AreaCount:
    """An AreaCount of the published tables (both units, the same hidden cells)."""
    tallies = {}
    for u in Unit:
        count, by_phenomenon = published_cell(viewer, request, _node_getter(level, area_id), tables, u)
        tallies[u] = Tally(count, None, None, by_phenomenon)
    return AreaCount(area_id, muni_id, False, tallies, unit)


def _exact_rows(user: Any, filters: dict, level: str, area_ids: Iterable[int], total_over: set | None = None,
               unit: Unit = DEFAULT_UNIT) -> dict:
    """{area id: AreaCount} exact, from one grouped count (per area, phenomenon and direction).

    total_over: the phenomena the totals count (None: all the user may see)."""
    area_field = "municipality_id" if level == "municipality" else "postcode_area_id"
    rows = {}
    by = list(dict.fromkeys([area_field, "municipality_id", "phenomenon_id", "direction"]))
    for row in summary.grouped_counts(filters, by, user=user, **{f"{area_field}__in": area_ids}):
        c = rows.get(row[area_field])
        if c is None:
            c = rows[row[area_field]] = AreaCount.zero(row[area_field], row["municipality_id"], unit)
        in_total = total_over is None or row["phenomenon_id"] in total_over
        for u, value in ((Unit.RECORDS, row["n"]), (Unit.OCCURRENCES, row["occ"])):
            c.tallies[u].add(row["phenomenon_id"], row["direction"], value, in_total)
    return rows


def public_phenomenon_ids() -> set[int]:
    return set(public_phenomena().values_list("id", flat=True))


def exact_filters(filters: dict, fully_exact: bool) -> dict:
    """The filters for exact counts: an output that also shows published tables uses their year."""
    if fully_exact or filters.get("subject") == Subject.OBJECT:
        return filters
    if filters.get("date_from") or filters.get("date_to") or filters.get("year"):
        return filters
    return {**filters, "year": timezone.localdate().year}


@dataclass
class AreaCounts:
    """Counts of one output: rows by area id, and why rows outside the viewer's scope are empty (if they are)."""

    rows: dict
    withheld: str = ""  # the NotPublished message for rows that are not shown for this request
    fully_exact: bool = False


def area_counts(who: Any, level: str, areas: list, filters: dict, unit: Unit = DEFAULT_UNIT) -> AreaCounts:
    """AreaCounts for `areas` [(area id, municipality id)] at `level` ('municipality' or 'postcode_area'):
    every row in both units, `count` & co. in `unit` (observations.filters.Unit, default occurrences).

    Raises NotPublished when no row is exact and the filters map onto no published table."""
    viewer = Viewer.of(who)
    user = viewer.user
    fully_exact = all(viewer.exact(m) for _a, m in areas)
    subject_object = filters.get("subject") == Subject.OBJECT
    filters = exact_filters(filters, fully_exact)
    exact_ids = {a for a, m in areas if viewer.exact(m) or subject_object}
    # A page that also shows other municipalities counts the same phenomena in every total.
    total_over = None if fully_exact or filters.get("phenomenon") else public_phenomenon_ids()
    rows = {}
    if exact_ids:
        counted = _exact_rows(user, filters, level, exact_ids, total_over, unit)
        for area_id, muni_id in areas:
            if area_id in exact_ids:
                rows[area_id] = counted.get(area_id) or AreaCount.zero(area_id, muni_id, unit)
    rest = [(a, m) for a, m in areas if a not in exact_ids]
    withheld = ""
    if rest:
        try:
            request = table_request(viewer, filters)
        except NotPublished as exc:
            if not exact_ids:
                raise
            withheld = str(exc)
            for area_id, muni_id in rest:
                rows[area_id] = AreaCount(area_id, muni_id, False, {u: _hidden_tally() for u in Unit}, unit)
        else:
            tables = tables_for(viewer, request.year)
            for area_id, muni_id in rest:
                rows[area_id] = _published_area(viewer, request, level, area_id, muni_id, tables, unit)
    return AreaCounts(rows, withheld, fully_exact or subject_object)


def _node_getter(level: str, area_id: int) -> Callable:
    def node_of(struct):
        try:
            if level == "municipality":
                return struct.node_of_municipality(area_id)
            return struct.node_of_area(area_id)
        except KeyError:
            return None
    return node_of


def lapland_total(who: Any, filters: dict, unit: Unit = DEFAULT_UNIT) -> tuple[int | None, int | None, int | None]:
    """(count, weakens, strengthens) for all of Lapland in `unit`; None where not shown."""
    viewer = Viewer.of(who)
    user = viewer.user
    if viewer.exact_everywhere or filters.get("subject") == Subject.OBJECT:
        where = {}
        if not viewer.exact_everywhere and not filters.get("phenomenon"):
            where["phenomenon_id__in"] = public_phenomenon_ids()
        value = summary.unit_key(unit)
        by_direction = {row["direction"]: row[value]
                        for row in summary.grouped_counts(filters, ["direction"], user=user, **where)}
        weakens, strengthens = by_direction.get(Direction.WEAKENS, 0), by_direction.get(Direction.STRENGTHENS, 0)
        return weakens + strengthens, weakens, strengthens
    try:
        request = table_request(viewer, filters)
    except NotPublished:
        return None, None, None
    count, _by = published_cell(viewer, request, lambda struct: 0, unit=unit)
    return count, None, None


def yearly_counts(who: Any, municipality: Any, years: Iterable[int], unit: Unit = DEFAULT_UNIT) -> dict:
    """{phenomenon id: {year: n or None}} for a municipality: all observations per phenomenon and year, in `unit`."""
    viewer = Viewer.of(who)
    user = viewer.user
    if viewer.exact(municipality.id):
        exact = defaultdict(dict)
        value = summary.unit_key(unit)
        for row in summary.grouped_counts({}, ["phenomenon_id", "year"], user=user, municipality_id=municipality.id):
            exact[row["phenomenon_id"]][row["year"]] = row[value]
        return dict(exact)
    result = defaultdict(dict)
    for year in years:
        _count, by_phenomenon = published_cell(
            viewer, TableRequest(year, None, None), _node_getter("municipality", municipality.id),
            tables_for(viewer, year), unit)
        for pid, n in by_phenomenon.items():
            result[pid][year] = n
    return dict(result)

