# One obvious way to set up, check and run statedata. `make run` and `make test` work on a fresh
# machine with Python 3.11, Node/npm and apt-get: every other piece is installed from here.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
VENDOR := src/statedata/portal/static/vendor
VENDOR_STAMP := $(VENDOR)/.copied
SYSTEM_STAMP := $(VENV)/.system-deps
DEMO_PERSONS ?= 20000
DEMO_SEED ?= 2026
CHECKED := src tests benchmarks scripts

.PHONY: run test setup lint typecheck unit docs lock system-deps clean

run: setup
	$(BIN)/statedata init
	$(BIN)/statedata demo --persons $(DEMO_PERSONS) --seed $(DEMO_SEED) --keep-existing
	$(BIN)/statedata serve

test: setup $(SYSTEM_STAMP) lint typecheck unit

setup: $(PY_STAMP) $(VENDOR_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The lock pins every package; pyproject.toml keeps the ranges it was solved from.
$(PY_STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Third-party front-end files are copied from node_modules at setup, never committed.
$(VENDOR_STAMP): $(NPM_STAMP) scripts/copy_assets.py
	$(BIN)/python scripts/copy_assets.py node_modules $(VENDOR)
	touch $@

# Debian packages the suite drives for real: chromium (browser tests), redis (jobs), PostgreSQL.
$(SYSTEM_STAMP): | $(BIN)/python
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	touch $@

lint: setup
	$(BIN)/ruff format --check $(CHECKED)
	$(BIN)/ruff check $(CHECKED)

typecheck: setup
	$(BIN)/mypy

# Two workers: the suite is mostly waiting on DuckDB, PostgreSQL and the browser, and each worker
# starts its own PostgreSQL cluster and browser, so they never share state.
unit: setup $(SYSTEM_STAMP)
	$(BIN)/pytest -n 2 --durations=30

# Regenerate the documents that are generated from the code (a test fails when they drift).
docs: setup
	$(BIN)/python scripts/generate_docs.py

# Re-solve the lock from pyproject.toml in a throwaway environment.
lock:
	rm -rf /tmp/statedata-lock && $(PYTHON) -m venv /tmp/statedata-lock
	/tmp/statedata-lock/bin/python -m pip install --quiet --upgrade pip
	/tmp/statedata-lock/bin/python -m pip install --quiet -e '.[dev]'
	/tmp/statedata-lock/bin/python -m pip install --quiet 'setuptools>=77' wheel
	/tmp/statedata-lock/bin/python -m pip freeze --all --exclude-editable | grep -viE '^(pip|statedata)==' > requirements.lock

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .mypy_cache .ruff_cache .pytest_cache
