"""What a viewer gets: counts per area, totals and yearly series, exact or from the published tables.

Inside the viewer's own municipalities (administrators: everywhere) counts are
exact for any filter, counted by one grouped query. Everywhere else a request
must map onto a published table (tables.py): person observations, or all
observations (persons + the exactly published objects), of one calendar year,
of all public phenomena or of one phenomenon; municipality and postcode
filters only select rows of it. Object observations alone are public and are
counted exactly for any filter. Anything else is refused (NotPublished).
"""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from geo_indi.observations import summary, suppression
from geo_indi.observations.querysets import sees_internal_phenomena
from geo_indi.observations.models import Direction, Phenomenon, Subject

from .tables import public_phenomena, structure, year_tables

# Filters that only inside the organisation may use with person observations.
INTERNAL_FILTERS = ("category", "direction", "age_group")


class NotPublished(ValueError):
    """The request does not map onto a table published outside the organisation."""


@dataclass
class AreaCount:
    area_id: int
    municipality_id: int
    count: int | None  # None: not shown
    exact: bool
    weakens: int | None = None
    strengthens: int | None = None
    occurrences: int | None = None
    by_phenomenon: dict = field(default_factory=dict)  # phenomenon id -> n or None

    @property
    def suppressed(self):
        return self.count is None


@dataclass(frozen=True)
class TableRequest:
    """A request as a published table: year, phenomenon (None: all public ones), subject (None: all)."""

    year: int
    phenomenon_id: int | None
    subject: str | None


def period_of(filters):
    """The calendar year a filter set asks for, or None when its dates are not one calendar year."""
    start, end, year = filters.get("date_from"), filters.get("date_to"), filters.get("year")
    if start is None and end is None:
        return year if year else timezone.localdate().year
    if start and end and start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31):
        if year and year != start.year:
            return None
        return start.year
    return None


def table_request(user, filters):
    """The published table a filter set maps onto; NotPublished with a message when there is none."""
    subject = filters.get("subject") or None
    used = [name for name in INTERNAL_FILTERS if filters.get(name)]
    if used:
        raise NotPublished(_(
            "Outside your organisation's municipalities, %(filters)s can only be used with subject=object."
        ) % {"filters": ", ".join(used)})
    year = period_of(filters)
    if year is None:
        raise NotPublished(_(
            "Outside your organisation's municipalities, counts are published per calendar year: "
            "use year=YYYY (or dates from 1 January to 31 December of one year)."
        ))
    phenomenon_id = filters.get("phenomenon")
    if phenomenon_id and not Phenomenon.objects.publishable_to(user).filter(id=phenomenon_id).exists():
        raise NotPublished(_("No such phenomenon."))
    return TableRequest(year, phenomenon_id or None, subject)


class Viewer:
    """Who is asking: which municipalities they see exactly and which phenomenon groups they may see."""

    def __init__(self, user):
        self.user = user
        self.scope = suppression.exact_municipalities(user)
        self.members_only = sees_internal_phenomena(user)

    def exact(self, municipality_id):
        return suppression.sees_exact(self.scope, municipality_id)

    @property
    def exact_everywhere(self):
        return self.scope == suppression.EVERYWHERE


def _published(table, node, phen_node, subject):
    """A cell of a group table as published: persons, objects or both; None where persons are hidden."""
    if subject == Subject.OBJECT:
        return int(table.objects[node, phen_node])
    if table.hidden[node, phen_node]:
        return None
    n = int(table.persons[node, phen_node])
    return n if subject == Subject.PERSON else n + int(table.objects[node, phen_node])


def _visible_groups(viewer, tables):
    return [g for g in tables.structure.groups if g.public or viewer.members_only]


def published_cell(viewer, request, node_of, tables=None):
    """(count, {phenomenon id: count}) of one area node of the published tables; None: not shown."""
    tables = tables or year_tables(request.year)
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
            by_phenomenon[pid] = _published(table, node, group.node_of(pid), request.subject)
    if request.phenomenon_id:
        count = by_phenomenon.get(request.phenomenon_id, 0)
    elif struct.public_group is not None and struct.public_group in groups:
        count = _published(tables.table_of(struct.public_group), node, 0, request.subject)
    else:
        count = 0
    return count, by_phenomenon


