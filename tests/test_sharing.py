"""Data-sharing agreements: what a coordinator of another organisation reads of records, at once."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from geo_indi.audit.models import Action, AuditEvent
from geo_indi.observations.models import Observation
from geo_indi.sharing.models import Level, SharingAgreement
from geo_indi.sharing.services import readers_of

from tests.conftest import INSIDE_ALFA

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-10")]
URL = "/api/observations/"
TEXT = "Nuori istui yksin pysäkillä"


@pytest.fixture
def theirs(record):
    """A Kemijärvi organisation's record in Rovaniemi (99001), with a consent note."""
    return record(*INSIDE_ALFA, user="field_320", description=TEXT, consent_recorded=True,
                  follow_up_note="Soita huomenna")


@pytest.fixture
def coordinator(users):
    client = APIClient()
    client.force_authenticate(users["coord_698"])
    return client


def agree(organisations, level, valid_from="2026-01-01", valid_to=None, reference="SOP-2026-1"):
    agreement = SharingAgreement(provider=organisations["320"], recipient=organisations["698"], level=level,
                                 valid_from=dt.date.fromisoformat(valid_from),
                                 valid_to=dt.date.fromisoformat(valid_to) if valid_to else None, reference=reference)
    agreement.full_clean()
    agreement.save()
    return agreement


def listed(client):
    return {f["id"]: f["properties"] for f in client.get(URL).json()["features"]}


def test_levels_change_what_the_other_coordinator_reads_at_once(organisations, theirs, coordinator):
    assert theirs.pk not in listed(coordinator)
    assert coordinator.get(f"{URL}{theirs.pk}/").status_code == 404

    agreement = agree(organisations, Level.AGGREGATES)
    assert theirs.pk not in listed(coordinator)

    agreement.level = Level.RECORDS
    agreement.save()
    shown = listed(coordinator)[theirs.pk]
    assert shown["description"] == ""
    assert shown["follow_up_note"] is None
    assert shown["phenomenon_name"] == theirs.phenomenon.name

    agreement.level = Level.FULL
    agreement.save()
    shown = coordinator.get(f"{URL}{theirs.pk}/").json()["properties"]
    assert shown["description"] == TEXT
    assert shown["follow_up_note"] is None  # the note stays with its own organisation

    agreement.delete()
    assert theirs.pk not in listed(coordinator)


def test_agreement_counts_only_while_in_force(organisations, theirs, coordinator, frozen_clock):
    agree(organisations, Level.FULL, valid_from="2026-03-11", valid_to="2026-03-31")
    assert theirs.pk not in listed(coordinator)
    frozen_clock.move_to("2026-03-31")
    assert theirs.pk in listed(coordinator)
    frozen_clock.move_to("2026-04-01")
    assert theirs.pk not in listed(coordinator)


def test_other_organisations_timestamps_come_as_the_day(organisations, theirs, record, coordinator):
    agree(organisations, Level.FULL)
    own = record(*INSIDE_ALFA, user="field_698")
    rows = listed(coordinator)
    stored = Observation.objects.get(pk=theirs.pk).created_at
    assert rows[theirs.pk]["created_at"] == stored.astimezone(dt.timezone(dt.timedelta(hours=2))).date().isoformat()
    assert rows[theirs.pk]["updated_at"] == rows[theirs.pk]["created_at"]
    assert "T" in rows[own.pk]["created_at"]  # own records keep the time


def test_the_rule_applies_to_field_workers_and_administrators_as_before(organisations, theirs, users):
    agree(organisations, Level.FULL)
    field = APIClient()
    field.force_authenticate(users["field_698"])
    assert theirs.pk not in listed(field)  # agreements are read by coordinators
    admin = APIClient()
    admin.force_authenticate(users["admin"])
    assert "T" in listed(admin)[theirs.pk]["created_at"]


def test_one_audit_entry_per_request_with_counts_and_organisations(organisations, theirs, record, coordinator):
    record(*INSIDE_ALFA, user="field_320", description="Toinen")
    record(*INSIDE_ALFA, user="field_698", description="Oma")
    assert listed(coordinator)
    assert not AuditEvent.objects.filter(action=Action.SHARED_RECORDS_READ).exists()

    agree(organisations, Level.RECORDS)
    listed(coordinator)
    (event,) = AuditEvent.objects.filter(action=Action.SHARED_RECORDS_READ)
    assert event.actor_username == "coord698"
    assert event.detail == {"records": 2, "organisations": [
        {"id": organisations["320"].pk, "name": "Kemijärvi org", "records": 2}]}
    assert TEXT not in str(event.detail)


