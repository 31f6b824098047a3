"""Comparison of two periods on a municipality page: counts, change and whether the change is more than chance.

Both counts come from geo_indi.publication.counts (exact inside the viewer's
own municipalities, the published calendar-year tables elsewhere); a change
involving a hidden count is hidden.

The defaults are the last two *complete* periods of one kind (winters inside,
calendar years outside): a period that is still running is never a default,
so the page does not weigh a whole winter against its first three days.

The test: if the rate did not change, the first period's share of the n1 + n2
observations is binomial with p equal to its share of the time,
t1 / (t1 + t2) (the exact conditional test of two Poisson counts, adjusted
for the periods' lengths); two-sided, "more than chance" below SIGNIFICANCE.
Under settings.COMPARISON_MIN_COUNT observations in the two periods together
the answer is "too few to tell", whatever the p-value: one observation after
none is never a finding.
"""
import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from scipy.stats import binomtest

from geo_indi.core.errors import RequestError
from geo_indi.observations.filters import Unit
from geo_indi.publication import counts as published

from . import queries

SIGNIFICANCE = 0.05
# Meteorological winter: December to February, named by the year of its December.
WINTER_FIRST_MONTH = 12
# How far back the period choices reach.
RECENT_WINTERS, RECENT_YEARS, RECENT_QUARTERS, RECENT_MONTHS = 3, 5, 8, 12
# How many areas the "grew most" list names.
GREW_MOST = 5
# Diverging ColorBrewer RdBu (5 classes), blue = fewer, red = more.
CHANGE_PALETTE = ["#0571b0", "#92c5de", "#f7f7f7", "#f4a582", "#ca0020"]

PERIOD_KINDS = {
    "year": gettext_lazy("Calendar year"),
    "winter": gettext_lazy("Winter (December–February)"),
    "quarter": gettext_lazy("Quarter"),
    "month": gettext_lazy("Month"),
}
_PATTERNS = [
    ("winter", re.compile(r"^winter-(\d{4})$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("month", re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")),
    ("year", re.compile(r"^(\d{4})$")),
]


PeriodError = RequestError  # a period that cannot be compared: a 400 in the client's shape


