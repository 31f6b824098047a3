"""Officials' maps in Chromium: the winter-vs-winter question on one page, the printed report, 360 px, axe-core.

Data (k = 5), loneliness about people in Rovaniemi 698: Alfa 2 in winter 2024–25 and 12 in winter
2025–26 (+10; 2 of 14 where 7 are expected: p = 0.013, more than chance); Beeta 3 and 4 (+1, p = 1, and
7 observations: too few to tell). The clock: 3 December 2026, winter 2026–27 three days old (issue 21).
"""
import datetime as dt

import pytest

from tests.browser.helpers import run_axe
from tests.conftest import INSIDE_ALFA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.clock("2026-12-03")]

IN_BETA = (66.07, 25.33)
A4_PRINTABLE_PX = round((210 - 2 * 15) / 25.4 * 96)  # A4 width less the report's 15 mm margins, at 96 px/inch


@pytest.fixture
def winters(record, settings):
    settings.SUPPRESSION_K = 5
    for day, n, where in ((dt.date(2025, 1, 15), 2, INSIDE_ALFA), (dt.date(2026, 1, 15), 12, INSIDE_ALFA),
                          (dt.date(2025, 1, 20), 3, IN_BETA), (dt.date(2026, 1, 20), 4, IN_BETA)):
        for _ in range(n):
            record(*where, observed_on=day)
    record(66.02, 25.05, subject="object", phenomenon="ilkivalta", observed_on=dt.date(2026, 2, 5))


def _errors(page):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_where_loneliness_grows_this_winter_compared_with_last_on_one_page(page_factory, live_server, login, users,
                                                                            phenomena, winters):
    page = page_factory(1366, 768)
    errors = _errors(page)
    login(page, "coord698")
    page.goto(f"{live_server.url}/maps/698/")
    page.select_option("#f-phenomenon", str(phenomena["yksinaisyys"].id))
    # The defaults are the two winters that have ended, not the one three days old.
    assert page.locator("#f-period_1").input_value() == "winter-2024"
    assert page.locator("#f-period_2").input_value() == "winter-2025"
    page.click(".map-filters button[type=submit]")
    page.wait_for_selector(".map-frame-change path.leaflet-interactive")
    # The page goes to the answer: the comparison has the focus and its top is in view.
    assert page.evaluate("() => document.activeElement.id") == "comparison"
    top = page.evaluate("() => document.getElementById('comparison').getBoundingClientRect().top")
    assert 0 <= top < 50
    grew = page.locator(".grew-most-list li").all_inner_texts()
    assert grew[0].startswith("99001") and "2 → 12 (+10)" in grew[0] and grew[1].startswith("99002")
    assert page.locator(".map-frame-change").bounding_box()["y"] < 768  # the change map on the first screen
    table = page.locator("table.change-table")
    change_header = table.locator("thead th").nth(4)
    change_header.locator("button").click()  # the first click: largest change first
    assert change_header.get_attribute("aria-sort") == "descending"
    first = table.locator("tbody tr").first.locator("td").all_inner_texts()
    assert first[0] == "99001" and first[2:5] == ["2", "12", "+10"]
    assert first[5].startswith("kyllä") or first[5].startswith("yes")
    last = table.locator("tbody tr").last.locator("td").all_inner_texts()
    assert last[5] in ("liian vähän sanoakseen", "too few to tell")  # Beeta: 3 + 4 observations
    change_header.locator("button").click()
    assert change_header.get_attribute("aria-sort") == "ascending"
    assert page.locator(".map-frame-change .map-legend").is_visible()
    # The heatmap starts hidden, with its legend only when switched on.
    assert page.locator(".map-frame:not(.map-frame-change) canvas.leaflet-heatmap-layer").count() == 0
    assert page.locator(".heat-legend").count() == 0
    assert errors == []
    assert run_axe(page) == []


def test_report_prints_on_a4_with_the_chart_inside_the_page(page_factory, live_server, login, users, winters,
                                                            job_worker):
    page = page_factory(A4_PRINTABLE_PX, 1100)
    errors = _errors(page)
    login(page, "coord698")
    page.goto(f"{live_server.url}/maps/698/report/?year=2026")
    page.wait_for_selector("#trend-chart")
    filters = page.locator(".report-filters").inner_text()
    assert "phenomenon" not in filters and "subject" not in filters
    assert run_axe(page) == []
    page.emulate_media(media="print")
    page.wait_for_timeout(300)  # Chart.js redraws on the resize the print media causes
    box = page.locator("#trend-chart").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= A4_PRINTABLE_PX
    legend = page.locator(".report-legend").bounding_box()
    frame = page.locator(".report-map").bounding_box()
    assert legend["y"] >= frame["y"] + frame["height"]  # the legend is below the map, covering nothing
    pdf = page.pdf(format="A4", margin={"top": "15mm", "bottom": "15mm", "left": "15mm", "right": "15mm"})
    assert pdf.startswith(b"%PDF-")
    # The server's PDF: report.pdf leads to its progress page, which offers the file once the worker has made it.
    page.emulate_media(media="screen")
    page.goto(f"{live_server.url}/maps/698/report.pdf?year=2026")
    assert "/maps/698/report-pdf/" in page.url
    page.locator("#report-pdf-link").wait_for(state="visible", timeout=90_000)
    assert run_axe(page) == []
    response = page.request.get(live_server.url + page.locator("#report-pdf-link").get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF-")
    assert errors == []


@pytest.mark.parametrize("path", ["/", "/maps/", "/maps/698/", "/maps/698/?period_1=winter-2024&period_2=winter-2025",
                                  "/maps/698/report/"])
def test_officials_pages_do_not_scroll_sideways_at_360_px(page_factory, live_server, login, users, winters, path):
    page = page_factory(360, 740)
    login(page, "coord698")
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.table-scroll, .leaflet-pane'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert width <= 360, (path, width, wide)
    assert run_axe(page) == [], path


def test_anonymous_home_page_has_the_public_overview(page_factory, live_server, winters):
    page = page_factory(1366, 768)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("table.home-table tbody tr")
    assert page.locator("table.home-table tbody tr").count() == 2
    assert page.locator("a[href='/maps/698/']").count() == 1
    assert run_axe(page) == []


def test_heatmap_starts_off_and_brings_its_own_legend(page_factory, live_server, login, users, winters):
    page = page_factory(1366, 768)
    login(page, "coord698")
    page.goto(f"{live_server.url}/maps/698/?year=2026")
    page.wait_for_selector("path.leaflet-interactive")
    control = page.locator(".leaflet-control-layers")
    assert "leaflet-control-layers-expanded" not in (control.get_attribute("class") or "")  # collapsed
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 0
    control.hover()
    page.locator(".leaflet-control-layers-overlays label", has_text="Heat").first.click()
    page.wait_for_selector("svg.leaflet-tile path")  # object observations come as vector tiles
    assert page.locator(".heat-legend").is_visible()
    assert run_axe(page) == []
