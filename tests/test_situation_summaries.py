"""Situation summaries: drafted from published figures, edited, approved, shown and exported."""
import datetime as dt
import io
from math import comb

import docx
import pytest
from django.core.exceptions import PermissionDenied

from geo_indi.analysis import summaries
from geo_indi.analysis.models import SummaryVersion
from geo_indi.areas.models import Municipality

from .conftest import INSIDE_ALFA



@pytest.fixture
def two_years(record):
    """Rovaniemi, loneliness: 20 observations in 2024, 8 in 2023; digital exclusion 6 in 2024, 15 in 2023;
    the other public phenomena 10 in each year, so that no published cell needs hiding (k = 5).
    """
    plan = [("yksinaisyys", 2024, 20), ("yksinaisyys", 2023, 8), ("digitaalisuus", 2024, 6), ("digitaalisuus", 2023, 15)]
    plan += [(slug, year, 10) for slug in ("harrastustoiminta", "ilkivalta", "turvallisuus-ymparistossa")
             for year in (2023, 2024)]
    for slug, year, n in plan:
        for i in range(n):
            record(*INSIDE_ALFA, phenomenon=slug, observed_on=dt.date(year, 3, 1 + i))
    return Municipality.objects.get(code="698")


def test_change_test_is_the_exact_conditional_binomial():
    # 20 against 8 of 28: P(X >= 20) = sum C(28, k) / 2^28 for k = 20..28, doubled (symmetric).
    tail = sum(comb(28, k) for k in range(20, 29)) / 2 ** 28
    assert summaries.change_test(20, 8) == pytest.approx(2 * tail)
    assert summaries.change_test(0, 0) == 1.0


def test_draft_quotes_the_published_figures(two_years, users):
    version = summaries.summary_draft(user=users["coord_698"], municipality=two_years, year=2024, language="en")
    figures = version.figures
    published_total, status = summaries.published_year(two_years, 2024)["total"]
    assert figures["total"] == published_total and status == summaries.PUBLISHED
    rows = {row["slug"]: row for row in figures["phenomena"]}
    assert (rows["yksinaisyys"]["n"], rows["yksinaisyys"]["previous"]) == (20, 8)
    assert (rows["digitaalisuus"]["n"], rows["digitaalisuus"]["previous"]) == (6, 15)
    assert figures["grew"][0]["slug"] == "yksinaisyys" and figures["fell"][0]["slug"] == "digitaalisuus"
    assert "20 observations against 8 in 2023" in version.text
    assert "6 observations against 15 in 2023" in version.text
    assert f"p = {summaries.change_test(20, 8):.3f}" in version.text
    assert f"{published_total} observations were recorded" in version.text
    fi = summaries.summary_draft(user=users["coord_698"], municipality=two_years, year=2024, language="fi")
    assert fi.summary_id != version.summary_id and "20" in fi.text


def test_only_coordinators_of_the_municipality_draft(two_years, users):
    with pytest.raises(PermissionDenied):
        summaries.summary_draft(user=users["field_698"], municipality=two_years, year=2024, language="fi")
    with pytest.raises(PermissionDenied):
        summaries.summary_draft(user=users["field_320"], municipality=two_years, year=2024, language="fi")


def test_drafted_edited_approved_shown_and_exported(client, two_years, users):
    client.force_login(users["coord_698"])
    response = client.post("/analysis/municipalities/698/summaries/draft/", {"year": "2024", "language": "fi"})
    assert response.status_code == 302
    draft = SummaryVersion.objects.get()
    summary = draft.summary
    edited_text = draft.text + "\n\nKoordinaattorin huomio: yksinäisyystyötä lisätään kylissä."
    client.post(f"/analysis/summaries/{summary.pk}/edit/", {"text": edited_text})
    edited = summary.latest_version
    assert edited.number == 2 and not edited.drafted and edited.figures == draft.figures

    client.logout()
    assert client.get(f"/analysis/summaries/{summary.pk}/").status_code == 404  # not approved: not shown
    assert client.get(f"/analysis/summaries/{summary.pk}/export.docx").status_code == 404

    client.force_login(users["coord_698"])
    client.post(f"/analysis/summaries/{summary.pk}/approve/", {"version": edited.pk})
    edited.refresh_from_db()
    assert edited.approved_by == users["coord_698"] and edited.approved_at is not None

    client.logout()
    page = client.get(f"/analysis/summaries/{summary.pk}/").content.decode()
    assert "Koordinaattorin huomio" in page and "coord698" in page
    assert "approved by coord698" in client.get("/analysis/municipalities/698/summaries/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    export = client.get(f"/analysis/summaries/{summary.pk}/export.docx")
    assert export.status_code == 200
    paragraphs = [p.text for p in docx.Document(io.BytesIO(export.content)).paragraphs]
    assert "Koordinaattorin huomio: yksinäisyystyötä lisätään kylissä." in paragraphs
    assert draft.text in paragraphs
    assert SummaryVersion.objects.filter(summary=summary).count() == 2  # the draft is kept


def test_bad_draft_requests_are_client_errors(client, two_years, users):
    client.force_login(users["coord_698"])
    response = client.post("/analysis/municipalities/698/summaries/draft/", {"year": "x", "language": "fi"})
    assert response.status_code == 302 and not SummaryVersion.objects.exists()
    client.force_login(users["field_698"])
    assert client.post("/analysis/municipalities/698/summaries/draft/",
                       {"year": "2024", "language": "fi"}).status_code == 403
    assert client.get("/analysis/municipalities/999/summaries/").status_code == 404


def test_admin_lists_versions_read_only(client, two_years, users):
    version = summaries.summary_draft(user=users["coord_698"], municipality=two_years, year=2024, language="en")
    summaries.summary_approve(version, user=users["coord_698"])
    client.force_login(users["admin"])
    page = client.get("/admin/analysis/summaryversion/")
    assert page.status_code == 200 and "coord698" in page.content.decode()
    assert client.get("/admin/analysis/summaryversion/add/").status_code == 403
