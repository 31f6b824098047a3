"""Journey: Rovaniemi's field worker (kenttatyo) on a phone (390×844, touch), in the fells without a connection.

Located by the phone, they record a person observation and an object observation while offline; both wait on
the device, are sent once the connection is back (exactly once), and appear in their own records."""
import pytest
from django.db import connection

from geo_indi.observations.models import Observation, Phenomenon

from ..helpers import PHONE, choose, fill_person_observation, open_app

pytestmark = pytest.mark.browser

POSTCODE = "96100"  # Rovaniemi's centre


def point_in(postcode: str) -> tuple[float, float]:
    """(lat, lon) of a point surely inside the postcode area, from PostGIS."""
    with connection.cursor() as cur:
        cur.execute("SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS p"
                    " FROM areas_postcodearea WHERE postcode = %s) s", [postcode])
        return cur.fetchone()


def locate(page):
    page.click("#locate-me")
    page.wait_for_function("() => /\\d+\\.\\d{3}/.test(document.getElementById('pin-status').textContent)")


@pytest.fixture
def phone(journey_page, demo_server, sign_in):
    lat, lon = point_in(POSTCODE)
    page = journey_page(**PHONE, is_mobile=True, has_touch=True, geolocation={"latitude": lat, "longitude": lon},
                        permissions=["geolocation"])
    return open_app(page, demo_server, sign_in, "kenttatyo")


def test_field_worker_records_offline_and_the_records_arrive_once_online(phone, watcher):
    page = phone
    loneliness, vandalism = Phenomenon.objects.get(slug="yksinaisyys"), Phenomenon.objects.get(slug="ilkivalta")
    mine_before = set(Observation.objects.filter(reporter__username="kenttatyo").values_list("pk", flat=True))
    total_before = Observation.objects.count()

    with watcher.offline(page):
        locate(page)
        fill_person_observation(page, loneliness, count=2, description="Iäkäs mies asuu yksin, ei käy kaupassa")
        page.click("#submit-observation")
        page.wait_for_function("() => document.getElementById('queue-status').dataset.waiting === '1'")
        locate(page)
        choose(page, f"phenomenon-{vandalism.pk}")
        choose(page, "subject-object")
        choose(page, "direction-weakens")
        page.fill("#description", "Bussikatoksen lasi rikottu")
        page.click("#submit-observation")
        page.wait_for_function("() => document.getElementById('queue-status').dataset.waiting === '2'")
        assert page.locator("#queued-list li").count() == 2
        assert Observation.objects.count() == total_before  # nothing reached the server

    page.wait_for_function("() => document.getElementById('queue-status').dataset.waiting === '0'", timeout=30000)
    new = Observation.objects.filter(reporter__username="kenttatyo").exclude(pk__in=mine_before)
    assert Observation.objects.count() == total_before + 2
    person, thing = new.get(subject="person"), new.get(subject="object")
    assert (person.phenomenon, person.occurrences, person.location) == (loneliness, 2, None)  # no point kept
    assert person.postcode_area.postcode == POSTCODE
    assert thing.phenomenon == vandalism and thing.location is not None and thing.postcode_area.postcode == POSTCODE

    # Both are among the worker's own records, on the phone.
    for observation in (person, thing):
        page.locator(f"#recent-list li[data-id='{observation.pk}']").wait_for()
    # A reload (which retries whatever is still queued) adds nothing.
    page.reload()
    page.wait_for_selector("#queue-status[data-waiting='0']", state="attached")
    page.wait_for_timeout(500)
    assert Observation.objects.count() == total_before + 2


def test_field_worker_sees_what_they_wrote_in_their_own_records(phone):
    page = phone
    choose(page, f"phenomenon-{Phenomenon.objects.get(slug='harrastustoiminta').pk}")
    locate(page)
    choose(page, "subject-object")
    choose(page, "direction-strengthens")
    page.fill("#description", "Kylätalon kerho kokosi paljon lapsia")
    page.click("#submit-observation")
    page.wait_for_selector("#result[data-state='saved']")
    saved = Observation.objects.filter(reporter__username="kenttatyo", description__startswith="Kylätalon kerho").get()
    item = page.locator(f"#recent-list li[data-id='{saved.pk}']")
    item.wait_for()
    assert "Kylätalon kerho kokosi paljon lapsia" in item.inner_text()
