"""The observations' data version, owned here: a sequence bumped once per statement that writes observations.

Caches key on it (geo_indi.observations.summary.data_version: tiles, summaries, hot spots). A sequence, not a
counter row, so that concurrent writers never wait on one hot row; a statement-level trigger, so that ORM saves,
COPY imports, raw SQL, TRUNCATE and erasure all bump it.

It was created by maps migration 0001 as `maps_observation_data_version` (now a no-op). This migration works on
both kinds of database: created IF NOT EXISTS; where the old sequence exists, the new one continues above its
value (a cache key of an old version never comes back) and the old sequence, function and triggers are dropped.
"""
from django.db import migrations

FORWARD = """
CREATE SEQUENCE IF NOT EXISTS observations_data_version;
DO $$
BEGIN
    IF to_regclass('maps_observation_data_version') IS NOT NULL THEN
        PERFORM setval('observations_data_version',
                       GREATEST((SELECT last_value FROM maps_observation_data_version),
                                (SELECT last_value FROM observations_data_version)) + 1);
    END IF;
END $$;
DROP TRIGGER IF EXISTS maps_observation_data_version_truncate ON observations_observation;
DROP TRIGGER IF EXISTS maps_observation_data_version ON observations_observation;
DROP FUNCTION IF EXISTS maps_bump_observation_data_version();
DROP SEQUENCE IF EXISTS maps_observation_data_version;
CREATE OR REPLACE FUNCTION observations_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('observations_data_version');
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER observations_data_version
    AFTER INSERT OR UPDATE OR DELETE ON observations_observation
    FOR EACH STATEMENT EXECUTE FUNCTION observations_bump_data_version();
CREATE OR REPLACE TRIGGER observations_data_version_truncate
    AFTER TRUNCATE ON observations_observation
    FOR EACH STATEMENT EXECUTE FUNCTION observations_bump_data_version();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS observations_data_version_truncate ON observations_observation;
DROP TRIGGER IF EXISTS observations_data_version ON observations_observation;
DROP FUNCTION IF EXISTS observations_bump_data_version();
DROP SEQUENCE IF EXISTS observations_data_version;
"""


class Migration(migrations.Migration):
    dependencies = [("observations", "0004_verbose_names")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
