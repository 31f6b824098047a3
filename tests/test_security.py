"""Throttling (login lockout: test_login_lockout.py), security headers and CSP, API tokens, account erasure, note retention, CSV formulas."""
import csv
import datetime as dt
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from rest_framework.test import APIClient

from geo_indi.accounts.models import ApiToken
from geo_indi.accounts.tokens import hash_key
from geo_indi.audit.models import Action, AuditEvent
from geo_indi.maps.models import ReportPdf
from geo_indi.observations.models import Observation

from .conftest import INSIDE_ALFA


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def rates(settings):
    """rates(**scope_rates): turn rate limits on for these scopes, with empty counters."""
    cache.clear()

    def set_rates(**scope_rates):
        settings.THROTTLE_RATES = scope_rates

    yield set_rates
    cache.clear()


# --- throttling ----------------------------------------------------------------------


def test_anonymous_layer_downloads_get_429_with_retry_after_once_over_the_rate(client, small_geography, rates):
    rates(downloads_anon="2/minute")
    url = "/api/layers/municipalities.geojson"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    body = response.json()
    assert body["retry_after"] == wait and body["error"]
    # Another format of the same scope counts against the same budget.
    assert client.get("/api/layers/municipalities.csv").status_code == 429


def test_signed_in_callers_are_counted_per_user_not_with_anonymous_ones(client, users, small_geography, rates):
    rates(downloads_anon="1/minute", downloads_user="2/minute")
    url = "/api/layers/municipalities.geojson"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429
    client.force_login(users["field_698"])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    other = APIClient()
    other.force_authenticate(users["coord_698"])
    assert other.get(url).status_code == 200


def test_rest_api_has_its_own_scope(users, phenomena, rates):
    rates(api_user="1/minute", downloads_user="")
    api = APIClient()
    api.force_authenticate(users["field_698"])
    assert api.get("/api/phenomena/").status_code == 200
    response = api.get("/api/observations/")
    assert response.status_code == 429 and "Retry-After" in response


def test_ogc_api_answers_429_as_an_ogc_exception(client, small_geography, rates):
    rates(ogc_anon="2/minute")
    assert client.get("/ogcapi/").status_code == 200
    assert client.get("/ogcapi/collections/municipalities/items").status_code == 200
    response = client.get("/ogcapi/collections/municipalities/items")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "TooManyRequests" and body["description"]
    assert 0 < int(response["Retry-After"]) <= 60


def test_an_empty_rate_switches_a_scope_off(client, small_geography, rates):
    rates(downloads_anon="")
    assert {client.get("/api/layers/municipalities.geojson").status_code for _ in range(5)} == {200}


def test_server_made_pdfs_are_throttled_per_caller_with_a_429_page(client, small_geography, users, rates):
    """1 per minute each: a second PDF is refused in the page's shape (translated HTML, Retry-After) before anything
    is enqueued or audited; a signed-in caller is counted per user, apart from the anonymous callers of the address.
    The throttle is on the request that enqueues (report.pdf redirects to the PDF's progress page)."""
    rates(pdf_anon="1/minute", pdf_user="1/minute")
    url = "/maps/698/report.pdf"
    assert client.get(url).status_code == 302
    refused = client.get(url, HTTP_ACCEPT_LANGUAGE="fi")
    assert refused.status_code == 429 and refused["Content-Type"].startswith("text/html")
    seconds = int(refused["Retry-After"])
    assert 0 < seconds <= 60
    assert f"Liian monta pyyntöä. Yritä uudelleen {seconds} sekunnin kuluttua." in refused.content.decode()
    assert AuditEvent.objects.filter(action=Action.MAP_EXPORT).count() == 1
    assert ReportPdf.objects.count() == 1
    client.force_login(users["coord_698"])
    assert client.get(url).status_code == 302
    assert client.get(url).status_code == 429
    assert ReportPdf.objects.count() == 2


# --- security headers and CSP ---------------------------------------------------------------


PAGES = ["/", "/accounts/login/", "/maps/", "/indicators/", "/api/docs/", "/ogcapi/?f=html", "/admin/login/"]


