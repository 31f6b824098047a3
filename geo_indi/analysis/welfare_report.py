"""The welfare report chapter (hyvinvointikertomus): what an official pastes into the municipal or county report.

One chapter per municipality (or for the whole county, `municipality=None`) and calendar year, in fi, sv or en:
the approved situation summary, a figures table per phenomenon (records and cases, this year against the year
before, which way it went), the linked Sotkanet indicators with their latest values, the initiatives with their
feedback, and the hot spots. The chapter goes into a public document, so every number in it is what an outside
(anonymous) viewer is given: the cells of one publication release, whose id and date, and the query that gives
the same number on the map, are printed beside each figure. Hot spots rest on exact counts, so the chapter names
an area only where that area's cell of the year for the phenomenon is itself published, and gives no count.

The same `Chapter` renders the page, the DOCX and the PDF, so the three cannot disagree.
"""
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from geo_indi.areas.models import Municipality
from geo_indi.observations import suppression
from geo_indi.observations.filters import Unit
from geo_indi.observations.models import Phenomenon
from geo_indi.publication.counts import TableRequest, Viewer, published_cell
from geo_indi.publication.tables import structure

from .models import SituationSummary
from .summaries import LANGUAGES, SIGNIFICANCE, _release_tables, change_test, release_text

UNITS = (Unit.RECORDS, Unit.OCCURRENCES)


@dataclass
class Figure:
    """One line of the figures table; a None number is not published (shown as "..")."""

    label: str
    phenomenon_id: int | None
    records: int | None
    records_before: int | None
    cases: int | None
    cases_before: int | None
    change: str
    source: str


@dataclass
class IndicatorLine:
    title: str
    sotkanet_id: int
    year: int
    value: float
    previous: float | None
    phenomena: str


@dataclass
class InitiativeLine:
    title: str
    goal: str
    starts_on: dt.date
    organisations: str
    feedback: list[str] = field(default_factory=list)


@dataclass
class Chapter:
    municipality: Municipality | None
    year: int
    language: str
    place: str
    summary_text: str | None
    approval: str | None
    release: str
    figures: list[Figure]
    indicators: list[IndicatorLine]
    initiatives: list[InitiativeLine]
    hot_spots: list[str]
    k: int
    made_at: dt.datetime

    @property
    def filename(self) -> str:
        code = self.municipality.code if self.municipality else "lappi"
        return f"hyvinvointikertomus-{code}-{self.year}-{self.language}"


def _place_name(municipality: Municipality | None, language: str) -> str:
    if municipality is None:
        return _("Lapland (wellbeing services county)")
    return getattr(municipality, f"name_{language}", "") or municipality.name_fi


def _published(node_of, year: int, unit: Unit):
    """(total, {phenomenon id: n}, release) of one area node as an anonymous visitor is given it."""
    tables, release = _release_tables(year, structure())
    total, by_phenomenon = published_cell(Viewer(AnonymousUser()), TableRequest(year, None, None), node_of, tables,
                                          unit=unit)
    return total, by_phenomenon, release


def _node_getter(municipality: Municipality | None):
    if municipality is None:
        return lambda struct: 0  # the root of the tables: all of Lapland
    return lambda struct: struct.node_of_municipality(municipality.pk)


def _release_text(release) -> str:
    return release_text(release.pk, release.computed_at) if release is not None else release_text(None, None)


def _change_text(now: int | None, before: int | None) -> str:
    if now is None or before is None:
        return _("not comparable (a number is not published)")
    if now == before:
        return _("no change")
    way = _("more") if now > before else _("fewer")
    verdict = _("a clear change") if change_test(now, before) < SIGNIFICANCE else _("within chance variation")
    return f"{way} ({now - before:+d}), {verdict}"


def map_query(year: int, phenomenon_id: int | None) -> str:
    """The query string of the public request that gives the same number on the map (the municipalities' layer)."""
    params: dict[str, Any] = {"year": year, "unit": Unit.RECORDS.value}
    if phenomenon_id:
        params["phenomenon"] = phenomenon_id
    return f"?{urlencode(params)}"


