"""extract_make(): a research extract as a Frictionless Data package (docs/loop.md).

What goes in, for whole calendar years (the periods the publication tables have):
- observation_counts.csv: every published cell (year × postcode area × public phenomenon) exactly as
  geo_indi/publication gives it to an outside viewer; hidden cells are empty.
- observations.csv: one row per observation, but only in cells published with a number: postcode area,
  year, phenomenon, subject, direction, occurrences — never a point, never age group or category (filters the
  publication refuses outside), and a description only when its ReviewedDescription still matches it.
- phenomena.csv, questions_answers.csv (answers and initiative feedback; text only when text_reviewed),
  initiatives.csv.
Organisations appear as pseudonyms drawn at random for each extract: the same organisation has the same
pseudonym within one extract and unrelated ones in the next.
"""
import csv
import hashlib
import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_indi.areas.models import PostcodeArea
from geo_indi.audit.services import audit_record
from geo_indi.initiatives.models import Initiative
from geo_indi.observations import suppression
from geo_indi.observations.models import Observation
from geo_indi.observations.filters import Unit
from geo_indi.publication.counts import area_counts, public_phenomena
from geo_indi.questions import access
from geo_indi.questions.models import Answer

from .models import ResearchExtract

AUDIT_ACTION = "research_extract"
PACKAGE_NAME = "geo-indi-research-extract"
MAX_YEARS = 20

S, INT, DATE = "string", "integer", "date"
SCHEMAS = {
    "phenomena": [("phenomenon", S, "Slug of the phenomenon (ilmiö)"), ("name_fi", S, ""), ("name_sv", S, ""),
                  ("name_en", S, "")],
    "observation_counts": [
        ("year", INT, "Calendar year"), ("municipality", S, "Municipality code"), ("postcode", S, "Postcode area"),
        ("phenomenon", S, "Slug"),
        ("count", INT, "Observations (records) as published to outsiders; empty: hidden (small count or its complement)"),
        ("occurrences", INT, "The sum of those records' occurrences (the cases), published in the same cells; "
                             "empty where count is")],
    "observations": [
        ("observation", S, "Random id, new in every extract"), ("year", INT, ""), ("municipality", S, ""),
        ("postcode", S, "Postcode area: the finest place of any observation in an extract"),
        ("phenomenon", S, ""), ("subject", S, "person or object"), ("direction", S, "weakens or strengthens"),
        ("occurrences", INT, ""), ("organisation", S, "Pseudonym of the recording organisation, this extract only"),
        ("description", S, "Only when a person checked that it identifies no one")],
    "initiatives": [
        ("initiative", INT, ""), ("title", S, ""), ("goal", S, ""), ("starts_on", DATE, ""),
        ("review_dates", S, "Space-separated dates"), ("phenomena", S, "Space-separated slugs"),
        ("municipalities", S, "Space-separated codes"), ("organisation", S, "Pseudonym of the creator"),
        ("responsible_organisations", S, "Space-separated pseudonyms"), ("measures", S, "JSON list")],
    "questions_answers": [
        ("question", INT, ""), ("initiative", INT, "Set when the question is an initiative's review"),
        ("kind", S, "text, choice, trend, review or feedback"), ("question_text", S, ""), ("phenomenon", S, ""),
        ("municipality", S, ""), ("postcodes", S, "Space-separated; empty: the whole municipality"),
        ("asked_by", S, "Pseudonym of the asking organisation"), ("answered_by", S, "Pseudonym"),
        ("answered_on", DATE, ""), ("choice", S, ""), ("trend", S, "more, same or less"),
        ("verdict", S, "An initiative's feedback: better, same or worse"),
        ("progress", S, "A review: JSON list, one value per measure"),
        ("text", S, "Only when a person checked that it identifies no one")],
}


class Pseudonyms:
    """Random organisation pseudonyms for one extract."""

    def __init__(self):
        self._by_id = {}

    def __call__(self, organisation_id):
        if organisation_id is None:
            return ""
        if organisation_id not in self._by_id:
            name = f"org-{secrets.token_hex(4)}"
            while name in self._by_id.values():
                name = f"org-{secrets.token_hex(4)}"
            self._by_id[organisation_id] = name
        return self._by_id[organisation_id]


def _phenomena_rows(phenomena):
    for p in phenomena:
        yield [p.slug, p.name_fi, p.name_sv, p.name_en]


