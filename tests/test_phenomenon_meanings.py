"""What each phenomenon means, in the page language: API, maps' filters and the report."""
import pytest

pytestmark = pytest.mark.django_db


def test_every_fixture_phenomenon_has_a_meaning_in_three_languages(phenomena):
    for p in phenomena.values():
        for lang in ("fi", "sv", "en"):
            assert getattr(p, f"description_{lang}") and getattr(p, f"examples_{lang}"), (p.slug, lang)


def test_api_gives_description_and_examples_in_the_asked_language(client, phenomena):
    rows = {p["slug"]: p for p in client.get("/api/phenomena/", HTTP_ACCEPT_LANGUAGE="sv").json()}
    loneliness = phenomena["yksinaisyys"]
    assert rows["yksinaisyys"]["description"] == loneliness.description_sv
    assert rows["yksinaisyys"]["examples"] == loneliness.examples_sv


def test_examples_fall_back_to_finnish(client, phenomena):
    loneliness = phenomena["yksinaisyys"]
    loneliness.examples_en = ""
    loneliness.save()
    rows = {p["slug"]: p for p in client.get("/api/phenomena/", HTTP_ACCEPT_LANGUAGE="en").json()}
    assert rows["yksinaisyys"]["examples"] == loneliness.examples_fi


def test_map_filters_explain_the_phenomena(client, small_geography, phenomena):
    html = client.get("/maps/698/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "phenomenon-meanings" in html
    assert phenomena["ilkivalta"].description_fi in html and phenomena["yksinaisyys"].examples_fi in html


def test_report_explains_only_the_chosen_phenomenon(client, small_geography, phenomena):
    vandalism, loneliness = phenomena["ilkivalta"], phenomena["yksinaisyys"]
    html = client.get(f"/maps/698/report/?phenomenon={vandalism.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert vandalism.description_en in html and vandalism.examples_en in html
    assert loneliness.description_en not in html
