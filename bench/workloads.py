"""The five workloads of issue 8. Each returns a result row (dict) for the report."""
import json
import os
import subprocess
import re

import requests

from . import config, data
from .server import available
from .report import _rate, _s
from .timing import alternate, median, run_checked

OBJECT_POINTS_SQL = """
SELECT o.id, p.slug AS phenomenon, c.slug AS category, o.direction, o.occurrences, o.observed_on,
       pa.postcode, m.code AS municipality, ST_Transform(o.location, 4326) AS geom
  FROM observations_observation o
  JOIN observations_phenomenon p ON p.id = o.phenomenon_id
  LEFT JOIN observations_category c ON c.id = o.category_id
  JOIN areas_postcodearea pa ON pa.id = o.postcode_area_id
  JOIN areas_municipality m ON m.id = o.municipality_id
 WHERE o.subject = 'object' AND o.location IS NOT NULL
"""


def row(workload, size, ours, peers, target, ratio_goal=None, **extra):
    """ours/peers: (label, {"times": [...]}); rates in rows per second where size applies."""
    ours_label, ours_runs = ours
    ours_median = median(ours_runs["times"])
    peer_rows = []
    for label, runs in peers:
        m = median(runs["times"])
        peer_rows.append({"label": label, "median_s": m, "times_s": runs["times"]})
    ratio = None
    if peer_rows and ours_median:
        ratio = peer_rows[0]["median_s"] / ours_median  # our rate / first peer's rate
    met = None
    if ratio_goal is not None and ratio is not None:
        met = ratio >= ratio_goal
    return {
        "workload": workload, "size": size, "available": True,
        "ours": {"label": ours_label, "median_s": ours_median, "times_s": ours_runs["times"]},
        "peers": peer_rows, "ratio": ratio, "target": target, "met": met, **extra,
    }


def not_available(workload, size, why, target):
    return {"workload": workload, "size": size, "available": False, "why": why, "target": target,
            "ours": None, "peers": [], "ratio": None, "met": None}


# ---------------------------------------------------------------- bulk import

def _app_path(*parts):
    return config.ROOT.joinpath(*parts)


PEER_IMPORT_SQL = r"""
\set ON_ERROR_STOP on
CREATE TEMP TABLE staged (client_uuid uuid, phenomenon text, category text, subject text, direction text,
  occurrences int, age_group text, description text, observed_on date, lat float8, lon float8);
\copy staged FROM '{csv}' WITH (FORMAT csv, HEADER)
INSERT INTO observations_observation
    (client_uuid, phenomenon_id, category_id, subject, direction, occurrences, age_group,
     description, observed_on, reporter_id, organisation_id, postcode_area_id, municipality_id,
     location, consent_recorded, follow_up_note, created_at, updated_at)
SELECT DISTINCT ON (s.client_uuid) s.client_uuid, p.id, c.id, s.subject, s.direction, s.occurrences, s.age_group, s.description,
       s.observed_on, {reporter}, {organisation}, a.id, a.municipality_id,
       CASE WHEN s.subject = 'object' THEN s.g END, false, '', now(), now()
  FROM (SELECT *, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 3067) AS g FROM staged) s
  JOIN observations_phenomenon p ON p.slug = s.phenomenon
  LEFT JOIN observations_category c ON c.phenomenon_id = p.id AND c.slug = nullif(s.category, '')
  JOIN {areas}
 ORDER BY s.client_uuid, a.postcode;  -- a point in two overlapping areas: the lowest postcode, as in snapping
"""


