"""The field app in Chromium: no request but the observation POST itself carries the
person's whereabouts, and the description warning comes before saving."""
import itertools
import math
import re
from urllib.parse import unquote

import pytest

from geo_indi.observations.models import Observation

from .helpers import PHONE, fill_person_observation, open_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Inside Alfa (99001), with decimals that occur nowhere else.
PERSON_POINT = (66.043217, 25.118943)
NEAR_M = 1000
NUMBER_RE = re.compile(r"-?\d+\.\d+")


def _distance_m(lat1, lon1, lat2, lon2):
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(a))


def places_in(text):
    """Every (lat, lon) a request's text could carry: any two of its decimal numbers in
    either order, and the centre of any two such pairs (a bbox centred on the pin)."""
    numbers = [float(n) for n in NUMBER_RE.findall(text)]
    lats = [n for n in numbers if 59 <= n <= 71]
    lons = [n for n in numbers if 19 <= n <= 32]
    lats += [(a + b) / 2 for a, b in itertools.combinations(lats, 2)]
    lons += [(a + b) / 2 for a, b in itertools.combinations(lons, 2)]
    return [(lat, lon) for lat in lats for lon in lons]


def test_places_in_finds_a_point_and_a_bbox_around_it():
    """The detector itself: it must see the leak that the old outline request had."""
    lat, lon = PERSON_POINT
    old_outline_request = f"/field/postcode-areas.geojson?bbox={lon - 0.05:.3f},{lat - 0.02:.3f},{lon + 0.05:.3f},{lat + 0.02:.3f}"
    assert any(_distance_m(lat, lon, *p) < NEAR_M for p in places_in(old_outline_request))
    assert not any(_distance_m(lat, lon, *p) < NEAR_M for p in places_in("/field/postcode-areas.geojson"))


def test_no_request_but_the_observation_post_carries_the_point(page_factory, live_server, login, walker, phenomena):
    lat, lon = PERSON_POINT
    page = page_factory(**PHONE, geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"])
    requests = []
    page.on("request", lambda request: requests.append(request))
    open_app(page, live_server, login)
    page.click("#locate-me")
    page.wait_for_function("() => document.getElementById('pin-status').textContent.includes('66.04')")
    page.wait_for_load_state("networkidle")
    fill_person_observation(page, phenomena["yksinaisyys"], description="Yksinäinen mies kaipaa seuraa.")
    page.click("#submit-observation")
    page.wait_for_function("() => document.getElementById('result').textContent.includes('99001')")
    page.wait_for_load_state("networkidle")

    observation_posts = [r for r in requests if r.method == "POST" and r.url == f"{live_server.url}/api/observations/"]
    assert len(observation_posts) == 1
    [post] = observation_posts
    answer = post.response().text()
    for places in (3, 4, 5, 6):
        assert f"{lat:.{places}f}" not in answer and f"{lon:.{places}f}" not in answer
    for request in requests:
        if request is post:
            continue
        text = unquote(request.url) + " " + (request.post_data or "")
        near = [p for p in places_in(text) if _distance_m(lat, lon, *p) < NEAR_M]
        assert not near, f"{request.method} {request.url} carries a place {near[0]} within {NEAR_M} m of the person"
    assert any("/field/postcode-areas.geojson" in r.url for r in requests)  # the outlines were fetched
    assert any("/api/observations/check-description/" in r.url for r in requests)  # and the text checked
    observation = Observation.objects.get(reporter=walker)
    assert observation.location is None and observation.postcode_area.postcode == "99001"


def test_description_warning_before_saving_then_edit_or_save_anyway(page_factory, live_server, login, walker, phenomena):
    page = page_factory(**PHONE, geolocation={"latitude": PERSON_POINT[0], "longitude": PERSON_POINT[1]},
                        permissions=["geolocation"])
    open_app(page, live_server, login)
    page.click("#locate-me")
    page.wait_for_function("() => document.getElementById('pin-status').textContent.includes('66.04')")
    fill_person_observation(page, phenomena["yksinaisyys"], description="Näin Mattia Rovaniemellä yksin.")
    page.click("#submit-observation")
    warning = page.locator("#description-warning")
    warning.wait_for(state="visible")
    assert "Mattia" in warning.inner_text() and "Rovaniemellä" in warning.inner_text()
    assert page.evaluate("() => document.activeElement.id") == "description-edit"
    assert not Observation.objects.exists()

    page.click("#description-edit")
    assert warning.is_hidden() and page.evaluate("() => document.activeElement.id") == "description"
    page.fill("#description", "Näin Mattia yksin.")
    page.click("#submit-observation")
    warning.wait_for(state="visible")
    assert "Mattia" in warning.inner_text() and "Rovaniemellä" not in warning.inner_text()
    assert not Observation.objects.exists()

    page.click("#description-save-anyway")
    page.wait_for_function("() => document.getElementById('result').textContent.includes('99001')")
    assert Observation.objects.get(reporter=walker).description == "Näin Mattia yksin."
    assert warning.is_hidden()
