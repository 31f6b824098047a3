"""The field app in a real Chromium: pin drop, person privacy, offline queue, service worker, axe-core."""
import os
import re
from pathlib import Path

import pytest

from geo_indi.observations.models import Observation

from ..conftest import INSIDE_ALFA, ON_ALFA_BETA_BORDER
from .helpers import PHONE, SERIOUS, choose, fill_person_observation, open_app, run_axe, tap_map_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "field-recording-390x844.png"
INSIDE_BETA = (66.05, 25.3)  # 99002


def waiting(page):
    return int(page.get_attribute("#queue-status", "data-waiting"))


def test_drop_pin_and_record_person_observation(page_factory, live_server, login, walker, phenomena):
    page = open_app(page_factory(**PHONE), live_server, login)
    assert "walker" in page.content()
    tap_map_at(page, *INSIDE_ALFA)
    assert "66.05" in page.inner_text("#pin-status")
    loneliness = phenomena["yksinaisyys"]
    category = loneliness.categories.order_by("pk").first()
    fill_person_observation(page, loneliness, category, count=3, description="Asuu yksin kylällä")
    assert page.input_value("#occurrences") == "3"
    page.click("#submit-observation")
    page.wait_for_function("() => document.getElementById('result').textContent.includes('99001')")

    observation = Observation.objects.get(reporter=walker)
    assert observation.subject == "person"
    assert observation.location is None
    assert observation.postcode_area.postcode == "99001"
    assert observation.municipality.code == "698"
    assert (observation.phenomenon, observation.category) == (loneliness, category)
    assert (observation.occurrences, observation.age_group, observation.direction) == (3, "older", "weakens")
    assert "Alfa" in page.inner_text("#result")
    # The new observation is listed as one's own, with edit and delete.
    item = page.locator(f"#recent-list li[data-id='{observation.pk}']")
    item.wait_for()
    assert item.locator("button", has_text="Edit").count() == 1
    assert not page.outside_requests or all("tile.openstreetmap.org" in u for u in page.outside_requests)


def test_object_observation_keeps_its_point_and_can_be_edited_and_deleted(page_factory, live_server, login, walker, phenomena):
    page = open_app(page_factory(**PHONE), live_server, login)
    tap_map_at(page, *INSIDE_BETA)
    vandalism = phenomena["ilkivalta"]
    choose(page, f"phenomenon-{vandalism.pk}")
    choose(page, "subject-object")
    assert page.is_hidden("#age-group-step")
    choose(page, "direction-weakens")
    page.click("#submit-observation")
    page.wait_for_function("() => document.getElementById('result').textContent.includes('66.05')")
    observation = Observation.objects.get(reporter=walker)
    assert observation.postcode_area.postcode == "99002" and observation.location is not None

    item = page.locator(f"#recent-list li[data-id='{observation.pk}']")
    item.locator("button", has_text="Edit").click()
    assert page.is_visible("#edit-banner")
    page.fill("#occurrences", "7")
    page.click("#submit-observation")
    page.wait_for_function("() => document.getElementById('edit-banner').hidden")
    observation.refresh_from_db()
    assert observation.occurrences == 7 and observation.postcode_area.postcode == "99002"

    page.once("dialog", lambda dialog: dialog.accept())
    item.locator("button", has_text="Delete").click()
    page.wait_for_function(f"() => !document.querySelector(\"#recent-list li[data-id='{observation.pk}']\")")
    assert not Observation.objects.filter(pk=observation.pk).exists()


def test_missing_choices_are_explained_and_nothing_is_sent(page_factory, live_server, login, walker):
    page = open_app(page_factory(**PHONE), live_server, login)
    page.click("#submit-observation")
    assert page.is_visible("#place-error") and page.is_visible("#phenomenon-error")
    assert page.is_visible("#subject-error") and page.is_visible("#direction-error")
    assert Observation.objects.count() == 0


