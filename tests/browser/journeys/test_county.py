"""Journey: the wellbeing services county (hyvinvointialue) on a desktop — the Lapland overview, then several
municipalities' maps, on each of which it is an insider (its organisation covers every municipality)."""
import pytest

from geo_indi.areas.models import Municipality

from .steps import assert_insider_map, map_state

pytestmark = pytest.mark.browser


def test_county_reads_the_lapland_overview(journey_page, demo_server, sign_in):
    page = journey_page(1366, 768)
    sign_in(page, "hyvinvointialue")
    page.goto(f"{demo_server.url}/maps/")
    overview = map_state(page)
    assert overview["areas"] == Municipality.objects.count() and overview["legend"]
    assert page.locator("table.areas-table tbody tr").count() == Municipality.objects.count()


@pytest.mark.parametrize("code", ["698", "240", "851"])
def test_county_reads_municipality_maps(journey_page, demo_server, sign_in, code):
    page = journey_page(1366, 768)
    sign_in(page, "hyvinvointialue")
    page.goto(f"{demo_server.url}/maps/")
    page.locator("table.areas-table").get_by_role("link", name=code, exact=True).click()
    page.wait_for_url(f"**/maps/{code}/")
    name = Municipality.objects.get(code=code).name_fi
    assert f"{name} ({code})" in page.get_by_role("heading", level=1).inner_text()
    assert_insider_map(page, code)
