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
DATABASE_URL = f"postgis://{PGUSER}@{PGHOST}:{PGPORT}/{DBNAME}"
PG_DSN = f"host={PGHOST} port={PGPORT} user={PGUSER} dbname={DBNAME}"
OGR_PG = f"PG:host={PGHOST} port={PGPORT} user={PGUSER} dbname={DBNAME}"

HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8190"))
BASE_URL = f"http://{HOST}:{PORT}"

WORK_DIR = Path(os.environ.get("BENCH_WORK_DIR", "/tmp/geo_indi_bench"))
DOCS = ROOT / "docs"
RESULTS_JSON = DOCS / "benchmarks.json"
RESULTS_MD = DOCS / "benchmarks.md"

# The municipality of the map-page workload: Rovaniemi.
MAP_MUNICIPALITY_CODE = "698"
ADMIN_USER = "admin"
FIELD_USER = "kenttatyo"


def django_env(**extra):
    env = dict(os.environ)
    env.update(DATABASE_URL=DATABASE_URL, DJANGO_SETTINGS_MODULE="geo_indi.settings", DJANGO_DEBUG="0")
    env.update(extra)
    return env
