"""Data for the municipality indicator page: linked indicators' yearly values beside
each phenomenon's yearly observation counts (counted in SQL, suppressed for outsiders)."""
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import ExtractYear

from geo_indi.observations import suppression
from geo_indi.observations.models import Observation, Phenomenon

from .models import IndicatorValue, PhenomenonIndicatorLink


@dataclass
class IndicatorSeries:
    indicator: object
    values: dict  # year -> value or None


@dataclass
class PhenomenonRow:
    phenomenon: Phenomenon
    years: list
    counts: dict  # year -> int, or None when suppressed
    indicators: list = field(default_factory=list)

    @property
    def table(self):
        return [
            {"year": y, "count": self.counts.get(y, 0), "suppressed": self.counts.get(y, 0) is None,
             "values": [s.values.get(y) for s in self.indicators]}
            for y in self.years
        ]

    def chart_data(self, k):
        return {
            "phenomenon": self.phenomenon.name,
            "years": self.years,
            "counts": [self.counts.get(y, 0) for y in self.years],
            "suppressedLabel": f"<{k}",
            "indicators": [
                {"title": s.indicator.title, "unit": s.indicator.unit, "values": [s.values.get(y) for y in self.years]}
                for s in self.indicators
            ],
        }


def yearly_counts(municipality, user):
    """{phenomenon_id: {year: count or None}}; exact only for users who see this municipality exactly."""
    qs = Observation.objects.publishable_to(user).filter(municipality=municipality)
    raw = defaultdict(dict)
    for row in (qs.order_by().annotate(year=ExtractYear("observed_on"))
                .values("phenomenon_id", "year").annotate(n=Count("id"))):
        raw[row["phenomenon_id"]][row["year"]] = row["n"]
    if suppression.sees_exact(suppression.exact_municipalities(user), municipality.id):
        return dict(raw)
    return {pid: suppression.suppress_group(years) for pid, years in raw.items()}


def municipality_report(municipality, user):
    """One PhenomenonRow per phenomenon that has a confirmed indicator link."""
    phenomena = Phenomenon.objects.publishable_to(user)
    links = (PhenomenonIndicatorLink.objects.select_related("phenomenon", "indicator")
             .filter(phenomenon__in=phenomena)
             .order_by("phenomenon__name_fi", "indicator__sotkanet_id"))
    counts = yearly_counts(municipality, user)
    values = defaultdict(dict)
    for indicator_id, year, value in IndicatorValue.objects.filter(
            municipality=municipality, gender="total", indicator__phenomenon_links__isnull=False
    ).distinct().values_list("indicator_id", "year", "value"):
        values[indicator_id][year] = value

    rows = {}
    for link in links:
        row = rows.get(link.phenomenon_id)
        if row is None:
            row = rows[link.phenomenon_id] = PhenomenonRow(link.phenomenon, [], counts.get(link.phenomenon_id, {}))
        row.indicators.append(IndicatorSeries(link.indicator, values.get(link.indicator_id, {})))
    for row in rows.values():
        years = set(row.counts)
        for series in row.indicators:
            years |= set(series.values)
        row.years = list(range(min(years), max(years) + 1)) if years else []
    return list(rows.values())
