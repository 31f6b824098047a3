"""No person data in PostgreSQL's log or in pg_stat_activity.

The scenario tests (concurrent retries, a refused point, bound statements) run
in the normal suite against the test database. `test_server_log_of_a_production_like_cluster`
runs them again in a throwaway cluster of its own, configured like production
(log_error_verbosity = terse, log_min_error_statement = panic, log_statement = none),
and then searches that cluster's whole server log for the observation's values.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from glob import glob
from pathlib import Path

import psycopg
import pytest
from django.db import IntegrityError, connection, connections, transaction
from rest_framework.test import APIClient

from geo_indi.observations import services
from geo_indi.observations.models import Observation

from .conftest import INSIDE_ALFA

RETRIES = 6
RETRIED_UUID = uuid.UUID("6f1d2c3b-0a9e-4c7d-8b5a-1e2f3a4b5c6d")
# Values that cannot occur in a server log by chance.
DESCRIPTION = "Yksin asuva mies kaipaa seuraa, tunnus Qzx7731"
FOLLOW_UP_NOTE = "Soitto tyttärelle sovittu, tunnus Wvk4412"
AGE_GROUP = "older"
POSTCODE = "99001"  # INSIDE_ALFA's area
# Inside Alfa (99001), and a point in Finland but outside the small fixture's coverage.
RETRY_POINT = (66.043217, 25.118943)
REFUSED_POINT = (66.071859, 25.287461)
OUTSIDE_POINT = (68.912345, 27.987654)


def coordinate_needles():
    for lat, lon in (RETRY_POINT, REFUSED_POINT, OUTSIDE_POINT):
        for places in (3, 4, 5, 6):
            yield f"{lat:.{places}f}"
            yield f"{lon:.{places}f}"


def person_needles():
    yield from (DESCRIPTION, "Qzx7731", FOLLOW_UP_NOTE, "Wvk4412", str(RETRIED_UUID))
    yield from coordinate_needles()


def _payload(phenomena):
    lat, lon = RETRY_POINT
    return {
        "client_uuid": str(RETRIED_UUID), "phenomenon": phenomena["yksinaisyys"].pk, "subject": "person",
        "direction": "weakens", "age_group": AGE_GROUP, "description": DESCRIPTION,
        "consent_recorded": True, "follow_up_note": FOLLOW_UP_NOTE, "lat": lat, "lon": lon,
    }


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_record_without_a_database_error(small_geography, phenomena, users):
    payload = _payload(phenomena)
    start = threading.Barrier(RETRIES)
    answers = [None] * RETRIES

    def retry(index):
        client = APIClient()
        client.force_authenticate(users["field_698"])
        try:
            start.wait()
            response = client.post("/api/observations/", payload, format="json")
            answers[index] = (response.status_code, response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry, args=(i,)) for i in range(RETRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = Observation.objects.get(client_uuid=RETRIED_UUID)
    assert sorted(code for code, _body in answers) == [200] * (RETRIES - 1) + [201]
    assert {body["id"] for _code, body in answers} == {stored.pk}
    assert (stored.description, stored.follow_up_note, stored.age_group, stored.postcode_area.postcode) == (
        DESCRIPTION, FOLLOW_UP_NOTE, AGE_GROUP, POSTCODE)
    for _code, body in answers:
        # A GeoJSON Feature: a person observation's point is neither the geometry nor a property.
        assert body["type"] == "Feature" and body["geometry"] is None
        assert not {"location", "lat", "lon"} & set(body["properties"])


def _backend_waiting_on_a_lock(pid):
    with psycopg.connect(**_libpq_params(), autocommit=True) as watcher:
        return watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'", [pid]
        ).fetchone()[0] == 1


def _libpq_params():
    s = connection.settings_dict
    return {"host": s["HOST"], "port": s["PORT"] or 5432, "user": s["USER"], "dbname": s["NAME"],
            "password": s.get("PASSWORD") or None}


@pytest.mark.django_db(transaction=True)
def test_a_retry_that_loses_the_race_gets_the_winner(small_geography, phenomena, users):
    """The winner's transaction is open when the retry's INSERT arrives: the retry passed
    the "already stored?" check, waits on the unique index, and after the commit takes
    ON CONFLICT DO NOTHING and answers with the winner's record — no IntegrityError."""
    data = {"phenomenon": phenomena["yksinaisyys"].pk, "subject": "person", "direction": "weakens"}
    lat, lon = RETRY_POINT
    retry_result = {}

    def retry():
        try:
            connection.ensure_connection()
            retry_result["pid"] = connection.connection.info.backend_pid
            retry_result["result"] = services.record_observation(
                dict(data), reporter=users["field_698"], lat=lat, lon=lon, client_uuid=RETRIED_UUID)
        except Exception as exc:  # noqa: BLE001 - re-raised in the main thread
            retry_result["error"] = exc
        finally:
            connections.close_all()

    loser = threading.Thread(target=retry)
    with transaction.atomic():
        first = services.record_observation(
            dict(data), reporter=users["field_698"], lat=lat, lon=lon, client_uuid=RETRIED_UUID)
        loser.start()
        for _attempt in range(500):
            if "pid" in retry_result and _backend_waiting_on_a_lock(retry_result["pid"]):
                break
            time.sleep(0.02)
        else:
            pytest.fail("the retry never waited on the first record's uncommitted row")
    loser.join()
    assert "error" not in retry_result, retry_result.get("error")
    assert first.created and not retry_result["result"].created
    assert retry_result["result"].observation.pk == first.observation.pk
    assert Observation.objects.filter(client_uuid=RETRIED_UUID).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_point_on_a_person_observation(record):
    """The constraint holds; the production-like cluster's log must not show the row."""
    from django.contrib.gis.geos import Point

    observation = record(*INSIDE_ALFA)
    lat, lon = REFUSED_POINT
    point = Point(lon, lat, srid=4326)
    point.transform(3067)
    with pytest.raises(IntegrityError, match="person_observation_has_no_point"), transaction.atomic():
        Observation.objects.filter(pk=observation.pk).update(location=point, description=DESCRIPTION)


