"""Situation summaries: drafted from published figures, edited and approved by a person, exported as DOCX.

An approved summary is shown to everyone, so its text quotes only what the
publication module gives an outside (anonymous) viewer: the cells of one
publication release (`publication.tables`), whose id and date each figure
carries. The coordinator who drafts is an insider of the municipality and sees
its exact counts (`publication.counts.area_counts` for that user) beside the
published ones in the figures table of the draft, with the reason a number is
not published outside: too few (1..k-1, or 0), hidden to protect another small
number (complementary suppression), or an internal phenomenon. The public text
and the DOCX never say which of the first two it is: telling an outsider that a
hidden cell is at least k would narrow what the suppression protects.

Change between two calendar years is tested with the exact conditional test of
two Poisson counts over equal periods: given n = a + b observations, a is
Binomial(n, 1/2) when the rate did not change (scipy's `binomtest`, two-sided).
"""
import datetime as dt
import io

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from scipy.stats import binomtest

from geo_indi.accounts import roles
from geo_indi.observations import suppression
from geo_indi.observations.models import Phenomenon
from geo_indi.publication import releases
from geo_indi.observations.filters import Unit
from geo_indi.publication.counts import TableRequest, Viewer, area_counts, published_cell
from geo_indi.publication.tables import GroupTable, YearTables, release_key, structure, year_tables

from .models import SituationSummary, SummaryVersion

SIGNIFICANCE = 0.05
LANGUAGES = ("fi", "sv", "en")
TEXT_MAX = 10_000
FIGURES_FORMAT = 2  # figures["format"]: 2 = rows per figure and year with exact, published and why

# Why a figure is or is not published outside the organisation (figure rows' "status").
PUBLISHED, TOO_FEW, PROTECTS, INTERNAL, NOT_IN_TABLES = "published", "too_few", "protects", "internal", "not_in_tables"


def language_choices() -> list[tuple[str, str]]:
    """(code, name in that language) of the languages a summary is written in."""
    return list(SituationSummary._meta.get_field("language").choices)


def may_edit(user, municipality) -> bool:
    return roles.is_administrator(user) or (
        roles.is_coordinator(user) and municipality.pk in roles.municipality_ids_of(user))


def change_test(current: int, previous: int) -> float:
    """Two-sided p-value that the yearly rate did not change."""
    n = current + previous
    return 1.0 if n == 0 else float(binomtest(current, n, 0.5).pvalue)


def _release_tables(year, struct):
    """(YearTables, PublishedRelease or None): the release outsiders are served for `year`, read as it is stored."""
    tables = year_tables(year, struct=struct)  # computes or refreshes a release as a view would
    release = releases.latest(release_key(year, suppression.threshold(), struct))
    if release is None:
        return tables, None
    arrays = releases.decode(release.payload, len(struct.groups))
    return YearTables(year, tables.k, struct, {g: GroupTable(g, *a) for g, a in zip(struct.groups, arrays)}), release


def _status(tables, node, group, phenomenon_id, published):
    """Why a cell of the published tables is (not) shown to an outsider."""
    if group is None or not group.public:
        return INTERNAL
    if published is not None:
        return PUBLISHED
    persons = int(tables.table_of(group).persons[node, group.node_of(phenomenon_id)])
    return TOO_FEW if persons < tables.k else PROTECTS


def published_year(municipality, year, struct=None):
    """What an outsider is given for a calendar year: {"total": (n or None, status), "phenomena": {id: (n or None,
    status)}, "release": {"id", "computed_at"} or None}."""
    struct = struct or structure()
    try:
        node = struct.node_of_municipality(municipality.pk)
    except KeyError:
        return {"total": (None, NOT_IN_TABLES), "phenomena": {}, "release": None}
    tables, release = _release_tables(year, struct)
    total, by_phenomenon = published_cell(Viewer(AnonymousUser()), TableRequest(year, None, None),
                                          lambda _s: node, tables, unit=Unit.RECORDS)
    result = {
        "total": (total, _status(tables, node, struct.public_group, None, total)),
        "phenomena": {}, "release": release and {"id": release.pk, "computed_at": release.computed_at.isoformat()},
    }
    for group in struct.groups:
        for pid in group.phenomenon_ids:
            n = by_phenomenon.get(pid) if group.public else None
            result["phenomena"][pid] = (n, _status(tables, node, group, pid, n))
    return result


