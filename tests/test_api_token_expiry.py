"""API tokens are stored hashed and expire; DRF authtoken keys never stay in plain text (issue 24)."""
import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from geo_indi.accounts.models import ApiToken
from geo_indi.accounts.tokens import api_token_create, hash_key

pytestmark = pytest.mark.django_db
URL = "/api/observations/"


def _client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_expires_a_lifetime_after_it_is_made(users, settings, frozen_clock):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    token, key = api_token_create(user=users["field_698"], name="script")
    assert token.expires_at - frozen_clock.now == pytest.approx(dt.timedelta(days=30), abs=dt.timedelta(seconds=5))
    assert _client(key).get(URL).status_code == 200


def test_an_expired_token_is_refused_in_the_api_shape(users, frozen_clock):
    token, key = api_token_create(user=users["field_698"], name="script")
    frozen_clock.move_to(token.expires_at + dt.timedelta(minutes=1))
    response = _client(key).get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "authentication_failed" and "expired" in body["error"].lower()


def test_a_drf_authtoken_key_is_kept_only_as_its_hash_and_still_works(users):
    key = Token.objects.create(user=users["field_698"]).key
    assert not Token.objects.exists()
    adopted = ApiToken.objects.get(key_hash=hash_key(key))
    assert adopted.user == users["field_698"] and adopted.key_prefix == key[:8] and adopted.expires_at
    assert key not in {adopted.name, adopted.key_hash, adopted.key_prefix}
    assert _client(key).get(URL).status_code == 200


def test_the_migration_hashes_stored_legacy_keys_and_empties_their_table(users):
    # bulk_create sends no post_save: a row as an older installation stored it, in plain text.
    legacy = Token(key="0123456789abcdef0123456789abcdef01234567", user=users["admin"])
    Token.objects.bulk_create([legacy])
    migration = importlib.import_module("geo_indi.accounts.migrations.0004_apitoken_expiry_legacy_keys")
    migration.expire_and_adopt(django_apps, None)
    assert not Token.objects.exists()
    assert ApiToken.objects.get(key_hash=hash_key(legacy.key)).user == users["admin"]
    assert _client(legacy.key).get(URL).status_code == 200


def test_the_admin_never_lists_keys(users, client):
    client.force_login(users["admin"])
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    token, key = api_token_create(user=users["field_698"], name="script")
    page = client.get("/admin/accounts/apitoken/").content.decode()
    assert token.key_prefix in page and key not in page and token.key_hash not in page


def test_the_profile_page_shows_when_each_token_expires(users, client):
    token, _key = api_token_create(user=users["field_698"], name="script")
    client.force_login(users["field_698"])
    assert token.expires_at.strftime("%Y-%m-%d") in client.get("/accounts/profile/").content.decode()
