"""The municipality map draws object observations from the vector tiles (geo_indi.maps.tiles)."""
import datetime as dt

import pytest

from tests.browser.helpers import run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OBJECT_POINTS = [(66.02, 25.05), (66.08, 25.15), (66.03, 25.12)]  # in Alfa (99001, Rovaniemi)


@pytest.fixture
def objects(record):
    for lat, lon in OBJECT_POINTS:
        record(lat, lon, subject="object", phenomenon="ilkivalta", observed_on=dt.date(2026, 2, 5))
    record(66.05, 25.1, observed_on=dt.date(2026, 2, 5))  # about a person: never in a tile


def test_municipality_page_draws_the_object_tiles(page_factory, live_server, objects):
    page = page_factory()
    errors, tile_responses = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: "/maps/tiles/" in r.url and tile_responses.append((r.url, r.status)))
    page.goto(f"{live_server.url}/maps/698/?year=2026")
    page.wait_for_selector("path.leaflet-interactive")
    assert tile_responses == []  # the heatmap starts hidden: no tile asked for yet
    page.locator(".map-frame").scroll_into_view_if_needed()  # hover, then a click that does not scroll away
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-overlays label", has_text="Heat").first.click()
    page.wait_for_selector("svg.leaflet-tile path")
    assert page.locator("svg.leaflet-tile path").count() >= 1
    assert page.locator(".heat-legend").is_visible()
    assert any(status == 200 for _url, status in tile_responses)
    assert all("/maps/tiles/heat/" in url and "year=2026" in url for url, _status in tile_responses)
    assert errors == []
    assert run_axe(page) == []
