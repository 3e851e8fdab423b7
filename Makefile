# memberbooks: the commands a newcomer needs. `make help` lists them.
SHELL := /bin/bash
PYENV_PY := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13.*/bin/python3) $(wildcard $(HOME)/.pyenv/versions/3.12.*/bin/python3))
PYTHON_BOOT ?= $(or $(PYENV_PY),python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
EMULATOR_PORT ?= 8765

.PHONY: help setup demo test test-postgres check bench clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(STAMP): pyproject.toml
	@$(PYTHON_BOOT) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "memberbooks needs Python 3.12 or newer; install 3.13 (pyenv install 3.13) or set PYTHON_BOOT")'
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install memberbooks with its development tools

demo: export MEMBERBOOKS_QBO_EMULATOR_URL ?= http://$(HOST):$(EMULATOR_PORT)
demo: export MEMBERBOOKS_QBO_REDIRECT_URI ?= http://$(HOST):$(PORT)/quickbooks/callback/
demo: setup ## Set up, migrate, load the demo association and serve it at http://127.0.0.1:8000 beside the QuickBooks emulator and the job worker
	$(VENV)/bin/memberbooks migrate --no-input -v0
	$(VENV)/bin/memberbooks demo load
	@$(VENV)/bin/memberbooks emulator online --host $(HOST) --port $(EMULATOR_PORT) --throttle & emulator=$$!; \
	$(VENV)/bin/memberbooks jobs worker & worker=$$!; \
	trap 'kill $$emulator $$worker 2>/dev/null; wait $$emulator $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/memberbooks qbo connect demo --if-needed --auto-approve --emulator http://$(HOST):$(EMULATOR_PORT) \
	  && $(VENV)/bin/memberbooks demo quickbooks \
	  || echo "  (not connected to the emulator: press 'Connect to the emulator' on the QuickBooks page)"; \
	echo ""; \
	echo "  memberbooks demo: http://$(HOST):$(PORT)/"; \
	echo "  QuickBooks Online emulator: http://$(HOST):$(EMULATOR_PORT)/_emulator/"; \
	echo "  job worker: memberbooks jobs worker (syncs run there; see docs/deploy.md)"; \
	$(VENV)/bin/memberbooks demo logins; \
	echo ""; \
	$(VENV)/bin/memberbooks runserver $(HOST):$(PORT)

test: setup ## Set up and run the whole test suite (SQLite)
	$(VENV)/bin/memberbooks makemigrations --check --dry-run -v0
	$(VENV)/bin/pytest -q

test-postgres: setup ## Run the suite against PostgreSQL (DATABASE_URL, default the local `test` database)
	DATABASE_URL=$${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(VENV)/bin/pytest -q

check: setup ## ruff and mypy
	$(VENV)/bin/ruff check memberbooks qbemulator tests bench
	$(VENV)/bin/ruff format --check memberbooks qbemulator tests bench
	$(VENV)/bin/mypy memberbooks qbemulator

bench: setup ## Run the benchmarks in bench/ (see docs/benchmarks.md)
	$(PY) bench/run.py

clean: ## Remove the venv and local data
	rm -rf $(VENV) var
