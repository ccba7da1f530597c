# Koalicje: `make run` sets up and serves the app with demo data; `make test` sets up and
# runs every test. Both work on a fresh machine with Python 3.11+, Node.js/npm and make.

SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
# `make run` serves plain HTTP on this machine, where a Secure cookie would be refused by some
# browsers; a deployment behind HTTPS leaves SESSION_COOKIE_SECURE at its default (on).
RUN_ENV := SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-0}

# `make run` and `make bench` serve the app with this same command (plus --bind and the app).
GUNICORN = $(BIN)/gunicorn --workers $(WORKERS) --config python:koalicje.ops.gunicorn_hooks \
	--access-logfile - \
	--logger-class koalicje.ops.access_log.RedactingLogger

PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run bench dev test test-postgres setup db demo lint translations translations-check audit clean screenshots

run: setup db demo ## set up, load demo data and serve with gunicorn
	@echo "Koalicje: http://$(HOST):$(PORT)/"
	$(RUN_ENV) $(GUNICORN) --bind $(HOST):$(PORT) "app:create_app()"

bench: setup ## the full-size data set, served like `make run`, driven with wrk (README "Performance")
	$(RUN_ENV) $(BIN)/python -m koalicje.ops.bench --gunicorn "$(GUNICORN)" $(BENCH_ARGS)

dev: setup db demo ## Flask's reloading development server
	$(RUN_ENV) $(FLASK) run --debug --host $(HOST) --port $(PORT)

test: setup ## set up and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: setup ## the suite again on PostgreSQL (KOALICJE_TEST_DATABASE_URL=postgresql://...)
	@test -n "$$KOALICJE_TEST_DATABASE_URL" || { echo "set KOALICJE_TEST_DATABASE_URL to an empty PostgreSQL database"; exit 2; }
	$(BIN)/python -m pytest --ignore=tests/browser $(PYTEST_ARGS)

setup: $(VENV)/.installed static/vendor/manifest.json $(MO_FILES)

$(VENV)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Our own CSS, JS and icons too: their brotli and gzip copies are made there as well.
OWN_STATIC := $(shell find static/css static/js static/img -type f 2>/dev/null)

static/vendor/manifest.json: node_modules/.package-lock.json scripts/vendor.py $(OWN_STATIC)
	$(BIN)/python scripts/vendor.py

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -l $* -d translations -i $< -o $@ --statistics 2>&1 | tail -1

db: setup ## create or migrate the schema, sync the curriculum
	$(FLASK) db upgrade
	$(FLASK) content sync

demo: db ## load demo data (idempotent)
	$(FLASK) demo load

lint: setup
	$(BIN)/ruff check .

translations: setup ## extract messages and update both catalogs
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python scripts/fill_source_catalog.py translations/pl/LC_MESSAGES/messages.po
	rm -f messages.pot

audit: setup ## check pinned packages for known vulnerabilities (needs internet access)
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/pip-audit -r requirements.lock

clean:
	rm -rf $(VENV) node_modules static/vendor $(MO_FILES)

screenshots: setup ## regenerate the README's gallery (docs/screenshots/*.png) with chromium
	KOALICJE_SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/browser/test_gallery.py
