"""The five workloads of issue 8. Each returns a result row (dict) for the report."""
import os
import subprocess
import re

import requests

from . import config, data
from .server import available
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
    out = config.WORK_DIR / "ogc.geojson"
    env = dict(os.environ, GDAL_HTTP_HEADERS=f"Authorization: Token {token}", CPL_VSIL_CURL_CACHE_SIZE="0")
    got = {}

    def ours():
        out.unlink(missing_ok=True)
        run_checked(["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{config.BASE_URL}/ogcapi", layer,
                     "-oo", "PAGE_SIZE=10000"], env=env)
        got["features"] = _features_in(out)
        return {"features": got["features"]}

    def peer():
        out.unlink(missing_ok=True)
        _ogr_from_postgis(out)
        return None

    results = alternate({"ours": ours, "ogr2ogr straight from PostGIS": peer}, reps, log, slow_after_s=120)
    out.unlink(missing_ok=True)
    return row(name, size, (f"ogr2ogr OAPIF:/ogcapi collection {layer!r}", results.pop("ours")),
               list(results.items()), target, ratio_goal=0.5, features=got.get("features"), collection=layer)


def _features_in(path):
    proc = run_checked(["ogrinfo", "-so", "-al", str(path)])
    match = re.search(r"Feature Count: (\d+)", proc.stdout)
    return int(match.group(1)) if match else None
