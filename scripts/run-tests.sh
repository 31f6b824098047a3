#!/usr/bin/env bash
# The whole check of `make test` and CI: lint, migrations in step with the models, then the
# suite against PostGIS. "No tests ran" (pytest exit 5) is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
"$PY" manage.py compilemessages --ignore=.venv --ignore=node_modules -v0 || exit 1
"$PY" -m ruff check . || exit 1
bash scripts/redis.sh start >/dev/null || exit 1  # the shared cache the tests use (real Redis)
"$PY" manage.py makemigrations --check --dry-run -v1 || { echo "Models changed without a migration." >&2; exit 1; }
"$PY" -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "No tests ran: failing." >&2
  exit 1
fi
exit "$status"
