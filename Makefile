# The targets people use: `make run` (server with demo data) and `make test` (what CI runs).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

# $(call header,text): a stage banner (the text must not contain commas).
header = @printf '\n==> %s\n' "$(1)"

.PHONY: run test check bench pg-start pg-stop clean setup

$(BIN)/python:
	$(call header,creating $(VENV))
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last install; the venv is an
# order-only prerequisite so its own timestamp never triggers a reinstall.
$(STAMP): pyproject.toml | $(BIN)/python
	$(call header,installing drawbridge[dev] into $(VENV))
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(STAMP)

run: setup
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
test: check
	$(call header,pytest on SQLite)
	env -u DRAWBRIDGE_TEST_DATABASE_URL $(BIN)/pytest
	$(call header,starting PostgreSQL)
	url=$$(bash scripts/postgres.sh) && \
	  printf '\n==> %s\n' "pytest on PostgreSQL ($$url)" && \
	  DRAWBRIDGE_TEST_DATABASE_URL="$$url" $(BIN)/pytest

bench: setup
	$(call header,benchmarks)
	$(BIN)/python benchmarks/engine.py

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
