"""Reads off the primary (geo_indi/core/db_routers.py): which database alias each kind of request reads from.

The `replica` alias is configured here as Django's test mirror of `default` (what
settings.py does when DATABASE_REPLICA_URL is set): a second connection to the same test
database. Tests are transactional so that the second connection sees the committed rows;
each one records the SQL each alias ran and asserts where the observation reads went.
"""
import copy
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from geo_indi.core import db_routers
from geo_indi.core.db_routers import PRIMARY, REPLICA
from geo_indi.observations.models import Observation

from .conftest import INSIDE_ALFA

ROOT = Path(__file__).resolve().parents[1]
ROUTED = pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
OBSERVATIONS_TABLE = "observations_observation"
SUMMARY_TABLE = "observations_monthlycount"  # counts come from the summary when the filters allow


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """A `replica` alias mirroring the test database, the router and the middleware, for this module only."""
    primary = connections[PRIMARY].settings_dict
    replica = copy.deepcopy(primary)
    replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": PRIMARY}
    connections.settings[REPLICA] = replica
    routed = override_settings(
        DATABASE_ROUTERS=["geo_indi.core.db_routers.PrimaryReplicaRouter"],
        MIDDLEWARE=[*settings.MIDDLEWARE, "geo_indi.core.db_routers.ReplicaReadsMiddleware"],
    )
    routed.enable()
    yield
    routed.disable()
    db_routers._current.set(None)
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def replica_up():
    db_routers._replica_down_until = 0.0
    yield
    db_routers._replica_down_until = 0.0


class Queries:
    """The SQL each alias ran inside the block."""

    def __init__(self, aliases=(PRIMARY, REPLICA)):
        self.aliases = aliases

    def __enter__(self):
        self.contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in self.aliases}
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self.contexts.values():
            context.__exit__(*exc)

    def observation_reads(self, alias):
        return [q["sql"] for q in self.contexts[alias].captured_queries
                if (OBSERVATIONS_TABLE in q["sql"] or SUMMARY_TABLE in q["sql"]) and q["sql"].lstrip().upper().startswith(("SELECT", "WITH", "DECLARE"))]

    def count(self, alias):
        return len(self.contexts[alias].captured_queries)


@pytest.fixture
def observations(record):
    record(*INSIDE_ALFA)
    record(*INSIDE_ALFA, subject="object")


def read(client, path):
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, body[:300]
    return body


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def post_observation(client, phenomena):
    lat, lon = INSIDE_ALFA
    response = client.post("/api/observations/", json.dumps({
        "phenomenon": phenomena["yksinaisyys"].pk, "subject": "person", "direction": "weakens",
        "occurrences": 1, "lat": lat, "lon": lon,
    }), content_type="application/json")
    assert response.status_code == 201, response.content
    return response


@ROUTED
@pytest.mark.parametrize("path", ["/maps/698/", "/maps/", "/api/layers/observations.geojson", "/ogcapi/collections"])
def test_read_only_views_read_observations_from_the_replica(client, observations, path):
    with Queries() as queries:
        read(client, path)
    assert queries.count(REPLICA) > 0
    assert queries.observation_reads(PRIMARY) == []
    if path != "/ogcapi/collections":
        assert queries.observation_reads(REPLICA)


@ROUTED
def test_raw_sql_of_a_map_page_runs_on_the_replica(client, observations):
    """maps/queries.py reads through read_connection: its simplified shapes come from the replica."""
    with Queries() as queries:
        read(client, "/maps/698/")
    replica_sql = " ".join(q["sql"] for q in queries.contexts[REPLICA].captured_queries)
    primary_sql = " ".join(q["sql"] for q in queries.contexts[PRIMARY].captured_queries)
    assert "ST_SimplifyPreserveTopology" in replica_sql
    assert "ST_SimplifyPreserveTopology" not in primary_sql


@ROUTED
def test_recording_an_observation_uses_only_the_primary(users, phenomena):
    client = token_client(users["field_698"])
    with Queries() as queries:
        post_observation(client, phenomena)
    assert queries.count(REPLICA) == 0
    assert queries.count(PRIMARY) > 0