def bulk_import(size, reps, log):
    target = "≥ 0.5× the SQL join's rate"
    name = "bulk import with snapping"
    if not _app_path("geo_indi", "observations", "management", "commands", "import_observations.py").exists():
        return not_available(name, size, "manage.py import_observations does not exist yet", target)
    csv_path = config.WORK_DIR / f"import_{size}.csv"
    data.write_import_csv(csv_path, size)
    reporter, organisation = _admin_ids()
    watermark = data.max_observation_id()
    sql_files = {}
    for label, areas in (
        ("SQL INSERT…SELECT, ST_Contains on areas", "areas_postcodearea a ON ST_Contains(a.geom, s.g)"),
        ("same on ST_Subdivide'd parts",
         "areas_postcodeareapart pt ON ST_Contains(pt.geom, s.g) JOIN areas_postcodearea a ON a.id = pt.area_id"),
    ):
        path = config.WORK_DIR / f"peer_import_{len(sql_files)}.sql"
        path.write_text(PEER_IMPORT_SQL.format(csv=csv_path, reporter=reporter, organisation=organisation, areas=areas))
        sql_files[label] = path
    counts = {}

    def ours():
        proc = data.run_manage("import_observations", str(csv_path), "--reporter", config.ADMIN_USER)
        match = re.search(r"(\d+) created", proc.stdout)
        counts["ours"] = int(match.group(1)) if match else None
        return {"created": counts["ours"]}

    def peer(label):
        def run():
            run_checked(_psql() + ["-q", "-f", str(sql_files[label])])
            n = data.scalar("SELECT count(*) FROM observations_observation WHERE id > %s", (watermark,))
            return {"created": n}
        return run

    runners = {"ours": ours, **{label: peer(label) for label in sql_files}}
    results = alternate(runners, reps, log, slow_after_s=90,
                        cleanup=lambda label: data.delete_observations_after(watermark))
    csv_path.unlink(missing_ok=True)
    out = row(name, size, ("manage.py import_observations (CSV)", results.pop("ours")),
              list(results.items()), target, ratio_goal=0.5, created=counts.get("ours"))
    return out


def _admin_ids():
    with data.connect() as conn:
        return conn.execute(
            "SELECT u.id, m.organisation_id FROM auth_user u JOIN accounts_membership m ON m.user_id = u.id "
            "WHERE u.username = %s", (config.ADMIN_USER,)).fetchone()


def _psql():
    return ["psql", "-h", config.PGHOST, "-p", config.PGPORT, "-U", config.PGUSER, "-d", config.DBNAME, "-X"]


# ---------------------------------------------------------------- GeoJSON download

def _count_features(resp, out_path):
    features = 0
    size = 0
    tail = b""
    with open(out_path, "wb") as out:
        for chunk in resp.iter_content(chunk_size=1 << 16):
            out.write(chunk)
            size += len(chunk)
            buf = tail + chunk
            features += buf.count(b'"Feature"')
            tail = buf[-10:]
            features -= tail.count(b'"Feature"')  # counted again next round
    # the last tail was subtracted but never re-counted
    features += tail.count(b'"Feature"')
    return features, size


def _ogr_from_postgis(out_path):
    run_checked(["ogr2ogr", "-f", "GeoJSON", str(out_path), config.OGR_PG, "-sql", OBJECT_POINTS_SQL,
                 "-nln", "observations", "-lco", "RFC7946=YES"])