@dataclass(frozen=True)
class Period:
    token: str  # as in the query string: 2025, 2025-Q4, 2025-11, winter-2025
    kind: str
    start: dt.date
    end: dt.date

    @property
    def label(self):
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "winter":
            return _("winter %(first)s–%(second)s") % {"first": self.start.year, "second": self.end.year}
        if self.kind == "quarter":
            return _("Q%(quarter)s/%(year)s") % {"quarter": (self.start.month - 1) // 3 + 1, "year": self.start.year}
        return formats.date_format(self.start, "YEAR_MONTH_FORMAT")

    def days(self, today):
        """Days of the period up to today (a running period counts only its days so far); at least 1."""
        end = min(self.end, today)
        return max(1, (end - self.start).days + 1)

    def filters(self):
        """The period as observation filters: a calendar year as `year` (a published table), else dates."""
        if self.kind == "year":
            return {"year": self.start.year}
        return {"date_from": self.start, "date_to": self.end}


def _month_end(year, month):
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(token):
    token = (token or "").strip()
    for kind, pattern in _PATTERNS:
        match = pattern.match(token)
        if not match:
            continue
        year = int(match.group(1))
        if not 1900 <= year <= 2998:
            break
        if kind == "year":
            return Period(token, kind, dt.date(year, 1, 1), dt.date(year, 12, 31))
        if kind == "winter":
            return Period(token, kind, dt.date(year, WINTER_FIRST_MONTH, 1), _month_end(year + 1, 2))
        if kind == "quarter":
            first = 3 * (int(match.group(2)) - 1) + 1
            return Period(token, kind, dt.date(year, first, 1), _month_end(year, first + 2))
        month = int(match.group(2))
        return Period(token, kind, dt.date(year, month, 1), _month_end(year, month))
    raise PeriodError(_("A period is a year (2025), a quarter (2025-Q4), a month (2025-11) or a winter (winter-2025)."))


def current_winter_year(today):
    """The year of the December that starts the winter running now, or the last one that ended."""
    return today.year if today.month >= WINTER_FIRST_MONTH else today.year - 1


def containing(kind: str, day: dt.date) -> Period:
    """The period of a kind that contains a day (the winter of 15 January 2027 is winter-2026)."""
    if kind == "winter":
        if day.month in (WINTER_FIRST_MONTH, 1, 2):
            return parse_period(f"winter-{current_winter_year(day)}")
        raise PeriodError(_("A winter is December to February."))
    if kind == "year":
        return parse_period(str(day.year))
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse_period(f"{day.year}-{day.month:02d}")


def previous(period: Period) -> Period:
    """The period of the same kind just before this one."""
    if period.kind == "winter":
        return parse_period(f"winter-{period.start.year - 1}")
    return containing(period.kind, period.start - dt.timedelta(days=1))


def recent(kind: str, today: dt.date, count: int, *, complete: bool = False) -> list[Period]:
    """The latest `count` periods of a kind, newest first: the one running today first, unless `complete`."""
    if kind == "winter":
        period = parse_period(f"winter-{current_winter_year(today)}")
    else:
        period = containing(kind, today)
    if complete and period.end >= today:  # still running (its last day included)
        period = previous(period)
    periods = [period]
    while len(periods) < count:
        periods.append(previous(periods[-1]))
    return periods


def period_choices(exact: bool, today: dt.date) -> list[tuple]:
    """[(kind label, [Period, ...])] the viewer may compare: outsiders calendar years only (the published tables)."""
    years = recent("year", today, RECENT_YEARS)
    if not exact:
        return [(PERIOD_KINDS["year"], years)]
    return [(PERIOD_KINDS["winter"], recent("winter", today, RECENT_WINTERS)), (PERIOD_KINDS["year"], years),
            (PERIOD_KINDS["quarter"], recent("quarter", today, RECENT_QUARTERS)),
            (PERIOD_KINDS["month"], recent("month", today, RECENT_MONTHS))]


def default_periods(exact: bool, today: dt.date) -> tuple[Period, Period]:
    """(earlier, later): the last two complete winters inside, the last two complete calendar years outside."""
    later, earlier = recent("winter" if exact else "year", today, 2, complete=True)
    return earlier, later


def min_count() -> int:
    """Fewest observations in the two periods together for the test to answer: settings.COMPARISON_MIN_COUNT, at least 2

    (one observation is never a finding, however short the period it fell in)."""
    return max(2, settings.COMPARISON_MIN_COUNT)


def change_test(n1: int, n2: int, t1: float, t2: float) -> float | None:
    """Two-sided p-value that counts n1 in time t1 and n2 in time t2 come from one Poisson rate; None without data.

    Conditional on n1 + n2, n1 is binomial with p = t1 / (t1 + t2) under one rate (exact, any count)."""
    total = n1 + n2
    if total == 0:
        return None
    return binomtest(n1, total, t1 / (t1 + t2)).pvalue


class Verdict:
    HIDDEN = "hidden"  # a count is hidden: no change, no test
    NO_DATA = "no_data"  # nothing in either period
    TOO_FEW = "too_few"  # under min_count() observations: too few to tell
    MORE_THAN_CHANCE = "yes"
    CHANCE = "no"


def verdict(n1: int | None, n2: int | None, p_value: float | None, minimum: int) -> str:
    """What the page says about a change: the test answers only from `minimum` observations on."""
    if n1 is None or n2 is None:
        return Verdict.HIDDEN
    if n1 + n2 == 0 or p_value is None:
        return Verdict.NO_DATA
    if n1 + n2 < minimum:
        return Verdict.TOO_FEW
    return Verdict.MORE_THAN_CHANCE if p_value < SIGNIFICANCE else Verdict.CHANCE


@dataclass
class ChangeRow:
    id: int
    code: str
    name: str
    geometry: dict
    first: int | None  # None: hidden
    second: int | None
    p_value: float | None = None
    class_index: int | None = None
    verdict: str = Verdict.HIDDEN

    @property
    def change(self):
        if self.first is None or self.second is None:
            return None
        return self.second - self.first

    @property
    def suppressed(self):
        return self.change is None

    @property
    def significant(self):
        return self.verdict == Verdict.MORE_THAN_CHANCE

    @property
    def too_few(self):
        return self.verdict == Verdict.TOO_FEW


@dataclass
class Comparison:
    first: Period
    second: Period
    rows: list
    breaks: list  # [(low, high, colour)] of the change classes
    total_first: int | None
    total_second: int | None
    exact: bool
    withheld: str = ""
    min_count: int = 10
    days: tuple = (0, 0)  # the days each period counts (a running period: its days so far)

    @property
    def grew_most(self):
        """The areas whose count grew most, largest rise first (ties: the clearer test, then the code)."""
        grown = [r for r in self.rows if not r.suppressed and r.change > 0]
        grown.sort(key=lambda r: (-r.change, r.p_value if r.p_value is not None else 1.0, r.code))
        return grown[:GREW_MOST]

    @property
    def running(self):
        """The periods compared that have not ended yet (their days so far are counted)."""
        return [p for p, days in zip((self.first, self.second), self.days) if days < (p.end - p.start).days + 1]


def change_breaks(changes):
    """Five integer classes symmetric around 0: large fall, fall, no change, rise, large rise."""
    largest = max((abs(c) for c in changes if c is not None), default=0)
    if largest == 0:
        return [(0, 0, CHANGE_PALETTE[2])]
    half = max(1, math.ceil(largest / 2))
    classes = [(-largest, -half - 1), (-half, -1), (0, 0), (1, half), (half + 1, largest)]
    return [(low, high, colour) for (low, high), colour in zip(classes, CHANGE_PALETTE) if low <= high]


def _class_of(change, breaks):
    if change is None:
        return None
    for index, (low, high, _colour) in enumerate(breaks):
        if low <= change <= high:
            return index
    return None


def _period_filters(filters, period):
    rest = {k: v for k, v in filters.items() if k not in ("date_from", "date_to", "year")}
    return {**rest, **period.filters()}


def compare(who: Any, municipality: Any, filters: dict, first: Period, second: Period,
            today: dt.date) -> "Comparison":
    """Comparison of two periods for the postcode areas of a municipality (filters: the page's other filters).
    who: the request's viewer (or a user).

    Raises NotPublished when a period is not published for this viewer."""
    viewer = published.Viewer.of(who)
    shapes = queries.postcode_area_shapes(municipality)
    areas = [(s["id"], municipality.id) for s in shapes]
    filters = {**filters, "municipality": municipality.code}
    by_period, totals, withheld, exact = [], [], "", True
    for period in (first, second):
        period_filters = _period_filters(filters, period)
        # Records, not occurrences: the test treats each count as Poisson, and one record of 12 cases is
        # one event, not 12 independent ones (the rows still carry both numbers).
        counts = published.area_counts(viewer, "postcode_area", areas, period_filters, Unit.RECORDS)
        own = published.area_counts(viewer, "municipality", [(municipality.id, municipality.id)], period_filters,
                                    Unit.RECORDS)
        by_period.append(counts.rows)
        totals.append(own.rows[municipality.id].count)
        withheld = withheld or counts.withheld
        exact = exact and counts.fully_exact
    t1, t2 = first.days(today), second.days(today)
    minimum = min_count()
    rows = []
    for shape in shapes:
        row = ChangeRow(shape["id"], shape["code"], shape["name"], shape["geometry"],
                        by_period[0][shape["id"]].count, by_period[1][shape["id"]].count)
        if not row.suppressed:
            row.p_value = change_test(row.first, row.second, t1, t2)
        row.verdict = verdict(row.first, row.second, row.p_value, minimum)
        rows.append(row)
    breaks = change_breaks([r.change for r in rows])
    for row in rows:
        row.class_index = _class_of(row.change, breaks)
    return Comparison(first, second, rows, breaks, totals[0], totals[1], exact, withheld, minimum, (t1, t2))


@dataclass
class ComparisonRequest:
    first: Period
    second: Period
    choices: list  # period_choices()
    exact: bool
    requested: bool  # False: the defaults, for the form only


def comparison_request(who: Any, municipality: Any, params: Any, today: dt.date) -> "ComparisonRequest":
    """The two periods asked for (period_1, period_2; default: the last two complete winters, or years outside)."""
    viewer = published.Viewer.of(who)
    exact = viewer.exact(municipality.id)
    first, second = default_periods(exact, today)
    requested = bool(params.get("period_1") or params.get("period_2"))
    if requested:
        first, second = parse_period(params.get("period_1")), parse_period(params.get("period_2"))
    if not exact and (first.kind != "year" or second.kind != "year"):
        raise PeriodError(_("Outside your organisation's municipalities, periods are calendar years.")
                          if viewer.member else _("Published periods are calendar years."))
    return ComparisonRequest(first, second, period_choices(exact, today), exact, requested)
