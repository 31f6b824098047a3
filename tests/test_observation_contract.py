"""The observation contract: one table of bad inputs through every entry point, one answer.

Each case is written once and sent to the REST API (as JSON), to the single write path the
demo loader and the admin use (`services.record_observation`) and to the bulk importer (as CSV
text, checked set-wise in PostGIS). Every entry point must refuse it with the same reason codes
and the same wording, in each language, and nothing is written.
"""
import csv
import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from geo_indi.observations import contract
from geo_indi.observations.importing import CSV_FIELDS, import_observations
from geo_indi.observations.models import Observation
from geo_indi.observations.services import record_observation

from .conftest import INSIDE_ALFA, OUTSIDE_COVERAGE

URL = "/api/observations/"
LAT, LON = INSIDE_ALFA
VALID = {
    "phenomenon": "yksinaisyys", "category": "menetys", "subject": "person", "direction": "weakens",
    "occurrences": 1, "age_group": "older", "description": "", "observed_on": "2025-03-01", "lat": LAT, "lon": LON,
}

# name: (changes to VALID, expected reason codes). Values are what a client sends as JSON; the
# CSV row carries the same values as text.
CASES = {
    "occurrences 0": ({"occurrences": 0}, ["occurrences_range"]),
    "occurrences over the maximum": ({"occurrences": 1000}, ["occurrences_range"]),
    "occurrences not a whole number": ({"occurrences": 1.5}, ["occurrences_range"]),
    "occurrences text": ({"occurrences": "many"}, ["occurrences_range"]),
    "unknown phenomenon": ({"phenomenon": "nope"}, ["phenomenon_unknown"]),
    "inactive phenomenon": ({"phenomenon": "inactive", "category": ""}, ["phenomenon_inactive"]),
    "category of another phenomenon": ({"category": "tohrimys"}, ["category_unknown"]),
    "unknown category": ({"category": "nope"}, ["category_unknown"]),
    "unknown subject": ({"subject": "animal"}, ["subject_choice"]),
    "bad direction": ({"direction": "up"}, ["direction_choice"]),
    "unknown age group": ({"age_group": "ancient"}, ["age_group_choice"]),
    "age group on an object": ({"subject": "object", "phenomenon": "ilkivalta", "category": ""}, ["age_group_object"]),
    "description too long": ({"description": "x" * (contract.DESCRIPTION_MAX_LENGTH + 1)}, ["description_length"]),
    "date not a date": ({"observed_on": "1.3.2025"}, ["observed_on_format"]),
    "date in the future": ({"observed_on": "2099-01-01"}, ["observed_on_future"]),
    "date before 2000": ({"observed_on": "1999-12-31"}, ["observed_on_before_2000"]),
    "client uuid not a uuid": ({"client_uuid": "not-a-uuid"}, ["client_uuid_format"]),
    "lat not a number": ({"lat": "north"}, ["lat_number"]),
    "lat and lon swapped": ({"lat": LON, "lon": LAT}, ["location_swapped"]),
    "point outside Finland": ({"lat": 48.85, "lon": 2.35}, ["location_outside_finland"]),
    "point outside the coverage": ({"lat": OUTSIDE_COVERAGE[0], "lon": OUTSIDE_COVERAGE[1]},
                                   ["location_outside_coverage"]),
    "several rules at once": ({"direction": "up", "occurrences": 0, "observed_on": "bad"},
                              ["direction_choice", "occurrences_range", "observed_on_format"]),
}


@pytest.fixture
def inactive(phenomena):
    phenomenon = phenomena["digitaalisuus"]
    phenomenon.is_active = False
    phenomenon.slug = "inactive"
    phenomenon.save()
    return phenomenon