def geojson_download(size, reps, log, token, server):
    name = "GeoJSON download"
    target = "≥ 0.8× ogr2ogr's rate; peak server memory flat 100k→1M"
    url = "/api/layers/observations.geojson"
    ok, status = available(url, token)
    if not ok:
        return not_available(name, size, f"GET {url} answered {status}", target)
    headers = {"Authorization": f"Token {token}"}
    out = config.WORK_DIR / "download.geojson"
    got = {}
    rss_before = server.peak_rss_mb()

    def ours():
        with requests.get(config.BASE_URL + url, headers=headers, stream=True, timeout=1800) as resp:
            resp.raise_for_status()
            got["features"], got["bytes"] = _count_features(resp, out)
        return {"features": got["features"], "MB": round(got["bytes"] / 1e6, 1)}

    def ogr():
        out.unlink(missing_ok=True)
        _ogr_from_postgis(out)
        return {"MB": round(out.stat().st_size / 1e6, 1)}

    def psql_copy():
        sql = (
            "COPY (SELECT json_build_object('type', 'FeatureCollection', 'features', "
            f"json_agg(ST_AsGeoJSON(t.*, 'geom', 6)::json)) FROM ({OBJECT_POINTS_SQL}) t) TO STDOUT"
        )
        with open(out, "wb") as fh:
            proc = subprocess.run(_psql() + ["-c", sql], stdout=fh, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.decode()[-1000:])
        return {"MB": round(out.stat().st_size / 1e6, 1)}

    results = alternate({"ours": ours, "ogr2ogr -f GeoJSON from PostGIS": ogr,
                         "psql COPY json_agg(ST_AsGeoJSON) (the limit)": psql_copy}, reps, log, slow_after_s=120)
    out.unlink(missing_ok=True)
    expected = data.scalar("SELECT count(*) FROM observations_observation WHERE subject='object' AND location IS NOT NULL")
    return row(name, size, ("GET /api/layers/observations.geojson (streamed, admin token)", results.pop("ours")),
               list(results.items()), target, ratio_goal=0.8,
               features=got.get("features"), expected_features=expected, megabytes=round(got.get("bytes", 0) / 1e6, 1),
               server_peak_rss_mb_before=rss_before, server_peak_rss_mb=server.peak_rss_mb())


# ---------------------------------------------------------------- municipality map page

def login_session(username):
    session = requests.Session()
    login = config.BASE_URL + "/accounts/login/"
    page = session.get(login, timeout=30)
    token = session.cookies.get("csrftoken")
    resp = session.post(login, data={"username": username, "password": "demo-geo-indi", "csrfmiddlewaretoken": token},
                        headers={"Referer": login}, timeout=30, allow_redirects=False)
    if resp.status_code not in (302, 303):
        raise RuntimeError(f"login as {username} failed: {resp.status_code} ({page.status_code})")
    return session


MAP_PEER_SQL = """
SELECT o.postcode_area_id, o.phenomenon_id, o.direction, count(*), sum(o.occurrences)
  FROM observations_observation o JOIN areas_municipality m ON m.id = o.municipality_id
 WHERE m.code = %s
 GROUP BY 1, 2, 3
"""


def map_page(size, reps, log):
    name = "municipality map page"
    target = "< 0.5 s at 100k, < 2 s at 1M"
    path = f"/maps/{config.MAP_MUNICIPALITY_CODE}/"
    ok, status = available(path)
    if not ok:
        return not_available(name, size, f"GET {path} answered {status}", target)
    anonymous = requests.Session()
    admin = login_session(config.ADMIN_USER)
    conn = data.connect()
    info = {}

    def get(session, key):
        def run():
            resp = session.get(config.BASE_URL + path, timeout=600)
            resp.raise_for_status()
            info[key] = len(resp.content)
            return {"KB": round(len(resp.content) / 1e3)}
        return run

    def peer():
        return {"groups": len(conn.execute(MAP_PEER_SQL, (config.MAP_MUNICIPALITY_CODE,)).fetchall())}

    for warm in (get(anonymous, "anon"), get(admin, "admin"), peer):
        warm()
    results = alternate({"ours (anonymous)": get(anonymous, "anon"), "ours (signed in as admin)": get(admin, "admin"),
                         "grouped SQL count alone (the limit)": peer}, reps, log)
    conn.close()
    goal = 0.5 if size <= 100_000 else 2.0
    ours_runs = results.pop("ours (anonymous)")
    admin_runs = results.pop("ours (signed in as admin)")
    out = row(name, size, (f"GET {path} server time (anonymous)", ours_runs), list(results.items()), target)
    worst = max(median(ours_runs["times"]), median(admin_runs["times"]))
    out["signed_in_median_s"] = median(admin_runs["times"])
    out["signed_in_times_s"] = admin_runs["times"]
    out["goal_s"] = goal
    out["met"] = worst < goal
    return out


