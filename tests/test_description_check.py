"""The entry-time warning about names, addresses and places in a person observation's description."""
import pytest
from rest_framework.test import APIClient

from geo_indi.observations import description_check
from geo_indi.observations.description_check import check_description

needs_voikko = pytest.mark.skipif(
    not description_check.voikko_available(), reason="Voikko (libvoikko1, voikko-fi, pip libvoikko) is not installed")


def flagged(text):
    return [(item["word"], item["kind"]) for item in check_description(text).flagged]


@needs_voikko
def test_inflected_finnish_names_places_and_streets_are_flagged():
    text = "Näin Mattia Rovaniemellä Koskikadulla, hän oli yksin."
    assert check_description(text).analyser == "voikko"
    assert flagged(text) == [("Mattia", "first_name"), ("Rovaniemellä", "place"), ("Koskikadulla", "street")]


@needs_voikko
def test_surnames_and_genitive_places():
    assert flagged("Virtasen mummo Sodankylän kirkonkylästä soitti.") == [("Virtasen", "surname"), ("Sodankylän", "place")]


@needs_voikko
def test_an_ordinary_description_is_not_flagged():
    assert flagged("Yksinäinen vanha mies koulun lähellä, kaipaa seuraa.") == []


@needs_voikko
def test_a_common_word_that_is_also_a_name_is_flagged_only_when_capitalised():
    assert flagged("Hänellä oli onni matkassa.") == []
    assert flagged("Onni tuli käymään. Hän on iloinen.") == [("Onni", "first_name")]


@needs_voikko
def test_a_name_unknown_to_the_dictionary_inside_a_sentence_is_flagged():
    assert flagged("Tapasin eilen Qwertyn kaupan edessä.") == [("Qwertyn", "capitalised")]


@pytest.mark.parametrize("text, address", [
    ("Asuu osoitteessa Koskikatu 12 yksin.", "Koskikatu 12"),
    ("Kotikäynti: Rovaniementie 5 B, ei vastannut.", "Rovaniementie 5 B"),
    ("Nuoria Ounasväylä 3:n pihalla.", "Ounasväylä 3"),
    ("Bor ensam på Ratavägen 3.", "Ratavägen 3"),
    ("Lives alone at Lake Road 14.", "Lake Road 14"),
])
def test_street_addresses_are_flagged_in_every_language(text, address):
    assert (address, "street") in flagged(text)


def test_swedish_and_english_fall_back_to_capitalised_words():
    swedish = check_description("Hon bor ensam nära Anna och Kalle i byn.")
    assert swedish.analyser == "fallback"
    assert [item["word"] for item in swedish.flagged] == ["Anna", "Kalle"]
    assert flagged("He lives alone. John visits him.") == []  # sentence starts are not names


def test_without_voikko_the_fallback_still_warns(monkeypatch):
    monkeypatch.setattr(description_check, "finnish_voikko", lambda: None)
    result = check_description("Näin Mattia Rovaniemellä Koskikatu 12:n pihalla.")
    assert result.analyser == "fallback"
    assert [item["word"] for item in result.flagged] == ["Mattia", "Rovaniemellä", "Koskikatu 12"]


def test_empty_description():
    assert check_description("").flagged == [] and check_description("   ").flagged == []


@needs_voikko
def test_api_returns_the_flagged_words_and_a_warning(users):
    client = APIClient()
    client.force_authenticate(users["field_698"])
    response = client.post("/api/observations/check-description/",
                           {"description": "Mattia näkyi Rovaniemellä."}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert [item["word"] for item in body["flagged"]] == ["Mattia", "Rovaniemellä"]
    assert body["analyser"] == "voikko"
    assert "Mattia, Rovaniemellä" in body["warning"]
    clean = client.post("/api/observations/check-description/", {"description": "Yksinäinen mies."}, format="json")
    assert clean.json() == {"flagged": [], "warning": None, "analyser": "voikko"}


@pytest.mark.parametrize("payload", [{}, {"description": ["Mattia"]}, {"description": "x" * 2001}])
def test_api_bad_input_is_a_400_in_the_api_shape(users, payload):
    client = APIClient()
    client.force_authenticate(users["field_698"])
    response = client.post("/api/observations/check-description/", payload, format="json")
    assert response.status_code == 400
    assert "description" in str(response.json())


def test_api_needs_a_login(db):
    response = APIClient().post("/api/observations/check-description/", {"description": "x"}, format="json")
    assert response.status_code in (401, 403)
