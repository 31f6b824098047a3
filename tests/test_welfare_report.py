"""The welfare report chapter: every figure is the number the public map gives, in the chapter's language, as a
page, a DOCX and a PDF; only officials of the municipality read it; bad years and languages are 400s."""
import datetime as dt
import io
import json

import docx
import pytest
from pypdf import PdfReader

from django.utils import timezone, translation

from geo_indi.accounts.demo import ensure_demo_accounts
from geo_indi.analysis import hotspots, summaries, welfare_report
from geo_indi.areas.models import Municipality
from geo_indi.observations.demo import HOT_SPOT, load_demo_observations
from geo_indi.observations.models import Phenomenon

from .conftest import INSIDE_ALFA

LAYER = "/api/layers/municipality-stats.geojson"


@pytest.fixture
def two_years(record):
    """Rovaniemi: loneliness 20 records (2 cases each) in 2024 and 8 in 2023; digital exclusion 6 and 15; vandalism
    only 3 in 2024 (too few: not published); the other public phenomena 10 a year."""
    plan = [("yksinaisyys", 2024, 20), ("yksinaisyys", 2023, 8), ("digitaalisuus", 2024, 6),
            ("digitaalisuus", 2023, 15), ("ilkivalta", 2024, 3), ("ilkivalta", 2023, 10)]
    plan += [(slug, year, 10) for slug in ("harrastustoiminta", "turvallisuus-ymparistossa") for year in (2023, 2024)]
    for slug, year, n in plan:
        for i in range(n):
            record(*INSIDE_ALFA, phenomenon=slug, observed_on=dt.date(year, 3, 1 + i),
                   occurrences=2 if slug == "yksinaisyys" else 1)
    return Municipality.objects.get(code="698")


def _map(client, year, unit):
    """The public municipality-stats layer's row of Rovaniemi, as an anonymous visitor gets it."""
    client.logout()
    response = client.get(LAYER, {"year": year, "unit": unit})
    assert response.status_code == 200, response.content[:300]
    features = json.loads(b"".join(response.streaming_content))["features"]
    (row,) = [f["properties"] for f in features if f["properties"]["code"] == "698"]
    return row


def test_every_figure_is_what_the_public_map_gives(client, two_years):
    chapter = welfare_report.chapter(two_years, 2024, "en")
    maps = {(unit, year): _map(client, year, unit) for unit in ("records", "occurrences") for year in (2023, 2024)}
    slugs = dict(Phenomenon.objects.values_list("pk", "slug"))
    assert chapter.figures[0].phenomenon_id is None
    for figure in chapter.figures:
        column = "count" if figure.phenomenon_id is None else slugs[figure.phenomenon_id]
        assert (figure.records, figure.records_before, figure.cases, figure.cases_before) == (
            maps[("records", 2024)][column], maps[("records", 2023)][column],
            maps[("occurrences", 2024)][column], maps[("occurrences", 2023)][column]), figure.label
    by_slug = {slugs.get(f.phenomenon_id): f for f in chapter.figures}
    assert (by_slug["yksinaisyys"].records, by_slug["yksinaisyys"].cases) == (20, 40)
    assert by_slug["ilkivalta"].records is None  # 3 people: not published, and so not in the chapter
    assert "more (+12), a clear change" == by_slug["yksinaisyys"].change
    assert by_slug["yksinaisyys"].source == f"?year=2024&unit=records&phenomenon={by_slug['yksinaisyys'].phenomenon_id}"
    assert "release" in welfare_report.source_text(chapter) and LAYER in welfare_report.source_text(chapter)


def test_the_approved_summary_and_its_approver_are_in_the_chapter(two_years, users):
    version = summaries.summary_draft(user=users["coord_698"], municipality=two_years, year=2024, language="sv")
    assert welfare_report.chapter(two_years, 2024, "sv").summary_text is None  # a draft is not quoted
    summaries.summary_approve(version, user=users["coord_698"])
    chapter = welfare_report.chapter(two_years, 2024, "sv")
    assert chapter.summary_text == version.text
    assert "coord698" in chapter.approval and chapter.language == "sv"
    assert chapter.figures[0].label == "Alla offentliga fenomen"


def test_docx_and_pdf_carry_the_same_figures(client, two_years, users):
    client.force_login(users["coord_698"])
    page = client.get("/analysis/municipalities/698/welfare-report/", {"year": 2024, "language": "fi"})
    assert page.status_code == 200
    assert "Havainnot ilmiöittäin" in page.content.decode()
    chapter = welfare_report.chapter(two_years, 2024, "fi")
    expected = [welfare_report.figure_cells(f) for f in chapter.figures]

    response = client.get("/analysis/municipalities/698/welfare-report.docx", {"year": 2024, "language": "fi"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('-698-2024-fi.docx"')
    table = docx.Document(io.BytesIO(response.content)).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert [r[:6] for r in rows] == [r[:6] for r in expected]

    response = client.get("/analysis/municipalities/698/welfare-report.pdf", {"year": 2024, "language": "fi"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Yksinäisyys" in text and "40" in text


def test_only_officials_of_the_municipality_read_it(client, two_years, users):
    url = "/analysis/municipalities/698/welfare-report/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(users["field_320"])
    assert client.get(url).status_code == 403
    assert client.get("/analysis/municipalities/lappi/welfare-report/").status_code == 403
    client.force_login(users["admin"])
    county = client.get("/analysis/municipalities/lappi/welfare-report/", {"year": 2024, "language": "en"})
    assert county.status_code == 200 and "Lapland (wellbeing services county)" in county.content.decode()


@pytest.mark.parametrize("params", [{"year": "abc"}, {"year": "1999"}, {"language": "de"}])
def test_a_bad_year_or_language_is_a_400(client, two_years, users, params):
    client.force_login(users["coord_698"])
    response = client.get("/analysis/municipalities/698/welfare-report.docx", params)
    assert response.status_code == 400


def test_a_hot_spot_is_named_only_where_its_area_cell_is_published(client, lapland_geography, phenomena):
    """The demo's recent vandalism cluster: each hot spot is in the chapter exactly when the public postcode layer
    gives its area's count of the year for that phenomenon ("a hot spot is here" must not bound a hidden cell)."""
    ensure_demo_accounts()
    load_demo_observations(count=1000, seed=2024)
    municipality = Municipality.objects.get(code=HOT_SPOT["municipality"])
    spots = hotspots.hot_spots(municipality)
    assert spots, "the demo has a hot spot"
    named = welfare_report.chapter(municipality, timezone.localdate().year, "en").hot_spots
    published = 0
    for spot in spots:
        response = client.get("/api/layers/postcode-area-stats.geojson", {
            "year": timezone.localdate().year, "phenomenon": spot.phenomenon_id, "unit": "records"})
        (row,) = [f["properties"] for f in json.loads(b"".join(response.streaming_content))["features"]
                  if f["properties"]["postcode"] == spot.postcode]
        with translation.override("en"):
            line = welfare_report.hot_spot_line(Phenomenon.objects.get(pk=spot.phenomenon_id).name, spot.postcode,
                                                spot.name)
        assert (line in named) == (row["count"] is not None), (line, row["count"])
        published += row["count"] is not None
    assert len(named) == published
