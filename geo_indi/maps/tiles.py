"""Vector tiles (Mapbox Vector Tile, made by PostGIS) of object observations: heat cells and points.

A heat cell carries both numbers of its object observations, `records` and `occurrences` (the
sum of what each record counts), and `count` in the unit the page asked for (`unit`, default
occurrences); a point carries its `occurrences`.

Only object observations are in tiles: a person observation has no point and is drawn only
through its postcode area. The page asks for tiles of its own filters; what a viewer may see is
`Observation.objects.object_points_for(user)`, as everywhere else.

A tile is cached under its layer, z/x/y, the normalised filters, the viewer's visibility class and
the data version (a sequence bumped by a statement trigger on observations_observation, see
migrations/0001). The version is read before the tile is built, and PostgreSQL bumps it when the
writing statement runs, not when it commits: a tile built in between holds the old data under
the new version. TILE_CACHE_SECONDS bounds how long such a tile can live.
"""
import hashlib
import json
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from geo_indi.core.errors import RequestError
from geo_indi.core.db_routers import read_connection as connection
from geo_indi.observations.filters import DEFAULT_UNIT, UNIT_PARAM, Unit, filter_q, parse_filters, parse_unit
from geo_indi.observations.summary import data_version
from geo_indi.observations.models import Observation
from geo_indi.observations.querysets import sees_internal_phenomena

from .queries import HEAT_CELL_M
from .services import FILTER_FIELDS

LAYERS = ("heat", "points")
MAX_ZOOM = 20
POINTS_MIN_ZOOM = 13  # below it the points layer is empty: the heat cells stand for them
HEAT_CELLS_PER_TILE = 32  # about this many cells across a tile
HEAT_REFERENCE_LATITUDE = 65  # cell sides in metres are fixed per zoom, measured at mid-Finland
WEB_MERCATOR_WIDTH_M = 40_075_016.685578488
MVT_EXTENT = 4096
MVT_BUFFER = 64  # features this close to the edge are in both tiles, so circles are not cut
TILE_CACHE_SECONDS = 300
BROWSER_CACHE_SECONDS = 60  # then the browser revalidates with the ETag (304 while the version holds)
CONTENT_TYPE = "application/vnd.mapbox-vector-tile"


TileRequestError = RequestError  # a tile that cannot be asked for: a 400 in the tile clients' shape


@dataclass(frozen=True)
class TileRequest:
    layer: str
    z: int
    x: int
    y: int
    filters: dict  # cleaned filter values (a dict for filter_q)
    filters_key: str  # the same and the unit, normalised to a string
    unit: Unit = DEFAULT_UNIT  # what a heat cell's `count` counts


def tile_request(layer, z, x, y, params):
    """A validated TileRequest; raises TileRequestError with a message for the client."""
    if layer not in LAYERS:
        raise TileRequestError(_("layer must be one of: %s") % ", ".join(LAYERS))
    if not 0 <= z <= MAX_ZOOM:
        raise TileRequestError(_("z must be between 0 and %s") % MAX_ZOOM)
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise TileRequestError(_("x and y must be between 0 and %s at this zoom") % (2**z - 1))
    form, errors = parse_filters({k: params[k] for k in FILTER_FIELDS if k in params})
    if errors:
        raise TileRequestError(errors=errors)
    try:
        unit = parse_unit(params)
    except ValueError as exc:
        raise TileRequestError(str(exc)) from None
    filters = form.active()
    filters_key = json.dumps({**{k: str(v) for k, v in filters.items()}, UNIT_PARAM: unit.value}, sort_keys=True)
    return TileRequest(layer, z, x, y, filters, filters_key, unit)


@dataclass(frozen=True)
class TileLayers:
    urls: dict  # layer -> URL template with {z}/{x}/{y}
    points_min_zoom: int = POINTS_MIN_ZOOM
    max_zoom: int = MAX_ZOOM


def tile_layers(filters, unit=DEFAULT_UNIT):
    """URL templates of the tile layers for a page under these filters (cleaned values) and unit."""
    params = {k: str(v) for k, v in sorted(filters.items()) if k in FILTER_FIELDS}
    if Unit(unit) != DEFAULT_UNIT:
        params[UNIT_PARAM] = Unit(unit).value
    query = urlencode(params)
    urls = {}
    for layer in LAYERS:
        path = reverse("maps:tile", args=[layer, 0, 0, 0]).removesuffix("/0/0/0.mvt") + "/{z}/{x}/{y}.mvt"
        urls[layer] = f"{path}?{query}" if query else path
    return TileLayers(urls)


def visibility_class(user):
    """Viewers in one class see the same tiles."""
    return "member" if sees_internal_phenomena(user) else "public"




