"""Journey: an anonymous visitor on a desktop — the home page, the Lapland overview, a municipality's page."""
import pytest

from geo_indi.areas.models import Municipality

from .steps import assert_map_shows, map_state, municipality_extent

pytestmark = pytest.mark.browser


def test_anonymous_visitor_reads_home_overview_and_rovaniemi(journey_page, demo_server):
    page = journey_page(1366, 768)
    page.goto(f"{demo_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hyvinvointi- ja turvallisuushavainnot Lapissa"
    rows = page.locator("table.home-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == Municipality.objects.count()  # every municipality listed, published or "..":
    assert page.get_by_role("link", name="Kirjaudu sisään").is_visible()
    page.wait_for_selector("#map path.leaflet-interactive")
    assert page.locator("#map path.leaflet-interactive").count() == Municipality.objects.count()

    page.get_by_role("link", name="Kartat", exact=True).click()
    page.wait_for_url("**/maps/")
    overview = map_state(page)
    assert overview["areas"] == Municipality.objects.count() and overview["legend"]
    assert page.locator("table.areas-table tbody tr").count() == Municipality.objects.count()

    page.locator("table.areas-table").get_by_role("link", name="698", exact=True).click()
    page.wait_for_url("**/maps/698/")
    assert "Rovaniemi (698)" in page.get_by_role("heading", level=1).inner_text()
    rovaniemi = map_state(page)
    assert rovaniemi["legend"] and rovaniemi["areas"] > 10
    assert rovaniemi["hot_spots"] == []  # hot spots rest on exact counts: only insiders see them
    assert_map_shows(rovaniemi, municipality_extent("698"), "Rovaniemi's public map")
    # Outsiders get published, suppressed counts: some areas are hatched ("..") rather than small numbers.
    assert page.locator("table.areas-table tbody tr").count() > 10


def test_public_pages_do_not_address_the_visitor_as_a_member(journey_page, demo_server):
    page = journey_page(1366, 768)
    for path in ("/", "/maps/", "/maps/698/"):
        page.goto(f"{demo_server.url}{path}")
        assert "Organisaatiosi" not in page.inner_text("main"), path
