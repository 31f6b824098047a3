"""Faults answered, never hung: a database that holds a request is a 503 with Retry-After within seconds.

The "hung database" is a second connection to the real test database holding an ACCESS EXCLUSIVE lock on
the table a request needs: the request's statement waits on the lock, as on a stuck server, until the
statement timeout of the connection settings cancels it. /healthz (which needs no locked table) answers.
"""
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from geo_indi.analysis.models import SituationSummary, SummaryVersion

from .conftest import INSIDE_ALFA


@pytest.fixture
def locked(transactional_db):
    """lock(table): hold an ACCESS EXCLUSIVE lock on `table` from another connection until the test ends."""
    params = connection.get_connection_params()
    holders = []

    def lock(table):
        holder = psycopg.connect(**{k: v for k, v in params.items() if k not in {"cursor_factory", "context"}})
        holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # the transaction stays open
        holders.append(holder)

    yield lock
    for holder in holders:
        holder.rollback()
        holder.close()


def test_connections_carry_a_statement_timeout_and_tcp_keepalives():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert f"statement_timeout={settings.DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000}" in options["options"]
    assert 0 < settings.DATABASE_STATEMENT_TIMEOUT_SECONDS < 5
    assert options["keepalives"] == 1 and options["keepalives_idle"] > 0 and options["tcp_user_timeout"] > 0


def test_a_held_table_is_a_503_within_5_seconds_and_healthz_answers(locked, users):
    with connection.cursor() as cur:
        cur.execute("SHOW statement_timeout")
        assert cur.fetchone()[0] == f"{settings.DATABASE_STATEMENT_TIMEOUT_SECONDS}s"  # the server got the setting
    client = APIClient()
    client.force_authenticate(users["field_698"])
    locked("observations_observation")

    started = time.monotonic()
    response = client.get("/api/observations/")
    assert time.monotonic() - started < 5
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "database_unavailable"
    assert int(response["Retry-After"]) > 0

    started = time.monotonic()
    ogc = APIClient().get("/ogcapi/collections/observations/items")
    assert time.monotonic() - started < 5
    assert ogc.status_code == 503 and ogc.json()["code"] == "ServiceUnavailable"

    health = APIClient().get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_a_raw_psycopg_cursor_that_times_out_is_a_503_not_a_500(locked, users, phenomena):
    """Recording snaps the point through observations.snapping.bound_cursor(), a raw psycopg cursor whose
    OperationalError Django does not wrap: it was a 500."""
    client = APIClient()
    client.force_authenticate(users["field_698"])
    lat, lon = INSIDE_ALFA
    data = {
        "phenomenon": phenomena["yksinaisyys"].pk, "subject": "person", "direction": "weakens", "occurrences": 1,
        "age_group": "older", "observed_on": "2024-05-02", "lat": lat, "lon": lon,
    }
    locked("areas_postcodeareapart")
    started = time.monotonic()
    response = client.post("/api/observations/", data, format="json")
    assert time.monotonic() - started < 5
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "database_unavailable" and int(response["Retry-After"]) > 0


def test_the_lock_is_not_what_answers(locked, users):
    """With only an unrelated table held, the same request succeeds: the 503s above are the held table's."""
    client = APIClient()
    client.force_authenticate(users["field_698"])
    locked("analysis_situationsummary")  # a table the request does not read
    assert client.get("/api/observations/").status_code == 200


def test_approving_a_version_that_is_not_a_number_is_a_400(client, users, small_geography):
    summary = SituationSummary.objects.create(municipality=small_geography["698"], year=2024, language="fi")
    version = SummaryVersion.objects.create(summary=summary, number=1, text="Luonnos", figures={})
    client.force_login(users["coord_698"])
    for value in ("abc", "1.5", "-1", "\u0661", ""):
        response = client.post(f"/analysis/summaries/{summary.pk}/approve/", {"version": value})
        assert response.status_code == 400, value
    version.refresh_from_db()
    assert version.approved_at is None
