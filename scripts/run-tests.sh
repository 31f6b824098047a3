#!/usr/bin/env bash
# Runs the whole suite against PostGIS. "No tests ran" (pytest exit 5) is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -d geo_indi/locale/fi ]; then
  .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0 || exit 1
fi
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "No tests ran: failing." >&2
  exit 1
fi
exit "$status"