def insider_year(user, municipality, year):
    """The exact counts this editor sees (their own municipality): (AreaCount or None)."""
    rows = area_counts(user, "municipality", [(municipality.pk, municipality.pk)], {"year": year},
                       unit=Unit.RECORDS).rows
    row = rows.get(municipality.pk)
    return row if row is not None and row.exact else None


def _linked_indicators(phenomenon_ids, municipality, year):
    from geo_indi.indicators.models import IndicatorValue, PhenomenonIndicatorLink

    rows = []
    links = PhenomenonIndicatorLink.objects.filter(phenomenon_id__in=phenomenon_ids).select_related("indicator")
    for link in links.order_by("indicator__sotkanet_id"):
        values = dict(IndicatorValue.objects.filter(
            indicator=link.indicator, municipality=municipality, year__in=[year - 1, year], value__isnull=False)
            .order_by("year").values_list("year", "value"))
        if year in values:
            rows.append({"phenomenon": link.phenomenon_id, "indicator": link.indicator.sotkanet_id,
                         "title_fi": link.indicator.title_fi, "title": str(link.indicator.title_fi),
                         "value": values[year], "previous": values.get(year - 1)})
    return rows


def _count_rows(user, municipality, year, struct, phenomena):
    """Figure rows of one year: the total of the public phenomena, then each phenomenon with counts."""
    published = published_year(municipality, year, struct)
    exact = insider_year(user, municipality, year) if user is not None else None
    exact_by = dict(exact.by_phenomenon) if exact else {}
    public_ids = set(struct.public_group.phenomenon_ids) if struct.public_group else set()
    counted = {pid for pid, n in exact_by.items() if n}
    base = {"year": year, "period": [f"{year}-01-01", f"{year}-12-31"], "release": published["release"],
            "source": "observations"}
    total, total_status = published["total"]
    rows = [{**base, "kind": "total", "phenomenon": None, "published": total, "status": total_status,
             "exact": sum(exact_by.get(pid, 0) for pid in public_ids) if exact else None,
             # cases (occurrences) only where the exact total counts the same phenomena as this row
             "occurrences": exact.occurrences if exact and counted <= public_ids else None}]
    shown = sorted(counted | {pid for pid, (n, _st) in published["phenomena"].items() if n},
                   key=lambda pid: phenomena[pid].slug if pid in phenomena else "")
    for pid in shown:
        if pid not in phenomena:
            continue
        n, status = published["phenomena"].get(pid, (None, INTERNAL))
        rows.append({**base, "kind": "phenomenon", "phenomenon": pid, "slug": phenomena[pid].slug,
                     "published": n, "status": status, "exact": exact_by.get(pid, 0) if exact else None,
                     "occurrences": None})
    return rows