# ---------------------------------------------------------------- OGC API paging

# The bytes at the end of a page that hold its members after "features" (see _page_members).
_PAGE_TAIL_BYTES = 64 * 1024
# The path that decides "met" (the row's "ours"): the server's own rate. GDAL's OAPIF driver spends more CPU
# parsing each page than the whole peer run (docs/benchmarks.md), so its figure is reported
# beside it but says more about the client than about the server.
OGC_JUDGED = "HTTP pager"


def _largest_limit(headers):
    """The `limit` maximum the server's OpenAPI document announces for items."""
    doc = requests.get(config.BASE_URL + "/ogcapi/openapi.json", headers=headers, timeout=60).json()
    limits = [p["schema"].get("maximum") for p in doc.get("components", {}).get("parameters", {}).values()
              if p.get("name") == "limit"]
    return max((m for m in limits if m), default=10_000)


def _page_members(tail):
    """numberReturned and links of a page from its last bytes: the server writes them after the
    features, so the page is counted without parsing the features."""
    start = tail.rfind(b'"numberReturned"')
    if start < 0:
        raise RuntimeError(f"no numberReturned at the end of the page: {tail[-200:]!r}")
    return json.loads(b"{" + tail[start:])


def http_pager(url, headers, out_path, limit):
    """Follow the `next` links from the first page with `limit`, each page streamed to disk
    unparsed. Returns (features, pages)."""
    features = pages = 0
    params = {"f": "json", "limit": limit}
    with requests.Session() as session, open(out_path, "wb") as fh:
        while url:
            with session.get(url, params=params, headers=headers, stream=True, timeout=600) as resp:
                resp.raise_for_status()
                tail = b""
                for chunk in resp.iter_content(1 << 20):
                    fh.write(chunk)
                    tail = (tail + chunk)[-_PAGE_TAIL_BYTES:]
            members = _page_members(tail)
            features += members["numberReturned"]
            pages += 1
            url = next((link["href"] for link in members.get("links", []) if link.get("rel") == "next"), None)
            params = None  # a next link carries its own query
    return features, pages


PYOGRIO_CLIENT = """
import sys, pyogrio
df = pyogrio.read_dataframe(sys.argv[1], layer=sys.argv[2], PAGE_SIZE=sys.argv[3])
print(len(df))
"""


def pyogrio_version():
    """GDAL version bundled with pyogrio and whether it reads OAPIF, or None without pyogrio."""
    try:
        import pyogrio
    except ImportError:
        return None
    return pyogrio.__gdal_version_string__, "OAPIF" in pyogrio.list_drivers()


