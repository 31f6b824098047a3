"""Vector tile latency (issue 17 item 3): cold and warm tiles over a municipality at three zooms.

The tiles are those holding a sample of the municipality's object observations at each zoom (a
viewer looks where there is something). Cold: the first request after the data version was
bumped (`nextval` on the sequence the tile cache keys on: every cached tile is stale, nothing is
written). Warm: the same tile again (the server's cache). Revalidate: the same with the ETag
(304). Peer: each tile's own ST_AsMVT statement run alone through psycopg, the limit.
"""
import json
import math
import statistics
import time

import requests

from . import config, data
from .server import available
from .workloads import not_available, row

SAMPLE_POINTS = 40
POINTS_ZOOM = 14  # geo_indi.maps.tiles.POINTS_MIN_ZOOM + 1: the points layer
HALF_WORLD_M = 20_037_508.342789244

SAMPLE_SQL = """
SELECT ST_X(p), ST_Y(p) FROM (
    SELECT ST_Transform(o.location, 3857) AS p
      FROM observations_observation o JOIN areas_municipality m ON m.id = o.municipality_id
     WHERE m.code = %s AND o.subject = 'object' AND o.location IS NOT NULL
     ORDER BY md5(o.id::text) LIMIT %s) s
"""
EXTENT_SQL = """
SELECT ST_XMax(b) - ST_XMin(b), ST_YMax(b) - ST_YMin(b)
  FROM (SELECT ST_Transform(geom, 3857) AS b FROM areas_municipality WHERE code = %s) m
"""
# Prints [[sql, params], ...] of the anonymous viewer's tiles: the statements the view runs.
TILE_SQL_SCRIPT = """
import json
from django.contrib.auth.models import AnonymousUser
from geo_indi.maps import tiles
out = []
for layer, z, x, y in json.loads(TILES):
    sql, params = tiles.tile_sql(tiles.tile_request(layer, z, x, y, {}), AnonymousUser())
    out.append([sql, params])
print(json.dumps(out, default=str))
"""


def pct(times, p):
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else None


def _tile(mx, my, z):
    n = 2**z
    size = 2 * HALF_WORLD_M / n
    return min(n - 1, int((mx + HALF_WORLD_M) / size)), min(n - 1, int((HALF_WORLD_M - my) / size))


def zooms_for(width_m, height_m):
    """The zoom at which the municipality fits in about 2 × 2 tiles, two zooms closer, and the points zoom."""
    span = max(width_m, height_m, 1.0)
    overview = max(0, min(POINTS_ZOOM - 4, int(math.log2(2 * HALF_WORLD_M / span))))
    return [overview, overview + 2, POINTS_ZOOM]


def tile_set(conn, code, sample=SAMPLE_POINTS):
    """[(layer, z, x, y)] of the tiles holding the sampled object observations at three zooms."""
    points = conn.execute(SAMPLE_SQL, (code, sample)).fetchall()
    extent = conn.execute(EXTENT_SQL, (code,)).fetchone()
    zooms = zooms_for(*extent) if extent else [8, 10, POINTS_ZOOM]
    tiles = []
    for z in zooms:
        layer = "points" if z >= POINTS_ZOOM else "heat"
        for x, y in dict.fromkeys(_tile(mx, my, z) for mx, my in points):
            tiles.append((layer, z, x, y))
    return tiles, zooms


def _tile_statements(tiles):
    proc = data.run_manage("shell", "-c", f"TILES = {json.dumps(tiles)!r}\n" + TILE_SQL_SCRIPT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _timed_get(session, url, headers=None):
    start = time.perf_counter()
    resp = session.get(url, headers=headers or {}, timeout=600)
    seconds = time.perf_counter() - start
    if resp.status_code not in (200, 204, 304):
        raise RuntimeError(f"GET {url} answered {resp.status_code}")
    return seconds, resp


def tile_latency(size, reps, log, code=None, sample=SAMPLE_POINTS):
    """p50/p95 of cold, warm and revalidated tile requests; peer: the tile SQL alone. Target: warm p95 < 100 ms."""
    name = "vector tiles"
    target = "tile p95 < 100 ms warm"
    code = code or config.MAP_MUNICIPALITY_CODE
    page_path = f"/maps/{code}/"
    ok, status = available(page_path)
    if not ok:
        return not_available(name, size, f"GET {page_path} answered {status}", target)
    conn = data.connect()
    try:
        tiles, zooms = tile_set(conn, code, sample)
        if not tiles:
            return not_available(name, size, f"no object observation in municipality {code}", target)
        statements = _tile_statements(tiles)
        session = requests.Session()
        urls = [f"{config.BASE_URL}/maps/tiles/{layer}/{z}/{x}/{y}.mvt" for layer, z, x, y in tiles]
        cold, warm, revalidate, peer, sizes = [], [], [], [], []
        for rep in range(reps):
            conn.execute("SELECT nextval('observations_data_version')")  # every cached tile is now stale
            for url in urls:
                seconds, resp = _timed_get(session, url)
                cold.append(seconds)
                sizes.append(len(resp.content))
            for url in urls:
                seconds, resp = _timed_get(session, url)
                warm.append(seconds)
                if resp.headers.get("ETag"):
                    seconds, _resp = _timed_get(session, url, {"If-None-Match": resp.headers["ETag"]})
                    revalidate.append(seconds)
            for sql, params in statements:
                start = time.perf_counter()
                conn.execute(sql, params).fetchone()
                peer.append(time.perf_counter() - start)
            log(f"    rep {rep + 1}: {len(urls)} tiles, cold p95 {pct(cold, 95) * 1e3:.1f} ms, "
                f"warm p95 {pct(warm, 95) * 1e3:.1f} ms, SQL alone p95 {pct(peer, 95) * 1e3:.1f} ms")
        page_bytes = len(session.get(config.BASE_URL + page_path, timeout=600).content)
    finally:
        conn.close()
    out = row(name, size, ("GET /maps/tiles/… warm (server cache)", {"times": warm}),
              [("the tile's ST_AsMVT SQL alone via psycopg (the limit)", {"times": peer}),
               ("GET /maps/tiles/… cold (after a version bump)", {"times": cold})], target)

    def ms(times):
        return {"p50_ms": round(statistics.median(times) * 1e3, 1), "p95_ms": round(pct(times, 95) * 1e3, 1)}

    out.update(
        tiles=len(tiles), zooms=zooms, municipality=code, cold=ms(cold), warm=ms(warm), sql_alone=ms(peer),
        revalidate_304=ms(revalidate) if revalidate else None, tile_bytes_max=max(sizes),
        page_bytes=page_bytes, met=pct(warm, 95) < 0.1,
    )
    out["text"] = {
        "ours": (f"{len(tiles)} tiles (z {', '.join(map(str, zooms))}) of {code}: warm p50 {out['warm']['p50_ms']} ms, "
                 f"**p95 {out['warm']['p95_ms']} ms**; cold p50 {out['cold']['p50_ms']} ms, p95 {out['cold']['p95_ms']} ms; "
                 f"page {page_bytes / 1024:.0f} KB"),
        "peers": f"the tile's ST_AsMVT SQL alone: p50 {out['sql_alone']['p50_ms']} ms, p95 {out['sql_alone']['p95_ms']} ms",
    }
    return out
