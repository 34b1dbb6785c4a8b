# The two set-up commands of the README: `make run` and `make test`. Both create the virtual
# environment when it is missing; nothing else needs to be installed beyond Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export BUDGET_RECON_HOME ?= $(CURDIR)/var
export DAGSTER_HOME ?= $(BUDGET_RECON_HOME)/dagster
# dbt, dagster and dagster-dbt from the virtual environment, activated or not.
export PATH := $(CURDIR)/$(BIN):$(PATH)

# dbt's manifest, which Dagster reads its assets from: prepared again when the dbt project changed
# (dagster-dbt's documented deployment step; orchestration/dbt_project.py).
MANIFEST := var/dbt/manifest/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f 2>/dev/null) \
	dbt_project/dbt_project.yml dbt_project/profiles.yml
# Debian's PostgreSQL 15, which the tests start a server of their own from (tests/postgres_server.py).
PG_BIN := /usr/lib/postgresql/15/bin

.PHONY: run test lint dbt-build ui docs bench clean postgresql screenshots

# Debian packages the browser tests need (CI is a fresh clone on a machine where we are root):
# Debian's chromium, driven by Playwright with executable_path (never `playwright install`), and a
# Korean font so that pages and screenshots show Hangul.
DEBIAN_PACKAGES := chromium fonts-nanum

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
		else echo "warning: missing Debian packages ($$missing): the browser tests will be skipped; apt-get install them as root"; fi; \
	fi
	@touch $(STAMP)

$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	$(BIN)/dagster-dbt project prepare-and-package --file orchestration/dbt_project.py
	@touch $(MANIFEST)

# apt-get needs root, as in CI (a fresh clone); elsewhere the tests that need it are skipped.
postgresql:
	@test -x $(PG_BIN)/initdb || { test "$$(id -u)" = 0 && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null; } || \
		echo "PostgreSQL 15 is not installed ($(PG_BIN)): install Debian's postgresql-15 to run its tests"

run: $(STAMP) $(MANIFEST)
	$(BIN)/budget-recon run

test: $(STAMP) $(MANIFEST) postgresql lint
	$(BIN)/python -m pytest -q
	$(MAKE) dbt-build

lint: $(STAMP)
	$(BIN)/sqlfluff lint dbt_project/models

# dbt build of every model and test against a scratch warehouse loaded with the bundled reports.
dbt-build: $(STAMP) $(MANIFEST)
	$(BIN)/budget-recon dbt-build

# The UI, plus the small server its links to discrepancy reports and Data Docs point at (port 8765).
ui: $(STAMP) $(MANIFEST)
	$(BIN)/budget-recon sync
	$(BIN)/budget-recon serve & server=$$!; trap 'kill $$server' EXIT INT TERM; \
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1

# The browser tests, writing their screenshots into docs/screenshots/ (the README shows them). Any
# other run of the tests (`make test`) writes them under var/screenshots/ and leaves the tree clean.
screenshots: $(STAMP) $(MANIFEST)
	BUDGET_RECON_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/test_browser.py -q

# dbt's documentation site, served on 127.0.0.1:8080.
docs: $(STAMP)
	$(BIN)/budget-recon docs

# Benchmark of every stage on generated corpora of 1, 10, 100 and 1000 reports (bench/RESULTS.md).
# SIZES=1,10 for a quick run.
SIZES ?= 1,10,100,1000
bench: $(STAMP) $(MANIFEST)
	$(BIN)/python bench/run_bench.py --sizes $(SIZES)

clean:
	rm -rf var