def _statement_while_blocked(action):
    """Run `action` in a thread while the observations table is locked against writes, and
    return the SQL text pg_stat_activity shows for its blocked write: what an operator
    (or a monitoring tool) sees of a statement in flight."""
    seen = {}

    def run():
        try:
            connection.ensure_connection()
            seen["pid"] = connection.connection.info.backend_pid
            action()
        except Exception as exc:  # noqa: BLE001 - re-raised in the main thread
            seen["error"] = exc
        finally:
            connections.close_all()

    with psycopg.connect(**_libpq_params()) as locker:
        locker.execute("LOCK TABLE observations_observation IN EXCLUSIVE MODE")
        writer = threading.Thread(target=run)
        writer.start()
        for _attempt in range(500):
            if "pid" in seen and _backend_waiting_on_a_lock(seen["pid"]):
                break
            time.sleep(0.02)
        else:
            pytest.fail("the write never reached the database")
        with psycopg.connect(**_libpq_params(), autocommit=True) as watcher:
            query = watcher.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [seen["pid"]]).fetchone()[0]
        locker.commit()
    writer.join()
    assert "error" not in seen, seen.get("error")
    return query


@pytest.mark.django_db(transaction=True)
def test_pg_stat_activity_never_shows_a_point_or_person_text(small_geography, phenomena, users):
    """The SQL text pg_stat_activity shows for snapping, recording and editing a person
    observation holds placeholders ($1, $2, ...), not the point or the person's text."""
    client = APIClient()
    client.force_authenticate(users["field_698"])
    lat, lon = OUTSIDE_POINT
    own_pid = connection.cursor().connection.info.backend_pid
    refused = client.post("/api/observations/", {**_payload(phenomena), "lat": lat, "lon": lon}, format="json")
    assert refused.status_code == 400
    with psycopg.connect(**_libpq_params(), autocommit=True) as watcher:
        snapping = watcher.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [own_pid]).fetchone()[0]
    data = {"phenomenon": phenomena["yksinaisyys"].pk, "subject": "person", "direction": "weakens",
            "age_group": AGE_GROUP, "description": DESCRIPTION, "consent_recorded": True,
            "follow_up_note": FOLLOW_UP_NOTE}
    inserting = _statement_while_blocked(lambda: services.record_observation(
        data, reporter=users["field_698"], lat=RETRY_POINT[0], lon=RETRY_POINT[1]))
    stored = Observation.objects.get(description=DESCRIPTION)
    updating = _statement_while_blocked(lambda: services.update_observation(
        stored, {"follow_up_note": FOLLOW_UP_NOTE + " ja käynti"}))
    assert "ST_MakePoint" in snapping and "INSERT INTO" in inserting and "UPDATE" in updating
    for text in (snapping, inserting, updating):
        assert "$1" in text
        for needle in person_needles():
            assert needle not in text, f"{needle} shown by pg_stat_activity"


# --- The same scenarios on a production-like cluster, and its server log --------------

PRODUCTION_LOG_SETTINGS = {
    "log_error_verbosity": "terse",
    "log_min_error_statement": "panic",
    "log_statement": "none",
}


def _postgres_bin(name):
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_cluster_owner(args):
    """initdb refuses root: as root, run the cluster's programs as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_like_cluster():
    """A throwaway PostgreSQL cluster in a temporary directory on a free port, with the
    production log settings; yields (port, path of its server log)."""
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    base = Path(tempfile.mkdtemp(prefix="geo_indi_prodlike_"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data, log = base / "data", base / "server.log"
    port = _free_port()
    subprocess.run(_as_cluster_owner([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"]),
                   check=True, capture_output=True)
    options = " ".join(f"-c {name}={value}" for name, value in {
        **PRODUCTION_LOG_SETTINGS, "port": port, "listen_addresses": "127.0.0.1", "fsync": "off",
        "unix_socket_directories": str(base), "shared_buffers": "32MB"}.items())
    subprocess.run(_as_cluster_owner([pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
                   check=True, capture_output=True)
    try:
        yield port, log
    finally:
        subprocess.run(_as_cluster_owner([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


SCENARIOS = [
    "test_concurrent_retries_create_one_record_without_a_database_error",
    "test_a_retry_that_loses_the_race_gets_the_winner",
    "test_the_database_refuses_a_point_on_a_person_observation",
    "test_pg_stat_activity_never_shows_a_point_or_person_text",
]


def test_server_log_of_a_production_like_cluster_holds_no_person_data(production_like_cluster):
    port, log = production_like_cluster
    env = {**os.environ, "DATABASE_URL": f"postgis://postgres@127.0.0.1:{port}/geo_indi_prodlike",
           "GEO_INDI_TEST_DB": "test_geo_indi_prodlike"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--create-db",
         *[f"{__file__}::{name}" for name in SCENARIOS]],
        cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert f"{len(SCENARIOS)} passed" in run.stdout
    server_log = log.read_text(errors="replace")
    # The log is the live one: the refused point's constraint error is in it, tersely.
    assert 'violates check constraint "person_observation_has_no_point"' in server_log
    assert "Failing row contains" not in server_log and "STATEMENT:" not in server_log
    # Retries take ON CONFLICT DO NOTHING: no unique-violation error at all.
    assert "duplicate key value" not in server_log
    for needle in (*person_needles(), POSTCODE):
        assert needle not in server_log, f"{needle} found in the PostgreSQL server log"
