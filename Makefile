# Developer and CI entry points. Needs only Python 3.11+ (and, for the browser tests, Debian's
# chromium, which `make browser` installs when run as root).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
# uv only installs the lock quickly; its version does not change what gets installed.
UV_VERSION ?= 0.13.9
STAMP := $(VENV)/.installed-requirements.lock
DATA_DIR := $(or $(IPPCASE_DATA_DIR),.data)
CHROMIUM := /usr/bin/chromium

.PHONY: help install run test e2e browser lint format bench bench-pages bench-load vendor lock clean-data audit backup restore

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

# --- virtualenv -------------------------------------------------------------------------------

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed; found " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.11)")'
	$(PYTHON) -m venv $(VENV)

$(UV): | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Re-runs only when requirements.lock changes (or the venv is new). `install` rather than `sync`:
# sync would also remove uv itself from the venv. --compile-bytecode: uv writes no .pyc by
# default, and with PYTHONDONTWRITEBYTECODE set Python never caches one, so every command would
# compile its libraries again at start-up (about a second; docs/performance.md, issue 17).
$(STAMP): requirements.lock | $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock
	@touch $@

install: $(STAMP) ## create .venv and install the locked dependencies

# --- running ----------------------------------------------------------------------------------

run: install ## run the app with embedded PostgreSQL/Redis, a Celery worker and beat
	$(PY) -m ippcase.platform.devrun

# --- tests ------------------------------------------------------------------------------------

browser: ## make sure Debian's chromium is at /usr/bin/chromium (installs it as root)
	@bash scripts/ensure-chromium.sh $(CHROMIUM)

test: install browser ## the whole suite, browser tests included
	$(PY) -m pytest

e2e: install browser ## only the real-browser tests
	$(PY) -m pytest -m e2e tests/e2e

audit: install ## security scans: bandit, and pip-audit of both lock files (docs/security.md)
	$(VENV)/bin/bandit -c pyproject.toml -r ippcase recall parole -q
	$(PY) scripts/pip_audit.py --require-service requirements.lock requirements-prod.lock

lint: install ## ruff check, ruff format --check, mypy, lint-imports (the layers)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: install ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## run every bench/bench_*.py but the load test (bench-load)
	@shopt -s nullglob; benches=(bench/bench_*.py); \
	if [ $${#benches[@]} -eq 0 ]; then echo "no bench/bench_*.py yet"; exit 0; fi; \
	for b in "$${benches[@]}"; do if [ "$$b" = bench/bench_load.py ]; then continue; fi; \
	echo "== $$b"; PYTHONPATH=$(CURDIR) $(PY) "$$b"; done

bench-pages: install ## time pages and dashboard panels at 1,000 and 10,000 people
	PYTHONPATH=$(CURDIR) $(PY) bench/bench_pages.py

RUN_TIME ?= 10m
LOAD_USERS ?= 20
bench-load: install ## load test: gunicorn + locust on 10,000 people (RUN_TIME=10m LOAD_USERS=20)
	PYTHONPATH=$(CURDIR) $(PY) bench/bench_load.py --run-time $(RUN_TIME) --users $(LOAD_USERS)

# --- maintenance ------------------------------------------------------------------------------

vendor: ## re-fetch GOV.UK Frontend, MoJ Frontend and htmx into static/ (needs npm)
	$(PYTHON) scripts/vendor.py

lock: $(UV) ## re-resolve requirements.lock and requirements-prod.lock from pyproject.toml
	$(UV) pip compile --quiet pyproject.toml --extra embedded --extra dev -o requirements.lock
	$(UV) pip compile --quiet pyproject.toml -c requirements.lock -o requirements-prod.lock

backup: install ## dump the database (DATABASE_URL or the embedded one) to backups/ (FILE=...)
	$(PY) scripts/backup.py backup $(if $(FILE),--output "$(FILE)")

restore: install ## load a backup: make restore FILE=backups/x.dump [REPLACE=1 drops the tables first]
	@if [ -z "$(FILE)" ]; then echo "usage: make restore FILE=backups/<file>.dump [REPLACE=1]" >&2; exit 2; fi
	$(PY) scripts/backup.py restore "$(FILE)" $(if $(REPLACE),--replace)

clean-data: ## delete the embedded database, Redis data and beat schedule (.data/)
	@if [ -f "$(DATA_DIR)/postgres/postmaster.pid" ] && \
	    kill -0 "$$(head -1 "$(DATA_DIR)/postgres/postmaster.pid")" 2>/dev/null; then \
	  echo "The embedded PostgreSQL in $(DATA_DIR) is running: stop 'make run' (or the tests) first." >&2; \
	  exit 1; \
	fi
	rm -rf "$(DATA_DIR)"
