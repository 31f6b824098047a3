"""Research access as a workflow (docs/loop.md, docs/privacy.md).

A researcher asks (`request_submit`); a coordinator of the data owner organisation
(settings.RESEARCH_DATA_OWNER_ORGANISATION) approves or refuses with a reason (`request_decide`); the approval
enqueues the build, which the worker runs (`request_extract_build`, research/tasks.py); the researcher who asked,
and only they, downloads the package until its expiry date (`request_download`). Each step is in the audit log.

The package: phenomena.csv, observation_counts.csv (the published cells of the municipalities asked for, as
outsiders get them) and observations.csv (one row per record in a cell published with a number: always a
random record id, year, municipality and phenomenon, and the optional fields asked for; dates never finer
than the month), made k-anonymous by research/anonymity.py; its README.md and datapackage.json say how many
rows were generalised and dropped.
"""
import secrets
import zipfile
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo_indi.accounts import roles
from geo_indi.areas.models import PostcodeArea
from geo_indi.audit.services import audit_record
from geo_indi.core.errors import RequestError
from geo_indi.jobs import queue
from geo_indi.observations import suppression
from geo_indi.publication.counts import public_phenomena

from . import anonymity
from .models import ResearchExtract, ResearchRequest
from .services import (AUDIT_ACTION, INT, MAX_YEARS, SCHEMAS, S, Pseudonyms, _count_rows, _descriptor,
                       _phenomena_rows, _published_cells, _write_csv, checked_description, package_finish,
                       published_observations)

AUDIT_REQUESTED = "research_request"
AUDIT_APPROVED = "research_request_approved"
AUDIT_REFUSED = "research_request_refused"
AUDIT_DOWNLOADED = "research_extract_download"
AUDIT_DOWNLOAD_EXPIRED = "research_download_expired"  # actions are at most 32 characters
TASK = "research_extract_build"

# The record table of a requested extract, its data dictionary. Dates never finer than the month.
OBSERVATION_FIELDS = [
    ("observation", S, "Pseudonym of the record: random, new in every extract"),
    ("year", INT, "Calendar year of the observation"),
    ("month", INT, "Month (1-12) of the observation; empty: generalised to the year (its class was under k)"),
    ("municipality", S, "Municipality code"),
    ("postcode", S, "Postcode area; empty: generalised to the municipality (its class was under k)"),
    ("phenomenon", S, "Slug of the phenomenon (ilmiö), see phenomena.csv"),
    ("subject", S, "person or object"),
    ("direction", S, "weakens or strengthens"),
    ("occurrences", INT, "How many occurrences (cases) the record counts"),
    ("organisation", S, "Pseudonym of the recording organisation, this extract only"),
    ("description", S, "Only when a person checked that it identifies no one"),
]
ALWAYS = ("observation", "year", "municipality", "phenomenon")
# What a researcher may ask for beyond ALWAYS: the other columns of OBSERVATION_FIELDS, with the form's labels.
REQUESTABLE_FIELDS = [
    ("month", gettext_lazy("Month of the observation")),
    ("postcode", gettext_lazy("Postcode area")),
    ("subject", gettext_lazy("Subject (person or object)")),
    ("direction", gettext_lazy("Direction (weakens or strengthens wellbeing)")),
    ("occurrences", gettext_lazy("Occurrences")),
    ("organisation", gettext_lazy("Recording organisation (pseudonym)")),
    ("description", gettext_lazy("Description, only where a person checked it")),
]
assert {f[0] for f in OBSERVATION_FIELDS} == {*ALWAYS, *dict(REQUESTABLE_FIELDS)}, "one column, one place"


# ---------- who ----------

def may_request(user) -> bool:
    return roles.is_researcher(user)


def is_data_owner(user) -> bool:
    """A coordinator of the organisation named in settings.RESEARCH_DATA_OWNER_ORGANISATION."""
    org = roles.organisation_of(user)
    return roles.is_coordinator(user) and org is not None and org.name == settings.RESEARCH_DATA_OWNER_ORGANISATION