def csp_directives(response):
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in response["Content-Security-Policy"].split(";")) if part
    }


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_a_strict_policy_and_the_security_headers(client, small_geography, settings, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = csp_directives(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert settings.MAP_TILE_ORIGIN.replace("{s}", "*") in policy["img-src"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def inline_scripts(html):
    return re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)


@pytest.mark.parametrize("url", ["/maps/", "/maps/698/", "/maps/698/report/", "/maps/698/map.html"])
def test_folium_inline_scripts_carry_the_response_nonce(client, small_geography, url):
    response = client.get(url)
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = [attrs for attrs in inline_scripts(response.content.decode()) if "application/json" not in attrs]
    assert scripts, "the map page has its folium script"
    assert all(f'nonce="{nonce}"' in attrs for attrs in scripts)
    assert "onclick=" not in response.content.decode()


def test_nonce_differs_per_response(client, small_geography):
    first, second = (client.get("/maps/")["Content-Security-Policy"] for _ in range(2))
    assert re.search(r"'nonce-([^']+)'", first).group(1) != re.search(r"'nonce-([^']+)'", second).group(1)


# --- API tokens ------------------------------------------------------------------------------


def create_token(client, name="QGIS"):
    response = client.post("/accounts/profile/tokens/", {"name": name})
    assert response.status_code == 201
    return re.search(r'id="new-token"[^>]*value="([0-9a-f]{40})"', response.content.decode()).group(1)


def test_profile_token_is_shown_once_stored_hashed_and_authenticates(client, users, phenomena, record):
    client.force_login(users["field_698"])
    key = create_token(client, "QGIS laptop")
    token = ApiToken.objects.get(user=users["field_698"])
    assert token.name == "QGIS laptop" and token.key_hash == hash_key(key) and key not in token.key_hash
    assert token.last_used_at is None
    profile = client.get("/accounts/profile/").content.decode()
    assert "QGIS laptop" in profile and key not in profile and key[:8] in profile

    record(*INSIDE_ALFA)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/observations/")
    assert response.status_code == 200 and response.json()["count"] == 1
    token.refresh_from_db()
    assert token.last_used_at is not None
    items = client.get("/ogcapi/collections/observations/items", HTTP_AUTHORIZATION=f"Token {key}")
    assert items.status_code == 200


def test_a_user_has_several_tokens_and_revokes_one(client, users):
    client.force_login(users["field_698"])
    keep, revoke = create_token(client, "one"), create_token(client, "two")
    token = ApiToken.objects.get(name="two")
    assert client.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {revoke}")
    refused = api.get("/api/observations/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code in (401, 403) and "Invalid token" in refused.json()["error"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {keep}")
    assert api.get("/api/observations/").status_code == 200


def test_tokens_of_others_cannot_be_revoked_and_names_are_required(client, users):
    client.force_login(users["field_698"])
    create_token(client)
    token = ApiToken.objects.get()
    client.force_login(users["field_320"])
    assert client.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert client.post("/accounts/profile/tokens/", {"name": "   "}).status_code == 400
    assert client.get(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 405


def test_profile_needs_login(client, db):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- erasure and retention ------------------------------------------------------------------------


def test_erase_user_keeps_observations_with_the_organisation(users, record, organisations, django_user_model):
    first = record(*INSIDE_ALFA)
    second = record(*INSIDE_ALFA, subject="object")
    ApiToken.objects.create(user=users["field_698"], name="x", key_prefix="abc", key_hash="a" * 64)
    user_id = users["field_698"].pk
    out = io.StringIO()
    call_command("erase_user", "field698", "--yes", stdout=out)
    assert "2 observation(s) kept" in out.getvalue()
    assert not django_user_model.objects.filter(pk=user_id).exists()
    assert not ApiToken.objects.filter(user_id=user_id).exists()
    for observation in (first, second):
        observation.refresh_from_db()
        assert observation.reporter_id is None and observation.organisation == organisations["698"]
    event = AuditEvent.objects.get(action=Action.USER_ERASED)
    assert event.object_id == str(user_id) and event.detail == {"observations_kept": 2}


def test_erase_user_command_errors(users):
    with pytest.raises(CommandError, match="No user"):
        call_command("erase_user", "nobody", "--yes")


def test_admin_action_erases_selected_accounts(client, users, record):
    observation = record(*INSIDE_ALFA)
    client.force_login(users["admin"])
    chosen = {"action": "erase_accounts", "_selected_action": [users["field_698"].pk]}
    confirm = client.post("/admin/auth/user/", chosen, HTTP_ACCEPT_LANGUAGE="en")
    assert confirm.status_code == 200 and "1 observation kept" in confirm.content.decode()
    observation.refresh_from_db()
    assert observation.reporter_id == users["field_698"].pk
    assert client.post("/admin/auth/user/", {**chosen, "post": "yes"}).status_code == 302
    observation.refresh_from_db()
    assert observation.reporter_id is None
    assert AuditEvent.objects.get(action=Action.USER_ERASED).actor_username == "root"


def test_erasure_is_refused_while_the_user_is_named_as_confirmer(users, phenomena):
    from geo_indi.indicators.models import Indicator, PhenomenonIndicatorLink

    indicator = Indicator.objects.create(sotkanet_id=1, title_fi="Testi")
    PhenomenonIndicatorLink.objects.create(indicator=indicator, phenomenon=phenomena["yksinaisyys"], confirmed_by=users["coord_698"])
    with translation.override("en"), pytest.raises(CommandError, match="must keep who confirmed them"):
        call_command("erase_user", "coord698", "--yes")
    assert users["coord_698"].__class__.objects.filter(pk=users["coord_698"].pk).exists()


@pytest.mark.calendar
def test_purge_follow_up_notes_empties_only_notes_older_than_the_retention(record, settings):
    settings.FOLLOW_UP_NOTE_RETENTION_DAYS = 30
    old = record(*INSIDE_ALFA, consent_recorded=True, follow_up_note="soita")
    new = record(*INSIDE_ALFA, consent_recorded=True, follow_up_note="käy")
    Observation.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    out = io.StringIO()
    call_command("purge_follow_up_notes", stdout=out)
    assert "Deleted 1 follow-up note(s)." in out.getvalue()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.follow_up_note, new.follow_up_note) == ("", "käy")
    assert Observation.objects.filter(pk=old.pk).exists()


# --- CSV formulas --------------------------------------------------------------------------------


def test_layer_csv_text_cells_cannot_run_as_formulas(client, small_geography):
    municipality = small_geography["698"]
    municipality.name_fi = "=HYPERLINK(\"http://x\",\"y\")"
    municipality.name_sv = "-1+2"
    municipality.save()
    body = body_of(client.get("/api/layers/municipalities.csv?municipality=698")).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 1
    assert rows[0]["name_fi"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert rows[0]["name_sv"] == "'-1+2"
    assert rows[0]["code"] == "698"


def test_a_forwarded_address_left_of_the_trusted_proxies_is_the_clients_own_claim(rf, settings):
    from geo_indi.core.client_address import client_address

    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_address(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "10.9.9.9"