def heat_cell_m(z):
    """Side of a heat cell in metres (EPSG:3067) at zoom z: the same grid in every tile of a zoom."""
    tile_m = WEB_MERCATOR_WIDTH_M / 2**z * math.cos(math.radians(HEAT_REFERENCE_LATITUDE))
    return max(HEAT_CELL_M, round(tile_m / HEAT_CELLS_PER_TILE / 10) * 10)


def cache_key(request, viewer_class, version):
    raw = f"{request.layer}/{request.z}/{request.x}/{request.y}?{request.filters_key}#{viewer_class}@{version}"
    return "maps-tile:" + hashlib.sha256(raw.encode()).hexdigest()


def etag(key):
    return f'"{key.rsplit(":", 1)[1][:32]}"'


# The tile's envelope in EPSG:3857 ("env") and the part of EPSG:3067 to search ("search"): the
# envelope with its buffer, cut to COVERAGE_PLAUSIBLE_EXTENT (where a recorded point can be; far
# from Finland the transform to EPSG:3067 wraps or fails, at z 0-1), segmentized so that its edges stay close to
# their true curves in EPSG:3067, and grown by `grow` metres. Parameters: z, x, y, z, x, y, margin,
# the four bounds, grow.
_ENVELOPE = """
WITH tile AS (
    SELECT ST_TileEnvelope(%s, %s, %s) AS env,
           ST_TileEnvelope(%s, %s, %s, margin => %s) AS buffered
), cut AS (
    SELECT env, ST_ClipByBox2D(buffered, ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 4326), 3857)::box2d) AS part
      FROM tile
), bounds AS (
    SELECT env, ST_Expand(ST_Transform(ST_Segmentize(part, (ST_XMax(part) - ST_XMin(part)) / 8), 3067), %s) AS search
      FROM cut
)"""

_HEAT = _ENVELOPE + """
, cells AS (
    SELECT ST_SnapToGrid(o.location, %s) AS node, count(*) AS records, sum(o.occurrences) AS occurrences
      FROM ({observations}) o, bounds
     WHERE o.location && bounds.search
     GROUP BY 1
), features AS (
    SELECT ST_AsMVTGeom(ST_Transform(c.node, 3857), bounds.env, %s, %s, true) AS geom,
           c.{count} AS count, c.records, c.occurrences
      FROM cells c, bounds
)
SELECT ST_AsMVT(features, 'heat', %s, 'geom') FROM features WHERE geom IS NOT NULL
"""

_POINTS = _ENVELOPE + """
, features AS (
    SELECT ST_AsMVTGeom(ST_Transform(o.location, 3857), bounds.env, %s, %s, true) AS geom,
           o.phenomenon_id AS phenomenon, o.direction, o.occurrences
      FROM ({observations}) o, bounds
     WHERE o.location && bounds.search
)
SELECT ST_AsMVT(features, 'points', %s, 'geom') FROM features WHERE geom IS NOT NULL
"""


def tile_sql(request, user):
    """(SQL, params) of one tile: ST_AsMVT over the viewer's object observations under the filters."""
    observations = (
        Observation.objects.object_points_for(user).filter(filter_q(request.filters))
        .order_by().values("location", "phenomenon_id", "direction", "occurrences")
    )
    inner, inner_params = observations.query.sql_with_params()
    tile = [request.z, request.x, request.y]
    envelope = [*tile, *tile, MVT_BUFFER / MVT_EXTENT, *settings.COVERAGE_PLAUSIBLE_EXTENT]
    if request.layer == "heat":
        cell = heat_cell_m(request.z)
        params = [*envelope, cell / 2, cell, *inner_params, MVT_EXTENT, MVT_BUFFER, MVT_EXTENT]
        count = "records" if request.unit == Unit.RECORDS else "occurrences"  # a column name, never input
        return _HEAT.format(observations=inner, count=count), params
    params = [*envelope, 0, MVT_EXTENT, MVT_BUFFER, *inner_params, MVT_EXTENT]
    return _POINTS.format(observations=inner), params


def _build(request, user):
    if request.layer == "points" and request.z < POINTS_MIN_ZOOM:
        return b""
    sql, params = tile_sql(request, user)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return bytes(cur.fetchone()[0] or b"")


@dataclass
class Tile:
    body: bytes | None
    etag: str
    cached: bool


def tile_for(request, user, *, known_etags=()):
    """The tile for this viewer (body None when the client's copy, one of known_etags, is current)."""
    key = cache_key(request, visibility_class(user), data_version())
    tag = etag(key)
    if tag in known_etags or "*" in known_etags:
        return Tile(None, tag, True)
    body = cache.get(key)
    if body is not None:
        return Tile(body, tag, True)
    body = _build(request, user)
    cache.set(key, body, TILE_CACHE_SECONDS)
    return Tile(body, tag, False)
