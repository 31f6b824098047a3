"""Reports say the period they count, per 1,000 inhabitants where the population is known, and the PDF carries
the categories, hot spots and indicators, with a monthly chart whose labels do not overlap and whose y-axis has
a scale.

test_maps.py's fixture (k = 5): 698 has Alfa 5 persons + 2 objects and Beeta 2 persons, all in 2026; one more
observation in Alfa on 2025-06-01 makes all time (10) differ from 2026 (9). The clock is frozen in 2026.
Populations: Alfa 1200, Beeta 800, so 698 has 2000.
"""
import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from geo_indi.areas.models import Municipality
from geo_indi.indicators.models import Indicator, IndicatorValue, PhenomenonIndicatorLink
from geo_indi.maps import rendering
from tests.report_pdf import fetch_pdf
from tests.test_maps import IN_ALFA, observations  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_2026():
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki")), tick=True):
        yield


@pytest.fixture
def two_years(in_2026, observations, record):  # noqa: F811
    record(*IN_ALFA, direction="weakens", observed_on=dt.date(2025, 6, 1))
    return observations


def _xlsx(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 200, response.content[:300]
    book = load_workbook(io.BytesIO(response.content))
    areas = {row[1]: row for row in list(book.worksheets[0].values)[1:]}
    filters = {row[0]: row[1] for row in list(book.worksheets[-1].values)[1:]}
    return areas, filters


def _pdf_text(client, url, language="en"):
    response = fetch_pdf(client, url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return re.sub(r"\s+", " ", text)


def test_the_period_printed_is_the_period_counted(client, two_years, users):
    client.force_login(users["coord_698"])
    pid = two_years["yksinaisyys"].id
    areas, filters = _xlsx(client, f"/maps/698/report.xlsx?phenomenon={pid}")
    assert areas["698"][4] == 8  # loneliness of all time: 7 persons in 2026 and 1 in 2025
    assert filters["Ajanjakso"] == "Koko ajalta (kaikki tallennetut havainnot)"
    assert "Vuosi 2026" not in filters.values() and "2026" not in filters.values()

    areas, filters = _xlsx(client, f"/maps/698/report.xlsx?phenomenon={pid}&year=2026")
    assert areas["698"][4] == 7 and filters["Ajanjakso"] == "Vuosi 2026"

    areas, filters = _xlsx(client, "/maps/698/report.xlsx?date_from=2025-05-01&date_to=2026-01-12")
    assert areas["698"][4] == 5  # the 2025 one and the four of 10 January 2026
    assert filters["Ajanjakso"] == "1.5.2025–12.1.2026"


def test_outside_the_organisation_the_period_is_the_published_year(client, two_years):
    _areas, filters = _xlsx(client, "/maps/698/report.xlsx")  # anonymous: the published table of this year
    assert filters["Ajanjakso"] == "Vuosi 2026"


def test_per_thousand_is_computed_for_the_municipality_and_areas_with_a_population(client, two_years, users):
    assert Municipality.objects.get(code="698").population == 2000
    client.force_login(users["coord_698"])
    areas, _filters = _xlsx(client, "/maps/698/report.xlsx?year=2026")
    assert areas["698"][3] == 2000 and areas["698"][7] == 4.5  # 9 per 2000 inhabitants
    assert areas["99001"][7] == 5.83 and areas["99002"][7] == 2.5
    csv_rows = list(csv.reader(client.get("/maps/698/aggregates.csv?year=2026").content.decode().splitlines()))
    header = next(row for row in csv_rows if row[0] == "section")
    municipality_row = next(row for row in csv_rows if row[0] == "municipality")
    assert municipality_row[header.index("per_1000")] == "4.50"
    text = _pdf_text(client, "/maps/698/report.pdf?year=2026")
    assert "Per 1,000 inhabitants: 4.50 (population 2000)" in text


def test_the_pdf_states_the_period_and_carries_categories_hot_spots_and_indicators(client, two_years, users):
    admin = users["admin"]
    indicator = Indicator.objects.create(sotkanet_id=9901, title_fi="Yksinäisiä, %", title_en="Lonely, %",
                                         unit="%")
    IndicatorValue.objects.create(indicator=indicator, municipality=Municipality.objects.get(code="698"),
                                  year=2025, value=12.5)
    PhenomenonIndicatorLink.objects.create(phenomenon=two_years["yksinaisyys"], indicator=indicator,
                                           confirmed_by=admin)
    client.force_login(users["coord_698"])
    text = _pdf_text(client, "/maps/698/report.pdf")
    assert "Period All time (every observation recorded)" in text
    assert "Observations in the municipality (All time (every observation recorded)): 10" in text
    assert "Year 2026" not in text
    assert "Categories with the most observations" in text
    assert "Hot spots" in text and "No hot spots at this significance level." in text  # 2 areas: too few for Gi*
    assert "Loneliness: observations and linked indicators per year" in text
    assert "Lonely, % (%)" in text and "12.5" in text

    client.logout()
    outside = _pdf_text(client, "/maps/698/report.pdf")
    assert "Period Year 2026" in outside
    assert "Hot spots" not in outside  # they rest on exact counts


def _month_labels(svg):
    return [float(x) for x in re.findall(r'<text class="month" x="([\d.]+)"', svg)]


def _y_ticks(svg):
    return re.findall(r'text-anchor="end">(\d+)</text>', svg)


def test_monthly_chart_labels_do_not_overlap_and_the_axis_has_a_scale():
    trend = [{"month": dt.date(2024 + (m // 12), m % 12 + 1, 1), "weakens": m * 3 % 37, "strengthens": m % 5}
             for m in range(36)]
    svg = str(rendering.svg_trend(trend))
    labels = _month_labels(svg)
    assert len(labels) >= 6
    assert min(b - a for a, b in zip(labels, labels[1:])) >= rendering.MONTH_LABEL_PX
    ticks = [int(t) for t in _y_ticks(svg)]
    assert len(ticks) >= 3 and ticks[0] == 0 and ticks[-1] >= 36
    assert len({b - a for a, b in zip(ticks, ticks[1:])}) == 1  # evenly spaced


@pytest.mark.parametrize("top, expected", [(1, [0, 1, 2]), (4, [0, 1, 2, 3, 4]), (37, [0, 10, 20, 30, 40]),
                                           (146, [0, 50, 100, 150])])
def test_axis_ticks_are_round(top, expected):
    assert rendering.axis_ticks(top) == expected
