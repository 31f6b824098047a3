# The two commands of the README: `make demo` and `make test`.
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo run test bench setup db-start db-stop messages

setup:
	bash scripts/bootstrap.sh
	$(PY) manage.py migrate --noinput -v0
	if [ -d geo_indi/locale/fi ]; then $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0; fi

demo run: setup
	$(PY) manage.py load_demo
	@echo "geo_indi is at http://$(HOST):$(PORT)/  (stop with Ctrl-C; database: make db-stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test:
	WITH_BROWSER=1 bash scripts/bootstrap.sh
	bash scripts/run-tests.sh

bench: setup
	$(PY) -m bench $(BENCH_ARGS)

messages:
	$(PY) manage.py makemessages -l fi -l sv -l en --ignore=.venv --ignore=node_modules
	$(PY) manage.py makemessages -d djangojs -l fi -l sv -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

db-start:
	bash scripts/db.sh start

db-stop:
	bash scripts/db.sh stop