# ---------- the rules of a request (ResearchRequest.clean) ----------

def request_errors(req: ResearchRequest) -> dict[str, list[str]]:
    """What is wrong with a request's values ({} when nothing): the one place the rules are declared."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    wanted = req.wanted_fields if isinstance(req.wanted_fields, list) else None
    if not wanted:
        errors["wanted_fields"] = [_("Choose at least one field.")]
    elif not set(wanted) <= dict(REQUESTABLE_FIELDS).keys():
        errors["wanted_fields"] = [_("Choose fields from the list.")]
    if req.year_from is not None and req.year_to is not None:
        if req.year_to < req.year_from or req.year_to - req.year_from >= MAX_YEARS:
            errors["year_to"] = [_("Give a period of 1 to %(n)s whole years.") % {"n": MAX_YEARS}]
        elif req.year_to > today.year:
            errors["year_to"] = [_("The period cannot end after this year.")]
    if req.expires_on is not None:
        if req.expires_on <= today:
            errors["expires_on"] = [_("The expiry date must be after today.")]
        elif (req.expires_on - today).days > settings.RESEARCH_ACCESS_MAX_DAYS:
            errors["expires_on"] = [_("Access can last at most %(n)s days.") % {"n": settings.RESEARCH_ACCESS_MAX_DAYS}]
    return errors


# ---------- the steps ----------

def request_submit(*, requested_by, purpose: str, agreement_reference: str, wanted_fields: list[str],
                   year_from: int, year_to: int, municipalities, expires_on: date) -> ResearchRequest:
    """Record a researcher's request (validated by the model's rules; nothing written when invalid)."""
    if not may_request(requested_by):
        raise PermissionDenied(_("Only researchers ask for research extracts."))
    req = ResearchRequest(requested_by=requested_by, requested_by_username=requested_by.get_username(),
                          purpose=purpose.strip(), agreement_reference=agreement_reference.strip(),
                          wanted_fields=list(wanted_fields), year_from=year_from, year_to=year_to,
                          expires_on=expires_on)
    req.full_clean()
    municipalities = list(municipalities)
    if not municipalities:
        raise ValidationError({"municipalities": [_("Choose at least one municipality.")]})
    with transaction.atomic():
        req.save()
        req.municipalities.set(municipalities)
        audit_record(AUDIT_REQUESTED, actor=requested_by, obj=req, detail=_summary(req))
    return req


def _summary(req: ResearchRequest) -> dict:
    return {"purpose": req.purpose, "agreement_reference": req.agreement_reference, "fields": req.wanted_fields,
            "years": [req.year_from, req.year_to], "municipalities": sorted(m.code for m in req.municipalities.all()),
            "expires_on": req.expires_on.isoformat()}


def request_decide(*, request_pk: int, decided_by, approve: bool, reason: str) -> ResearchRequest:
    """The data owner's decision, logged; an approval enqueues the build for the worker."""
    if not is_data_owner(decided_by):
        raise PermissionDenied(_("Only the data owner's coordinators decide on research requests."))
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": [_("Give the reason for refusing.")]})
    with transaction.atomic():
        req = ResearchRequest.objects.select_for_update().get(pk=request_pk)
        if req.current_state != ResearchRequest.State.REQUESTED:
            raise RequestError(_("This request has already been decided or has expired."), status=409)
        req.state = ResearchRequest.State.APPROVED if approve else ResearchRequest.State.REFUSED
        req.decided_by, req.decided_by_username = decided_by, decided_by.get_username()
        req.decided_at, req.reason = timezone.now(), reason
        req.save(update_fields=["state", "decided_by", "decided_by_username", "decided_at", "reason"])
        audit_record(AUDIT_APPROVED if approve else AUDIT_REFUSED, actor=decided_by, obj=req,
                     detail={**_summary(req), "reason": reason, "requested_by": req.requested_by_username})
        if approve:
            queue.defer(TASK, queueing_lock=f"{TASK}-{req.pk}", request_pk=req.pk)
    return req


