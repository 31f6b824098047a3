#!/usr/bin/env bash
# The whole check of `make test` and CI: lint, migrations in step with the models, then the
# suite against PostGIS. "No tests ran" (pytest exit 5) is a failure.
#
# Every test runs on a frozen clock (tests/clock.py). After the whole suite (no arguments given),
# the calendar-sensitive tests (`-m calendar`) run again at each of tests.clock.CALENDAR_DATES
# (New Year's Day, a winter's first day, a leap day) with GEO_INDI_TEST_DATE set, so that calendar
# logic is tested on the days it turns. GEO_INDI_CALENDAR_RUNS=0 skips them, =1 runs them after a
# partial run too. They reuse one test database (--reuse-db): no migrations after the first.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
"$PY" manage.py compilemessages --ignore=.venv --ignore=node_modules -v0 || exit 1
"$PY" -m ruff check . || exit 1
"$PY" -m mypy || exit 1  # [tool.mypy] in pyproject.toml: geo_indi/
bash scripts/redis.sh start >/dev/null || exit 1  # the shared cache the tests use (real Redis)
"$PY" manage.py makemigrations --check --dry-run -v1 || { echo "Models changed without a migration." >&2; exit 1; }
"$PY" -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "No tests ran: failing." >&2
  exit 1
fi
[ "$status" -eq 0 ] || exit "$status"

calendar_runs=${GEO_INDI_CALENDAR_RUNS:-$([ "$#" -eq 0 ] && echo 1 || echo 0)}
[ "$calendar_runs" = 1 ] || exit 0
# Only the files that mark a test `calendar` (collecting the whole suite three more times would cost more).
mapfile -t files < <(grep -rlE --include='test_*.py' 'mark\.calendar' tests | sort)
[ "${#files[@]}" -gt 0 ] || { echo "No test is marked calendar: failing." >&2; exit 1; }
for day in $("$PY" -c 'from tests.clock import CALENDAR_DATES; print(*CALENDAR_DATES)'); do
  echo "--- calendar-sensitive tests at $day (GEO_INDI_TEST_DATE=$day)"
  GEO_INDI_TEST_DATE="$day" "$PY" -m pytest "${files[@]}" -m calendar -q --reuse-db -p no:cacheprovider
  status=$?
  if [ "$status" -ne 0 ]; then
    [ "$status" -eq 5 ] && echo "No calendar test ran at $day: failing." >&2
    echo "Calendar-sensitive tests failed at $day." >&2
    exit 1
  fi
done
