"""Journey: the administrator on a desktop — the Lapland maps, Django's admin and a changelist, the API docs."""
import pytest

from geo_indi.areas.models import Municipality
from geo_indi.observations.models import Phenomenon

from .steps import map_state

pytestmark = pytest.mark.browser


def test_administrator_lands_on_the_maps_and_curates_phenomena_in_the_admin(journey_page, demo_server, sign_in):
    page = journey_page(1366, 768)
    sign_in(page, "admin")
    page.goto(f"{demo_server.url}/maps/")
    overview = map_state(page)
    assert overview["areas"] == Municipality.objects.count() and overview["legend"]

    page.goto(f"{demo_server.url}/admin/")
    assert page.get_by_role("heading", name="Sivuston ylläpito").is_visible()
    page.locator("a[href='/admin/observations/phenomenon/']").first.click()
    page.wait_for_url("**/admin/observations/phenomenon/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == Phenomenon.objects.count() > 0
    assert page.locator("#result_list").get_by_text(Phenomenon.objects.order_by("pk").first().name_fi).count() >= 1


def test_administrator_reads_the_api_docs(journey_page, demo_server, sign_in):
    page = journey_page(1366, 768)
    sign_in(page, "admin")
    page.goto(f"{demo_server.url}/api/docs/")
    page.get_by_role("heading", name="geo_indi API").wait_for()
    assert page.locator("#redoc-container, redoc").get_by_text("observations").count() >= 1