def ogc_paging(size, reps, log, token):
    name = "OGC API paging"
    target = "≥ 0.5× ogr2ogr from PostGIS"
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    try:
        resp = requests.get(config.BASE_URL + "/ogcapi/collections", params={"f": "json"}, headers=headers, timeout=60)
    except requests.RequestException as exc:
        return not_available(name, size, str(exc), target)
    if resp.status_code != 200:
        return not_available(name, size, f"GET /ogcapi/collections answered {resp.status_code}", target)
    collections = [c.get("id") for c in resp.json().get("collections", [])]
    layer = next((c for c in collections if c and "observ" in c and "count" not in c), collections[0] if collections else None)
    if not layer:
        return not_available(name, size, "no collection in /ogcapi/collections", target)
    limit = _largest_limit(headers)
    out = config.WORK_DIR / "ogc.geojson"
    # A header file, not GDAL_HTTP_HEADERS: GDAL 3.12's OAPIF driver (pyogrio's) sends its own
    # headers instead of GDAL_HTTP_HEADERS, and would page through the anonymous view.
    header_file = config.WORK_DIR / "ogc_headers.txt"
    header_file.write_text(f"Authorization: Token {token}\n")
    env = dict(os.environ, GDAL_HTTP_HEADER_FILE=str(header_file), CPL_VSIL_CURL_CACHE_SIZE="0")
    got = {}
    gdal_label = f"ogr2ogr (GDAL {_gdal_cli_version()}) OAPIF, PAGE_SIZE=10000"
    pager_label = f"HTTP pager: next links, limit={limit}, pages streamed to disk unparsed"
    bundled = pyogrio_version()
    pyogrio_label = f"pyogrio.read_dataframe (GDAL {bundled[0]}) OAPIF, PAGE_SIZE={limit}" if bundled and bundled[1] else None
    peer_label = "ogr2ogr straight from PostGIS"

    def gdal_cli():
        out.unlink(missing_ok=True)
        run_checked(["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{config.BASE_URL}/ogcapi", layer,
                     "-oo", "PAGE_SIZE=10000"], env=env)
        got[gdal_label] = _features_in(out)
        return {"features": got[gdal_label]}

    def pager():
        features, pages = http_pager(f"{config.BASE_URL}/ogcapi/collections/{layer}/items", headers, out, limit)
        got["pager_features"] = features
        return {"features": features, "pages": pages, "MB": round(out.stat().st_size / 1e6, 1)}

    def pyogrio_client():
        proc = run_checked([config.PYTHON, "-c", PYOGRIO_CLIENT, f"OAPIF:{config.BASE_URL}/ogcapi", layer, str(limit)],
                           env=env)
        got[pyogrio_label] = int(proc.stdout.split()[-1])
        return {"features": got[pyogrio_label]}

    def peer():
        out.unlink(missing_ok=True)
        _ogr_from_postgis(out)
        return None

    runners = {gdal_label: gdal_cli, pager_label: pager}
    if pyogrio_label:
        runners[pyogrio_label] = pyogrio_client
    runners[peer_label] = peer
    results = alternate(runners, reps, log, slow_after_s=120)
    out.unlink(missing_ok=True)
    header_file.unlink(missing_ok=True)
    peer_s = median(results[peer_label]["times"])

    def figure(label):
        s = median(results[label]["times"])
        return s, peer_s / s if s else None

    clients = [label for label in (gdal_label, pyogrio_label) if label]
    out_row = row(name, size, (pager_label, results[pager_label]), [(peer_label, results[peer_label])],
                  target, ratio_goal=0.5, collection=layer, limit=limit,
                  features=got.get("pager_features"), expected_features=size,
                  clients={label: {"median_s": figure(label)[0], "ratio": figure(label)[1], "features": got.get(label),
                                   "times_s": results[label]["times"]} for label in clients},
                  judged=OGC_JUDGED)
    out_row["met"] = bool(out_row["met"]) and got.get("pager_features") == size
    lines = [f"**{OGC_JUDGED} (judged): {_s(figure(pager_label)[0])}{_rate(size, figure(pager_label)[0])}**; "
             f"{got.get('pager_features')}/{size} features"]
    for label in clients:
        s, ratio = figure(label)
        lines.append(f"{label}: {_s(s)}{_rate(size, s)} ({ratio:.2f}×); {got.get(label)}/{size} features")
    out_row["text"] = {"ours": "<br>".join(lines),
                       "peers": f"{peer_label}: {_s(peer_s)}{_rate(size, peer_s)}"}
    out_row["why"] = ("the target judges the server's own rate (HTTP pager); the GIS clients' ratios are "
                      "beside it: GDAL's OAPIF driver parses each page whole, which costs more CPU than the peer")
    return out_row


def _gdal_cli_version():
    match = re.search(r"GDAL (\S+?),", run_checked(["ogr2ogr", "--version"]).stdout)
    return match.group(1) if match else "?"


def _features_in(path):
    proc = run_checked(["ogrinfo", "-so", "-al", str(path)])
    match = re.search(r"Feature Count: (\d+)", proc.stdout)
    return int(match.group(1)) if match else None
