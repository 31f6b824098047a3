"""Research access as a workflow (docs/loop.md, docs/privacy.md): the researcher's request, the data owner's decision,
the k-anonymous package the worker builds, and the download until expiry."""
import csv
import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from frictionless import Package

from geo_indi.accounts.demo import ensure_demo_accounts
from geo_indi.accounts.landing import landing_url
from geo_indi.accounts.models import Membership, Organisation
from geo_indi.areas.models import Municipality
from geo_indi.audit.models import AuditEvent
from geo_indi.jobs import queue
from geo_indi.observations import suppression
from geo_indi.observations.demo import load_demo_observations
from geo_indi.publication.counts import public_phenomena
from geo_indi.research import anonymity, requests
from geo_indi.research.models import ResearchExtract, ResearchRequest
from geo_indi.research.services import _published_cells

from .conftest import INSIDE_ALFA
from .test_jobs import wait_until

FI = {"HTTP_ACCEPT_LANGUAGE": "fi"}


# ---------- the k-anonymity step ----------

def write_rows(path: Path, columns, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([[r[c] for c in columns] for r in rows])
    return path


def test_k_anonymise_generalises_month_then_postcode_then_drops(tmp_path):
    """k = 3 on (year, month, postcode):
    3 rows (2025, 1, 99001): a class of 3, kept as they are;
    2 rows (2025, 2, 99001) and 1 row (2025, 3, 99001): classes of 2 and 1 -> month emptied: with the row below,
    1 row (2025, 5, 99002) -> month emptied: classes (2025, '', 99001) = 3, kept; (2025, '', 99002) = 1, still
    under k -> postcode emptied: (2025, '', '') = 1, still under k -> dropped.
    Kept 6 of 7; 3 kept rows with the month generalised, none with the postcode; 1 dropped."""
    columns = ["observation", "year", "month", "postcode"]
    rows = ([{"observation": f"a{i}", "year": 2025, "month": 1, "postcode": "99001"} for i in range(3)]
            + [{"observation": f"b{i}", "year": 2025, "month": 2, "postcode": "99001"} for i in range(2)]
            + [{"observation": "c", "year": 2025, "month": 3, "postcode": "99001"},
               {"observation": "d", "year": 2025, "month": 5, "postcode": "99002"}])
    assert anonymity.small_classes(write_rows(tmp_path / "before.csv", columns, rows), 3) == {
        ("2025", "2", "99001"): 2, ("2025", "3", "99001"): 1, ("2025", "5", "99002"): 1}
    kept, report = anonymity.k_anonymise(rows, columns, 3)
    assert report == {"rows_in": 7, "generalised": {"month": 3, "postcode": 0}, "dropped": 1, "rows_out": 6}
    assert sorted(r["observation"] for r in kept if r["month"] == "") == ["b0", "b1", "c"]
    assert "d" not in {r["observation"] for r in kept}
    assert anonymity.small_classes(write_rows(tmp_path / "after.csv", columns, kept), 3) == {}


@pytest.fixture
def demo(lapland_geography, phenomena):
    ensure_demo_accounts()
    load_demo_observations(count=1000, seed=2024, today=timezone.localdate())


def test_k_anonymity_step_on_demo_rows(demo, tmp_path, settings):
    """Every record of the demo's last two years in Rovaniemi, Kemi, Tornio, Sodankylä and Kittilä with every field:
    many classes are under k before the step and none after; the step only empties months and postcode areas (a row
    kept is the row it was, or that row coarser), and its report matches the table written."""
    k = suppression.threshold()
    years = [timezone.localdate().year - 1, timezone.localdate().year]
    columns = requests.observation_columns([f for f, _label in requests.REQUESTABLE_FIELDS])
    phenomena = list(public_phenomena())
    slugs = {p.pk: p.slug for p in phenomena}
    municipalities = Municipality.objects.filter(code__in=["698", "240", "851", "758", "261"])
    rows = list(requests.observation_rows(municipalities, _published_cells(years, phenomena), years, slugs, columns))
    original = {r["observation"]: dict(r) for r in rows}
    before = anonymity.small_classes(write_rows(tmp_path / "before.csv", columns, rows), k)
    in_small = sum(before.values())
    assert len(rows) > 100 and in_small > len(rows) / 4, (len(rows), in_small)

    kept, report = anonymity.k_anonymise(rows, columns, k)
    path = write_rows(tmp_path / "after.csv", columns, kept)
    assert anonymity.small_classes(path, k) == {}
    assert report["rows_in"] == len(rows) == len(kept) + report["dropped"] and report["rows_out"] == len(kept)
    for row in kept:
        was = original[row["observation"]]
        assert {c: v for c, v in row.items() if v != anonymity.GENERALISED} == \
            {c: v for c, v in was.items() if row[c] != anonymity.GENERALISED}
    with open(path, encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    assert report["generalised"] == {c: sum(r[c] == "" for r in written) for c in anonymity.GENERALISATIONS}
    assert report["generalised"]["month"] > 0


# ---------- the request, the decision, the build, the download ----------

@pytest.fixture
def research(users, organisations, make_member, settings, tmp_path):
    """A researcher of a university and the data owner: Rovaniemi org, whose coordinator (coord698) decides."""
    settings.RESEARCH_EXTRACT_DIR = tmp_path / "extracts"
    settings.RESEARCH_DATA_OWNER_ORGANISATION = "Rovaniemi org"
    university = Organisation.objects.create(name="University", kind=Organisation.Kind.UNIVERSITY)
    return {**users, "researcher": make_member("researcher", university, Membership.Role.RESEARCHER),
            "other_researcher": make_member("researcher2", university, Membership.Role.RESEARCHER),
            "coord_320": make_member("coord320", organisations["320"], Membership.Role.COORDINATOR)}


def request_form(**changes):
    today = timezone.localdate()
    data = {"purpose": "Loneliness of older people in villages", "agreement_reference": "ULA-2026-17",
            "wanted_fields": ["month", "postcode", "subject", "direction"], "year_from": today.year,
            "year_to": today.year, "municipalities": [Municipality.objects.get(code="698").pk],
            "expires_on": (today + dt.timedelta(days=90)).isoformat()}
    data.update(changes)
    return data


def submitted(client, user, **changes):
    client.force_login(user)
    return client.post(reverse("research:index"), request_form(**changes), **FI)


def test_researcher_submits_a_request_and_it_is_logged(client, research):
    response = submitted(client, research["researcher"])
    assert response.status_code == 302
    req = ResearchRequest.objects.get()
    assert (req.state, req.requested_by, req.wanted_fields) == (
        ResearchRequest.State.REQUESTED, research["researcher"], ["month", "postcode", "subject", "direction"])
    assert list(req.municipalities.values_list("code", flat=True)) == ["698"]
    event = AuditEvent.objects.get(action=requests.AUDIT_REQUESTED)
    assert (event.actor_username, event.object_id) == ("researcher", str(req.pk))
    assert event.detail["agreement_reference"] == "ULA-2026-17" and event.detail["municipalities"] == ["698"]
    page = client.get(reverse("research:index"), **FI).content.decode()
    assert f'id="request-{req.pk}"' in page and "Pyydetty" in page


@pytest.mark.calendar
@pytest.mark.parametrize("changes, field, message", [
    ({"purpose": " "}, "purpose", "Tämä kenttä on pakollinen."),
    ({"agreement_reference": ""}, "agreement_reference", "Tämä kenttä on pakollinen."),
    ({"wanted_fields": ["postcode", "lat"]}, "wanted_fields", "Valitse oikea vaihtoehto."),
    ({"wanted_fields": []}, "wanted_fields", "Tämä kenttä on pakollinen."),
    ({"municipalities": []}, "municipalities", "Tämä kenttä on pakollinen."),
    ({"year_from": 2030, "year_to": 2029}, "year_to", "Anna 1–20 kokonaisen vuoden jakso."),
    ({"year_to": 2099}, "year_to", "Jakso ei voi päättyä tämän vuoden jälkeen."),
    ({"expires_on": "today"}, "expires_on", "Viimeisen voimassaolopäivän on oltava tämän päivän jälkeen."),
    ({"expires_on": "far"}, "expires_on", "Pääsy voi kestää enintään 365 päivää."),
])
def test_bad_request_answers_400_with_a_finnish_error_and_writes_nothing(client, research, changes, field, message):
    today = timezone.localdate()
    if changes.get("expires_on") == "today":
        changes["expires_on"] = today.isoformat()
    elif changes.get("expires_on") == "far":
        changes["expires_on"] = (today + dt.timedelta(days=366)).isoformat()
    if changes.get("year_to") == 2099:
        changes["year_to"] = today.year + 1
    response = submitted(client, research["researcher"], **changes)
    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0], response.context["form"].errors
    assert not ResearchRequest.objects.exists() and not AuditEvent.objects.filter(action__startswith="research").exists()


def test_only_researchers_request_and_only_the_data_owner_reviews(client, research):
    for who in ("coord_320", "field_698"):
        client.force_login(research[who])
        assert client.post(reverse("research:index"), request_form(), **FI).status_code == 403
        assert client.get(reverse("research:review"), **FI).status_code == 403
    assert not ResearchRequest.objects.exists()
    client.force_login(research["coord_698"])  # the data owner's coordinator lands on the review page
    assert client.get(reverse("research:index"), **FI)["Location"] == reverse("research:review")


def approve(client, research, req, **data):
    client.force_login(research["coord_698"])
    return client.post(reverse("research:decide", args=[req.pk]),
                       {f"r{req.pk}-decision": "approve", f"r{req.pk}-reason": "Agreement checked", **data}, **FI)


def test_refusal_needs_a_reason_and_both_decisions_are_logged(client, research):
    submitted(client, research["researcher"])
    submitted(client, research["researcher"], purpose="Second study")
    first, second = ResearchRequest.objects.order_by("pk")
    client.force_login(research["coord_698"])
    response = client.post(reverse("research:decide", args=[first.pk]), {f"r{first.pk}-decision": "refuse"}, **FI)
    assert response.status_code == 400 and "Kerro, miksi pyyntö hylätään." in response.content.decode()
    first.refresh_from_db()
    assert first.state == ResearchRequest.State.REQUESTED
    client.post(reverse("research:decide", args=[first.pk]),
                {f"r{first.pk}-decision": "refuse", f"r{first.pk}-reason": "No agreement with us"}, **FI)
    assert approve(client, research, second).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.reason, first.decided_by_username) == ("refused", "No agreement with us", "coord698")
    assert second.state == ResearchRequest.State.APPROVED
    refused = AuditEvent.objects.get(action=requests.AUDIT_REFUSED)
    approved = AuditEvent.objects.get(action=requests.AUDIT_APPROVED)
    assert (refused.object_id, refused.detail["reason"], refused.actor_username) == (
        str(first.pk), "No agreement with us", "coord698")
    assert (approved.object_id, approved.detail["requested_by"]) == (str(second.pk), "researcher")
    # The approval enqueued the build (once), the refusal nothing; a second decision is a conflict.
    assert queue.job_status(requests.TASK, request_pk=second.pk) == queue.WAITING
    assert queue.job_status(requests.TASK, request_pk=first.pk) is None
    assert approve(client, research, second).status_code == 409
    assert AuditEvent.objects.filter(action=requests.AUDIT_APPROVED).count() == 1


