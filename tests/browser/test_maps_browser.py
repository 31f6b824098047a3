"""The maps in Debian's Chromium with every outside request blocked."""
import datetime as dt

import pytest
from django.conf import settings

from tests.conftest import INSIDE_ALFA

pytestmark = pytest.mark.browser

TILE_PREFIX = settings.MAP_TILE_URL.split("{", 1)[0]


@pytest.fixture
def observations(record):
    for _ in range(6):
        record(*INSIDE_ALFA, observed_on=dt.date(2026, 1, 10), description="<script>window.pwned=1</script>")
    record(66.05, 25.3, observed_on=dt.date(2026, 2, 1))
    record(66.02, 25.05, subject="object", phenomenon="ilkivalta", observed_on=dt.date(2026, 2, 5))
    record(66.05, 25.5, user="field_320", observed_on=dt.date(2026, 3, 1))


def _only_tiles_went_outside(page):
    assert all(url.startswith(TILE_PREFIX) for url in page.outside_requests), page.outside_requests


def test_overview_draws_municipalities_and_legend(page_factory, live_server, observations):
    page = page_factory()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/maps/")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 2  # Rovaniemi and Kemijärvi
    legend = page.locator(".map-legend")
    assert legend.is_visible()
    assert ".." in legend.inner_text()
    assert page.locator(".leaflet-control-layers").is_visible()
    assert page.locator("#trend-chart").count() == 0  # no monthly trend outside the organisation
    assert errors == []
    _only_tiles_went_outside(page)


def test_municipality_page_has_areas_heatmap_popups_for_an_insider(page_factory, live_server, observations, users):
    page = page_factory()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "coord698")
    page.fill("#id_password", "pw-for-tests")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/maps/698/")
    page.wait_for_selector("path.leaflet-interactive")
    # Alfa (7 observations) and Beeta (1): the insider sees both numbers.
    assert page.locator("path.leaflet-interactive").count() == 2
    assert page.locator(".map-legend").is_visible()
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 0  # heatmap off until chosen
    labels = page.locator(".leaflet-control-layers label").all_inner_texts()
    assert len(labels) == 3  # background, areas, heatmap of object points (people only on request)
    page.locator("path.leaflet-interactive").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "99001" in popup.inner_text()
    assert "7" in popup.inner_text()
    # The description with a script tag is shown as text and never ran.
    assert "<script>window.pwned=1</script>" in page.locator("table.latest-table").inner_text()
    assert page.evaluate("window.pwned") is None
    assert errors == []
    _only_tiles_went_outside(page)


def test_outsider_sees_hatched_suppressed_areas(page_factory, live_server, observations):
    """Beeta's 1 is hidden, and so is Alfa's 7 as its partner: hiding a total costs TOTAL_WEIGHT times more than a
    leaf (publication/protection.py), so the partner is a leaf: both of Rovaniemi's areas are hatched."""
    page = page_factory()
    page.goto(f"{live_server.url}/maps/698/")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive.area-suppressed").count() == 2
    fill = page.locator("path.area-suppressed").first.evaluate("el => getComputedStyle(el).fill")
    assert "suppressed-hatch" in fill
    _only_tiles_went_outside(page)