@ROUTED
def test_field_workers_own_list_right_after_a_write_reads_the_primary(users, phenomena, client):
    client.force_login(users["field_698"])
    post_observation(client, phenomena)
    with Queries() as queries:
        read(client, "/field/mine.json")
        listed = APIClient()
        listed.force_authenticate(users["field_698"])
        assert listed.get("/api/observations/").status_code == 200
    assert queries.count(REPLICA) == 0
    assert queries.observation_reads(PRIMARY)


@ROUTED
def test_who_just_wrote_reads_maps_from_the_primary_others_from_the_replica(users, phenomena, client):
    """Read-your-writes for a browser session (signed cookie) and for a token client (cache per user)."""
    client.force_login(users["coord_698"])
    post_observation(client, phenomena)
    assert db_routers.WROTE_COOKIE in client.cookies
    with Queries() as after_own_write:
        read(client, "/maps/698/")
    assert after_own_write.observation_reads(PRIMARY) and not after_own_write.observation_reads(REPLICA)

    token_writer = token_client(users["field_698"])
    post_observation(token_writer, phenomena)
    assert db_routers.WROTE_COOKIE not in token_writer.cookies
    with Queries() as token_after_write:
        assert token_writer.get("/ogcapi/collections/observations/items").status_code == 200
    assert token_after_write.observation_reads(PRIMARY) and not token_after_write.observation_reads(REPLICA)

    other = token_client(users["field_320"])
    with Queries() as someone_else:
        assert other.get("/ogcapi/collections/observations/items").status_code == 200
    assert someone_else.observation_reads(REPLICA) and not someone_else.observation_reads(PRIMARY)


@ROUTED
def test_a_request_reads_the_primary_inside_a_transaction_after_it_wrote_and_for_permissions(rf, django_user_model):
    router = db_routers.PrimaryReplicaRouter()
    state = db_routers._current.set(db_routers.RequestReads(rf.get("/maps/"), replica_eligible=True))
    try:
        with transaction.atomic():
            assert router.db_for_read(Observation) == PRIMARY
        assert router.db_for_read(Observation) == REPLICA
        assert router.db_for_read(django_user_model) == PRIMARY
        assert router.db_for_write(Observation) == PRIMARY
        assert router.db_for_read(Observation) == PRIMARY
    finally:
        db_routers._current.reset(state)


@ROUTED
def test_admin_reads_the_primary(users, observations, client):
    client.force_login(users["admin"])
    with Queries() as queries:
        read(client, "/admin/observations/observation/")
    assert queries.count(REPLICA) == 0
    assert queries.observation_reads(PRIMARY)


@ROUTED
def test_a_replica_outage_sends_reads_to_the_primary_without_an_error(client, observations, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]  # nothing listens once the socket is closed
    replica = connections[REPLICA]
    saved_port = replica.settings_dict["PORT"]
    replica.close()
    replica.settings_dict["PORT"] = str(closed_port)
    try:
        with Queries(aliases=[PRIMARY]) as queries:  # capturing would connect the replica
            read(client, "/maps/698/")
            read(client, "/api/layers/observations.geojson")
        assert replica.connection is None
        assert queries.observation_reads(PRIMARY)
        assert "replica unavailable" in caplog.text
        assert caplog.text.count("replica unavailable") == 1  # not tried again while it is marked down
    finally:
        replica.close()
        replica.settings_dict["PORT"] = saved_port


def settings_in_subprocess(extra_env):
    code = ("from django.conf import settings as s; import django; django.setup(); "
            "print(sorted(s.DATABASES), getattr(s, 'DATABASE_ROUTERS', []), "
            "'geo_indi.core.db_routers.ReplicaReadsMiddleware' in s.MIDDLEWARE, "
            "s.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR'))")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    env.update(DJANGO_SETTINGS_MODULE="geo_indi.settings", DJANGO_DEBUG="1", **extra_env)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def test_without_a_replica_url_there_is_one_database_and_no_router():
    assert settings_in_subprocess({}) == "['default'] [] False None"


def test_a_replica_url_adds_the_alias_router_and_middleware():
    out = settings_in_subprocess({"DATABASE_REPLICA_URL": "postgis://postgres@127.0.0.1:54351/geo_indi"})
    assert out == "['default', 'replica'] ['geo_indi.core.db_routers.PrimaryReplicaRouter'] True default"
