"""Journey: a researcher of the University of Lapland (tutkija) asks for a research extract, the data owner's
coordinator (hyvinvointialue, Lapin hyvinvointialue = settings.RESEARCH_DATA_OWNER_ORGANISATION) approves it, the
job queue's worker builds it, and the researcher downloads the zip: it passes `frictionless validate` and every
quasi-identifier combination of its record table occurs at least k times (docs/loop.md, docs/privacy.md)."""
import csv
import datetime as dt
import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from geo_indi.audit.models import AuditEvent
from geo_indi.observations import suppression
from geo_indi.research import anonymity, requests
from geo_indi.research.models import ResearchRequest

from ...conftest import JobWorker
from ..helpers import run_axe
from .conftest import JOURNEY_NOW

pytestmark = pytest.mark.browser

TODAY = JOURNEY_NOW.date()
MUNICIPALITIES = ["Rovaniemi (698)", "Kemi (240)", "Tornio (851)"]


@pytest.fixture
def background_worker():
    """The job queue's worker beside the demo server: it builds the extract the approval enqueues."""
    worker = JobWorker().start()
    yield worker
    worker.stop()


@pytest.fixture
def extract_dir(settings, tmp_path):
    settings.RESEARCH_EXTRACT_DIR = tmp_path / "extracts"
    return settings.RESEARCH_EXTRACT_DIR


def built(pk: int, seconds: int = 120) -> ResearchRequest:
    """The request once the worker has built its extract (or failed to)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        req = ResearchRequest.objects.get(pk=pk)
        if req.extract_id or req.build_error:
            return req
        time.sleep(0.25)
    raise AssertionError(f"the worker did not build request {pk} in {seconds} s")


def test_researcher_requests_the_owner_approves_the_worker_builds_and_the_researcher_downloads(
        journey_page, sign_in, demo_server, background_worker, extract_dir, tmp_path):
    assert settings.RESEARCH_DATA_OWNER_ORGANISATION == "Lapin hyvinvointialue"
    researcher = journey_page(1366, 768)
    sign_in(researcher, "tutkija")
    assert researcher.url == f"{demo_server.url}/research/"  # the researcher's landing page
    assert run_axe(researcher) == []

    # The request form, filled as a person would, by its labels.
    researcher.get_by_label("Tarkoitus").fill("Yksinäisyys ja osallisuus Lapin kaupungeissa 2025–2026")
    researcher.get_by_label("Tietosopimuksen tunnus").fill("ULA-TS-2026-04")
    boxes = researcher.locator("input[name=wanted_fields]")
    assert boxes.count() == len(requests.REQUESTABLE_FIELDS)
    for box in boxes.all():
        box.check()
    researcher.get_by_label("Alkuvuosi").fill(str(TODAY.year - 1))
    researcher.get_by_label("Loppuvuosi").fill(str(TODAY.year))
    for name in MUNICIPALITIES:
        researcher.get_by_label(name, exact=True).check()
    researcher.get_by_label("Pääsy päättyy").fill((TODAY + dt.timedelta(days=180)).isoformat())
    researcher.get_by_role("button", name="Lähetä pyyntö").click()
    researcher.wait_for_url("**/research/#request-*")
    req = ResearchRequest.objects.get(requested_by__username="tutkija")
    assert sorted(req.wanted_fields) == sorted(f for f, _l in requests.REQUESTABLE_FIELDS)
    assert sorted(req.municipalities.values_list("code", flat=True)) == ["240", "698", "851"]
    card = researcher.locator(f"#request-{req.pk}")
    assert "Pyydetty" in card.inner_text()
    assert card.get_by_role("link", name="Lataa").count() == 0

    # The data owner's coordinator approves it on the review page, with a reason.
    owner = journey_page(1366, 768)
    sign_in(owner, "hyvinvointialue", "/research/review/")
    assert run_axe(owner) == []
    pending = owner.locator(f"#request-{req.pk}")
    assert "ULA-TS-2026-04" in pending.inner_text()
    pending.get_by_label("Perustelu").fill("Tietosopimus ULA-TS-2026-04 tarkistettu.")
    pending.get_by_role("button", name=f"Hyväksy pyyntö {req.pk}").click()
    owner.wait_for_load_state("networkidle")
    assert "Hyväksytty" in owner.locator(f"#request-{req.pk}").inner_text()
    approval = AuditEvent.objects.get(action=requests.AUDIT_APPROVED, object_id=str(req.pk))
    assert approval.actor_username == "hyvinvointialue"

    # The worker builds it; the researcher reloads and downloads the zip.
    req = built(req.pk)
    assert not req.build_error, req.build_error
    researcher.reload()
    link = researcher.get_by_role("link", name=f"Lataa pyynnön {req.pk} aineisto (zip)")
    with researcher.expect_download() as info:
        link.click()
    with open(info.value.path(), "rb") as f:
        content = f.read()
    package_dir = tmp_path / "downloaded"
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        z.extractall(package_dir)
    descriptor = package_dir / "datapackage.json"

    # The package validates (the frictionless command line), and its record table is k-anonymous.
    cli = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate", str(descriptor)],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    k = suppression.threshold()
    assert anonymity.small_classes(package_dir / "observations.csv", k) == {}
    with open(package_dir / "observations.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and {r["municipality"] for r in rows} <= {"240", "698", "851"}
    assert {int(r["year"]) for r in rows} <= {TODAY.year - 1, TODAY.year}
    assert not {"lat", "lon", "day", "observed_on", "date"} & set(rows[0])
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    report = package["provenance"]["k_anonymity"]
    assert report["k"] == k and report["rows_out"] == len(rows)
    assert report["generalised"] == {c: sum(r[c] == "" for r in rows) for c in anonymity.GENERALISATIONS}
    readme = (package_dir / "README.md").read_text(encoding="utf-8")
    assert f"{report['dropped']} were dropped" in readme
    download = AuditEvent.objects.get(action=requests.AUDIT_DOWNLOADED)
    assert (download.actor_username, download.detail["request"]) == ("tutkija", req.pk)

    # Nobody else downloads it: the data owner's coordinator gets the "no access" page (asked with the owner's
    # session outside the page: a 403 document would be a console error the watcher reports).
    response = owner.context.request.get(f"{demo_server.url}/research/{req.pk}/download/", max_redirects=0)
    assert response.status == 403 and "Ei pääsyä tälle sivulle" in response.text()
    assert AuditEvent.objects.filter(action=requests.AUDIT_DOWNLOADED).count() == 1
