"""Situation summaries: drafted from published figures, edited and approved by a person, exported as DOCX.

The draft rests only on counts the publication module gives an outside viewer
(`area_counts` for an anonymous user: the published, suppressed yearly table),
because an approved summary is shown to everyone. Each sentence quotes the
figures it comes from; the figures are stored with the draft version.

Change between two calendar years is tested with the exact conditional test of
two Poisson counts over equal periods: given n = a + b observations, a is
Binomial(n, 1/2) when the rate did not change (scipy's `binomtest`, two-sided).
"""
import io

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from scipy.stats import binomtest

from geo_indi.accounts import roles
from geo_indi.observations.models import Phenomenon
from geo_indi.publication.counts import area_counts

from .models import SituationSummary, SummaryVersion

SIGNIFICANCE = 0.05
LANGUAGES = ("fi", "sv", "en")
TEXT_MAX = 10_000


def may_edit(user, municipality):
    return roles.is_administrator(user) or (
        roles.is_coordinator(user) and municipality.pk in roles.municipality_ids_of(user))


def published_year(municipality, year):
    """(total or None, {phenomenon id: n or None}) as published to anyone for a calendar year."""
    rows = area_counts(AnonymousUser(), "municipality", [(municipality.pk, municipality.pk)], {"year": year}).rows
    row = rows.get(municipality.pk)
    return (row.count, dict(row.by_phenomenon)) if row else (0, {})


def change_test(current, previous):
    """Two-sided p-value that the yearly rate did not change."""
    n = current + previous
    return 1.0 if n == 0 else float(binomtest(current, n, 0.5).pvalue)


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


def summary_figures(municipality, year):
    """The figures a draft is written from: published counts of `year` and the year before, tested."""
    total, by_phenomenon = published_year(municipality, year)
    previous_total, previous_by = published_year(municipality, year - 1)
    names = {p.pk: p for p in Phenomenon.objects.filter(pk__in=set(by_phenomenon) | set(previous_by))}
    phenomena = []
    for pid, phenomenon in names.items():
        n, before = by_phenomenon.get(pid), previous_by.get(pid)
        if n is None or before is None:
            continue
        phenomena.append({"id": pid, "slug": phenomenon.slug, "n": n, "previous": before, "change": n - before,
                          "p_value": round(change_test(n, before), 4)})
    phenomena.sort(key=lambda row: (-row["change"], row["slug"]))
    grew = [row for row in phenomena if row["change"] > 0][:1]
    fell = [row for row in reversed(phenomena) if row["change"] < 0][:1]
    return {
        "municipality": municipality.code, "year": year, "previous_year": year - 1,
        "total": total, "previous_total": previous_total, "phenomena": phenomena,
        "grew": grew, "fell": fell,
        "indicators": _linked_indicators([row["id"] for row in grew + fell], municipality, year),
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
    """Sentences in `language`, each quoting the figure it comes from."""
    with translation.override(language):
        name = getattr(municipality, f"name_{language}", "") or municipality.name_fi
        sentences = []
        if figures["total"] is None:
            sentences.append(_("In %(municipality)s in %(year)d, the number of observations is not published "
                               "(too few to show).") % {"municipality": name, "year": figures["year"]})
        else:
            sentences.append(_("In %(municipality)s in %(year)d, %(total)d observations were recorded "
                               "(%(previous_year)d: %(previous_total)s).") % {
                "municipality": name, "year": figures["year"], "total": figures["total"],
                "previous_year": figures["previous_year"],
                "previous_total": figures["previous_total"] if figures["previous_total"] is not None else "–"})
        for row in figures["grew"]:
            sentences.append(_change_sentence(row, figures, _(
                "%(name)s grew most: %(n)d observations against %(previous)d in %(previous_year)d "
                "(test of equal yearly rates p = %(p)s, %(verdict)s).")))
        for row in figures["fell"]:
            sentences.append(_change_sentence(row, figures, _(
                "%(name)s fell most: %(n)d observations against %(previous)d in %(previous_year)d "
                "(test of equal yearly rates p = %(p)s, %(verdict)s).")))
        if not figures["grew"] and not figures["fell"]:
            sentences.append(_("No published phenomenon changed from %(previous_year)d.") % figures)
        for row in figures["indicators"]:
            previous = "–" if row["previous"] is None else f"{row['previous']:g}"
            sentences.append(_("Linked indicator %(title)s: %(value)s in %(year)d (%(previous_year)d: %(previous)s).") % {
                "title": row["title_fi"], "value": f"{row['value']:g}", "year": figures["year"],
                "previous_year": figures["previous_year"], "previous": previous})
        return " ".join(sentences)


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
    figures = summary_figures(municipality, year)
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


def summary_docx(version):
    """The approved text as a DOCX section for the municipality's wellbeing report."""
    import docx

    if version.approved_at is None:
        raise ValidationError(_("Only an approved summary can be exported."))
    summary = version.summary
    with translation.override(summary.language):
        document = docx.Document()
        name = getattr(summary.municipality, f"name_{summary.language}", "") or summary.municipality.name_fi
        document.add_heading(_("Situation summary: %(municipality)s %(year)d") % {
            "municipality": name, "year": summary.year}, level=2)
        for paragraph in version.text.split("\n\n"):
            document.add_paragraph(paragraph.strip())
        approver = version.approved_by.get_username() if version.approved_by else "–"
        document.add_paragraph(_("Approved by %(user)s on %(date)s.") % {
            "user": approver, "date": timezone.localtime(version.approved_at).date().isoformat()})
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