def _exact_rows(user, filters, level, area_ids, total_over=None):
    """{area id: AreaCount} exact, from one grouped count (per area, phenomenon and direction).

    total_over: the phenomena the totals count (None: all the user may see)."""
    area_field = "municipality_id" if level == "municipality" else "postcode_area_id"
    rows = {}
    by = list(dict.fromkeys([area_field, "municipality_id", "phenomenon_id", "direction"]))
    for row in summary.grouped_counts(filters, by, user=user, **{f"{area_field}__in": area_ids}):
        c = rows.get(row[area_field])
        if c is None:
            c = rows[row[area_field]] = AreaCount(row[area_field], row["municipality_id"], 0, True, 0, 0, 0, {})
        c.by_phenomenon[row["phenomenon_id"]] = c.by_phenomenon.get(row["phenomenon_id"], 0) + row["n"]
        if total_over is not None and row["phenomenon_id"] not in total_over:
            continue
        c.count += row["n"]
        c.occurrences += row["occ"]
        if row["direction"] == Direction.WEAKENS:
            c.weakens += row["n"]
        else:
            c.strengthens += row["n"]
    return rows


def public_phenomenon_ids():
    return set(public_phenomena().values_list("id", flat=True))


def exact_filters(filters, fully_exact):
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


def area_counts(user, level, areas, filters):
    """AreaCounts for `areas` [(area id, municipality id)] at `level` ('municipality' or 'postcode_area').

    Raises NotPublished when no row is exact and the filters map onto no published table."""
    viewer = Viewer(user)
    fully_exact = all(viewer.exact(m) for _a, m in areas)
    subject_object = filters.get("subject") == Subject.OBJECT
    filters = exact_filters(filters, fully_exact)
    exact_ids = {a for a, m in areas if viewer.exact(m) or subject_object}
    # A page that also shows other municipalities counts the same phenomena in every total.
    total_over = None if fully_exact or filters.get("phenomenon") else public_phenomenon_ids()
    rows = {}
    if exact_ids:
        counted = _exact_rows(user, filters, level, exact_ids, total_over)
        for area_id, muni_id in areas:
            if area_id in exact_ids:
                rows[area_id] = counted.get(area_id) or AreaCount(area_id, muni_id, 0, True, 0, 0, 0, {})
    rest = [(a, m) for a, m in areas if a not in exact_ids]
    withheld = ""
    if rest:
        try:
            request = table_request(user, filters)
        except NotPublished as exc:
            if not exact_ids:
                raise
            withheld = str(exc)
            for area_id, muni_id in rest:
                rows[area_id] = AreaCount(area_id, muni_id, None, False)
        else:
            tables = year_tables(request.year)
            for area_id, muni_id in rest:
                count, by_phenomenon = published_cell(viewer, request, _node_getter(level, area_id), tables)
                rows[area_id] = AreaCount(area_id, muni_id, count, False, by_phenomenon=by_phenomenon)
    return AreaCounts(rows, withheld, fully_exact or subject_object)


def _node_getter(level, area_id):
    def node_of(struct):
        try:
            if level == "municipality":
                return struct.node_of_municipality(area_id)
            return struct.node_of_area(area_id)
        except KeyError:
            return None
    return node_of


def lapland_total(user, filters):
    """(count, weakens, strengthens) for all of Lapland; None where not shown."""
    viewer = Viewer(user)
    if viewer.exact_everywhere or filters.get("subject") == Subject.OBJECT:
        where = {}
        if not viewer.exact_everywhere and not filters.get("phenomenon"):
            where["phenomenon_id__in"] = public_phenomenon_ids()
        by_direction = {row["direction"]: row["n"]
                        for row in summary.grouped_counts(filters, ["direction"], user=user, **where)}
        weakens, strengthens = by_direction.get(Direction.WEAKENS, 0), by_direction.get(Direction.STRENGTHENS, 0)
        return weakens + strengthens, weakens, strengthens
    try:
        request = table_request(user, filters)
    except NotPublished:
        return None, None, None
    count, _by = published_cell(viewer, request, lambda struct: 0)
    return count, None, None


def yearly_counts(user, municipality, years):
    """{phenomenon id: {year: n or None}} for a municipality: all observations per phenomenon and year."""
    viewer = Viewer(user)
    if viewer.exact(municipality.id):
        exact = defaultdict(dict)
        for row in summary.grouped_counts({}, ["phenomenon_id", "year"], user=user, municipality_id=municipality.id):
            exact[row["phenomenon_id"]][row["year"]] = row["n"]
        return dict(exact)
    result = defaultdict(dict)
    struct = structure()
    for year in years:
        _count, by_phenomenon = published_cell(
            viewer, TableRequest(year, None, None), _node_getter("municipality", municipality.id),
            year_tables(year, struct=struct))
        for pid, n in by_phenomenon.items():
            result[pid][year] = n
    return dict(result)

