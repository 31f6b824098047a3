"""The field form on a phone (390×844, touch), as a field worker meets it (issue 21, item 9): compact
phenomenon choice, Save always in reach, a waiting question said at the top, no pin carried over silently,
the place of an object record, descriptions in one's own records; offline sync still works."""
import datetime as dt

import pytest
from django.utils import timezone

from geo_indi.accounts.models import Membership
from geo_indi.observations.models import Observation
from geo_indi.questions.models import Kind
from geo_indi.questions.services import question_ask

from ..conftest import INSIDE_ALFA
from .helpers import PHONE, SERIOUS, choose, fill_person_observation, open_app, run_axe, tap_map_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSIDE_BETA = (66.05, 25.3)  # 99002 Beeta, Rovaniemi


def phone(page_factory):
    return page_factory(**PHONE, is_mobile=True, has_touch=True)


def test_phenomenon_choice_is_compact_and_save_is_always_in_reach(page_factory, live_server, login, walker, phenomena):
    page = open_app(phone(page_factory), live_server, login)
    page.wait_for_selector(".meaning-toggle")
    choices = page.locator("#phenomenon-fieldset").bounding_box()
    assert choices["height"] < 0.6 * PHONE["height"], choices  # six phenomena were ~2 screens with their meanings
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 6 * PHONE["height"], height  # was 10 screens

    def save_on_screen():
        box = page.locator("#submit-observation").bounding_box()
        return box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]

    assert save_on_screen()  # at the top of the page
    page.locator("#phenomenon-fieldset").scroll_into_view_if_needed()
    assert save_on_screen()
    # A focused field is never hidden behind the bar.
    page.focus("#description")
    field = page.locator("#description").bounding_box()
    bar = page.locator("#action-bar").bounding_box()
    assert field["y"] + field["height"] <= bar["y"] + 1
    # At the end of the form the bar sits in its place, above the result and the lists.
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    bar = page.locator("#action-bar").bounding_box()
    assert bar["y"] < page.locator("#recent-heading").bounding_box()["y"]
    assert run_axe(page, impacts=SERIOUS) == []


def test_a_waiting_question_is_said_at_the_top_and_links_to_it(page_factory, live_server, login, organisations,
                                                               make_member, walker, phenomena):
    coordinator = make_member("coordinator", organisations["698"], Membership.Role.COORDINATOR)
    question = question_ask(
        asked_by=coordinator, phenomenon=phenomena["yksinaisyys"], municipality=organisations["698"].municipalities.get(),
        text="Do you meet more lonely older people?", kind=Kind.TREND,
        closes_on=timezone.localdate() + dt.timedelta(days=7), target_organisations=[organisations["698"]])
    page = open_app(phone(page_factory), live_server, login)
    banner = page.locator("#questions-banner")
    banner.wait_for()
    assert banner.text_content() == "1 question waits for your answer"
    assert banner.bounding_box()["y"] < PHONE["height"]  # on the first screen
    banner.click()
    page.wait_for_function("() => document.getElementById('questions-heading').getBoundingClientRect().top < 844")
    form = f"#answer-form-{question.pk}"
    page.click(f"label[for='answer-form-{question.pk}-trend-0']")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"#field-question-{question.pk} .badge-saved")
    assert banner.is_hidden()  # answered: nothing waits any more


def test_the_pin_does_not_carry_over_and_records_show_their_place_and_description(
        page_factory, live_server, login, walker, phenomena):
    page = open_app(phone(page_factory), live_server, login)
    vandalism, loneliness = phenomena["ilkivalta"], phenomena["yksinaisyys"]
    tap_map_at(page, *INSIDE_BETA)
    choose(page, f"phenomenon-{vandalism.pk}")
    choose(page, "subject-object")
    choose(page, "direction-weakens")
    page.fill("#description", "Rikottu penkki bussipysäkillä")
    page.click("#submit-observation")
    page.wait_for_function("() => document.getElementById('result').dataset.state === 'saved'")
    result = page.inner_text("#result")
    assert "66.05" in result and "99002 Beeta (Rovaniemi)" in result  # the place, not only coordinates
    # The pin is gone; the next record asks for a place, or for the previous one on purpose.
    assert page.inner_text("#pin-status") == "No pin yet."
    assert page.evaluate("() => document.querySelectorAll('.leaflet-marker-icon').length") == 0
    fill_person_observation(page, loneliness, description="Asuu yksin")
    page.click("#submit-observation")
    assert page.locator("#place-error").is_visible()
    assert Observation.objects.count() == 1
    page.click("#pin-again")
    assert "66.05" in page.inner_text("#pin-status")
    page.click("#submit-observation")
    page.wait_for_function("() => document.querySelectorAll('#recent-list li').length === 2")
    # Own records show their description.
    thing = Observation.objects.get(subject="object")
    item = page.locator(f"#recent-list li[data-id='{thing.pk}']")
    assert item.locator(".recent-description").inner_text() == "Rikottu penkki bussipysäkillä"
    assert Observation.objects.filter(subject="person", postcode_area__postcode="99002").count() == 1


def test_offline_record_after_a_save_is_queued_and_sent_once(page_factory, live_server, login, walker, phenomena):
    page = open_app(phone(page_factory), live_server, login)
    tap_map_at(page, *INSIDE_ALFA)
    fill_person_observation(page, phenomena["yksinaisyys"], description="verkossa")
    page.click("#submit-observation")
    page.wait_for_function("() => document.getElementById('result').dataset.state === 'saved'")
    page.context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    page.click("#pin-again")
    fill_person_observation(page, phenomena["digitaalisuus"], description="ilman verkkoa")
    page.click("#submit-observation")
    page.wait_for_function("() => document.getElementById('queue-status').dataset.waiting === '1'")
    assert page.inner_text("#pin-status") == "No pin yet."
    assert Observation.objects.count() == 1
    page.context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue-status').dataset.waiting === '0'", timeout=30000)
    assert sorted(Observation.objects.values_list("description", flat=True)) == ["ilman verkkoa", "verkossa"]