def test_the_municipality_page_follows_the_agreement(organisations, theirs, client, users):
    client.force_login(users["coord_698"])
    assert TEXT not in client.get("/maps/698/").content.decode()
    agreement = agree(organisations, Level.RECORDS)
    page = client.get("/maps/698/")
    assert [o.pk for o in page.context["latest"]] == [theirs.pk]
    assert TEXT not in page.content.decode()
    agreement.level = Level.FULL
    agreement.save()
    assert TEXT in client.get("/maps/698/").content.decode()
    assert AuditEvent.objects.filter(action=Action.SHARED_RECORDS_READ).count() == 2


def test_admin_adds_an_agreement_and_it_takes_effect(organisations, theirs, client, users, coordinator):
    client.force_login(users["admin"])
    response = client.post("/admin/sharing/sharingagreement/add/", {
        "provider": organisations["320"].pk, "recipient": organisations["698"].pk, "level": Level.RECORDS,
        "valid_from": "2026-03-01", "valid_to": "", "reference": "Lapin sopimus 7/2026",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert listed(coordinator)[theirs.pk]["description"] == ""


@pytest.mark.parametrize("valid_from, valid_to", [
    ("2026-02-01", "2026-02-10"), ("2025-06-01", None), ("2026-05-30", "2026-07-01"), ("2025-01-01", "2026-01-01"),
])
def test_overlapping_agreements_of_a_pair_are_refused(organisations, valid_from, valid_to):
    agree(organisations, Level.RECORDS, "2026-01-01", "2026-06-01")
    with pytest.raises(ValidationError) as refused:
        agree(organisations, Level.FULL, valid_from, valid_to, reference="SOP-2")
    assert "valid_from" in refused.value.message_dict
    assert SharingAgreement.objects.count() == 1


def test_adjacent_periods_and_the_other_direction_are_allowed(organisations):
    agree(organisations, Level.RECORDS, "2026-01-01", "2026-06-01")
    agree(organisations, Level.FULL, "2026-06-02", None, reference="SOP-2")
    back = SharingAgreement(provider=organisations["698"], recipient=organisations["320"], level=Level.FULL,
                            valid_from=dt.date(2026, 1, 1), reference="SOP-3")
    back.full_clean()
    back.save()
    assert SharingAgreement.objects.count() == 3


def test_period_ends_after_it_starts_and_needs_two_organisations(organisations):
    with pytest.raises(ValidationError) as refused:
        agree(organisations, Level.RECORDS, "2026-05-01", "2026-04-30")
    assert list(refused.value.message_dict) == ["valid_to"]
    same = SharingAgreement(provider=organisations["698"], recipient=organisations["698"], level=Level.FULL,
                            valid_from=dt.date(2026, 1, 1), reference="X")
    with pytest.raises(ValidationError) as refused:
        same.full_clean()
    assert "recipient" in refused.value.message_dict


def test_field_app_says_who_will_read_the_record(organisations, client, users, parish):
    client.force_login(users["field_320"])
    assert client.get("/field/").context["readers"] == ["Kemijärvi org"]
    agree(organisations, Level.RECORDS)
    SharingAgreement.objects.create(provider=organisations["320"], recipient=parish, level=Level.AGGREGATES,
                                    valid_from=dt.date(2026, 1, 1), reference="P")
    page = client.get("/field/")
    assert page.context["readers"] == ["Kemijärvi org", "Rovaniemi org"]
    assert 'id="who-reads"' in page.content.decode()
    assert readers_of(organisations["698"]) == [organisations["698"]]


def test_a_record_as_shown_to_another_organisation_is_not_saved(organisations, theirs, users):
    agree(organisations, Level.RECORDS)
    shown = Observation.objects.visible_to(users["coord_698"]).get(pk=theirs.pk)
    assert shown.description == "" and shown.created_at == theirs.created_at.astimezone(
        dt.timezone(dt.timedelta(hours=2))).date()
    with pytest.raises(ValueError):
        shown.save()
    assert Observation.objects.get(pk=theirs.pk).description == TEXT
    assert list(Observation.objects.visible_to(users["coord_698"]).with_text()) == []


def test_the_database_refuses_overlaps_that_bypass_validation(organisations):
    from django.db import IntegrityError, transaction

    agree(organisations, Level.RECORDS, "2026-01-01", None)
    with pytest.raises(ValidationError) as refused:
        agree(organisations, Level.FULL, "2027-01-01", None, reference="SOP-2")
    assert list(refused.value.message_dict) == ["valid_from"]  # one clear message, naming the agreement
    assert "SOP-2026-1" in refused.value.message_dict["valid_from"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        SharingAgreement.objects.create(provider=organisations["320"], recipient=organisations["698"],
                                        level=Level.FULL, valid_from=dt.date(2027, 1, 1), reference="SOP-2")
