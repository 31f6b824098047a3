#!/usr/bin/env bash
# Installs whatever is missing (system packages, venv from the hashed runtime or test lock,
# front-end vendor files), makes the local secret key and starts the database and the cache.
# Fast the second time: every step checks first.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WITH_BROWSER="${WITH_BROWSER:-0}"

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Checks never pipe into `grep -q`: under pipefail, grep's early exit kills the writer with SIGPIPE and the
# pipeline "fails" on a machine that has everything. The library list is read once and matched in bash.
LIBS="$(ldconfig -p 2>/dev/null || true)"
has_lib() { case "$LIBS" in *"$1"*) return 0 ;; *) return 1 ;; esac; }

need_apt=()
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need_apt+=(postgresql-15-postgis-3)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql-15)
command -v ogrinfo >/dev/null || need_apt+=(gdal-bin)
has_lib libgdal || need_apt+=(libgdal32)
command -v npm >/dev/null || need_apt+=(npm)
command -v msgfmt >/dev/null || need_apt+=(gettext)
command -v pg_dump >/dev/null || need_apt+=(postgresql-client-15)
# The shared cache (scripts/redis.sh): rate limits, tiles, counts, read-your-writes across server processes
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c "import ensurepip, venv" 2>/dev/null || need_apt+=(python3-venv)
# Voikko: the Finnish analysis of the description check (names, places, streets)
has_lib libvoikko.so.1 || need_apt+=(libvoikko1)
ls /usr/lib/voikko/*/mor-standard >/dev/null 2>&1 || need_apt+=(voikko-fi)
# FreeDict: the Swedish/English -> Finnish bridge of grouping and semantic search (analysis/language.py)
ls /usr/share/dictd/freedict-swe-fin.dict.dz >/dev/null 2>&1 || need_apt+=(dict-freedict-swe-fin)
ls /usr/share/dictd/freedict-eng-fin.dict.dz >/dev/null 2>&1 || need_apt+=(dict-freedict-eng-fin)
# Pango: WeasyPrint's text layout (the maps' PDF report)
has_lib libpango-1.0.so.0 || need_apt+=(libpango-1.0-0)
has_lib libpangoft2-1.0.so.0 || need_apt+=(libpangoft2-1.0-0)
# QGIS's own OGC API - Features provider, headless, for tests/test_qgis_client.py (Debian's system Python):
# only for the tests (`make test`), never for the product.
if [ "$WITH_BROWSER" = 1 ]; then
  /usr/bin/python3 -c "import qgis.core" 2>/dev/null || need_apt+=(python3-qgis qgis-providers)
fi
if [ "$WITH_BROWSER" = 1 ] && [ ! -x /usr/bin/chromium ]; then need_apt+=(chromium); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing system packages: ${need_apt[*]}"
  # Wait for a dpkg lock held by another apt (unattended upgrades on a freshly booted machine) instead of failing.
  sudo_ apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive sudo_ apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${need_apt[@]}" >/dev/null
fi

# WITH_TESTS=1 (make test, make bench): the test lock (runtime + test tools) instead of the runtime lock.
LOCK=requirements.lock
[ "${WITH_TESTS:-0}" = 1 ] && LOCK=requirements-test.lock
VENV="${VENV:-.venv}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null || PY=python3
if [ ! -x "$VENV/bin/python" ]; then "$PY" -m venv "$VENV"; fi
# Exactly the versions and hashes of the lock (`make lock` regenerates both), then the project itself; only when
# something it pins is not installed at that version (scripts/installed.py asks the environment, not a stamp).
if ! "$VENV/bin/python" scripts/installed.py python "$LOCK"; then
  "$VENV/bin/pip" install -q --require-hashes -r "$LOCK"
  "$VENV/bin/pip" install -q --no-deps -e .
fi

if ! "$VENV/bin/python" scripts/installed.py npm package-lock.json; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# The local demo's own secret key (git-ignored); production sets DJANGO_SECRET_KEY or DJANGO_SECRET_KEY_FILE.
if [ ! -s var/secret_key ]; then
  mkdir -p var
  (umask 077; "$VENV/bin/python" -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key)
fi

bash scripts/db.sh start
bash scripts/redis.sh start
