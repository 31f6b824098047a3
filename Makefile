# The two commands of the README: `make demo` and `make test`.
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
LOCK_ARGS ?=
# 1: the bootstrap installs the test lock (requirements-test.lock) instead of the runtime lock.
WITH_TESTS ?= 0
UV ?= .venv/bin/uv

.PHONY: demo run dev test bench bench-national setup db-start db-stop messages lock backup restore

setup:
	WITH_TESTS=$(WITH_TESTS) bash scripts/bootstrap.sh
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

# Production server (gunicorn, DEBUG off, static files collected and served by WhiteNoise).
demo run:
	bash scripts/bootstrap.sh
	GEO_INDI_BIND=$(HOST):$(PORT) bash scripts/serve.sh --demo

# Development server with autoreload and DEBUG on.
dev: setup
	$(PY) manage.py load_demo
	DJANGO_DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

test:
	WITH_TESTS=1 WITH_BROWSER=1 bash scripts/bootstrap.sh
	bash scripts/run-tests.sh

# `make bench --national` cannot be typed (make rejects unknown options): NATIONAL=1 or bench-national.
# The load generator (psutil, aiohttp) is a test tool: bench installs the test lock.
bench: WITH_TESTS = 1
bench: setup
	$(PY) -m bench $(if $(NATIONAL),--national) $(BENCH_ARGS)

bench-national:
	$(MAKE) bench NATIONAL=1

# Two hashed locks from pyproject.toml, keeping pins that still fit: requirements.lock (production: the
# runtime dependencies only) and requirements-test.lock (runtime + the `test` extra, resolved with the runtime
# lock as constraints, so every runtime pin is the same in both). LOCK_ARGS=--upgrade moves every pin to the
# newest allowed version. UV=/path/to/uv uses another uv (default: installed into .venv on first use).
lock:
	@[ "$(UV)" != .venv/bin/uv ] || [ -x .venv/bin/uv ] || .venv/bin/pip install -q uv
	$(UV) pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	  --custom-compile-command "make lock" -o requirements.lock -q $(LOCK_ARGS)
	$(UV) pip compile pyproject.toml --extra test -c requirements.lock --generate-hashes --python-version 3.11 \
	  --custom-compile-command "make lock" -o requirements-test.lock -q $(LOCK_ARGS)

# Custom-format pg_dump into $(BACKUP_DIR) (default var/backups/, or the BACKUP_DIR setting).
backup:
	bash scripts/db.sh start
	$(PY) manage.py backup $(if $(BACKUP_DIR),--dir "$(BACKUP_DIR)")

# Into a new database, verified, then swapped in by renaming; REPLACE=1 swaps it in for an existing one
# (kept as <name>_previous). A damaged dump leaves the live database untouched (docs/operations.md).
restore:
	@[ -n "$(FILE)" ] || { echo "usage: make restore FILE=var/backups/geo_indi-….dump [REPLACE=1] [ALLOW_OLDER=1]" >&2; exit 2; }
	bash scripts/db.sh start
	$(PY) manage.py restore "$(FILE)" $(if $(REPLACE),--replace) $(if $(ALLOW_OLDER),--allow-older)

messages:
	$(PY) manage.py makemessages -l fi -l sv -l en --ignore=.venv --ignore=node_modules
	$(PY) manage.py makemessages -d djangojs -l fi -l sv -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

# The local PostGIS cluster and the shared cache (Redis) beside it.
db-start:
	bash scripts/db.sh start
	bash scripts/redis.sh start

db-stop:
	bash scripts/redis.sh stop
	bash scripts/db.sh stop