def test_offline_submissions_wait_and_are_sent_once_online(page_factory, live_server, login, walker, phenomena):
    page = page_factory(**PHONE, geolocation={"latitude": INSIDE_ALFA[0], "longitude": INSIDE_ALFA[1]},
                        permissions=["geolocation"])
    open_app(page, live_server, login)
    page.click("#locate-me")
    page.wait_for_function("() => document.getElementById('pin-status').textContent.includes('66.05')")
    before = Observation.objects.count()

    page.context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    loneliness, digital = phenomena["yksinaisyys"], phenomena["digitaalisuus"]
    fill_person_observation(page, loneliness, description="offline 1")
    page.click("#submit-observation")
    page.wait_for_function("() => document.getElementById('queue-status').dataset.waiting === '1'")
    assert page.inner_text("#pin-status") == "No pin yet."  # the next record needs its place chosen again
    page.click("#pin-again")
    fill_person_observation(page, digital, count=2, description="offline 2")
    page.click("#submit-observation")
    page.wait_for_function("() => document.getElementById('queue-status').dataset.waiting === '2'")
    assert "2" in page.inner_text("#queue-status")
    assert page.locator("#queued-list li").count() == 2
    assert Observation.objects.count() == before

    queued_uuids = set(page.evaluate(
        "() => new Promise(r => { const q = indexedDB.open('geo-indi-field');"
        " q.onsuccess = () => { const g = q.result.transaction('queue').objectStore('queue').getAllKeys();"
        " g.onsuccess = () => r(g.result); }; })"
    ))
    assert len(queued_uuids) == 2

    page.context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-status').dataset.waiting === '0'", timeout=30000)
    new = list(Observation.objects.filter(reporter=walker))
    assert Observation.objects.count() == before + 2 and len(new) == 2
    assert {str(o.client_uuid) for o in new} == queued_uuids
    assert sorted((o.phenomenon.slug, o.occurrences) for o in new) == [("digitaalisuus", 2), ("yksinaisyys", 1)]
    assert all(o.location is None and o.postcode_area.postcode == "99001" for o in new)

    # A reload (which retries anything still queued) adds nothing more.
    page.reload()
    page.wait_for_selector("#queue-status[data-waiting='0']", state="attached")
    page.wait_for_timeout(500)
    assert Observation.objects.count() == before + 2


def test_service_worker_opens_the_app_offline(page_factory, live_server, login, walker):
    page = open_app(page_factory(**PHONE), live_server, login)
    assert page.evaluate("() => navigator.serviceWorker.ready.then(r => r.scope)") == f"{live_server.url}/field/"
    # Reload once online so the worker controls the page, then go offline and reload again.
    page.reload()
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#phenomenon-choices input[name=phenomenon]", state="attached")
    assert page.locator("#phenomenon-choices input[name=phenomenon]").count() == 6
    assert "Offline" in page.inner_text("#connection-status")


def test_keyboard_only_recording_in_swedish(page_factory, live_server, login, walker, phenomena):
    page = open_app(page_factory(**PHONE, locale="sv-SE"), live_server, login)
    loneliness = phenomena["yksinaisyys"]
    assert loneliness.name_sv in page.inner_text("#phenomenon-choices")  # names from the model, in Swedish
    page.focus("#pin-at-centre")
    page.keyboard.press("Enter")
    assert re.search(r"\d+\.\d{5}", page.inner_text("#pin-status"))
    page.focus(f"#phenomenon-{loneliness.pk}")
    page.keyboard.press("Space")
    outline = page.evaluate(
        "id => { const l = document.querySelector(`label[for='${id}']`); const s = getComputedStyle(l);"
        " return [s.outlineStyle, s.boxShadow]; }", f"phenomenon-{loneliness.pk}")
    assert outline[0] == "solid" and outline[1] != "none"  # visible focus on the chosen button
    page.focus("#subject-person")
    page.keyboard.press("Space")
    page.focus("#direction-weakens")
    page.keyboard.press("ArrowDown")  # arrows move within a radio group
    assert page.is_checked("#direction-strengthens")
    page.focus("#occurrences-up")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.focus("#submit-observation")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('result').textContent.length > 0")
    observation = Observation.objects.get(reporter=walker)
    assert (observation.phenomenon, observation.direction, observation.occurrences) == (loneliness, "strengthens", 3)
    assert observation.location is None


