"""The feature text joined in SQL is byte for byte what json_build_object writes, on every layer."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from geo_indi.layers import streaming
from geo_indi.layers.params import parse_layer_query
from geo_indi.layers.services import get_layer

from .test_layers_fixtures import LAYER_IDS, layer_scenario  # noqa: F401


def reference_sql(lsql, srid):
    """The Feature as json_build_object builds it, the geometry parsed back into json."""
    return (
        "SELECT json_build_object("
        f"'type', 'Feature', 'id', {lsql.id_sql}, "
        f"'geometry', ST_AsGeoJSON(ST_Transform({lsql.geom_sql}, {srid}), {streaming.DECIMALS[srid]}, 0)::json, "
        f"'properties', {streaming.properties_sql(lsql.columns)})::text, {lsql.id_sql}"
        f"{lsql.from_where} ORDER BY {lsql.id_sql}"
    ), lsql.params


def rows(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@pytest.mark.parametrize("srid", sorted(streaming.DECIMALS))
@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_feature_text_is_what_json_build_object_writes(layer_scenario, layer_id, srid):  # noqa: F811
    lsql = get_layer(layer_id).sql(layer_scenario["users"]["admin"], parse_layer_query({}))
    ours = rows(*streaming.feature_sql(lsql, srid=srid))
    assert ours, layer_id
    assert ours == rows(*reference_sql(lsql, srid))


def test_feature_without_geometry_has_null_geometry(layer_scenario):  # noqa: F811
    lsql = get_layer("municipalities").sql(AnonymousUser(), parse_layer_query({}))
    lsql.geom_sql = "NULL::geometry"
    ours = rows(*streaming.feature_sql(lsql))
    assert ours and all('"geometry" : null, "properties"' in text for text, _id in ours)
    assert ours == rows(*reference_sql(lsql, 4326))
