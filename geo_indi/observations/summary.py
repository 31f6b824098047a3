"""Grouped counts of observations: from the monthly summary table when it can answer, else from the records.

`ObservationMonthlyCount` (kept by triggers, see migration 0003) holds the
number of observations and the sum of their occurrences per month, municipality,
postcode area, phenomenon, category, direction and subject. Every count
consumer asks `grouped_counts()`; `answerable()` is the one rule that decides
whether the summary can give the same numbers as the records: only filters on
its dimensions, and dates that cover whole months. Anything else (age group,
a date range that cuts a month, filters added later) counts the records.

Visibility is the same rule in both paths (`publishable_phenomena_q`). These
are internal, exact counts: what leaves an organisation is decided by
geo_indi.publication, which reads them here.
"""
import calendar
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear, TruncMonth

from .filters import SUMMARY_FILTERS, filter_q, summary_q
from .models import Observation, ObservationMonthlyCount, Phenomenon

SUMMARY = "summary"
RAW = "raw"

# What counts may be grouped by: fields of both models, and the month or year of the observation.
DIMENSIONS = frozenset({"month", "year", "municipality_id", "postcode_area_id", "phenomenon_id", "category_id",
                        "direction", "subject"})
ALL_PHENOMENA = object()  # no viewer: internal builders that group phenomena themselves (publication tables)
# The key of grouped_counts' rows that holds each unit (filters.Unit): records "n", occurrences "occ".
UNIT_KEYS = {"records": "n", "occurrences": "occ"}


def unit_key(unit):
    """"n" or "occ": where a row of grouped_counts holds the count in `unit` (a filters.Unit or its value)."""
    return UNIT_KEYS[str(getattr(unit, "value", unit))]


def _last_of_month(day):
    return day.day == calendar.monthrange(day.year, day.month)[1]


def answerable(filters: dict) -> bool:
    """Whether the summary gives exactly the records' counts for these (cleaned) filters: only filters
    declared with a summary lookup (observations.filters.FILTERS), and dates on month boundaries."""
    used = {name: value for name, value in filters.items() if value not in (None, "")}
    if not used.keys() <= SUMMARY_FILTERS:
        return False
    start, end = used.get("date_from"), used.get("date_to")
    return (start is None or start.day == 1) and (end is None or _last_of_month(end))


def source(filters):
    """SUMMARY or RAW: where `grouped_counts` counts these filters."""
    return SUMMARY if answerable(filters) else RAW


def data_version():
    """A number that moves with every write to the observations (any statement: ORM, COPY, raw SQL, erasure).

    The sequence `observations_data_version` is bumped by statement triggers (observations migration 0005).
    Read on the primary even when counts are read from a replica: a replica sees a sequence move only
    every 32 values (sequences are WAL-logged ahead), the primary at every write."""
    with connection.cursor() as cur:
        cur.execute("SELECT last_value FROM observations_data_version")
        return cur.fetchone()[0]


class VersionedMemo:
    """Results keyed by the data version, for a short time, in the shared cache (every server process and
    the worker see the same entries; settings.CACHES).

    The version moves when a write *starts*, not when it commits, so a result computed in between may
    miss that write: `seconds` bounds how long. Never used inside a transaction, whose reads may see
    its own uncommitted writes (and the test suite runs each test in one)."""

    def __init__(self, namespace="counts"):
        self.namespace = namespace

    def get_or_compute(self, key, compute):
        seconds = settings.COUNTS_CACHE_SECONDS
        if seconds <= 0 or connection.in_atomic_block:
            return compute()
        question = hashlib.sha256(repr(key).encode()).hexdigest()
        cache_key = f"{self.namespace}:{data_version()}:{question}"
        hit = cache.get(cache_key)
        if hit is not None:
            return hit
        value = compute()
        cache.set(cache_key, value, seconds)
        return value


_memo = VersionedMemo()


def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(sorted((_freeze(v) for v in value), key=repr))
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def grouped_counts(filters, by, *, user, **where):
    """[{dimension: value, ..., "n": observations, "occ": sum of occurrences}] grouped by `by`.

    filters: cleaned observation filters (observations.filters); user: whose
    phenomena count (`publishable_to`), or ALL_PHENOMENA; where: further lookups
    on fields both models have (e.g. municipality_id__in=...). Repeated questions
    between two writes are answered from a short-lived memo in the shared cache (`VersionedMemo`)."""
    unknown = set(by) - DIMENSIONS
    if unknown:
        raise ValueError(f"cannot group counts by {sorted(unknown)}")
    visible = (None if user is ALL_PHENOMENA
               else tuple(Phenomenon.objects.publishable_to(user).order_by("id").values_list("id", flat=True)))
    key = (_freeze(filters), tuple(by), visible, _freeze(where))
    rows = _memo.get_or_compute(key, lambda: _grouped_counts(filters, by, user=user, **where))
    return [dict(row) for row in rows]


