"""Field worker on a phone: log-in, what each phenomenon means, consent, offline states, map controls."""
import pytest

from geo_indi.observations.models import Observation

from ..conftest import INSIDE_ALFA
from .helpers import LAPTOP, PHONE, choose, fill_person_observation, inject_axe, open_app, run_axe, tap_map_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER_MAX_PX = 100


@pytest.fixture
def kenttatyo(organisations, make_member, phenomena):
    return make_member("kenttatyo", organisations["698"])


def test_field_worker_logs_in_on_a_phone_with_a_capitalised_username_and_lands_on_the_field_app(page_factory, live_server, kenttatyo):
    page = page_factory(**PHONE)
    page.goto(f"{live_server.url}/")
    assert page.locator(".site-header").bounding_box()["height"] <= HEADER_MAX_PX
    page.click(".menu-toggle")
    page.click(".site-header a[href='/accounts/login/']")
    username = page.locator("#id_username")
    assert username.get_attribute("autocapitalize") == "none" and username.get_attribute("autocorrect") == "off"
    for control in ("#id_username", "#id_password", "#main button[type=submit]"):
        assert page.locator(control).bounding_box()["height"] >= 48
    username.fill("Kenttatyo")  # as a phone keyboard capitalises it
    page.fill("#id_password", "pw-for-tests")
    page.click("#main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/field/")
    page.wait_for_selector("#phenomenon-choices input[name=phenomenon]", state="attached")
    assert page.locator(".site-header").bounding_box()["height"] <= HEADER_MAX_PX
    assert "kenttatyo" in page.get_attribute("#field-app", "data-username")


