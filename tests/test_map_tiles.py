"""Vector tiles of object observations (geo_indi.maps.tiles), decoded with mapbox-vector-tile.

The points are placed in EPSG:3067 around the nodes of the heat grid of the zoom under test, so
the expected count of each cell can be read from the fixture: at z = 10 a cell is 520 m wide
(16 541 m, the tile's width at 65° N, / 32 cells, rounded to 10 m); three points within 60 m of
one node and one point 2 cells away give two cells, counts 3 and 1.
"""
import datetime as dt
import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db import connection

from geo_indi.maps import tiles
from geo_indi.observations.models import Observation

pytestmark = pytest.mark.django_db

HALF_WORLD_M = 20_037_508.342789244
Z = 10
CELL_M = 520
# A heat node well inside Alfa (99001, Rovaniemi 698), in EPSG:3067.
ALFA_CENTRE = Point(25.1, 66.05, srid=4326).transform(3067, clone=True)
NODE = (round(ALFA_CENTRE.x / CELL_M) * CELL_M, round(ALFA_CENTRE.y / CELL_M) * CELL_M)
NEAR_NODE = [(NODE[0] + dx, NODE[1] + dy) for dx, dy in ((0, 0), (40, -30), (-50, 60))]
OTHER_NODE = (NODE[0] + 2 * CELL_M, NODE[1])


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def lat_lon(x, y):
    point = Point(x, y, srid=3067).transform(4326, clone=True)
    return point.y, point.x


def mercator(x, y):
    point = Point(x, y, srid=3067).transform(3857, clone=True)
    return point.x, point.y


def tile_of(x, y, z):
    mx, my = mercator(x, y)
    n = 2**z
    return int((mx + HALF_WORLD_M) / (2 * HALF_WORLD_M) * n), int((HALF_WORLD_M - my) / (2 * HALF_WORLD_M) * n)


def pixel(x, y, z, tx, ty):
    """Where a EPSG:3067 point falls in tile (z, tx, ty), in tile units (0..4096, y down)."""
    mx, my = mercator(x, y)
    size = 2 * HALF_WORLD_M / 2**z
    return ((mx - (-HALF_WORLD_M + tx * size)) / size * tiles.MVT_EXTENT,
            ((HALF_WORLD_M - ty * size) - my) / size * tiles.MVT_EXTENT)


def features(response, layer):
    if response.status_code == 204:
        return []
    assert response.status_code == 200 and response["Content-Type"] == tiles.CONTENT_TYPE
    decoded = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
    return decoded.get(layer, {"features": []})["features"]


def get_tile(client, layer, z, tx, ty, query=""):
    return client.get(f"/maps/tiles/{layer}/{z}/{tx}/{ty}.mvt{'?' + query if query else ''}")


def object_at(record, x, y, **fields):
    return record(*lat_lon(x, y), subject="object", phenomenon=fields.pop("phenomenon", "ilkivalta"),
                  observed_on=dt.date(2026, 2, 5), **fields)


@pytest.fixture
def four_objects(record):
    for x, y in NEAR_NODE:
        object_at(record, x, y)
    object_at(record, *OTHER_NODE, direction="strengthens")


def test_cell_size_at_the_zoom_under_test():
    assert tiles.heat_cell_m(Z) == CELL_M
    assert tiles.heat_cell_m(tiles.MAX_ZOOM) == 100  # never finer than the 100 m heat cell


def test_heat_tile_counts_object_observations_per_cell(client, four_objects):
    tx, ty = tile_of(*NODE, Z)
    cells = features(get_tile(client, "heat", Z, tx, ty), "heat")
    assert sorted(f["properties"]["count"] for f in cells) == [1, 3]
    by_count = {f["properties"]["count"]: f["geometry"]["coordinates"] for f in cells}
    for count, node in ((3, NODE), (1, OTHER_NODE)):
        expected = pixel(*node, Z, tx, ty)
        assert math.dist(by_count[count], expected) <= 1.5


