"""Drafting a situation summary as a coordinator meets it (issue 21, item 2).

The header's language list once overwrote the page's `languages` (the draft form offered dicts and every
submission was refused); a municipality total hidden by complementary suppression was called "too few"; the
coordinator did not see their own exact numbers; the DOCX carried no figures. Dates are explicit (2025 and 2024
summaries, the clock frozen in 2026).
"""
import datetime as dt
import io
import re

import docx
import pytest
import time_machine
from django.template import RequestContext, Template
from django.test import RequestFactory

from geo_indi.analysis import summaries
from geo_indi.analysis.models import SummaryVersion
from geo_indi.areas.models import Municipality
from geo_indi.observations import suppression
from geo_indi.publication.tables import publish_release

from .conftest import INSIDE_ALFA

GAMMA = (66.05, 25.5)  # 99003, Kemijärvi
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rovaniemi_hidden(record):
    """2025: Rovaniemi has 40 records (loneliness 25, digital exclusion 15); Kemijärvi has 2, so that the
    municipality totals must be hidden together (Lapland's total is published): Rovaniemi's 40 is hidden to
    protect Kemijärvi's 2. 2024: Rovaniemi loneliness 10, digital exclusion 12."""
    plan = [(INSIDE_ALFA, "yksinaisyys", 2025, 25, "field_698"), (INSIDE_ALFA, "digitaalisuus", 2025, 15, "field_698"),
            (GAMMA, "yksinaisyys", 2025, 2, "field_320"),
            (INSIDE_ALFA, "yksinaisyys", 2024, 10, "field_698"), (INSIDE_ALFA, "digitaalisuus", 2024, 12, "field_698")]
    for point, slug, year, n, user in plan:
        for i in range(n):
            record(*point, phenomenon=slug, user=user, observed_on=dt.date(year, 3, 1 + i), occurrences=3)
    return Municipality.objects.get(code="698")


def _rows(version, kind, year):
    return [r for r in version.figures["rows"] if r["kind"] == kind and r["year"] == year]


# The header's names cannot overwrite a page's context.

BASE_ASSIGNS = re.compile(r"\bas (\w+) ?%}")


def test_the_header_assigns_only_names_of_its_own(settings):
    source = (settings.BASE_DIR / "templates" / "base.html").read_text()
    names = set(BASE_ASSIGNS.findall(source))
    assert names and all(name.startswith("site_") for name in names), names


@pytest.mark.django_db
def test_a_page_keeps_its_languages_and_alert_count_under_the_header(users):
    request = RequestFactory().get("/")
    request.user = users["coord_698"]  # signed in: the header counts alerts too
    page = Template('{% extends "base.html" %}{% block content %}<p id="probe">{{ languages|join:"," }}|'
                    '{{ alert_count }}|{{ language }}</p>{% endblock %}')
    html = page.render(RequestContext(request, {"languages": ["fi", "sv", "en"], "alert_count": 7,
                                                 "language": "sv"}))
    assert '<p id="probe">fi,sv,en|7|sv</p>' in html
    assert '<option value="sv"' in html  # the header's own list is still there