def test_login_page_has_no_accessibility_violations(page_factory, live_server):
    page = page_factory(**PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    assert run_axe(page) == []


def test_phenomenon_card_tells_what_it_means_in_readable_text(page_factory, live_server, login, walker, phenomena):
    page = open_app(page_factory(**PHONE), live_server, login)
    loneliness = phenomena["yksinaisyys"]
    card = page.locator(f"#phenomenon-{loneliness.pk}").locator("xpath=..")
    meaning = page.locator(f"#phenomenon-{loneliness.pk}-meaning")
    assert meaning.is_hidden()  # on demand: the cards stay compact
    card.locator(".meaning-toggle").click()
    assert card.locator(".meaning-toggle").get_attribute("aria-expanded") == "true"
    assert loneliness.description_en in card.inner_text() and loneliness.examples_en in card.inner_text()
    assert meaning.is_visible()
    assert page.get_attribute(f"#phenomenon-{loneliness.pk}", "aria-describedby") == f"phenomenon-{loneliness.pk}-meaning"
    sizes = page.evaluate(
        "id => [...document.querySelectorAll(`#${id} p`)].map(p => parseFloat(getComputedStyle(p).fontSize))",
        f"phenomenon-{loneliness.pk}-meaning")
    assert sizes and min(sizes) >= 17


def test_phenomenon_meaning_follows_the_language(page_factory, live_server, login, walker, phenomena):
    page = open_app(page_factory(**PHONE, locale="sv-SE"), live_server, login)
    vandalism = phenomena["ilkivalta"]
    assert vandalism.examples_sv in page.inner_text(f"#phenomenon-{vandalism.pk}-meaning")


def test_consent_and_follow_up_note_follow_the_api_rule(page_factory, live_server, login, walker, phenomena):
    page = open_app(page_factory(**PHONE), live_server, login)
    assert page.is_hidden("#consent-step")
    choose(page, "subject-object")
    assert page.is_hidden("#consent-step")  # only a person can consent
    tap_map_at(page, *INSIDE_ALFA)
    fill_person_observation(page, phenomena["yksinaisyys"])
    assert page.is_visible("#consent-step") and page.is_hidden("#follow-up-step")
    page.check("#consent-recorded")
    assert page.is_visible("#follow-up-step")
    page.fill("#follow-up-note", "Soitetaan ensi viikolla")
    page.click("#submit-observation")
    page.wait_for_selector("#result[data-state='saved']")
    observation = Observation.objects.get(reporter=walker)
    assert observation.consent_recorded is True and observation.follow_up_note == "Soitetaan ensi viikolla"

    # Unticking consent hides the note, and no note is sent.
    tap_map_at(page, *INSIDE_ALFA)
    fill_person_observation(page, phenomena["yksinaisyys"])
    page.check("#consent-recorded")
    page.fill("#follow-up-note", "ei lähde")
    page.uncheck("#consent-recorded")
    assert page.is_hidden("#follow-up-step")
    page.click("#submit-observation")
    page.wait_for_function("() => document.querySelectorAll('#recent-list li').length === 2")
    second = Observation.objects.filter(reporter=walker).latest("id")
    assert second.consent_recorded is False and second.follow_up_note == ""


def test_finnish_confirmation_says_saved_once(page_factory, live_server, login, walker, phenomena):
    page = open_app(page_factory(**PHONE, locale="fi-FI"), live_server, login)
    tap_map_at(page, *INSIDE_ALFA)
    fill_person_observation(page, phenomena["yksinaisyys"])
    page.click("#submit-observation")
    page.wait_for_selector("#result[data-state='saved']")
    message = page.inner_text("#result")
    assert message.count("Tallennettu") == 1 and "99001" in message


def test_offline_reload_shows_saved_and_waiting_records_apart(page_factory, live_server, login, walker, phenomena):
    page = open_app(page_factory(**PHONE), live_server, login)
    tap_map_at(page, *INSIDE_ALFA)
    fill_person_observation(page, phenomena["yksinaisyys"])
    page.click("#submit-observation")
    page.wait_for_selector("#recent-list li")
    page.reload()  # so the service worker controls the page
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    page.wait_for_selector("#recent-list li")

    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#phenomenon-choices input[name=phenomenon]", state="attached")
    page.wait_for_selector("#recent-list li")  # what the server already has, remembered on this device
    assert "Saved on the server" in page.inner_text("#recent-list li")
    assert page.is_visible("#recent-as-of")
    assert page.locator("#recent-list button").count() == 0  # editing needs the server

    tap_map_at(page, *INSIDE_ALFA)
    fill_person_observation(page, phenomena["ilkivalta"])
    page.click("#submit-observation")
    page.wait_for_selector("#result[data-state='queued']")
    queued = page.locator("#queued-list li")
    assert queued.count() == 1 and "Kept on this device, not yet sent" in queued.inner_text()
    marks = page.evaluate("() => [getComputedStyle(document.getElementById('result'), '::before').content,"
                          " getComputedStyle(document.querySelector('#queued-list .badge'), '::before').content,"
                          " getComputedStyle(document.querySelector('#recent-list .badge'), '::before').content]")
    assert "✓" not in marks[0] and "✓" not in marks[1] and "✓" in marks[2]  # only what the server has gets a tick
    assert Observation.objects.filter(reporter=walker).count() == 1


def test_zoom_buttons_are_touch_sized(page_factory, live_server, login, walker):
    page = open_app(page_factory(**PHONE), live_server, login)
    for selector in (".leaflet-control-zoom-in", ".leaflet-control-zoom-out"):
        box = page.locator(selector).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44


@pytest.mark.parametrize("size", [PHONE, LAPTOP])
def test_field_page_with_cards_consent_and_offline_states_has_no_axe_violations(page_factory, live_server, login, walker, phenomena, size):
    page = open_app(page_factory(**size), live_server, login)
    tap_map_at(page, *INSIDE_ALFA)
    fill_person_observation(page, phenomena["yksinaisyys"])
    page.check("#consent-recorded")
    page.click("#submit-observation")
    page.wait_for_selector("#recent-list li")
    inject_axe(page)  # before going offline, as a tester would
    page.context.set_offline(True)
    tap_map_at(page, *INSIDE_ALFA)
    fill_person_observation(page, phenomena["ilkivalta"])
    page.check("#consent-recorded")
    page.click("#submit-observation")
    page.wait_for_selector("#queued-list li")
    assert run_axe(page) == []


def test_logging_out_forgets_the_saved_list_kept_for_offline_use(page_factory, live_server, login, walker, phenomena):
    page = open_app(page_factory(**LAPTOP), live_server, login)
    tap_map_at(page, *INSIDE_ALFA)
    fill_person_observation(page, phenomena["yksinaisyys"])
    page.click("#submit-observation")
    page.wait_for_selector("#recent-list li")
    assert page.evaluate("() => localStorage.getItem('geo-indi-field-mine:walker')") is not None
    page.click(".site-header .logout-form button")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('geo-indi-field-mine:'))") == []