def test_points_tile_has_every_object_point_at_high_zoom_and_none_below(client, four_objects):
    z = tiles.POINTS_MIN_ZOOM + 1
    tx, ty = tile_of(*NODE, z)
    points = features(get_tile(client, "points", z, tx, ty), "points")
    near = [f for f in points if math.dist(f["geometry"]["coordinates"], pixel(*NODE, z, tx, ty)) < 500]  # 80 m: about 320 units at z 14
    assert len(near) == 3
    assert {f["properties"]["direction"] for f in near} == {"weakens"}
    low = tiles.POINTS_MIN_ZOOM - 1
    assert get_tile(client, "points", low, *tile_of(*NODE, low)).status_code == 204


def test_every_tile_of_the_first_zooms_answers_and_the_world_tile_counts_everything(client, four_objects):
    """The tile envelope is cut to Finland's surroundings before it is transformed to EPSG:3067 (z 0-1 would
    wrap or fail): at z 0 the 4 objects (529 km cells) are all in one cell."""
    assert [f["properties"]["count"] for f in features(get_tile(client, "heat", 0, 0, 0), "heat")] == [4]
    for z in (1, 2):
        statuses = {get_tile(client, "heat", z, x, y).status_code for x in range(2**z) for y in range(2**z)}
        assert statuses == {200, 204}


def test_tile_of_an_empty_area_is_204(client, four_objects):
    helsinki = Point(24.94, 60.17, srid=4326).transform(3067, clone=True)
    for layer in tiles.LAYERS:
        response = get_tile(client, layer, 14, *tile_of(helsinki.x, helsinki.y, 14))
        assert response.status_code == 204 and response.content == b""


def test_person_observations_are_never_in_a_tile(client, record, users):
    for _ in range(6):
        record(*lat_lon(*NODE), subject="person")
    client.force_login(users["admin"])
    for layer, z in (("heat", 5), ("heat", Z), ("points", 14), ("points", 18)):
        assert get_tile(client, layer, z, *tile_of(*NODE, z)).status_code == 204


def test_internal_phenomena_are_shown_to_members_only(client, record, users):
    object_at(record, *NODE, phenomenon="nuorten-paihteet")
    tile = tile_of(*NODE, Z)
    assert features(get_tile(client, "heat", Z, *tile), "heat") == []
    client.force_login(users["field_320"])  # a member of another organisation: internal phenomena are shown
    assert [f["properties"]["count"] for f in features(get_tile(client, "heat", Z, *tile), "heat")] == [1]


def test_filters_are_applied(client, four_objects, phenomena):
    tile = tile_of(*NODE, Z)
    counts = lambda query: sorted(f["properties"]["count"] for f in features(get_tile(client, "heat", Z, *tile, query), "heat"))  # noqa: E731
    assert counts("direction=strengthens") == [1]
    assert counts("direction=weakens") == [3]
    assert counts(f"phenomenon={phenomena['yksinaisyys'].id}") == []
    assert counts("date_from=2026-03-01") == []
    assert counts("classes=quantiles&measure=rate") == [1, 3]  # the page's other options do not filter


def test_second_request_is_a_cache_hit_and_a_write_changes_version_and_tile(client, four_objects, record):
    tile = tile_of(*NODE, Z)
    first = get_tile(client, "heat", Z, *tile)
    assert first["X-Tile-Cache"] == "miss"
    second = get_tile(client, "heat", Z, *tile)
    assert second["X-Tile-Cache"] == "hit" and second.content == first.content and second["ETag"] == first["ETag"]

    version = tiles.data_version()
    object_at(record, *NODE)
    assert tiles.data_version() > version
    third = get_tile(client, "heat", Z, *tile)
    assert third["X-Tile-Cache"] == "miss" and third["ETag"] != first["ETag"]
    assert sorted(f["properties"]["count"] for f in features(third, "heat")) == [1, 4]


def test_raw_sql_insert_changes_the_version_and_the_tile(client, four_objects):
    tile = tile_of(*NODE, Z)
    before = get_tile(client, "heat", Z, *tile)
    version = tiles.data_version()
    columns = [f.column for f in Observation._meta.concrete_fields if f.column not in ("id", "client_uuid")]
    listed = ", ".join(columns)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO observations_observation (client_uuid, {listed}) "
            f"SELECT gen_random_uuid(), {listed} FROM observations_observation WHERE direction = 'strengthens'"
        )
    assert tiles.data_version() > version
    after = get_tile(client, "heat", Z, *tile)
    assert after["ETag"] != before["ETag"]
    assert sorted(f["properties"]["count"] for f in features(after, "heat")) == [2, 3]


