"""The report to hand out: filters in words, CSV for Finnish Excel, XLSX read back by openpyxl, the PDF.

The fixture is test_maps.py's (k = 5; 2026): Rovaniemi 698 — Alfa 5 persons + 2 objects (pop. 1200),
Beeta 2 persons (pop. 800). An insider of 698 sees 698: 9 (weakens 4 + 2 + 2 = 8, strengthens 1), Alfa 7 (weakens 6, strengthens 1, 7 * 1000 / 1200 =
5.83 per 1,000) and Beeta 2 (2.50 per 1,000); the anonymous viewer sees Alfa and Beeta hidden ("..").
"""
import csv
import io

import pytest
from openpyxl import load_workbook

from tests.report_pdf import fetch_pdf
from tests.test_maps import observations  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

EN_HEADERS = ["Level", "Code", "Name", "Population", "Occurrences", "Weakens", "Strengthens", "Per 1,000 inhabitants",
              "Records"]


def csv_table(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_has_a_bom_semicolons_and_headers_in_the_page_language(client, observations, users):  # noqa: F811
    client.force_login(users["coord_698"])
    response = client.get("/maps/698/report.csv?year=2026", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = csv_table(response)
    assert rows[0] == EN_HEADERS
    by_code = {row[1]: row for row in rows[1:]}
    assert by_code["698"][4:7] == ["9", "8", "1"]
    assert by_code["99001"][4:8] == ["7", "6", "1", "5.83"]
    assert by_code["99002"][4:8] == ["2", "2", "0", "2.50"]
    assert by_code["99001"][3] == "1200"


def test_an_unknown_population_is_empty_not_hidden(client, observations, users):  # noqa: F811
    client.force_login(users["admin"])
    rows = csv_table(client.get("/maps/320/report.csv?year=2026", HTTP_ACCEPT_LANGUAGE="en"))
    delta = {row[1]: row for row in rows[1:]}["99004"]  # Delta: no population in the file, no observations
    assert delta[3] == "" and delta[4] == "0" and delta[7] == ""

    finnish = csv_table(client.get("/maps/698/report.csv?year=2026", HTTP_ACCEPT_LANGUAGE="fi"))
    assert finnish[0] != EN_HEADERS and len(finnish[0]) == len(EN_HEADERS)
    assert {row[1]: row for row in finnish[1:]}["99001"][7] == "5,83"  # Finnish decimal comma


def test_csv_hides_what_the_viewer_may_not_see(client, observations):  # noqa: F811
    rows = csv_table(client.get("/maps/698/report.csv?year=2026", HTTP_ACCEPT_LANGUAGE="en"))
    by_code = {row[1]: row for row in rows[1:]}
    assert by_code["99001"][4] == ".." and by_code["99002"][4] == ".."
    assert client.get("/maps/698/report.csv?direction=weakens").status_code == 400


def test_xlsx_reads_back_with_numbers_and_filters_in_words(client, observations, users):  # noqa: F811
    client.force_login(users["coord_698"])
    pid = observations["yksinaisyys"].id
    response = client.get(f"/maps/698/report.xlsx?year=2026&phenomenon={pid}", HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    areas = book.worksheets[0]
    values = list(areas.values)
    headers_fi = csv_table(client.get("/maps/698/report.csv?year=2026", HTTP_ACCEPT_LANGUAGE="fi"))[0]
    assert list(values[0]) == headers_fi
    by_code = {row[1]: row for row in values[1:]}
    # Loneliness only: Alfa's 5 persons, Beeta's 2; numbers stay numbers.
    assert by_code["99001"][4:7] == (5, 4, 1)
    assert by_code["99002"][4] == 2
    filters = {row[0]: row[1] for row in list(book.worksheets[-1].values)[1:]}
    assert "Yksinäisyys" in filters.values()
    assert "Vuosi 2026" in filters.values()  # the period the numbers count


def test_report_shows_filters_in_words(client, observations, users):  # noqa: F811
    client.force_login(users["coord_698"])
    pid = observations["yksinaisyys"].id
    html = client.get(f"/maps/698/report/?year=2026&phenomenon={pid}&subject=person",
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    filters = html.split('class="report-filters"', 1)[1].split("</dl>", 1)[0]
    assert "<dd>Loneliness</dd>" in filters and "<dd>About a person</dd>" in filters
    assert "phenomenon" not in filters and "subject" not in filters and f">{pid}<" not in filters
    assert 'class="map-legend report-legend"' in html  # the legend outside the map, for print


def test_pdf_is_made_on_the_server(client, observations, users):  # noqa: F811
    client.force_login(users["coord_698"])
    response = fetch_pdf(client, "/maps/698/report.pdf?year=2026", HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert client.get("/maps/698/report.pdf?year=abc").status_code == 400


def test_pdf_pages_are_a4_portrait_and_nothing_is_wider(client, observations, users, monkeypatch):  # noqa: F811
    """WeasyPrint's layout of the PDF's HTML: A4 (210 x 297 mm) pages, every box within the page width."""
    from weasyprint import HTML

    from geo_indi.maps import exports

    captured = {}

    def keep_html(request, context):
        captured["html"] = exports.render_to_string("maps/report_pdf.html", context, request=request)
        return b"%PDF-"

    monkeypatch.setattr(exports, "report_pdf", keep_html)
    client.force_login(users["coord_698"])
    assert fetch_pdf(client, "/maps/698/report.pdf?year=2026").status_code == 200
    assert "<svg" in captured["html"]  # the map and the monthly chart
    document = HTML(string=captured["html"]).render()
    mm = 25.4 / 96
    for page in document.pages:
        assert round(page.width * mm) == 210 and round(page.height * mm) == 297

        def boxes(box):
            yield box
            for child in getattr(box, "children", []):
                yield from boxes(child)
        for box in boxes(page._page_box):
            assert box.position_x + box.margin_width() <= page.width + 0.5, box
