"""Journey: Rovaniemi's coordinator writes the welfare report chapter (hyvinvointikertomus) — approves the year's
situation summary, opens the chapter from the municipality's map, downloads it as DOCX and PDF, and every figure
in it is the number an anonymous visitor gets from the public map layer; the county opens the county's chapter."""
import io
import json
import re

import pytest
from docx import Document
from pypdf import PdfReader

from geo_indi.observations.models import Phenomenon

from .conftest import JOURNEY_NOW
from .test_coordinator import coordinator_page, download

pytestmark = pytest.mark.browser

YEAR = JOURNEY_NOW.year  # the demo is mostly this year: its Rovaniemi total is published (2025: everything hidden, issue 22)
LAYER = "/api/layers/municipality-stats.geojson"


def public_map_row(journey_page, demo_server, year, unit):
    """Rovaniemi's row of the public municipality layer, fetched by a visitor who is not signed in."""
    visitor = journey_page(1366, 768)
    response = visitor.request.get(f"{demo_server.url}{LAYER}?year={year}&unit={unit}")
    assert response.status == 200
    (row,) = [f["properties"] for f in json.loads(response.body())["features"] if f["properties"]["code"] == "698"]
    visitor.close()
    return row


def number(cell):
    return None if cell == ".." else int(cell)


def test_coordinator_downloads_the_chapter_and_its_figures_are_the_maps(journey_page, sign_in, demo_server):
    page = coordinator_page(journey_page, sign_in, demo_server, "/analysis/municipalities/698/summaries/")
    page.get_by_label("Vuosi").select_option(str(YEAR))
    page.get_by_label("Kieli", exact=True).last.select_option("fi")
    page.get_by_role("button", name="Luonnostele tilannekuva").click()
    page.get_by_role("button", name=re.compile("Hyväksy versio")).click()
    approved_text = page.locator("#approved-text").inner_text()

    page.goto(f"{demo_server.url}/maps/698/")
    page.get_by_role("link", name="Vuoden hyvinvointikertomuksen luku").click()
    page.wait_for_url("**/welfare-report/")
    page.get_by_label("Vuosi").select_option(str(YEAR))
    page.get_by_label("Luvun kieli").select_option("fi")
    page.get_by_role("button", name="Näytä luku").click()
    page.wait_for_url(f"**/welfare-report/?year={YEAR}&language=fi")
    assert f"Rovaniemi {YEAR}" in page.get_by_role("heading", level=1).inner_text()
    assert approved_text.split("\n")[0][:60] in page.locator("#chapter-summary-text").inner_text()

    name, body = download(page, page.get_by_role("link", name="Lataa DOCX-tiedostona"))
    assert name == f"hyvinvointikertomus-698-{YEAR}-fi.docx"
    document = Document(io.BytesIO(body))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert approved_text.split("\n")[0][:60] in paragraphs and "koordinaattori" in paragraphs
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows[1:]]
    assert rows, "the chapter has a figures table"

    slug_of = {p.name_fi: p.slug for p in Phenomenon.objects.all()}
    maps = {(unit, y): public_map_row(journey_page, demo_server, y, unit)
            for unit in ("records", "occurrences") for y in (YEAR, YEAR - 1)}
    published = 0
    for label, records, before, cases, cases_before, *_rest in rows:
        column = "count" if label == "Kaikki julkiset ilmiöt" else slug_of[label]
        assert (number(records), number(before), number(cases), number(cases_before)) == (
            maps[("records", YEAR)][column], maps[("records", YEAR - 1)][column],
            maps[("occurrences", YEAR)][column], maps[("occurrences", YEAR - 1)][column]), label
        published += records != ".."
    assert published, "the demo's Rovaniemi publishes some numbers"

    name, pdf = download(page, page.get_by_role("link", name="Lataa PDF-tiedostona"))
    assert name.endswith(".pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert f"Rovaniemi {YEAR}" in text and "Kaikki julkiset ilmiöt" in text


def test_the_county_opens_the_county_chapter(journey_page, sign_in, demo_server):
    page = journey_page(1366, 768)
    sign_in(page, "hyvinvointialue")
    page.goto(f"{demo_server.url}/maps/")
    page.get_by_role("link", name="Hyvinvointialueen hyvinvointikertomuksen luku").click()
    page.wait_for_url("**/lappi/welfare-report/")
    assert "Lappi (hyvinvointialue)" in page.get_by_role("heading", level=1).inner_text()
    name, body = download(page, page.get_by_role("link", name="Lataa DOCX-tiedostona"))
    assert name.startswith("hyvinvointikertomus-lappi-")
    assert Document(io.BytesIO(body)).tables[0].rows[1].cells[0].text == "Kaikki julkiset ilmiöt"
