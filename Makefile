# The targets people use: `make run` (server with demo data) and `make test` (what CI runs).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# What is installed: the package alone (to serve), or with the dev tools (to test).
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
HOST   ?= 127.0.0.1
PORT   ?= 8000

# $(call header,text): a stage banner (the text must not contain commas).
header = @printf '\n==> %s\n' "$(1)"

.PHONY: run test check bench bench-http bench-scale pg-start pg-stop clean setup

$(BIN)/python:
	$(call header,creating $(VENV))
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last install; the venv is an
# order-only prerequisite so its own timestamp never triggers a reinstall.
$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(call header,installing drawbridge into $(VENV))
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(call header,installing drawbridge with its dev tools into $(VENV))
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

setup: $(STAMP_DEV)

run: $(STAMP_RUN)
	$(call header,serving the demo on http://$(HOST):$(PORT))
	$(BIN)/drawbridge serve --demo --host $(HOST) --port $(PORT)

check: setup
	$(call header,ruff check)
	$(BIN)/ruff check .
	$(call header,ruff format --check)
	$(BIN)/ruff format --check .
	$(call header,mypy --strict)
	$(BIN)/mypy
	$(call header,import-linter contracts)
	$(BIN)/lint-imports

# pytest exits 5 when it collects nothing; that must fail the build, so it isn't masked.
# A PostgreSQL cluster this target started is stopped again, pass or fail; one that was already
# running (make pg-start) is left running.
test: check
	$(call header,pytest on SQLite)
	env -u DRAWBRIDGE_TEST_DATABASE_URL $(BIN)/pytest
	$(call header,starting PostgreSQL)
	@if bash scripts/postgres.sh status; then started=; else started=yes; fi; \
	stop() { \
	  if [[ -n $$started ]]; then \
	    printf '\n==> %s\n' "stopping the PostgreSQL cluster this run started"; \
	    bash scripts/postgres.sh stop; \
	  else \
	    printf '\n==> %s\n' "leaving PostgreSQL running, as it was (make pg-stop stops it)"; \
	  fi; \
	}; \
	trap stop EXIT; \
	url=$$(bash scripts/postgres.sh); \
	printf '\n==> %s\n' "pytest on PostgreSQL ($$url), requests taken in turn by two workers"; \
	DRAWBRIDGE_TEST_DATABASE_URL="$$url" DRAWBRIDGE_TEST_WORKERS=2 $(BIN)/pytest

bench: setup
	$(call header,benchmarks)
	$(BIN)/python benchmarks/engine.py

bench-http: setup
	$(call header,HTTP benchmark: drawbridge next to a bare FastAPI floor)
	$(BIN)/python benchmarks/http.py

bench-scale: setup
	$(call header,the lists on a million payments in PostgreSQL)
	url=$$(bash scripts/postgres.sh) && \
	  DRAWBRIDGE_BENCH_DATABASE_URL="$${url%/*}/drawbridge_scale" $(BIN)/python benchmarks/scale.py

pg-start:
	$(call header,starting PostgreSQL)
	bash scripts/postgres.sh

pg-stop:
	$(call header,stopping PostgreSQL)
	bash scripts/postgres.sh stop

clean: pg-stop
	$(call header,removing $(VENV) and the test cluster and caches)
	rm -rf $(VENV) .pgdata build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
