#!/usr/bin/env bash
# The production run path: prepare the database and static files, then serve with gunicorn and run the
# background worker (the job queue and its schedule, geo_indi/jobs) beside it.
#   scripts/serve.sh [--demo]     (--demo also loads the demo geography, logins and observations)
# Expects an installed .venv (scripts/bootstrap.sh) or VENV pointing at one, a reachable database and cache.
# GEO_INDI_WORKER=false serves without the worker (run `manage.py procrastinate worker` elsewhere).
# Either process ending stops the other; SIGTERM/SIGINT stop both (the worker finishes its jobs first).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"

"$PY" manage.py migrate --noinput -v0
"$PY" manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
"$PY" manage.py collectstatic --noinput -v0
if [ "${1:-}" = "--demo" ]; then "$PY" manage.py load_demo; "$PY" manage.py publish_tables; fi
echo "geo_indi is at http://${GEO_INDI_BIND:-127.0.0.1:8000}/  (stop with Ctrl-C; database and cache: make db-stop)"

case "${GEO_INDI_WORKER:-true}" in
  false|0|no|off) exec "$VENV/bin/gunicorn" -c scripts/gunicorn.conf.py geo_indi.wsgi ;;
esac

"$VENV/bin/gunicorn" -c scripts/gunicorn.conf.py geo_indi.wsgi &
web=$!
"$PY" manage.py procrastinate worker --concurrency "${GEO_INDI_WORKER_CONCURRENCY:-2}" &
worker=$!
stop() { kill -TERM "$web" "$worker" 2>/dev/null || true; }
trap stop TERM INT
status=0
wait -n "$web" "$worker" || status=$?
stop
wait "$web" 2>/dev/null || true
wait "$worker" 2>/dev/null || true
exit "$status"
