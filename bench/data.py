"""The bench database: created, migrated and filled by the bench itself.

Geography: the real Lapland postcode areas shipped in data/postcodes/
(manage.py load_geography picks them), or in national mode all of Finland imported by
manage.py import_postcode_areas. Observations are generated in SQL (ST_GeneratePoints),
so 1M rows take seconds, not hours.
"""
import hashlib
import re
import subprocess
import time

import psycopg

from . import config


def run_manage(*args, check=True, capture=True, timeout=None):
    proc = subprocess.run(
        [config.PYTHON, config.MANAGE, *args],
        cwd=config.ROOT, env=config.django_env(), text=True,
        capture_output=capture, timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def connect(dbname=None, autocommit=True):
    dsn = config.PG_DSN if dbname is None else config.PG_DSN.replace(f"dbname={config.DBNAME}", f"dbname={dbname}")
    return psycopg.connect(dsn, autocommit=autocommit)


def scalar(sql, params=None):
    with connect() as conn:
        return conn.execute(sql, params).fetchone()[0]


def ensure_database(log, geography=None):
    """Create, migrate and fill the bench database; `geography`: a file imported instead of Lapland."""
    with connect("postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (config.DBNAME,)).fetchone()
        if not exists:
            log(f"creating database {config.DBNAME}")
            conn.execute(f'CREATE DATABASE "{config.DBNAME}"')
    with connect() as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    log("migrating the bench database")
    run_manage("migrate", "--noinput", "-v0")
    timings = {}
    if geography is not None:
        timings["geography_import_s"] = import_geography(geography, log)
    if scalar("SELECT count(*) FROM areas_postcodearea") == 0 or scalar("SELECT count(*) FROM auth_user") == 0:
        log("loading geography, phenomena and logins (load_demo --observations 0)")
        with connect() as conn:
            conn.execute("TRUNCATE observations_observation RESTART IDENTITY CASCADE")
        out = run_manage("load_demo", "--observations", "0").stdout
        for line in out.splitlines()[:3]:
            log("  " + line)
    source = scalar("SELECT string_agg(DISTINCT source, ',') FROM areas_postcodearea")
    areas = scalar("SELECT count(*) FROM areas_postcodearea")
    municipalities = scalar("SELECT count(*) FROM areas_municipality")
    return {"geography_source": source, "postcode_areas": areas, "municipalities": municipalities, **timings}


# ---------------------------------------------------------------- national data, reused between runs

# What the generated data was made from; a run reuses the database when these match.
PARAMETERS_SQL = """
CREATE TABLE IF NOT EXISTS bench_generation (name text PRIMARY KEY, value text NOT NULL)
"""


def parameters():
    with connect() as conn:
        conn.execute(PARAMETERS_SQL)
        return dict(conn.execute("SELECT name, value FROM bench_generation").fetchall())


def record_parameters(**values):
    with connect() as conn:
        conn.execute(PARAMETERS_SQL)
        for name, value in values.items():
            conn.execute("INSERT INTO bench_generation VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                         (name, str(value)))


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def import_geography(path, log):
    """The product's own importer on `path`, unless the same file is in the database already.

    Returns the import's wall time in seconds (None when reused). A new file empties the
    observations: they were generated over the old areas.
    """
    digest = file_digest(path)
    if parameters().get("geography") == digest and scalar("SELECT count(*) FROM areas_postcodearea") > 0:
        log(f"geography {path.name} already imported ({scalar('SELECT count(*) FROM areas_postcodearea')} areas)")
        return None
    log(f"importing {path} with manage.py import_postcode_areas")
    with connect() as conn:
        conn.execute("TRUNCATE observations_observation RESTART IDENTITY CASCADE")
    started = time.perf_counter()
    out = run_manage("import_postcode_areas", str(path), "--allow-shrink").stdout
    seconds = time.perf_counter() - started
    for line in out.splitlines()[:6]:
        log("  " + line)
    log(f"  imported in {seconds:.1f} s")
    record_parameters(geography=digest, geography_file=path.name, observations=0)
    return round(seconds, 1)


# Skewed national observations. Areas are ranked from the smallest (town centres) to the
# largest (fells) and get a Zipf share 1 / rank^s of every batch, so Helsinki's centre is
# dense and Enontekiö's fells sparse. 60 % are about a person (no point), 40 % about an object
# (a point in the area); phenomena are skewed too (the first ones of the list are common),
# dates spread over two years. Slivers of the repaired file (under SLIVER_M2) come last and get
# no points: ST_GeneratePoints takes a minute for a thousand points in a 12 m² polygon.
NATIONAL_BATCH_SQL = """
WITH ranked AS (
    SELECT id, municipality_id, geom, ST_Area(geom) < %(sliver_m2)s AS sliver,
           row_number() OVER (ORDER BY ST_Area(geom) < %(sliver_m2)s, ST_Area(geom), id) AS rank
      FROM areas_postcodearea
), weighted AS (
    SELECT *, power(rank, -%(zipf)s) / sum(power(rank, -%(zipf)s)) OVER () AS share FROM ranked
), quota AS (
    SELECT id, municipality_id, geom,
           floor(%(n)s * share + random())::int AS k,
           CASE WHEN sliver THEN 0 ELSE floor(%(n)s * share * 0.4 + random())::int END AS k_points
      FROM weighted
), slots AS (
    SELECT q.id AS area_id, q.municipality_id, s.i, q.k_points, q.geom
      FROM quota q, generate_series(1, q.k) s(i)
), pts AS (
    SELECT q.id AS area_id, row_number() OVER (PARTITION BY q.id) AS i, d.geom AS g
      FROM quota q, LATERAL ST_Dump(ST_GeneratePoints(q.geom, q.k_points, %(seed)s)) d
     WHERE q.k_points > 0
), pc AS (
    SELECT array_agg(p.id ORDER BY p.id, c.id) AS phen, array_agg(c.id ORDER BY p.id, c.id) AS cat
      FROM observations_phenomenon p LEFT JOIN observations_category c ON c.phenomenon_id = p.id
     WHERE p.is_active
), orgs AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_organisation),
   rep AS (SELECT id FROM auth_user WHERE username = %(reporter)s),
   picked AS (
    SELECT slots.area_id, slots.municipality_id, pts.g,
           1 + floor(power(random(), 2) * cardinality(pc.phen))::int AS pick,
           1 + floor(random() * cardinality(orgs.ids))::int AS org
      FROM slots LEFT JOIN pts ON pts.area_id = slots.area_id AND pts.i = slots.i, pc, orgs
)
INSERT INTO observations_observation
    (client_uuid, phenomenon_id, category_id, subject, direction, occurrences, age_group,
     description, observed_on, reporter_id, organisation_id, postcode_area_id, municipality_id,
     location, consent_recorded, follow_up_note, created_at, updated_at)
SELECT gen_random_uuid(), pc.phen[pick], pc.cat[pick], CASE WHEN g IS NULL THEN 'person' ELSE 'object' END,
       CASE WHEN random() < 0.6 THEN 'weakens' ELSE 'strengthens' END,
       1 + floor(power(random(), 3) * 5)::int, '', 'generated by bench',
       current_date - floor(random() * 730)::int, rep.id, orgs.ids[org], area_id, municipality_id,
       g, false, '', now(), now()
  FROM picked, pc, orgs, rep
"""
NATIONAL_GENERATOR = "zipf-area-rank-v2"
SLIVER_M2 = 10_000
NATIONAL_ZIPF = 0.6
NATIONAL_BATCH = 500_000


def _secondary_indexes(conn):
    """Index definitions of observations that no constraint owns: dropped during bulk generation."""
    return conn.execute("""
        SELECT i.relname, pg_get_indexdef(i.oid)
          FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         WHERE x.indrelid = 'observations_observation'::regclass
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    """).fetchall()


def _summary_rebuild_available():
    return _app_command_exists("check_counts")


def _app_command_exists(name):
    return any(config.ROOT.glob(f"geo_indi/*/management/commands/{name}.py"))


def grow_national(target, log, seed=17):
    """Add skewed observations until the table holds `target` rows (a smaller table is grown, not rebuilt).

    Generation goes in batches of NATIONAL_BATCH rows, each its own INSERT … SELECT, with the
    secondary indexes dropped and rebuilt after, and triggers off (session_replication_role =
    replica: the foreign keys are right by construction; their per-row checks and the index
    upkeep made a batch 4× slower). Whatever the triggers keep is rebuilt after: the count summary
    by `manage.py check_counts --rebuild` where that command exists. Returns the wall time per phase.
    """
    params = parameters()
    have = scalar("SELECT count(*) FROM observations_observation")
    reusable = params.get("generator") == NATIONAL_GENERATOR and str(have) == params.get("observations")
    if not reusable and have:
        log(f"observations were not made by {NATIONAL_GENERATOR} at this size ({have} rows): starting over")
        with connect() as conn:
            conn.execute("TRUNCATE observations_observation RESTART IDENTITY CASCADE")
        have = 0
    if have >= target:
        log(f"reusing {have:,} generated observations")
        return {"reused": True, "observations": have}
    timings = {"reused": False}
    started = time.perf_counter()
    with connect() as conn:
        indexes = _secondary_indexes(conn)
        for name, _ in indexes:
            conn.execute(f'DROP INDEX IF EXISTS "{name}"')
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET jit = off")  # compiling the batch statement costs more than it saves
        batch = 0
        while have < target:
            n = min(NATIONAL_BATCH, target - have)
            t0 = time.perf_counter()
            conn.execute(NATIONAL_BATCH_SQL, {"n": n, "zipf": NATIONAL_ZIPF, "sliver_m2": SLIVER_M2, "seed": seed * 1000 + have // NATIONAL_BATCH,
                                              "reporter": config.ADMIN_USER})
            have = conn.execute("SELECT count(*) FROM observations_observation").fetchone()[0]
            batch += 1
            log(f"    batch {batch}: {have:,} observations ({time.perf_counter() - t0:.1f} s)")
        if have > target:  # quotas are rounded at random: drop the few rows over the checkpoint
            conn.execute("DELETE FROM observations_observation WHERE id IN "
                         "(SELECT id FROM observations_observation ORDER BY id DESC LIMIT %s)", (have - target,))
            have = target
        timings["insert_s"] = round(time.perf_counter() - started, 1)
        t0 = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            conn.execute(definition)
        timings["indexes_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        conn.execute("VACUUM ANALYZE observations_observation")
        timings["vacuum_analyze_s"] = round(time.perf_counter() - t0, 1)
    if _summary_rebuild_available():
        t0 = time.perf_counter()
        run_manage("check_counts", "--rebuild")
        timings["summary_rebuild_s"] = round(time.perf_counter() - t0, 1)
    record_parameters(generator=NATIONAL_GENERATOR, zipf=NATIONAL_ZIPF, seed=seed, observations=have)
    timings["observations"] = have
    log(f"generated up to {have:,} observations: {timings}")
    return timings


def token_for(username):
    out = run_manage("drf_create_token", username).stdout
    match = re.search(r"token (\w+) for", out)
    if not match:
        raise RuntimeError(f"no token in: {out}")
    return match.group(1)


# Points spread over the postcode areas: half by area, half evenly per area, so the
# small town areas (Rovaniemi centre) get dense clusters like real data would.
GENERATE_SQL = """
WITH a AS (
    SELECT id, municipality_id, geom,
           ST_Area(geom) / sum(ST_Area(geom)) OVER () AS area_share,
           count(*) OVER () AS n_areas
      FROM areas_postcodearea
), n AS (
    SELECT id, municipality_id, geom,
           greatest(1, ceil(%(n)s * (0.5 * area_share + 0.5 / n_areas)))::int AS k
      FROM a
), pts AS (
    SELECT n.id AS area_id, n.municipality_id, d.geom AS g
      FROM n, LATERAL ST_Dump(ST_GeneratePoints(n.geom, n.k, %(seed)s)) d
), pc AS (
    SELECT array_agg(p.id ORDER BY p.id, c.id) AS phen, array_agg(c.id ORDER BY p.id, c.id) AS cat
      FROM observations_phenomenon p LEFT JOIN observations_category c ON c.phenomenon_id = p.id
     WHERE p.is_active
), orgs AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_organisation),
   rep AS (SELECT id FROM auth_user WHERE username = %(reporter)s),
   numbered AS (SELECT pts.*, floor(random() * cardinality(pc.phen))::int + 1 AS pick,
                       floor(random() * cardinality(orgs.ids))::int + 1 AS org
                  FROM pts, pc, orgs LIMIT %(n)s)
INSERT INTO observations_observation
    (client_uuid, phenomenon_id, category_id, subject, direction, occurrences, age_group,
     description, observed_on, reporter_id, organisation_id, postcode_area_id, municipality_id,
     location, consent_recorded, follow_up_note, created_at, updated_at)
SELECT gen_random_uuid(), pc.phen[pick], pc.cat[pick], 'object',
       CASE WHEN random() < 0.6 THEN 'weakens' ELSE 'strengthens' END,
       1 + floor(random() * 3)::int, '', 'generated by bench',
       current_date - floor(random() * 730)::int, rep.id, orgs.ids[org], area_id, municipality_id,
       g, false, '', now(), now()
  FROM numbered, pc, orgs, rep
"""


def generate_observations(n, log, seed=8):
    """Replace all observations with n generated object observations (points kept)."""
    with connect() as conn:
        conn.execute("TRUNCATE observations_observation RESTART IDENTITY CASCADE")
        conn.execute(GENERATE_SQL, {"n": n, "seed": seed, "reporter": config.ADMIN_USER})
        count = conn.execute("SELECT count(*) FROM observations_observation").fetchone()[0]
        conn.execute("VACUUM ANALYZE observations_observation")
    log(f"generated {count} observations")
    return count


CSV_SQL = """
COPY (
  SELECT gen_random_uuid() AS client_uuid, p.slug AS phenomenon, coalesce(c.slug, '') AS category,
         o.subject, o.direction, o.occurrences, o.age_group, o.description, o.observed_on,
         round(ST_Y(ST_Transform(o.location, 4326))::numeric, 6) AS lat,
         round(ST_X(ST_Transform(o.location, 4326))::numeric, 6) AS lon
    FROM observations_observation o
    JOIN observations_phenomenon p ON p.id = o.phenomenon_id
    LEFT JOIN observations_category c ON c.id = o.category_id
   ORDER BY o.id LIMIT {n}
) TO STDOUT WITH (FORMAT csv, HEADER)
"""


def write_import_csv(path, n):
    """A CSV in import_observations' format from the generated points (fresh client_uuids)."""
    with connect() as conn, open(path, "wb") as out:
        with conn.cursor().copy(CSV_SQL.format(n=int(n))) as copy:
            for chunk in copy:
                out.write(chunk)
    return path


def max_observation_id():
    return scalar("SELECT coalesce(max(id), 0) FROM observations_observation")


def delete_observations_after(watermark):
    with connect() as conn:
        conn.execute("DELETE FROM observations_observation WHERE id > %s", (watermark,))
