"""Where the bench runs: its own database on the project's PostGIS cluster, its own port."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
MANAGE = str(ROOT / "manage.py")

PGHOST = os.environ.get("BENCH_PGHOST", "127.0.0.1")
PGPORT = os.environ.get("BENCH_PGPORT", os.environ.get("GEO_INDI_PGPORT", "54329"))
PGUSER = os.environ.get("BENCH_PGUSER", "postgres")
DBNAME = os.environ.get("BENCH_DB", "geo_indi_bench")
LAPLAND_DBNAME = DBNAME
NATIONAL_DBNAME = os.environ.get("BENCH_NATIONAL_DB", DBNAME + "_national")


def use_database(name):
    """Point every connection string of the bench (psycopg, Django, ogr2ogr) at database `name`."""
    global DBNAME, DATABASE_URL, PG_DSN, OGR_PG
    DBNAME = name
    DATABASE_URL = f"postgis://{PGUSER}@{PGHOST}:{PGPORT}/{DBNAME}"
    PG_DSN = f"host={PGHOST} port={PGPORT} user={PGUSER} dbname={DBNAME}"
    OGR_PG = f"PG:host={PGHOST} port={PGPORT} user={PGUSER} dbname={DBNAME}"


use_database(DBNAME)

HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8190"))
BASE_URL = f"http://{HOST}:{PORT}"

WORK_DIR = Path(os.environ.get("BENCH_WORK_DIR", "/tmp/geo_indi_bench"))
DOCS = ROOT / "docs"
RESULTS_JSON = DOCS / "benchmarks.json"
RESULTS_MD = DOCS / "benchmarks.md"


def write_results_to(directory):
    """The smoke run writes its report elsewhere, never over docs/benchmarks.*."""
    global RESULTS_JSON, RESULTS_MD
    RESULTS_JSON = Path(directory) / "benchmarks.json"
    RESULTS_MD = Path(directory) / "benchmarks.md"


# The municipality of the map-page workload: Rovaniemi.
MAP_MUNICIPALITY_CODE = "698"

# All of Finland: 3,026 postcode areas in the shared data next to the project (../shared/data; a git
# worktree of the project sits one level deeper). BENCH_NATIONAL_GEOGRAPHY names another file.
_FINLAND_NAME = Path("shared") / "data" / "finland_postcode_areas.geojson"


def national_geography():
    named = os.environ.get("BENCH_NATIONAL_GEOGRAPHY")
    candidates = [Path(named)] if named else [ROOT.parent / _FINLAND_NAME, ROOT.parent.parent / _FINLAND_NAME]
    return next((p for p in candidates if p.exists()), None)


NATIONAL_SIZES = (1_000_000, 3_000_000, 10_000_000)
# The national municipality pages: a dense town and a big sparse one.
NATIONAL_MUNICIPALITY_CODES = ("091", "698")
ADMIN_USER = "admin"
FIELD_USER = "kenttatyo"


def django_env(**extra):
    env = dict(os.environ)
    env.update(DATABASE_URL=DATABASE_URL, DJANGO_SETTINGS_MODULE="geo_indi.settings", DJANGO_DEBUG="0")
    env.update(extra)
    return env