def source_text(chapter_: "Chapter") -> str:
    if chapter_.municipality is None:
        return _("Source of every figure: the published yearly table of geo_indi, %(release)s; the county's numbers "
                 "are its published Lapland totals, as on the overview map %(path)s.") % {
            "release": chapter_.release, "path": reverse("maps:overview")}
    return _("Source of every figure: the published yearly table of geo_indi, %(release)s. The same numbers are "
             "given by the public map layer %(path)s with each row's query (records; unit=occurrences for cases), "
             "in the row of municipality %(code)s.") % {
        "release": chapter_.release, "path": reverse("layers:municipality-stats-geojson"),
        "code": chapter_.municipality.code}


def _figures(municipality: Municipality | None, year: int) -> tuple[list[Figure], Any]:
    node_of = _node_getter(municipality)
    got = {(unit, y): _published(node_of, y, unit) for unit in UNITS for y in (year, year - 1)}
    release = got[(Unit.RECORDS, year)][2]
    phenomena = {p.pk: p for p in Phenomenon.objects.all()}
    def line(label, phenomenon_id, pick):
        records, records_before = (pick(got[(Unit.RECORDS, y)]) for y in (year, year - 1))
        cases, cases_before = (pick(got[(Unit.OCCURRENCES, y)]) for y in (year, year - 1))
        return Figure(label, phenomenon_id, records, records_before, cases, cases_before,
                      _change_text(records, records_before),
                      map_query(year, phenomenon_id))

    figures = [line(_("All public phenomena"), None, lambda g: g[0])]
    shown = sorted(set(got[(Unit.RECORDS, year)][1]) | set(got[(Unit.RECORDS, year - 1)][1]),
                   key=lambda pid: phenomena[pid].name if pid in phenomena else "")
    for pid in shown:
        if pid in phenomena:
            figures.append(line(phenomena[pid].name, pid, lambda g, pid=pid: g[1].get(pid)))
    return figures, release


def _indicators(municipality: Municipality | None, year: int) -> list[IndicatorLine]:
    if municipality is None:
        return []
    from geo_indi.indicators.models import IndicatorValue, PhenomenonIndicatorLink

    by_indicator: dict[int, Any] = {}
    for link in PhenomenonIndicatorLink.objects.select_related("indicator", "phenomenon"):
        by_indicator.setdefault(link.indicator_id, (link.indicator, []))[1].append(link.phenomenon.name)
    lines = []
    for indicator, phenomenon_names in by_indicator.values():
        values = list(IndicatorValue.objects.filter(indicator=indicator, municipality=municipality,
                                                    year__lte=year, value__isnull=False)
                      .order_by("-year").values_list("year", "value")[:2])
        if not values:
            continue
        latest_year, value = values[0]
        previous = values[1][1] if len(values) > 1 and values[1][0] == latest_year - 1 else None
        title = getattr(indicator, f"title_{translation.get_language()}", "") or indicator.title_fi
        lines.append(IndicatorLine(title, indicator.sotkanet_id, latest_year, value, previous,
                                   ", ".join(sorted(phenomenon_names))))
    return sorted(lines, key=lambda line: line.sotkanet_id)


def _initiatives(municipality: Municipality | None, year: int) -> list[InitiativeLine]:
    from geo_indi.initiatives.models import Initiative
    from geo_indi.questions.models import Answer, Progress

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    initiatives = Initiative.objects.filter(starts_on__lte=end).prefetch_related("responsible_organisations",
                                                                                "measures")
    if municipality is not None:
        initiatives = initiatives.filter(municipalities=municipality)
    labels = dict(Progress.choices)
    lines = []
    for initiative in initiatives.distinct():
        line = InitiativeLine(initiative.title, initiative.goal, initiative.starts_on,
                              ", ".join(sorted(o.name for o in initiative.responsible_organisations.all())))
        answers = Answer.objects.filter(question__initiative_reviews__initiative=initiative,
                                        answered_at__date__gte=start, answered_at__date__lte=end)
        measures = list(initiative.measures.all())
        for position, measure in enumerate(measures):
            tally: dict[str, int] = {}
            for progress in answers.values_list("progress", flat=True):
                if isinstance(progress, list) and position < len(progress) and progress[position] in labels:
                    tally[progress[position]] = tally.get(progress[position], 0) + 1
            if tally:
                line.feedback.append(_("%(measure)s: %(answers)s") % {"measure": measure.text, "answers": ", ".join(
                    f"{labels[value]} {n}" for value, n in sorted(tally.items()))})
        if not line.feedback:
            line.feedback.append(_("No feedback in %(year)d.") % {"year": year})
        lines.append(line)
    return lines


