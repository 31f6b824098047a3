"""The coordinator's ask form (/questions/) as it is rendered and sent, in Finnish (issue 21, item 8),
and every date input of the app's forms rendering ISO dates."""
import datetime as dt
import importlib
import pkgutil
import re
import uuid

import pytest
import time_machine
from django import forms
from django.utils import translation

import geo_indi
from geo_indi.accounts.models import Membership
from geo_indi.core.widgets import IsoDateInput
from geo_indi.questions.models import Answer, Question

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone.utc), tick=False):
        yield


@pytest.fixture
def coordinator(organisations, make_member, phenomena, parish):
    return make_member("coordinator", organisations["698"], Membership.Role.COORDINATOR)


def finnish_page(client, path="/questions/"):
    client.cookies["django_language"] = "fi"
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 200
    return response.content.decode()


def input_value(html, name):
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1), tag


def test_closing_date_is_rendered_iso_in_finnish_and_the_form_is_sent_as_rendered(
        client, coordinator, phenomena, parish, small_geography, frozen):
    """Regression: the default was rendered value="17.12.2026", which an <input type=date> drops, so the
    first "Kysy" always answered "Tämä kenttä on pakollinen"."""
    client.force_login(coordinator)
    html = finnish_page(client)
    value, tag = input_value(html, "closes_on")
    assert 'type="date"' in tag
    assert value == "2026-12-17"
    response = client.post("/questions/", {
        "phenomenon": phenomena["yksinaisyys"].pk, "municipality": small_geography["698"].pk,
        "text": "Näettekö enemmän yksinäisiä ikäihmisiä?", "kind": "trend", "options": "",
        "target_organisations": [parish.pk], "closes_on": value}, HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Question.objects.get().closes_on == dt.date(2026, 12, 17)


def test_every_date_input_of_the_apps_forms_renders_iso(frozen):
    """Every form class in geo_indi: a date input (<input type=date>) is the ISO widget and renders ISO in
    every language."""
    for module in pkgutil.walk_packages(geo_indi.__path__, "geo_indi."):
        if module.name.rsplit(".", 1)[-1] in ("forms", "admin", "views", "filters") or module.name.endswith(".forms"):
            importlib.import_module(module.name)
    checked = 0
    for form_class in all_subclasses(forms.BaseForm):
        if not form_class.__module__.startswith("geo_indi."):
            continue
        for name, field in form_class.base_fields.items():
            widget = field.widget
            if isinstance(widget, forms.DateInput) and widget.input_type == "date":
                assert isinstance(widget, IsoDateInput), f"{form_class.__qualname__}.{name}"
                for language in ("fi", "sv", "en"):
                    with translation.override(language):
                        assert widget.format_value(dt.date(2026, 12, 17)) == "2026-12-17"
                checked += 1
    assert checked >= 1  # the ask form's closes_on at least


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_only_the_coordinators_municipalities_and_their_postcode_areas_are_offered(
        client, coordinator, small_geography):
    client.force_login(coordinator)
    html = finnish_page(client)
    municipality_select = re.search(r'<select name="municipality".*?</select>', html, re.S).group(0)
    assert "Rovaniemi" in municipality_select and "Kemijärvi" not in municipality_select
    areas = re.search(r'<div class="area-groups".*?</div>\s*</fieldset>\s*</div>', html, re.S).group(0)
    assert re.findall(r"<legend>([^<]+)</legend>", areas) == ["Rovaniemi"]
    labels = re.findall(r'> (\d{5} [^<]+)</label>', areas)
    assert labels == ["99001 Alfa", "99002 Beeta"]  # by postcode, with the name, none of Kemijärvi's


def test_an_administrator_is_offered_every_municipality_grouped_by_name(client, django_user_model, small_geography):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    html = finnish_page(client)
    areas = re.search(r'<div class="area-groups".*?</div>\s*</fieldset>\s*</div>', html, re.S).group(0)
    assert re.findall(r"<legend>([^<]+)</legend>", areas) == ["Kemijärvi", "Rovaniemi"]


def test_a_trend_question_ignores_a_forgotten_options_box_and_a_choice_keeps_it(
        client, coordinator, phenomena, parish, small_geography, frozen):
    client.force_login(coordinator)
    base = {"phenomenon": phenomena["yksinaisyys"].pk, "municipality": small_geography["698"].pk,
            "text": "Onko enemmän?", "target_organisations": [parish.pk], "closes_on": "2026-12-17",
            "options": "kyllä\nei"}
    assert client.post("/questions/", {**base, "kind": "trend"}).status_code == 302
    assert client.post("/questions/", {**base, "kind": "choice"}).status_code == 302
    assert dict(Question.objects.values_list("kind", "options")) == {"trend": [], "choice": ["kyllä", "ei"]}


def test_a_postcode_area_of_another_municipality_is_refused_and_nothing_is_written(
        client, coordinator, phenomena, parish, small_geography, frozen):
    client.force_login(coordinator)
    gamma = small_geography["320"].postcode_areas.get(postcode="99003")
    response = client.post("/questions/", {
        "phenomenon": phenomena["yksinaisyys"].pk, "municipality": small_geography["698"].pk, "text": "?",
        "kind": "trend", "target_organisations": [parish.pk], "closes_on": "2026-12-17",
        "postcode_areas": [gamma.pk]})
    assert response.status_code == 200
    assert not Question.objects.exists()


def test_questions_are_in_the_navigation_of_those_who_ask_only(client, coordinator, organisations, make_member):
    client.force_login(coordinator)
    assert 'href="/questions/"' in finnish_page(client, "/")
    client.force_login(make_member("worker", organisations["698"]))
    assert 'href="/questions/"' not in finnish_page(client, "/")


def test_a_local_actor_answers_and_the_coordinator_sees_the_answer(
        client, coordinator, phenomena, parish, small_geography, make_member, frozen):
    client.force_login(coordinator)
    client.post("/questions/", {
        "phenomenon": phenomena["yksinaisyys"].pk, "municipality": small_geography["698"].pk,
        "text": "Näettekö enemmän yksinäisiä?", "kind": "trend", "target_organisations": [parish.pk],
        "closes_on": "2026-12-17"})
    question = Question.objects.get()
    client.force_login(make_member("parishworker", parish))
    asked = client.get("/api/questions/?asked_to_me=1").json()["results"]
    assert [q["id"] for q in asked] == [question.pk]
    answer = client.post(f"/api/questions/{question.pk}/answers/", {
        "client_uuid": str(uuid.uuid4()), "trend": "more", "text": "Kolme uutta kävijää kahvilassa"},
        content_type="application/json")
    assert answer.status_code == 201
    client.force_login(coordinator)
    html = finnish_page(client)
    card = re.search(rf'<article class="question" id="question-{question.pk}">.*?</article>', html, re.S).group(0)
    assert "Rovaniemi parish" in card and "Kolme uutta kävijää kahvilassa" in card and "Nähty enemmän" in card
    assert Answer.objects.count() == 1
