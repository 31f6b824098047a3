"""Data for the municipality indicator page: linked indicators' yearly values beside
each phenomenon's yearly observation counts (from geo_indi.publication.counts:
exact inside the viewer's municipalities, the published yearly tables elsewhere)."""
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from geo_indi.observations import suppression
from geo_indi.observations.models import Phenomenon
from geo_indi.publication import counts as published

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
            "suppressedLabel": suppression.HIDDEN,
            "indicators": [
                {"title": s.indicator.title, "unit": s.indicator.unit, "values": [s.values.get(y) for y in self.years]}
                for s in self.indicators
            ],
        }


def municipality_report(municipality: Any, who: Any) -> list:
    """One PhenomenonRow per phenomenon that has a confirmed indicator link (who: the request's viewer or a user)."""
    viewer = published.Viewer.of(who)
    phenomena = Phenomenon.objects.publishable_to(viewer.user)
    links = (PhenomenonIndicatorLink.objects.select_related("phenomenon", "indicator")
             .filter(phenomenon__in=phenomena)
             .order_by("phenomenon__name_fi", "indicator__sotkanet_id"))
    values = defaultdict(dict)
    for indicator_id, year, value in IndicatorValue.objects.filter(
            municipality=municipality, gender="total", indicator__phenomenon_links__isnull=False
    ).distinct().values_list("indicator_id", "year", "value"):
        values[indicator_id][year] = value
    # Outside the viewer's municipalities: the published table of each year the indicators cover, and this one.
    years = {year for by_year in values.values() for year in by_year} | {timezone.localdate().year}
    counts = published.yearly_counts(viewer, municipality, range(min(years), max(years) + 1))

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