@pytest.fixture
def records(record):
    """6 person observations of loneliness in 99001 today: one class of 6 (k = 5), published with a number."""
    return [record(*INSIDE_ALFA, observed_on=timezone.localdate()) for _i in range(6)]


def unzip(content: bytes, directory: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        z.extractall(directory)
    return directory / "datapackage.json"


@pytest.mark.calendar
def test_approved_request_is_built_by_the_worker_and_downloaded_by_its_researcher_until_expiry(
        client, research, records, job_worker, tmp_path, frozen_clock):
    submitted(client, research["researcher"], wanted_fields=["month", "postcode", "organisation", "description"])
    req = ResearchRequest.objects.get()
    approve(client, research, req)
    assert wait_until(lambda: ResearchRequest.objects.filter(pk=req.pk).exclude(extract=None, build_error="").exists())
    req.refresh_from_db()
    assert not req.build_error

    # Only the researcher who asked downloads it.
    for who in ("other_researcher", "coord_698", "admin"):
        client.force_login(research[who])
        assert client.get(reverse("research:download", args=[req.pk]), **FI).status_code == 403
    client.force_login(research["researcher"])
    response = client.get(reverse("research:download", args=[req.pk]), **FI)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    descriptor = unzip(b"".join(response.streaming_content), tmp_path / "downloaded")
    assert Package(str(descriptor)).validate().valid
    cli = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate", str(descriptor)],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert anonymity.small_classes(descriptor.parent / "observations.csv", suppression.threshold()) == {}
    with open(descriptor.parent / "observations.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    report = package["provenance"]["k_anonymity"]
    assert list(rows[0]) == ["observation", "year", "month", "municipality", "postcode", "phenomenon",
                             "organisation", "description"]
    assert report["rows_out"] == len(rows) and report["rows_in"] == len(rows) + report["dropped"]
    # The six records, one published cell and one class of 6: nothing to generalise or drop.
    assert (report["rows_in"], report["dropped"], report["generalised"]) == (6, 0, {"month": 0, "postcode": 0})
    assert {(r["year"], r["month"], r["postcode"]) for r in rows} == {
        (str(timezone.localdate().year), str(timezone.localdate().month), "99001")}
    fields = {f["name"]: f for r in package["resources"] if r["name"] == "observations" for f in r["schema"]["fields"]}
    assert all(f.get("description") for f in fields.values())  # the data dictionary
    readme = (descriptor.parent / "README.md").read_text(encoding="utf-8")
    assert f"{report['dropped']} were dropped" in readme and f"{report['rows_in']} records" in readme
    download = AuditEvent.objects.get(action=requests.AUDIT_DOWNLOADED)
    assert (download.actor_username, download.detail["request"]) == ("researcher", req.pk)

    # The day after the expiry date: 410 with a clear page, logged, the state now expired.
    frozen_clock.move_to(dt.datetime.combine(req.expires_on + dt.timedelta(days=1), dt.time(9),
                                             tzinfo=timezone.get_current_timezone()))
    client.force_login(research["researcher"])  # a new session: months later the old one has ended
    response = client.get(reverse("research:download", args=[req.pk]), **FI)
    assert response.status_code == 410, response.content.decode()[-1500:]
    assert "Pääsy tähän aineistoon päättyi" in response.content.decode()
    req.refresh_from_db()
    assert req.state == ResearchRequest.State.EXPIRED
    assert AuditEvent.objects.filter(action=requests.AUDIT_DOWNLOAD_EXPIRED, actor_username="researcher").count() == 1
    assert AuditEvent.objects.filter(action=requests.AUDIT_DOWNLOADED).count() == 1


def test_researcher_lands_on_research_and_only_researchers_and_the_data_owner_see_the_link(client, research):
    assert landing_url(research["researcher"]) == reverse("research:index")
    link = f'<a href="{reverse("research:index")}">Tutkimusaineistot</a>'
    for who, shown in (("researcher", True), ("coord_698", True), ("coord_320", False), ("field_698", False)):
        client.force_login(research[who])
        assert (link in client.get("/", **FI).content.decode()) is shown, who


def test_a_failed_build_is_kept_on_the_request_and_shown_to_the_data_owner(client, research, records, settings, tmp_path):
    submitted(client, research["researcher"])
    req = ResearchRequest.objects.get()
    approve(client, research, req)
    settings.RESEARCH_EXTRACT_DIR = tmp_path / "not-a-directory"
    settings.RESEARCH_EXTRACT_DIR.write_text("a file where the extracts should go")
    with pytest.raises(OSError):
        requests.request_extract_build(req.pk)  # the job fails, and is retried by the queue
    req.refresh_from_db()
    assert req.extract_id is None and "not-a-directory" in req.build_error
    assert not ResearchExtract.objects.exists()
    client.force_login(research["coord_698"])
    assert "Aineistoa ei voitu muodostaa:" in client.get(reverse("research:review"), **FI).content.decode()
    client.force_login(research["researcher"])
    page = client.get(reverse("research:index"), **FI).content.decode()
    assert "Aineistoa ei vielä voitu muodostaa." in page and "not-a-directory" not in page