def summary_figures(municipality, year, user=None):
    """The figures a draft is written from: for `year` and the year before, what outsiders are given (with the
    release it comes from) and what `user` (the editor; None: no one) sees exactly, and the published changes
    tested."""
    struct = structure()
    phenomena = {p.pk: p for p in Phenomenon.objects.all()}
    rows = _count_rows(user, municipality, year, struct, phenomena) + _count_rows(
        user, municipality, year - 1, struct, phenomena)
    now = {r["phenomenon"]: r for r in rows if r["year"] == year and r["kind"] == "phenomenon"}
    before = {r["phenomenon"]: r for r in rows if r["year"] == year - 1 and r["kind"] == "phenomenon"}
    comparable = []
    for pid in sorted(set(now) & set(before), key=lambda pid: phenomena[pid].slug):
        n, previous = now[pid]["published"], before[pid]["published"]
        if n is None or previous is None:
            continue
        comparable.append({"id": pid, "slug": phenomena[pid].slug, "n": n, "previous": previous,
                           "change": n - previous, "p_value": round(change_test(n, previous), 4)})
    comparable.sort(key=lambda row: (-row["change"], row["slug"]))
    grew = [row for row in comparable if row["change"] > 0][:1]
    fell = [row for row in reversed(comparable) if row["change"] < 0][:1]
    indicators = _linked_indicators([row["id"] for row in grew + fell], municipality, year)
    for ind in indicators:
        for y, value in ((year, ind["value"]), (year - 1, ind["previous"])):
            if value is not None:
                rows.append({"kind": "indicator", "year": y, "period": [f"{y}-01-01", f"{y}-12-31"],
                             "indicator": ind["indicator"], "title": ind["title"], "published": value,
                             "exact": value, "status": PUBLISHED, "source": "sotkanet", "release": None,
                             "phenomenon": ind["phenomenon"], "occurrences": None})
    totals = {r["year"]: r for r in rows if r["kind"] == "total"}
    return {
        "format": FIGURES_FORMAT, "municipality": municipality.code, "year": year, "previous_year": year - 1,
        "k": suppression.threshold(), "rows": rows,
        "total": totals[year]["published"], "previous_total": totals[year - 1]["published"],
        "phenomena": comparable, "grew": grew, "fell": fell, "indicators": indicators,
    }


def _name(slug):
    phenomenon = Phenomenon.objects.filter(slug=slug).first()
    return phenomenon.name if phenomenon else slug


def _change_sentence(row, figures, template):
    verdict = _("a clear change") if row["p_value"] < SIGNIFICANCE else _("within chance variation")
    return template % {
        "name": _name(row["slug"]), "n": row["n"], "previous": row["previous"],
        "previous_year": figures["previous_year"], "p": f"{row['p_value']:.3f}", "verdict": verdict}


def draft_text(municipality, figures, language):
    """Sentences in `language`, each quoting the published figure it comes from (never an insider's number)."""
    with translation.override(language):
        name = getattr(municipality, f"name_{language}", "") or municipality.name_fi
        sentences = []
        previous_total = (str(figures["previous_total"]) if figures["previous_total"] is not None
                          else _("not published"))
        if figures["total"] is None:
            sentences.append(_(
                "In %(municipality)s in %(year)d, the number of observations is not published outside the "
                "organisation: the published tables hide it, as they hide small numbers and the numbers that "
                "would reveal them (%(previous_year)d: %(previous_total)s).") % {
                "municipality": name, "year": figures["year"], "previous_year": figures["previous_year"],
                "previous_total": previous_total})
        else:
            sentences.append(_("In %(municipality)s in %(year)d, %(total)d observations were recorded "
                               "(%(previous_year)d: %(previous_total)s).") % {
                "municipality": name, "year": figures["year"], "total": figures["total"],
                "previous_year": figures["previous_year"], "previous_total": previous_total})
        for row in figures["grew"]:
            sentences.append(_change_sentence(row, figures, _(
                "%(name)s grew most: %(n)d observations against %(previous)d in %(previous_year)d "
                "(test of equal yearly rates p = %(p)s, %(verdict)s).")))
        for row in figures["fell"]:
            sentences.append(_change_sentence(row, figures, _(
                "%(name)s fell most: %(n)d observations against %(previous)d in %(previous_year)d "
                "(test of equal yearly rates p = %(p)s, %(verdict)s).")))
        if not figures["phenomena"]:
            sentences.append(_("No phenomenon can be compared with %(previous_year)d from published figures: "
                               "their numbers of one year or both are not published.") % figures)
        elif not figures["grew"] and not figures["fell"]:
            sentences.append(_("No published phenomenon changed from %(previous_year)d.") % figures)
        for row in figures["indicators"]:
            previous = "–" if row["previous"] is None else f"{row['previous']:g}"
            sentences.append(_("Linked indicator %(title)s: %(value)s in %(year)d (%(previous_year)d: %(previous)s).") % {
                "title": row["title_fi"], "value": f"{row['value']:g}", "year": figures["year"],
                "previous_year": figures["previous_year"], "previous": previous})
        return " ".join(sentences)