def _published_cells(years, phenomena):
    """{(year, postcode area id, phenomenon id): (records, occurrences), None where hidden} as the publication
    module gives outsiders."""
    areas = list(PostcodeArea.objects.values_list("id", "municipality_id"))
    anonymous = AnonymousUser()
    cells = {}
    for year in years:
        rows = area_counts(anonymous, "postcode_area", areas, {"year": year}).rows
        for area_id, row in rows.items():
            for p in phenomena:
                cells[year, area_id, p.pk] = tuple(row.tally(unit).by_phenomenon.get(p.pk, 0)
                                                   for unit in (Unit.RECORDS, Unit.OCCURRENCES))
    return cells


def _count_rows(cells, areas, slugs):
    for (year, area_id, pid), count in sorted(cells.items(), key=lambda c: (c[0][0], areas[c[0][1]][1], slugs[c[0][2]])):
        municipality, postcode = areas[area_id]
        yield [year, municipality, postcode, slugs[pid], *("" if n is None else n for n in count)]


def published_observations(cells, years, phenomenon_ids, **filters):
    """The observations of the years that sit in cells published with a number (so that no record table can be
    subtracted from the published counts to open a hidden cell)."""
    observations = (Observation.objects.filter(observed_on__year__gte=years[0], observed_on__year__lte=years[-1],
                                               phenomenon__in=phenomenon_ids, **filters)
                    .select_related("postcode_area", "municipality", "description_review")
                    .order_by("observed_on", "postcode_area__postcode"))
    for o in observations.iterator(chunk_size=2000):
        if cells.get((o.observed_on.year, o.postcode_area_id, o.phenomenon_id)) is not None:
            yield o


def checked_description(observation):
    """The description only while a person's review of it still matches it; else empty."""
    review = getattr(observation, "description_review", None)
    return observation.description if review is not None and review.checked_text == observation.description else ""


def _observation_rows(cells, years, slugs, pseudonym):
    rows = []
    for o in published_observations(cells, years, slugs.keys()):
        rows.append([secrets.token_hex(8), o.observed_on.year, o.municipality.code, o.postcode_area.postcode,
                     slugs[o.phenomenon_id], o.subject, o.direction, o.occurrences, pseudonym(o.organisation_id),
                     checked_description(o)])
    rows.sort(key=lambda r: (r[1], r[3], r[4], r[0]))  # no order that tells the record's date or entry
    return rows


def _initiative_rows(years, pseudonym):
    initiatives = (Initiative.objects.filter(starts_on__year__lte=years[-1])
                   .prefetch_related("reviews", "phenomena", "municipalities", "responsible_organisations", "measures"))
    for i in initiatives.order_by("id"):
        yield [i.pk, i.title, i.goal, i.starts_on.isoformat(),
               " ".join(r.review_on.isoformat() for r in i.reviews.all()),
               " ".join(p.slug for p in i.phenomena.all()), " ".join(m.code for m in i.municipalities.all()),
               pseudonym(i.organisation_id), " ".join(pseudonym(o.pk) for o in i.responsible_organisations.all()),
               json.dumps([m.text for m in i.measures.all()], ensure_ascii=False)]


def _answer_rows(years, pseudonym):
    answers = (Answer.objects.filter(answered_at__year__gte=years[0], answered_at__year__lte=years[-1])
               .select_related("question__phenomenon", "question__municipality")
               .prefetch_related("question__postcode_areas", "question__initiative_reviews")
               .order_by("question_id", "answered_at", "id"))
    for a in answers:
        q = a.question
        reviews = list(q.initiative_reviews.all())
        yield [q.pk, reviews[0].initiative_id if reviews else "", q.kind, q.text, q.phenomenon.slug,
               q.municipality.code, " ".join(p.postcode for p in q.postcode_areas.all()),
               pseudonym(q.organisation_id), pseudonym(a.organisation_id), timezone.localdate(a.answered_at).isoformat(),
               a.choice, a.trend, a.verdict, json.dumps(a.progress) if a.progress else "", a.text if a.text_reviewed else ""]


