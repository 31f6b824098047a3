"""Report PDFs made by the worker (geo_indi/maps/report_pdfs.py): report.pdf enqueues and redirects to a progress
page, the job renders what the request would have, only the requester downloads it, expired ones are purged.

The data is tests/test_maps.py's fixture (k = 5, year 2026): an anonymous viewer sees the published table
(Alfa and Beeta hidden), the coordinator of 698 the exact counts and the hot-spot table."""
import datetime as dt
import io
import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import resolve
from pypdf import PdfReader

from geo_indi.accounts.models import Membership
from geo_indi.jobs.queue import defer, job_status, run_worker_until_idle
from geo_indi.maps import exports
from geo_indi.maps.models import ReportPdf
from geo_indi.maps.report_pdfs import render
from tests.conftest import _empty_job_tables
from tests.report_pdf import download_url, fetch_pdf, status_url
from tests.test_maps import observations  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-27")]

URL = "/maps/698/report.pdf?year=2026"


def _pk(status):
    return str(resolve(status).kwargs["pk"])


def _jobs(pk):
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'report_pdf' AND args->>'report_pk' = %s",
                    [pk])
        return cur.fetchone()[0]


def _text(response):
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages))


def test_report_pdf_enqueues_and_the_page_waits_with_a_live_region_and_without_script(client, observations):  # noqa: F811
    status = status_url(client, URL, HTTP_ACCEPT_LANGUAGE="fi")
    report = ReportPdf.objects.get()
    assert report.state == "queued" and report.user is None and report.session_key == client.session.session_key
    assert report.query == "year=2026" and report.filters["year"] == "2026" and report.language == "fi"
    assert report.viewer["k"] == 5 and report.viewer["scope"] == []
    assert _jobs(str(report.pk)) == 1 and job_status("report_pdf", report_pk=str(report.pk)) == "todo"
    html = client.get(status, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert re.search(r'<p id="report-pdf-state" role="status" aria-live="polite">\s*<strong[^>]*>Odottaa taustatyötä',
                     html)
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert "Tarkista, onko PDF valmis" in html and download_url(html) == ""
    assert client.get(status + "?format=json").json()["state"] == "queued"


def test_an_identical_request_reuses_the_waiting_pdf_and_others_get_their_own(client, observations, users):  # noqa: F811
    first = status_url(client, URL)
    assert status_url(client, URL) == first
    assert status_url(client, "/maps/698/report.pdf?year=2025") != first
    other = Client()
    assert status_url(other, URL) != first
    render(_pk(first))
    again = status_url(client, URL)  # made already: a new request makes it again, from the data as it is now
    assert again != first
    client.force_login(users["coord_698"])
    assert status_url(client, URL) not in (first, again)
    assert ReportPdf.objects.count() == 5 and _jobs(_pk(first)) == 1


def test_only_the_requester_sees_the_page_and_downloads_the_file(client, observations, users):  # noqa: F811
    response = fetch_pdf(client, URL)
    assert response.status_code == 200 and "geo-indi-698.pdf" in response["Content-Disposition"]
    status = ReportPdf.objects.get()
    page = f"/maps/698/report-pdf/{status.pk}/"
    download = f"{page}download"
    stranger = Client()
    assert stranger.get(page).status_code == 404 and stranger.get(download).status_code == 404
    stranger.force_login(users["coord_698"])
    assert stranger.get(page).status_code == 404 and stranger.get(download).status_code == 404
    assert client.get(f"/maps/320/report-pdf/{status.pk}/download").status_code == 404
    assert client.get(download).status_code == 200


def test_the_job_renders_the_view_of_the_requester(client, observations, users):  # noqa: F811
    """The same query: the anonymous requester gets the published view, the coordinator the exact one."""
    public = _text(fetch_pdf(client, URL, HTTP_ACCEPT_LANGUAGE="en"))
    client.force_login(users["coord_698"])
    inside = _text(fetch_pdf(client, URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Hot spots" in inside and "Hot spots" not in public


def test_a_requester_whose_access_changed_before_the_job_gets_a_clear_page_not_a_pdf(client, observations, users):  # noqa: F811
    client.force_login(users["coord_698"])
    status = status_url(client, URL, HTTP_ACCEPT_LANGUAGE="en")
    Membership.objects.filter(user=users["coord_698"]).delete()
    render(_pk(status))
    report = ReportPdf.objects.get()
    assert report.state == "failed" and report.pdf is None
    html = client.get(status, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your access to the observations changed after you asked for the PDF" in html and download_url(html) == ""


def test_a_failed_render_shows_a_translated_error_page_not_a_500(client, observations, monkeypatch):  # noqa: F811
    def broken(request, context):
        raise RuntimeError("WeasyPrint ran out of memory")

    monkeypatch.setattr(exports, "report_pdf", broken)
    status = status_url(client, URL, HTTP_ACCEPT_LANGUAGE="fi")
    render(_pk(status))
    page = client.get(status, HTTP_ACCEPT_LANGUAGE="fi")
    html = page.content.decode()
    assert page.status_code == 200
    alert = re.search(r'role="alert" id="report-pdf-error"><p>(.*?)</p>', html).group(1)
    assert "PDF-tiedostoa ei voitu tehdä" in alert and "memory" not in html
    assert 'href="/maps/698/report.pdf?year=2026"' in html and download_url(html) == ""
    assert client.get(f"{status}download").status_code == 404
    assert client.get(status + "?format=json").json()["state"] == "failed"


@pytest.mark.django_db(transaction=True)
def test_a_pdf_whose_job_was_given_up_is_shown_failed(client, observations):  # noqa: F811
    _empty_job_tables()
    status = status_url(client, URL, HTTP_ACCEPT_LANGUAGE="en")
    with connection.cursor() as cur:  # as the worker records a job it gave up (killed mid-render)
        cur.execute("UPDATE procrastinate_jobs SET status = 'failed' WHERE task_name = 'report_pdf'")
    state = client.get(status + "?format=json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert state["state"] == "failed" and "unexpected error" in state["message"] and state["download_url"] == ""
    _empty_job_tables()


def _report_pdf_jobs() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'report_pdf'")
        return cur.fetchone()[0]


def test_bad_input_is_a_400_and_writes_nothing(client, observations):  # noqa: F811
    jobs_before = _report_pdf_jobs()  # earlier (committed) tests may have left theirs
    assert client.get("/maps/698/report.pdf?year=abc").status_code == 400
    assert client.get("/maps/999/report.pdf").status_code == 404
    assert not ReportPdf.objects.exists()
    assert _report_pdf_jobs() == jobs_before


def test_the_real_worker_makes_it_and_the_page_offers_it(client, observations, job_worker):  # noqa: F811
    status = status_url(client, URL, HTTP_ACCEPT_LANGUAGE="en")
    deadline = time.monotonic() + 120
    while (state := client.get(status + "?format=json", HTTP_ACCEPT_LANGUAGE="en").json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, state
        time.sleep(0.5)
    assert state["state"] == "done" and state["state_display"] == "Ready"
    html = client.get(status, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert download_url(html) == state["download_url"] and "<noscript>" not in html
    assert "Rovaniemi" in _text(client.get(state["download_url"]))


@pytest.mark.django_db(transaction=True)
def test_expired_pdfs_are_refused_then_deleted_by_the_periodic_job(client, observations, frozen_clock):  # noqa: F811
    """Kept 24 hours: one asked 25 hours ago is refused and purged, one asked 2 hours ago stays."""
    _empty_job_tables()
    old = status_url(client, URL)
    frozen_clock.move_to(frozen_clock.now + dt.timedelta(hours=23))
    recent = status_url(client, "/maps/698/report.pdf?year=2025")
    run_worker_until_idle()
    assert set(ReportPdf.objects.values_list("state", flat=True)) == {"done"}
    frozen_clock.move_to(frozen_clock.now + dt.timedelta(hours=2))
    assert client.get(f"{old}download").status_code == 404
    assert client.get(f"{recent}download").status_code == 200
    defer("purge_report_pdfs", timestamp=0)
    run_worker_until_idle()
    assert job_status("purge_report_pdfs") == "succeeded"
    assert [str(pk) for pk in ReportPdf.objects.values_list("pk", flat=True)] == [_pk(recent)]
    _empty_job_tables()
