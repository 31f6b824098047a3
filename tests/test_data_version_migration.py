"""The data-version sequence belongs to observations (migration 0005): it takes over a database on which the
sequence was made by the former maps migration, and works alone on a fresh one."""
import importlib

import pytest
from django.db import connection

from geo_indi.observations.summary import data_version

pytestmark = pytest.mark.django_db

OBSERVATIONS_0005 = importlib.import_module("geo_indi.observations.migrations.0005_data_version")

# What maps migration 0001 used to create (databases migrated before the sequence moved have it).
OLD_MAPS_0001 = """
CREATE SEQUENCE maps_observation_data_version;
CREATE FUNCTION maps_bump_observation_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('maps_observation_data_version');
    RETURN NULL;
END $$;
CREATE TRIGGER maps_observation_data_version
    AFTER INSERT OR UPDATE OR DELETE ON observations_observation
    FOR EACH STATEMENT EXECUTE FUNCTION maps_bump_observation_data_version();
"""


def _exists(name):
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return cur.fetchone()[0]


def _triggers():
    with connection.cursor() as cur:
        cur.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'observations_observation'::regclass "
                    "AND NOT tgisinternal AND tgname LIKE %s ORDER BY tgname", ["%data_version%"])
        return [row[0] for row in cur.fetchall()]


def test_a_fresh_database_has_the_observations_sequence_and_nothing_of_maps():
    assert _exists("observations_data_version")
    assert not _exists("maps_observation_data_version")
    assert _triggers() == ["observations_data_version", "observations_data_version_truncate"]


def test_an_older_database_is_taken_over_and_its_version_never_goes_back():
    with connection.cursor() as cur:
        # An older database: the version counted in maps' sequence, far above the fresh one.
        cur.execute("DROP TRIGGER observations_data_version ON observations_observation")
        cur.execute(OLD_MAPS_0001)
        cur.execute("SELECT setval('maps_observation_data_version', %s)", [data_version() + 1000])
        cur.execute("SELECT last_value FROM maps_observation_data_version")
        old = cur.fetchone()[0]
        cur.execute(OBSERVATIONS_0005.FORWARD)  # the migration, run on that database
    assert data_version() > old
    assert not _exists("maps_observation_data_version")
    assert _triggers() == ["observations_data_version", "observations_data_version_truncate"]
    before = data_version()
    with connection.cursor() as cur:
        cur.execute("UPDATE observations_observation SET occurrences = occurrences WHERE false")
    assert data_version() == before + 1  # one statement, one bump: exactly one trigger left


def test_the_migration_runs_twice_without_harm():
    with connection.cursor() as cur:
        cur.execute(OBSERVATIONS_0005.FORWARD)
        cur.execute(OBSERVATIONS_0005.FORWARD)
    assert _triggers() == ["observations_data_version", "observations_data_version_truncate"]