def status_text(status: str, *, insider: bool) -> str:
    """Why a figure is or is not shown: the exact reason for an insider, one reason for everyone else."""
    if status == PUBLISHED:
        return _("published")
    if status == INTERNAL:
        return _("internal phenomenon: not published outside organisations")
    if status == NOT_IN_TABLES:
        return _("not in the published tables")
    if not insider:
        return _("not published (hidden to protect small numbers)")
    if status == TOO_FEW:
        # Only observations about persons are suppressed (those about places and things are public): a figure
        # with many object records is still hidden when its person records are few.
        return _("not published: too few observations about persons (fewer than %(k)d)") % {
            "k": suppression.threshold()}
    return _("not published: hidden to protect another small number (it is not small itself)")


def _period_text(row):
    start, end = (dt.date.fromisoformat(d) for d in row["period"])
    return f"{formats.date_format(start, 'SHORT_DATE_FORMAT')}–{formats.date_format(end, 'SHORT_DATE_FORMAT')}"


def release_text(release_id: int | None, computed_at: dt.datetime | None) -> str:
    """How a figure names the publication release it comes from ("–": none)."""
    if release_id is None or computed_at is None:
        return "–"
    return _("release %(id)s of %(date)s") % {
        "id": release_id, "date": formats.date_format(timezone.localtime(computed_at), "SHORT_DATETIME_FORMAT")}


def _release_text(row):
    release = row.get("release")
    if not release:
        return "–"
    return release_text(release["id"], parse_datetime(release["computed_at"]))


def _figure_label(row, phenomena):
    if row["kind"] == "total":
        return _("Observations, all public phenomena")
    if row["kind"] == "indicator":
        return _("Indicator: %(title)s") % {"title": row["title"]}
    phenomenon = phenomena.get(row["phenomenon"])
    return _("Observations: %(name)s") % {"name": phenomenon.name if phenomenon else row.get("slug", "")}


def _source_text(row, k):
    if row["source"] == "sotkanet":
        return _("THL Sotkanet, indicator %(id)s") % {"id": row["indicator"]}
    return _("geo_indi published yearly table (small numbers hidden, k = %(k)d)") % {"k": k}


def figure_rows(version, *, insider: bool) -> list[dict]:
    """The figures of a version, ready to show in the summary's language: for an insider with the exact value and
    the exact reason; for everyone else only what is published. [] for a version without figure rows."""
    figures = version.figures or {}
    if figures.get("format") != FIGURES_FORMAT:
        return []
    phenomena = {p.pk: p for p in Phenomenon.objects.filter(
        pk__in={r["phenomenon"] for r in figures["rows"] if r.get("phenomenon")})}
    shown = []
    with translation.override(version.summary.language):
        for row in figures["rows"]:
            if not insider and row["status"] == INTERNAL:
                continue
            published = row["published"]
            shown.append({
                "figure": _figure_label(row, phenomena), "period": _period_text(row),
                "published": "–" if published is None else (f"{published:g}" if isinstance(published, float)
                                                             else str(published)),
                "exact": None if row["exact"] is None else (
                    f"{row['exact']:g}" if isinstance(row["exact"], float) else str(row["exact"])),
                "occurrences": row.get("occurrences"),
                "status": row["status"], "why": status_text(row["status"], insider=insider),
                "source": _source_text(row, figures.get("k", suppression.threshold())),
                "release": _release_text(row),
            })
    return shown


def _next_number(summary):
    return (summary.versions.aggregate(n=Max("number"))["n"] or 0) + 1


