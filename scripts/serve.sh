#!/usr/bin/env bash
# The production run path: prepare the database and static files, then serve with gunicorn.
#   scripts/serve.sh [--demo]     (--demo also loads the demo geography, logins and observations)
# Expects an installed .venv (scripts/bootstrap.sh) or VENV pointing at one, and a reachable database.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"

"$PY" manage.py migrate --noinput -v0
"$PY" manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
"$PY" manage.py collectstatic --noinput -v0
if [ "${1:-}" = "--demo" ]; then "$PY" manage.py load_demo; "$PY" manage.py publish_tables; fi
echo "geo_indi is at http://${GEO_INDI_BIND:-127.0.0.1:8000}/  (stop with Ctrl-C; database: make db-stop)"
exec "$VENV/bin/gunicorn" -c scripts/gunicorn.conf.py geo_indi.wsgi