def _hot_spots(municipality: Municipality | None) -> list[str]:
    """The hot spots (as of today) an outsider may be told of: only where the area's cell of this year for that
    phenomenon is itself published, so that "a hot spot is here" says nothing about a hidden count."""
    from geo_indi.publication.counts import NotPublished, area_counts

    from .hotspots import hot_spots

    municipalities = [municipality] if municipality else list(Municipality.objects.order_by("code"))
    year = timezone.localdate().year
    names = {p.pk: p.name for p in Phenomenon.objects.all()}  # in the chapter's language (hot spots are cached)
    lines = []
    for m in municipalities:
        for spot in hot_spots(m):
            try:
                rows = area_counts(AnonymousUser(), "postcode_area", [(spot.postcode_area_id, m.pk)],
                                   {"year": year, "phenomenon": spot.phenomenon_id}, Unit.RECORDS).rows
            except NotPublished:
                continue
            row = rows.get(spot.postcode_area_id)
            if row is not None and row.count is not None:
                lines.append(hot_spot_line(names[spot.phenomenon_id], spot.postcode, spot.name))
    return lines


def hot_spot_line(phenomenon: str, postcode: str, name: str) -> str:
    return _("%(phenomenon)s: postcode area %(postcode)s %(name)s") % {
        "phenomenon": phenomenon, "postcode": postcode, "name": name}


def chapter(municipality: Municipality | None, year: int, language: str) -> Chapter:
    """The chapter, computed in `language` (figures as published to outsiders, see the module docstring)."""
    if language not in LANGUAGES:
        language = LANGUAGES[0]
    with translation.override(language):
        k = suppression.threshold()
        summary_text = approval = None
        if municipality is not None:
            summary = SituationSummary.objects.filter(municipality=municipality, year=year,
                                                      language=language).first()
            version = summary.approved_version if summary else None
            if version is not None:
                summary_text = version.text
                approval = _("Text approved by %(user)s on %(date)s (version %(n)d).") % {
                    "user": version.approved_by.get_username() if version.approved_by else "–",
                    "date": formats.date_format(timezone.localtime(version.approved_at), "SHORT_DATE_FORMAT"),
                    "n": version.number}
        figures, release = _figures(municipality, year)
        return Chapter(
            municipality=municipality, year=year, language=language, place=_place_name(municipality, language),
            summary_text=summary_text, approval=approval, release=_release_text(release), figures=figures,
            indicators=_indicators(municipality, year), initiatives=_initiatives(municipality, year),
            hot_spots=_hot_spots(municipality), k=k, made_at=timezone.now())


def hidden_text(k: int) -> str:
    return _("“..”: not published — fewer than %(k)d people, or hidden so that such a number cannot be worked "
             "out.") % {"k": k}


def number(value: Any) -> str:
    if value is None:
        return ".."
    return f"{value:g}" if isinstance(value, float) else str(value)


def headings() -> list[str]:
    return [_("Phenomenon"), _("Records"), _("Year before"), _("Cases"), _("Year before"), _("Change in records"),
            _("Query")]


def figure_cells(figure: Figure) -> list[str]:
    return [figure.label, number(figure.records), number(figure.records_before), number(figure.cases),
            number(figure.cases_before), figure.change, figure.source]


def chapter_docx(chapter_: Chapter) -> bytes:
    import docx

    with translation.override(chapter_.language):
        document = docx.Document()
        document.add_heading(title(chapter_), level=2)
        document.add_heading(_("Situation summary"), level=3)
        for paragraph in (chapter_.summary_text or _("No approved situation summary for this year.")).split("\n\n"):
            document.add_paragraph(paragraph.strip())
        if chapter_.approval:
            document.add_paragraph(chapter_.approval)
        document.add_heading(_("Observations by phenomenon"), level=3)
        table = document.add_table(rows=1, cols=len(headings()))
        table.style = "Table Grid"
        for cell, heading in zip(table.rows[0].cells, headings()):
            cell.text = heading
        for figure in chapter_.figures:
            for cell, text in zip(table.add_row().cells, figure_cells(figure)):
                cell.text = text
        document.add_paragraph(period_text(chapter_))
        document.add_paragraph(source_text(chapter_))
        document.add_paragraph(hidden_text(chapter_.k))
        document.add_heading(_("Indicators (THL Sotkanet)"), level=3)
        if chapter_.indicators:
            for line in chapter_.indicators:
                document.add_paragraph(indicator_text(line), style="List Bullet")
        else:
            document.add_paragraph(no_indicators_text(chapter_))
        document.add_heading(_("Initiatives and their feedback"), level=3)
        for initiative in chapter_.initiatives:
            document.add_paragraph(initiative_text(initiative), style="List Bullet")
            for line in initiative.feedback:
                document.add_paragraph(line, style="List Bullet 2")
        if not chapter_.initiatives:
            document.add_paragraph(_("No initiatives."))
        document.add_heading(_("Hot spots"), level=3)
        document.add_paragraph(hot_spot_note(chapter_.k))
        for line in chapter_.hot_spots or [_("No hot spots to publish.")]:
            document.add_paragraph(line, style="List Bullet")
        document.add_paragraph(made_text(chapter_))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def chapter_pdf(chapter_: Chapter) -> bytes:
    from weasyprint import HTML

    from geo_indi.maps.exports import _fetch_nothing, print_css

    with translation.override(chapter_.language):
        html = render_to_string("analysis/welfare_report_pdf.html", {
            "chapter": chapter_, "text": texts(chapter_), "report_css": print_css()})
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()