def zip_path(extract: ResearchExtract) -> Path:
    return Path(extract.path).with_suffix(".zip")


def request_download(*, request_pk: int, user) -> Path:
    """The zip of an approved request's extract for the researcher who asked, until its expiry; logged."""
    req = ResearchRequest.objects.select_related("extract").get(pk=request_pk)
    if user.pk != req.requested_by_id:
        raise PermissionDenied(_("Only the researcher who asked for an extract may download it."))
    if req.state in (ResearchRequest.State.APPROVED, ResearchRequest.State.EXPIRED) and req.is_expired():
        ResearchRequest.objects.filter(pk=req.pk, state=ResearchRequest.State.APPROVED).update(
            state=ResearchRequest.State.EXPIRED)
        audit_record(AUDIT_DOWNLOAD_EXPIRED, actor=user, obj=req, detail={"expires_on": req.expires_on.isoformat()})
        raise RequestError(_("Access to this extract ended on %(date)s. Ask for a new extract if you still need "
                             "the data.") % {"date": req.expires_on.strftime("%d.%m.%Y")}, status=410)
    if req.state != ResearchRequest.State.APPROVED or req.extract is None:
        raise RequestError(_("This extract is not ready to download."), status=409)
    audit_record(AUDIT_DOWNLOADED, actor=user, obj=req.extract,
                 detail={"request": req.pk, "sha256": req.extract.sha256})
    return zip_path(req.extract)


# ---------- the build (run by the worker) ----------

def request_extract_build(request_pk: int) -> ResearchExtract | None:
    """Write the approved request's package and its zip (once: a build that is done is not repeated)."""
    try:
        with transaction.atomic():
            req = ResearchRequest.objects.select_for_update().get(pk=request_pk)
            if req.extract_id is not None or req.state != ResearchRequest.State.APPROVED:
                return req.extract
            extract = _build(req)
            req.extract, req.build_error = extract, ""
            req.save(update_fields=["extract", "build_error"])
            return extract
    except Exception as exc:
        ResearchRequest.objects.filter(pk=request_pk).update(build_error=str(exc)[:2000])
        raise


def observation_columns(wanted_fields: list[str]) -> list[str]:
    """The record table's columns for the fields asked for, in the data dictionary's order."""
    return [name for name, _t, _d in OBSERVATION_FIELDS if name in ALWAYS or name in wanted_fields]


def observation_rows(municipalities, cells, years, slugs, columns):
    """One dict per record in a published cell of the municipalities, with the columns asked for."""
    pseudonym = Pseudonyms()
    for o in published_observations(cells, years, slugs.keys(), municipality__in=municipalities):
        full = {"observation": secrets.token_hex(8), "year": o.observed_on.year, "month": o.observed_on.month,
                "municipality": o.municipality.code, "postcode": o.postcode_area.postcode,
                "phenomenon": slugs[o.phenomenon_id], "subject": o.subject, "direction": o.direction,
                "occurrences": o.occurrences, "organisation": pseudonym(o.organisation_id),
                "description": checked_description(o)}
        yield {c: full[c] for c in columns}


def _readme(req: ResearchRequest, extract: ResearchExtract, k: int, qis: list[str], report: dict) -> str:
    generalised = report["generalised"]
    return "\n".join([
        f"# geo_indi research extract {extract.pk}",
        "",
        f"For request {req.pk} by {req.requested_by_username}, approved by {req.decided_by_username} "
        f"under agreement {req.agreement_reference}. Years {req.year_from}-{req.year_to}; municipalities "
        f"{' '.join(sorted(m.code for m in req.municipalities.all()))}. Downloadable until {req.expires_on}.",
        "",
        "Purpose: " + req.purpose,
        "",
        "## k-anonymity of observations.csv",
        "",
        f"Every combination of the quasi-identifiers ({', '.join(qis)}) occurs in at least k = {k} rows.",
        f"Of {report['rows_in']} records, {generalised.get('month', 0)} have their month generalised to the year "
        f"(month empty), {generalised.get('postcode', 0)} their postcode area generalised to the municipality "
        f"(postcode empty), and {report['dropped']} were dropped because their class stayed under k; "
        f"{report['rows_out']} rows remain.",
        "",
        "The data dictionary is datapackage.json (each field's description). Ids are random and new in every "
        "extract; organisations are pseudonyms valid in this extract only; dates are never finer than the month.",
        "",
    ])