def test_browser_revalidates_with_the_etag(client, four_objects):
    tile = tile_of(*NODE, Z)
    first = get_tile(client, "heat", Z, *tile)
    assert first["Cache-Control"] == "private, max-age=60"
    again = client.get(f"/maps/tiles/heat/{Z}/{tile[0]}/{tile[1]}.mvt", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    weak = client.get(f"/maps/tiles/heat/{Z}/{tile[0]}/{tile[1]}.mvt", HTTP_IF_NONE_MATCH=f'"x", W/{first["ETag"]}')
    assert weak.status_code == 304  # as a proxy that compressed the tile would send it back


def test_viewers_of_different_classes_get_different_etags(client, four_objects, users):
    tile = tile_of(*NODE, Z)
    anonymous = get_tile(client, "heat", Z, *tile)["ETag"]
    client.force_login(users["field_698"])
    assert get_tile(client, "heat", Z, *tile)["ETag"] != anonymous


@pytest.mark.parametrize("url", [
    "/maps/tiles/roads/10/0/0.mvt",
    "/maps/tiles/heat/21/0/0.mvt",
    "/maps/tiles/heat/2/4/0.mvt",
    "/maps/tiles/heat/2/0/4.mvt",
    "/maps/tiles/heat/10/0/0.mvt?phenomenon=abc",
    "/maps/tiles/heat/10/0/0.mvt?direction=sideways",
    "/maps/tiles/heat/10/0/0.mvt?date_from=2026-03-01&date_to=2026-01-01",
    "/maps/tiles/heat/10/0/0.mvt?year=99999",
])
def test_bad_tile_requests_are_400(client, db, url):
    response = client.get(url)
    assert response.status_code == 400
    body = response.json()  # the one error shape of tile clients (geo_indi.core.errors), never {"detail": …}
    assert body["code"] == "invalid" and body["error"] and body["request_id"]
    assert response["Cache-Control"] == "no-store"


def test_negative_tile_numbers_are_404(client, db):
    assert client.get("/maps/tiles/heat/-1/0/0.mvt").status_code == 404


def _copies_of(observation_id, n):
    """n more object observations copied from one by raw SQL, on a 100 m lattice next to it (one heat cell each at 100 m)."""
    columns = [f.column for f in Observation._meta.concrete_fields if f.column not in ("id", "client_uuid", "location")]
    listed = ", ".join(columns)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO observations_observation (client_uuid, location, {listed}) "
            f"SELECT gen_random_uuid(), ST_Translate(location, mod(g, 50) * 100, (g / 50) * 100), {listed} "
            f"FROM observations_observation, generate_series(1, %s) g WHERE id = %s",
            [n, observation_id],
        )


@pytest.mark.parametrize("user", [None, "coord_698"])
def test_municipality_page_does_not_grow_with_the_object_observations(client, record, users, user):
    if user:
        client.force_login(users[user])
    first = object_at(record, *NODE)
    _copies_of(first.id, 9)
    assert Observation.objects.filter(municipality__code="698").count() == 10
    small = len(client.get("/maps/698/").content)
    _copies_of(first.id, 1990)
    assert Observation.objects.filter(municipality__code="698").count() == 2000
    large = len(client.get("/maps/698/").content)
    assert abs(large - small) < 300, (small, large)


def test_municipality_page_points_to_the_tiles_and_explains_them_in_finnish(client, small_geography):
    html = client.get("/maps/698/?year=2026&measure=rate", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "/maps/tiles/heat/{z}/{x}/{y}.mvt?year=2026" in html
    assert "/maps/tiles/points/{z}/{x}/{y}.mvt?year=2026" in html
    assert "/static/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js" in html
    assert "Paikkojen ja asioiden lämpökartta laskee niitä koskevat havainnot ruuduittain" in html