def _api_errors(user, data, language):
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(URL, data, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400, response.content
    return response.json()["errors"]


def _service_errors(user, data):
    data = dict(data)
    lat, lon, client_uuid = data.pop("lat"), data.pop("lon"), data.pop("client_uuid", None)
    with pytest.raises(ValidationError) as refused:
        record_observation(data, reporter=user, lat=lat, lon=lon, client_uuid=client_uuid)
    return refused.value.message_dict


def _import_errors(user, rows, tmp_path):
    path = tmp_path / f"rows-{uuid.uuid4()}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for data in rows:
            writer.writerow({name: "" if data.get(name) is None else str(data.get(name)) for name in CSV_FIELDS})
    report = import_observations(path, reporter=user)
    assert report.created == 0
    return [errors for _line, errors in report.rejected]


def _same(errors, expected):
    """The same fields with the same messages (an entry point may list the fields in its own order)."""
    return {name: sorted(messages) for name, messages in errors.items()} == {
        name: sorted(messages) for name, messages in expected.items()}


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_every_entry_point_refuses_each_bad_input_with_the_same_reasons_and_words(
        users, phenomena, inactive, tmp_path, language):
    user = users["field_698"]
    inputs = {name: {**VALID, **changes} for name, (changes, _codes) in CASES.items()}
    with translation.override(language):
        expected = {name: contract.errors_of(codes) for name, (_changes, codes) in CASES.items()}
        imported = dict(zip(CASES, _import_errors(user, inputs.values(), tmp_path)))
        for name, data in inputs.items():
            api = _api_errors(user, data, language)
            service = _service_errors(user, data)
            assert _same(api, expected[name]), (name, "api", api)
            assert _same(service, expected[name]), (name, "service", service)
            assert _same(imported[name], expected[name]), (name, "import", imported[name])
    assert not Observation.objects.exists()


def test_the_cases_are_valid_but_for_their_change(users, phenomena, tmp_path):
    """The table's base row passes every entry point: each case fails only by what it changes."""
    user = users["field_698"]
    client = APIClient()
    client.force_authenticate(user)
    assert client.post(URL, VALID, format="json").status_code == 201
    data = {key: value for key, value in VALID.items() if key not in ("lat", "lon")}
    assert record_observation(data, reporter=user, lat=LAT, lon=LON).created
    path = tmp_path / "valid.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerow({name: str(VALID.get(name, "")) for name in CSV_FIELDS})
    assert import_observations(path, reporter=user).created == 1
    assert Observation.objects.count() == 3


def test_every_rule_has_a_message_in_finnish_and_swedish():
    for language in ("fi", "sv"):
        with translation.override(language):
            untranslated = [code for code, rule in contract.RULES.items()
                            if rule.message() == _english(code)]
        assert untranslated == [], language


def _english(code):
    with translation.override("en"):
        return contract.message(code)


def _field_page(client, user):
    client.force_login(user)
    return client.get("/field/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize("maximum", [1500, 5])
def test_changing_the_occurrences_maximum_changes_it_in_every_entry_point(
        users, phenomena, tmp_path, monkeypatch, client, maximum):
    """OCCURRENCES_MAX is read from the contract by the API, the write path, the importer's SQL
    batch and the field web app form (its limit and message): raised, 1200 is no longer refused;
    lowered, 6 is; and each says the new limit in the same words."""
    monkeypatch.setattr(contract, "OCCURRENCES_MAX", maximum)
    user = users["field_698"]
    allowed, refused = (1200, 1600) if maximum > 999 else (5, 6)
    # a bad subject keeps nothing from being written; occurrences are judged beside it
    inputs = [{**VALID, "subject": "animal", "occurrences": allowed}, {**VALID, "occurrences": refused}]
    with translation.override("en"):
        message = f"Give a whole number from 1 to {maximum}."
        assert contract.message("occurrences_range") == message
        expected = [contract.errors_of(["subject_choice"]), {"occurrences": [message]}]
        imported = _import_errors(user, inputs, tmp_path)
        for data, want, from_file in zip(inputs, expected, imported):
            assert _same(_api_errors(user, data, "en"), want)
            assert _same(_service_errors(user, data), want)
            assert _same(from_file, want)
    page = _field_page(client, user)
    assert f'max="{maximum}"' in page
    assert f'data-occurrences-max="{maximum}"' in page
    assert f'data-occurrences-message="{message}"' in page
    assert not Observation.objects.exists()


def test_the_field_form_takes_its_limits_and_message_from_the_contract(users, client):
    page = _field_page(client, users["field_698"])
    assert f'data-occurrences-max="{contract.OCCURRENCES_MAX}"' in page
    assert f'maxlength="{contract.DESCRIPTION_MAX_LENGTH}"' in page
    with translation.override("en"):
        assert f'data-occurrences-message="{contract.message("occurrences_range")}"' in page


def test_a_patch_is_judged_by_the_same_rules(users, phenomena, record):
    observation = record(*INSIDE_ALFA)
    client = APIClient()
    client.force_authenticate(users["field_698"])
    response = client.patch(f"{URL}{observation.pk}/", {"occurrences": 0, "category": "tohrimys"}, format="json",
                            HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    with translation.override("en"):
        assert _same(response.json()["errors"], contract.errors_of(["category_unknown", "occurrences_range"]))
    observation.refresh_from_db()
    assert observation.occurrences == 1


def test_the_observed_on_default_is_today_of_the_clock(users, phenomena):
    data = {key: value for key, value in VALID.items() if key not in ("lat", "lon", "observed_on")}
    stored = record_observation(data, reporter=users["field_698"], lat=LAT, lon=LON).observation
    from django.utils import timezone

    assert stored.observed_on == timezone.localdate()
    assert isinstance(stored.observed_on, dt.date)