def _build(req: ResearchRequest) -> ResearchExtract:
    k = suppression.threshold()
    years = list(range(req.year_from, req.year_to + 1))
    extract = ResearchExtract.objects.create(
        made_by=req.decided_by, made_by_username=req.decided_by_username, year_from=req.year_from,
        year_to=req.year_to, purpose=req.purpose, recipient=req.requested_by_username)
    directory = Path(settings.RESEARCH_EXTRACT_DIR) / f"extract-{extract.pk}"
    directory.mkdir(parents=True, exist_ok=False)
    codes = set(req.municipalities.values_list("code", flat=True))
    phenomena = list(public_phenomena().order_by("slug"))
    slugs = {p.pk: p.slug for p in phenomena}
    areas = {a.pk: (a.municipality.code, a.postcode) for a in PostcodeArea.objects.select_related("municipality")}
    cells = _published_cells(years, phenomena)  # over every area: the suppression is the one published
    columns = observation_columns(req.wanted_fields)
    schemas = {"phenomena": SCHEMAS["phenomena"], "observation_counts": SCHEMAS["observation_counts"],
               "observations": [f for f in OBSERVATION_FIELDS if f[0] in columns]}
    rows, report = anonymity.k_anonymise(
        list(observation_rows(req.municipalities.all(), cells, years, slugs, columns)), columns, k)
    rows.sort(key=lambda r: ([str(r[c]) for c in columns if c != "observation"], r["observation"]))
    counts = {
        "phenomena": _write_csv(directory, "phenomena", _phenomena_rows(phenomena), schemas),
        "observation_counts": _write_csv(directory, "observation_counts", _count_rows(
            {key: n for key, n in cells.items() if areas[key[1]][0] in codes}, areas, slugs), schemas),
        "observations": _write_csv(directory, "observations", ([r[c] for c in columns] for r in rows), schemas),
    }
    qis = anonymity.quasi_identifiers_of(columns)
    small = anonymity.small_classes(directory / "observations.csv", k)
    if small:
        raise RuntimeError(f"research extract {extract.pk}: {len(small)} classes under k = {k}")
    (directory / "README.md").write_text(_readme(req, extract, k, qis, report), encoding="utf-8")
    package_finish(extract, directory, _descriptor(
        extract, directory, counts, k, schemas,
        description=("Observations of wellbeing and safety phenomena in Lapland for the municipalities and years "
                     "asked for: the counts published to outsiders, and the records, k-anonymous on their "
                     f"quasi-identifiers (k = {k}). See README.md."),
        provenance={"request": req.pk, "agreement_reference": req.agreement_reference,
                    "approved_by": req.decided_by_username, "expires_on": req.expires_on.isoformat(),
                    "municipalities": sorted(codes), "fields": columns,
                    "k_anonymity": {"k": k, "quasi_identifiers": qis, **report}}), counts)
    with zipfile.ZipFile(zip_path(extract), "w", zipfile.ZIP_DEFLATED) as z:
        for file in sorted(directory.iterdir()):
            z.write(file, file.name)
    audit_record(AUDIT_ACTION, obj=extract, detail={
        "request": req.pk, "years": [req.year_from, req.year_to], "purpose": req.purpose,
        "recipient": req.requested_by_username, "rows": counts, "sha256": extract.sha256,
        "k_anonymity": {"k": k, **report}})
    return extract