@pytest.mark.parametrize("size", [PHONE, {"width": 1280, "height": 800}])
def test_no_serious_accessibility_violations(page_factory, live_server, login, walker, phenomena, record, size):
    record(*ON_ALFA_BETA_BORDER, user="field_698")
    page = open_app(page_factory(**size), live_server, login)
    tap_map_at(page, *INSIDE_ALFA)
    fill_person_observation(page, phenomena["yksinaisyys"])
    page.click("#submit-observation")
    page.wait_for_selector("#recent-list li")
    choose(page, f"phenomenon-{phenomena['ilkivalta'].pk}")  # categories shown
    page.click("#submit-observation")  # leaves visible field errors on the page
    problems = run_axe(page, impacts=SERIOUS)
    assert problems == []


def test_touch_targets_and_text_size(page_factory, live_server, login, walker):
    page = open_app(page_factory(**PHONE), live_server, login)
    too_small = page.evaluate(
        "() => [...document.querySelectorAll('#field-app button, #field-app label, #field-app select,"
        " #field-app textarea, #field-app input:not([type=radio])')]"
        ".filter(e => e.offsetParent !== null)"
        ".map(e => [e.id || e.htmlFor || e.textContent.trim().slice(0, 30), e.getBoundingClientRect()])"
        ".filter(([, r]) => r.height < 44 || r.width < 44).map(([n]) => n)"
    )
    # Step labels above their control are text, not targets; everything else must be >= 44 px.
    assert [n for n in too_small if n not in ("occurrences", "age-group", "description", "observed-on")] == []
    smallest_font = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('#field-app *')].filter(e => e.offsetParent !== null"
        " && !e.closest('.leaflet-control-attribution')"
        " && e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))"
        ".map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert smallest_font >= 16


SCREENSHOT_SERVER = os.environ.get("GEO_INDI_SCREENSHOT_SERVER", "")


@pytest.mark.skipif(not SCREENSHOT_SERVER, reason="set GEO_INDI_SCREENSHOT_SERVER=http://localhost:8140 (dev server with demo data)")
def test_screenshot_of_recording_screen(browser):
    """Refresh docs/screenshots/field-recording-390x844.png from a running dev server with the demo data."""
    context = browser.new_context(viewport=PHONE, locale="fi-FI")  # Finnish first
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(SCREENSHOT_SERVER) else r.abort())
    page = context.new_page()
    page.goto(f"{SCREENSHOT_SERVER}/accounts/login/")
    page.fill("#id_username", os.environ.get("GEO_INDI_SCREENSHOT_USER", "kenttatyo"))
    page.fill("#id_password", os.environ.get("GEO_INDI_SCREENSHOT_PASSWORD", "demo-geo-indi"))
    page.click("#main button[type=submit]")
    page.goto(f"{SCREENSHOT_SERVER}/field/")
    page.wait_for_selector("#phenomenon-choices input[name=phenomenon]", state="attached")
    page.evaluate("() => { const m = document.getElementById('field-app').leafletMap; m.setView(m.getCenter(), 9); }")
    page.wait_for_timeout(800)
    box = page.locator("#field-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45)
    page.locator("#phenomenon-choices label").first.click()
    page.evaluate("() => window.scrollTo(0, document.getElementById('place-heading').getBoundingClientRect().top + window.scrollY - 8)")
    page.wait_for_timeout(800)
    assert re.search(r"\d", page.inner_text("#pin-status"))
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    context.close()
    assert SCREENSHOT.stat().st_size > 10_000
