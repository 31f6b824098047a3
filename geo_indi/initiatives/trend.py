"""The initiative page's figures over the initiative's life: feedback answers, the phenomena's observations per
month (exact counts, for insiders of every municipality of the initiative only) and the followed indicators per
year. Counting happens in PostgreSQL (one grouped query each)."""
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from geo_indi.indicators.models import IndicatorValue
from geo_indi.observations.models import Observation
from geo_indi.observations.suppression import Viewer
from geo_indi.questions.models import Answer, Kind, Trend, Verdict

from .models import Initiative
from .services import sees_feedback

# A review answer says "seen more / less" of the phenomenon; on the page it counts as worse / better.
TREND_AS_VERDICT: dict[str, str] = {Trend.MORE: Verdict.WORSE, Trend.SAME: Verdict.SAME, Trend.LESS: Verdict.BETTER}
MONTHS_SHOWN_MAX = 60


@dataclass
class MonthRow:
    month: dt.date
    observations: list  # one count per phenomenon (None: not shown to this viewer)
    feedback: dict = field(default_factory=dict)  # verdict -> answers


@dataclass
class InitiativeTrend:
    phenomena: list
    months: list
    sees_counts: bool
    sees_feedback: bool
    answers: list  # the feedback answers themselves, newest first (insiders of the initiative only)
    indicator_years: list
    indicators: list  # [(indicator, [value or None per year])]

    def chart_data(self) -> dict:
        return {
            "months": [m.month.strftime("%Y-%m") for m in self.months],
            "phenomena": [{"name": p.name, "counts": [m.observations[i] for m in self.months]}
                          for i, p in enumerate(self.phenomena)] if self.sees_counts else [],
            "feedback": [{"verdict": v.value, "label": str(v.label), "counts": [m.feedback.get(v.value, 0)
                                                                               for m in self.months]}
                         for v in Verdict] if self.sees_feedback else [],
        }


def months_of(initiative: Initiative, today: dt.date) -> list[dt.date]:
    """First days of the months from the start's month to this one (the newest MONTHS_SHOWN_MAX)."""
    first = initiative.starts_on.replace(day=1)
    last = max(today.replace(day=1), first)
    months = []
    month = first
    while month <= last:
        months.append(month)
        month += relativedelta(months=1)
    return months[-MONTHS_SHOWN_MAX:]


def _observation_counts(initiative: Initiative, phenomena: list, months: list) -> dict:
    observations = Observation.objects.filter(
        phenomenon__in=phenomena, municipality__in=initiative.municipalities.all(),
        observed_on__gte=months[0], observed_on__lt=months[-1] + relativedelta(months=1))
    areas = list(initiative.postcode_areas.all())
    if areas:
        observations = observations.filter(postcode_area__in=areas)
    rows = (observations.annotate(month=TruncMonth("observed_on")).values("month", "phenomenon_id")
            .annotate(n=Count("id")).values_list("month", "phenomenon_id", "n"))
    return {(month, phenomenon_id): n for month, phenomenon_id, n in rows}


def feedback_answers(initiative: Initiative) -> list:
    return list(Answer.objects.filter(question__initiative_reviews__initiative=initiative,
                                      question__kind__in=[Kind.FEEDBACK, Kind.REVIEW])
                .select_related("organisation", "question").distinct().order_by("-answered_at", "-id"))


def verdict_of(answer: Answer) -> str:
    return answer.verdict or TREND_AS_VERDICT.get(answer.trend, "")


def _indicator_rows(initiative: Initiative, months: list) -> tuple[list, list]:
    years = list(range(months[0].year, months[-1].year + 1))
    values: dict = {}
    for indicator_id, year, value in IndicatorValue.objects.filter(
            indicator__in=initiative.indicators.all(), municipality__in=initiative.municipalities.all(),
            gender="total", year__in=years).values_list("indicator_id", "year", "value"):
        values[(indicator_id, year)] = value
    return years, [(indicator, [values.get((indicator.pk, year)) for year in years])
                   for indicator in initiative.indicators.order_by("title_fi")]


def initiative_trend(initiative: Initiative, who: Any, today: dt.date) -> InitiativeTrend:
    viewer = Viewer.of(who)
    phenomena = list(initiative.phenomena.order_by("name_fi"))
    months = months_of(initiative, today)
    sees_counts = all(viewer.sees_exact(m) for m in initiative.municipalities.all())
    counts = _observation_counts(initiative, phenomena, months) if sees_counts else {}
    inside = sees_feedback(viewer.user, initiative)
    answers = feedback_answers(initiative) if inside else []
    rows = [MonthRow(month, [counts.get((month, p.pk), 0) if sees_counts else None for p in phenomena])
            for month in months]
    by_month = {row.month: row for row in rows}
    for answer in answers:
        row = by_month.get(timezone.localtime(answer.answered_at).date().replace(day=1))
        verdict = verdict_of(answer)
        if row is not None and verdict:
            row.feedback[verdict] = row.feedback.get(verdict, 0) + 1
    years, indicators = _indicator_rows(initiative, months)
    return InitiativeTrend(phenomena, rows, sees_counts, inside, answers, years, indicators)