def test_the_draft_form_offers_language_codes_and_drafts(client, rovaniemi_hidden, users):
    client.force_login(users["coord_698"])
    page = client.get("/analysis/municipalities/698/summaries/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    form = page[page.index('id="draft-form"'):page.index("</form>", page.index('id="draft-form"'))]
    assert re.findall(r'<option value="(\w+)"', form[form.index('id="draft-language"'):]) == ["fi", "sv", "en"]
    assert "{'bidi'" not in page
    response = client.post("/analysis/municipalities/698/summaries/draft/", {"year": "2025", "language": "fi"})
    assert response.status_code == 302 and SummaryVersion.objects.count() == 1


# Each figure is stated correctly.

def test_a_total_hidden_to_protect_another_is_not_called_too_few(rovaniemi_hidden, users):
    version = summaries.summary_draft(user=users["coord_698"], municipality=rovaniemi_hidden, year=2025,
                                      language="en")
    (total,) = _rows(version, "total", 2025)
    assert total["exact"] == 40 and total["published"] is None and total["status"] == summaries.PROTECTS
    assert total["occurrences"] == 120  # cases: 40 records of 3
    assert "too few" not in version.text.lower()
    assert "not published outside the organisation" in version.text
    assert "40" not in version.text  # the text is public once approved: no insider number in it
    # Changes are told only between numbers published in both years.
    for row in version.figures["phenomena"]:
        assert row["n"] is not None and row["previous"] is not None


def test_the_reason_follows_the_published_tables(rovaniemi_hidden, users):
    version = summaries.summary_draft(user=users["coord_698"], municipality=rovaniemi_hidden, year=2025,
                                      language="en")
    tables = publish_release(2025)
    k = suppression.threshold()
    for row in _rows(version, "phenomenon", 2025) + _rows(version, "total", 2025):
        assert row["release"] == {"id": tables.release.pk, "computed_at": tables.release.computed_at.isoformat()}
        if row["published"] is not None:
            assert row["status"] == summaries.PUBLISHED and row["published"] == row["exact"]
        elif row["exact"] >= k:
            assert row["status"] == summaries.PROTECTS
        else:
            assert row["status"] == summaries.TOO_FEW


def test_the_coordinator_sees_exact_numbers_and_why_on_the_draft_page(client, rovaniemi_hidden, users):
    version = summaries.summary_draft(user=users["coord_698"], municipality=rovaniemi_hidden, year=2025,
                                      language="en")
    client.force_login(users["coord_698"])
    page = client.get(f"/analysis/summaries/{version.summary_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = page[page.index('id="draft-figures"'):page.index("</table>", page.index('id="draft-figures"'))]
    total_row = next(tr for tr in table.split("<tr")[1:] if "all public phenomena" in tr and "2025" in tr)
    assert "<td>40 " in total_row and "120 cases" in total_row
    assert "hidden to protect another small number" in total_row
    assert "release " in total_row


def test_a_small_cell_is_too_few_for_the_insider_and_one_reason_outside(record, users, phenomena):
    for i in range(12):
        record(*INSIDE_ALFA, phenomenon="yksinaisyys", observed_on=dt.date(2025, 4, 1 + i))
    for i in range(2):
        record(*INSIDE_ALFA, phenomenon="digitaalisuus", observed_on=dt.date(2025, 5, 1 + i))
    municipality = Municipality.objects.get(code="698")
    version = summaries.summary_draft(user=users["coord_698"], municipality=municipality, year=2025, language="en")
    digital = next(r for r in _rows(version, "phenomenon", 2025) if r["slug"] == "digitaalisuus")
    assert digital["exact"] == 2 and digital["status"] == summaries.TOO_FEW
    # Nothing was recorded in 2024 (zeros are not published): no change can be told, and that is said.
    assert "No published phenomenon changed" not in version.text
    assert "No phenomenon can be compared with 2024 from published figures" in version.text
    with summaries.translation.override("en"):
        assert "too few" in summaries.status_text(summaries.TOO_FEW, insider=True)
        outside = summaries.status_text(summaries.TOO_FEW, insider=False)
        assert outside == summaries.status_text(summaries.PROTECTS, insider=False) and "too few" not in outside


def test_published_changes_are_quoted_with_their_test(record, users):
    """All cells published: the text quotes the published counts, which equal the exact ones."""
    plan = [("yksinaisyys", 2025, 20), ("yksinaisyys", 2024, 8), ("digitaalisuus", 2025, 6),
            ("digitaalisuus", 2024, 15)]
    plan += [(slug, year, 10) for slug in ("harrastustoiminta", "ilkivalta", "turvallisuus-ymparistossa")
             for year in (2024, 2025)]
    for slug, year, n in plan:
        for i in range(n):
            record(*INSIDE_ALFA, phenomenon=slug, observed_on=dt.date(year, 3, 1 + i))
    municipality = Municipality.objects.get(code="698")
    version = summaries.summary_draft(user=users["coord_698"], municipality=municipality, year=2025, language="en")
    assert "20 observations against 8 in 2024" in version.text
    assert "6 observations against 15 in 2024" in version.text
    assert f"p = {summaries.change_test(20, 8):.3f}" in version.text
    (total,) = _rows(version, "total", 2025)
    assert total["published"] == total["exact"] == 56
    assert "56 observations were recorded (2024: 53)" in version.text


# The DOCX: heading, text, approver and the figures table.

def test_approved_docx_carries_the_figures_table(client, rovaniemi_hidden, users):
    client.force_login(users["coord_698"])
    client.post("/analysis/municipalities/698/summaries/draft/", {"year": "2025", "language": "en"})
    version = SummaryVersion.objects.get()
    client.post(f"/analysis/summaries/{version.summary_id}/approve/", {"version": version.pk})
    version.refresh_from_db()
    client.logout()
    export = client.get(f"/analysis/summaries/{version.summary_id}/export.docx")
    assert export.status_code == 200
    document = docx.Document(io.BytesIO(export.content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Situation summary: Rovaniemi 2025"
    assert version.text in paragraphs
    assert any(p.startswith("Approved by coord698 on 2026-03-02") for p in paragraphs)
    (table,) = document.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["Figure", "Period", "Value", "Source", "Release", "Approved"]
    total = next(r for r in cells[1:] if r[0] == "Observations, all public phenomena" and "2025" in r[1])
    release = _rows(version, "total", 2025)[0]["release"]
    assert total[1] == "01/01/2025–12/31/2025"
    assert total[2] == "not published (hidden to protect small numbers)"  # the outside reason, never which
    assert "k = 5" in total[3] and f"release {release['id']} of " in total[4]
    assert total[5].startswith("coord698, ")
    body = "\n".join(paragraphs) + "\n".join("|".join(r) for r in cells)
    assert "40" not in body.replace("2025", "").replace("2024", "") and "120" not in body  # no insider number
    # The public page shows the same published figures.
    page = client.get(f"/analysis/summaries/{version.summary_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="approved-figures"' in page and 'id="draft-figures"' not in page