def _grouped_counts(filters, by, *, user, **where):
    if answerable(filters):
        qs = ObservationMonthlyCount.objects.all()
        if user is not ALL_PHENOMENA:
            qs = qs.publishable_to(user)
        qs = qs.filter(summary_q(filters), **where)
        if "year" in by:
            qs = qs.annotate(year=ExtractYear("month"))
        n, occ = Sum("observations"), Sum("occurrences")
    else:
        qs = Observation.objects.all()
        if user is not ALL_PHENOMENA:
            qs = qs.publishable_to(user)
        qs = qs.filter(filter_q(filters), **where)
        periods = {"month": TruncMonth("observed_on"), "year": ExtractYear("observed_on")}
        qs = qs.annotate(**{name: expr for name, expr in periods.items() if name in by})
        n, occ = Count("id"), Sum("occurrences")
    return list(qs.order_by().values(*by).annotate(n=n, occ=occ))


# Both sides of the comparison, grouped by the summary's key (category NULL as 0: FULL JOIN needs "=").
KEY = "month, municipality_id, postcode_area_id, phenomenon_id, category, direction, subject"
RAW_CELLS = f"""
    SELECT {KEY}, count(*) AS observations, sum(occurrences) AS occurrences
      FROM (SELECT date_trunc('month', observed_on)::date AS month, municipality_id, postcode_area_id, phenomenon_id,
                   coalesce(category_id, 0) AS category, direction, subject, occurrences
              FROM observations_observation) o
     GROUP BY {KEY}
"""
SUMMARY_CELLS = """
    SELECT month, municipality_id, postcode_area_id, phenomenon_id, coalesce(category_id, 0) AS category,
           direction, subject, observations::bigint, occurrences
      FROM observations_monthlycount
"""


@dataclass
class Comparison:
    differences: list  # [(key..., records' n, records' occ, summary's n, summary's occ)] of cells that differ
    missing: int  # cells of the records not in the summary (EXCEPT one way)
    extra: int  # cells of the summary not in the records (EXCEPT the other way)

    @property
    def equal(self):
        return not self.differences and not self.missing and not self.extra


def compare():
    """The summary against a grouped count of the records, counted once: a FULL OUTER JOIN lists the cells
    that differ, and EXCEPT both ways counts the cells either side lacks."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE raw_cells ON COMMIT DROP AS {RAW_CELLS}")
        cur.execute(f"CREATE TEMP TABLE summary_cells ON COMMIT DROP AS {SUMMARY_CELLS}")
        cur.execute(f"""
            SELECT {KEY}, r.observations, r.occurrences, s.observations, s.occurrences
              FROM raw_cells r FULL OUTER JOIN summary_cells s USING ({KEY})
             WHERE r.observations IS DISTINCT FROM s.observations OR r.occurrences IS DISTINCT FROM s.occurrences
             ORDER BY {KEY}
        """)
        differing = cur.fetchall()
        cur.execute("""
            SELECT (SELECT count(*) FROM (TABLE raw_cells EXCEPT TABLE summary_cells) a),
                   (SELECT count(*) FROM (TABLE summary_cells EXCEPT TABLE raw_cells) b)
        """)
        missing, extra = cur.fetchone()
        cur.execute("DROP TABLE raw_cells, summary_cells")
    return Comparison(differing, missing, extra)


def rebuild():
    """Refill the summary from the records in one transaction, writers held off (SHARE lock) meanwhile."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("LOCK TABLE observations_observation IN SHARE MODE")
        cur.execute("DELETE FROM observations_monthlycount")
        cur.execute(f"""
            INSERT INTO observations_monthlycount (month, municipality_id, postcode_area_id, phenomenon_id, category_id,
                                                   direction, subject, observations, occurrences)
            SELECT month, municipality_id, postcode_area_id, phenomenon_id, nullif(category, 0), direction, subject,
                   observations, occurrences
              FROM ({RAW_CELLS}) r
             ORDER BY {KEY}
        """)
        return cur.rowcount