def title(chapter_: Chapter) -> str:
    return _("Observations of wellbeing and safety: %(place)s %(year)d") % {"place": chapter_.place,
                                                                         "year": chapter_.year}


def period_text(chapter_: Chapter) -> str:
    return _("Period: calendar year %(year)d against %(before)d. Records are observations entered; cases are the "
             "occurrences they count. Change tested as two Poisson counts (p < %(alpha)s: a clear change).") % {
        "year": chapter_.year, "before": chapter_.year - 1, "alpha": f"{SIGNIFICANCE:g}"}


def indicator_text(line: IndicatorLine) -> str:
    before = "" if line.previous is None else _(" (year before: %(value)s)") % {"value": number(line.previous)}
    return _("%(title)s (%(id)d): %(value)s in %(year)d%(before)s; followed for %(phenomena)s") % {
        "title": line.title, "id": line.sotkanet_id, "value": number(line.value), "year": line.year,
        "before": before, "phenomena": line.phenomena}


def no_indicators_text(chapter_: Chapter) -> str:
    if chapter_.municipality is None:
        return _("Indicators are given in each municipality's chapter.")
    return _("No indicator is linked to a phenomenon, or none has a value.")


def initiative_text(line: InitiativeLine) -> str:
    return _("%(title)s (from %(start)s; %(organisations)s): %(goal)s") % {
        "title": line.title, "start": formats.date_format(line.starts_on, "SHORT_DATE_FORMAT"),
        "organisations": line.organisations, "goal": line.goal}


def hot_spot_note(k: int) -> str:
    return _("Postcode areas where a phenomenon is now unusually frequent against the year before and the "
             "neighbouring areas (Getis–Ord Gi*); an area is named only where its count of this year is published "
             "(at least %(k)d people, or objects), and no count is given.") % {"k": k}


def made_text(chapter_: Chapter) -> str:
    return _("Made by geo_indi on %(date)s from %(release)s.") % {
        "date": formats.date_format(timezone.localtime(chapter_.made_at), "SHORT_DATETIME_FORMAT"),
        "release": chapter_.release}


def texts(chapter_: Chapter) -> dict:
    """The sentences of the chapter, for templates (computed in the chapter's language by the caller)."""
    return {"title": title(chapter_), "period": period_text(chapter_), "hidden": hidden_text(chapter_.k),
            "source": source_text(chapter_),
            "headings": headings(), "rows": [figure_cells(f) for f in chapter_.figures],
            "indicators": [indicator_text(line) for line in chapter_.indicators],
            "no_indicators": no_indicators_text(chapter_),
            "initiatives": [(initiative_text(i), i.feedback) for i in chapter_.initiatives],
            "hot_spot_note": hot_spot_note(chapter_.k), "made": made_text(chapter_)}


def may_read(user: Any, municipality: Municipality | None) -> bool:
    """Officials of the municipality (or of the county, for the county's chapter) and administrators."""
    from geo_indi.accounts import roles

    if not user.is_authenticated:
        return False
    if roles.is_administrator(user):
        return True
    ids = set(roles.municipality_ids_of(user))
    if municipality is None:
        return ids >= set(Municipality.objects.values_list("pk", flat=True))
    return municipality.pk in ids


def years_offered(today: dt.date) -> list[int]:
    return list(range(today.year, today.year - 6, -1))

