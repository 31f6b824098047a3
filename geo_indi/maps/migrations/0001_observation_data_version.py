"""The observations' data version: a sequence bumped once per statement that writes observations.

Tile caches key on it (geo_indi.maps.tiles.data_version). A sequence, not a counter row, so that
concurrent writers never wait on one hot row; a statement-level trigger, so that ORM saves, COPY
imports, raw SQL, TRUNCATE and erasure all bump it.
"""
from django.db import migrations

FORWARD = """
CREATE SEQUENCE maps_observation_data_version;
CREATE FUNCTION maps_bump_observation_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('maps_observation_data_version');
    RETURN NULL;
END $$;
CREATE TRIGGER maps_observation_data_version
    AFTER INSERT OR UPDATE OR DELETE ON observations_observation
    FOR EACH STATEMENT EXECUTE FUNCTION maps_bump_observation_data_version();
CREATE TRIGGER maps_observation_data_version_truncate
    AFTER TRUNCATE ON observations_observation
    FOR EACH STATEMENT EXECUTE FUNCTION maps_bump_observation_data_version();
"""

BACKWARD = """
DROP TRIGGER maps_observation_data_version_truncate ON observations_observation;
DROP TRIGGER maps_observation_data_version ON observations_observation;
DROP FUNCTION maps_bump_observation_data_version();
DROP SEQUENCE maps_observation_data_version;
"""


class Migration(migrations.Migration):
    dependencies = [("observations", "0002_phenomenon_examples")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