def _write_csv(path, name, rows, schemas=SCHEMAS):
    with open(path / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([field[0] for field in schemas[name]])
        n = 0
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _descriptor(extract, directory, counts, k, schemas=SCHEMAS, description=None, provenance=None):
    resources = []
    for name, fields in schemas.items():
        file = directory / f"{name}.csv"
        resources.append({
            "name": name.replace("_", "-"), "path": file.name, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "hash": f"sha256:{_sha256(file)}",
            "schema": {"fields": [{"name": n, "type": t, **({"description": d} if d else {})}
                                  for n, t, d in fields]},
        })
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "id": f"geo-indi-extract-{extract.pk}",
        "title": f"geo_indi research extract {extract.year_from}–{extract.year_to}",
        "description": description or (
            "Observations of wellbeing and safety phenomena in Lapland at postcode-area level, the questions to "
            "local actors and their answers, and initiatives with their review feedback. Counts are those "
            f"published to outsiders (cells under {k} hidden with their complements); organisations are "
            "pseudonyms valid in this extract only; no points; free text only where a person checked it."),
        "created": extract.made_at.isoformat(),
        "licenses": [settings.RESEARCH_EXTRACT_LICENCE],
        "sources": [{"title": "geo_indi", "path": settings.SITE_URL}],
        "contributors": [{"title": "geo_indi", "role": "publisher"}],
        "provenance": {  # custom property: who made the extract, why and for whom, from what
            "extract": extract.pk, "made_by": extract.made_by_username, "purpose": extract.purpose,
            "recipient": extract.recipient, "years": [extract.year_from, extract.year_to],
            "suppression_k": k, "rows": counts, **(provenance or {}),
        },
        "resources": resources,
    }


def validate_package(descriptor_path):
    """The frictionless report of a package (errors list empty when valid)."""
    from frictionless import Package

    return Package(str(descriptor_path)).validate()


def package_finish(extract, directory: Path, descriptor: dict, counts: dict) -> None:
    """Write datapackage.json, refuse a package that does not validate, and record its rows, place and hash."""
    path = directory / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    report = validate_package(path)
    if not report.valid:
        raise RuntimeError(f"research extract {extract.pk} does not validate: {report.flatten(['type', 'note'])}")
    extract.rows, extract.path, extract.sha256 = counts, str(directory), _sha256(path)
    extract.save(update_fields=["rows", "path", "sha256"])


def extract_make(*, made_by, year_from, year_to, purpose, recipient, directory=None):
    """Write a validated research extract; returns the ResearchExtract. Logged in the audit log."""
    if not access.may_make_extract(made_by):
        raise PermissionDenied(_("Only administrators make research extracts."))
    errors = {}
    if year_to < year_from or year_to - year_from >= MAX_YEARS:
        errors["year_to"] = [_("Give a period of 1 to %(n)s whole years.") % {"n": MAX_YEARS}]
    if not purpose.strip():
        errors["purpose"] = [_("Say what the extract is for.")]
    if not recipient.strip():
        errors["recipient"] = [_("Say who receives the extract.")]
    if errors:
        raise ValidationError(errors)
    years = list(range(year_from, year_to + 1))
    with transaction.atomic():
        extract = ResearchExtract.objects.create(
            made_by=made_by, made_by_username=made_by.get_username(), year_from=year_from, year_to=year_to,
            purpose=purpose.strip(), recipient=recipient.strip())
        directory = Path(directory or settings.RESEARCH_EXTRACT_DIR) / f"extract-{extract.pk}"
        directory.mkdir(parents=True, exist_ok=False)
        phenomena = list(public_phenomena().order_by("slug"))
        slugs = {p.pk: p.slug for p in phenomena}
        areas = {a.pk: (a.municipality.code, a.postcode) for a in PostcodeArea.objects.select_related("municipality")}
        cells = _published_cells(years, phenomena)
        pseudonym = Pseudonyms()
        counts = {
            "phenomena": _write_csv(directory, "phenomena", _phenomena_rows(phenomena)),
            "observation_counts": _write_csv(directory, "observation_counts", _count_rows(cells, areas, slugs)),
            "observations": _write_csv(directory, "observations", _observation_rows(cells, years, slugs, pseudonym)),
            "initiatives": _write_csv(directory, "initiatives", _initiative_rows(years, pseudonym)),
            "questions_answers": _write_csv(directory, "questions_answers", _answer_rows(years, pseudonym)),
        }
        package_finish(extract, directory, _descriptor(extract, directory, counts, suppression.threshold()), counts)
        audit_record(AUDIT_ACTION, actor=made_by, obj=extract, detail={
            "years": [year_from, year_to], "purpose": extract.purpose, "recipient": extract.recipient,
            "rows": counts, "sha256": extract.sha256})
    return extract