def summary_draft(*, user, municipality, year, language):
    """A new drafted version (the figures kept with it). Returns the version."""
    if not may_edit(user, municipality):
        raise PermissionDenied
    if language not in LANGUAGES:
        raise ValidationError({"language": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)}]})
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationError({"year": [_("Give a year from 2000 to this year.")]})
    figures = summary_figures(municipality, year, user)
    with transaction.atomic():
        summary, _created = SituationSummary.objects.get_or_create(
            municipality=municipality, year=year, language=language)
        summary = SituationSummary.objects.select_for_update().get(pk=summary.pk)
        return SummaryVersion.objects.create(
            summary=summary, number=_next_number(summary), text=draft_text(municipality, figures, language),
            figures=figures, drafted=True, created_by=user)


def summary_edit(summary, *, user, text):
    """A person's text as a new version; earlier versions stay."""
    if not may_edit(user, summary.municipality):
        raise PermissionDenied
    text = (text or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise ValidationError({"text": [_("Write a text of at most %(max)d characters.") % {"max": TEXT_MAX}]})
    with transaction.atomic():
        summary = SituationSummary.objects.select_for_update().get(pk=summary.pk)
        latest = summary.latest_version
        return SummaryVersion.objects.create(
            summary=summary, number=_next_number(summary), text=text,
            figures=latest.figures if latest else {}, created_by=user)


def summary_approve(version, *, user):
    """Approve one version: from now on it is what others see."""
    if not may_edit(user, version.summary.municipality):
        raise PermissionDenied
    if version.approved_at is None:
        version.approved_by, version.approved_at = user, timezone.now()
        version.save(update_fields=["approved_by", "approved_at"])
    return version


def summaries_shown_to(user, municipality):
    """Summaries with their version for this user: editors see the latest, others only the approved one."""
    shown = []
    for summary in SituationSummary.objects.filter(municipality=municipality).prefetch_related("versions"):
        version = summary.latest_version if may_edit(user, municipality) else summary.approved_version
        if version is not None:
            shown.append((summary, version))
    return shown


DOCX_COLUMNS = ("Figure", "Period", "Value", "Source", "Release", "Approved")


def summary_docx(version):
    """The approved text as a DOCX section for the municipality's wellbeing report: heading, text, approver and
    the figures table (what outsiders are given: period, value, source, release, approval)."""
    import docx

    if version.approved_at is None:
        raise ValidationError(_("Only an approved summary can be exported."))
    summary = version.summary
    rows = figure_rows(version, insider=False)
    with translation.override(summary.language):
        document = docx.Document()
        name = getattr(summary.municipality, f"name_{summary.language}", "") or summary.municipality.name_fi
        document.add_heading(_("Situation summary: %(municipality)s %(year)d") % {
            "municipality": name, "year": summary.year}, level=2)
        for paragraph in version.text.split("\n\n"):
            document.add_paragraph(paragraph.strip())
        approver = version.approved_by.get_username() if version.approved_by else "–"
        approved_on = formats.date_format(timezone.localtime(version.approved_at), "SHORT_DATETIME_FORMAT")
        document.add_paragraph(_("Approved by %(user)s on %(date)s.") % {
            "user": approver, "date": timezone.localtime(version.approved_at).date().isoformat()})
        if rows:
            document.add_heading(_("Figures"), level=3)
            table = document.add_table(rows=1, cols=len(DOCX_COLUMNS))
            table.style = "Table Grid"
            headings = (_("Figure"), _("Period"), _("Value"), _("Source"), _("Release"), _("Approved"))
            for cell, heading in zip(table.rows[0].cells, headings):
                cell.text = heading
            approval = _("%(user)s, %(date)s") % {"user": approver, "date": approved_on}
            for row in rows:
                value = row["published"] if row["status"] == PUBLISHED else row["why"]
                for cell, text in zip(table.add_row().cells, (
                        row["figure"], row["period"], value, row["source"], row["release"], approval)):
                    cell.text = text
            document.add_paragraph(_(
                "Figures outside the organisation come from one publication release of the yearly tables; "
                "small numbers, and the numbers that would reveal them, are not published."))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
