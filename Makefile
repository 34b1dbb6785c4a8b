# The two set-up commands of the README: `make run` and `make test`. Both create the virtual
# environment when it is missing; nothing else needs to be installed beyond Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export BUDGET_RECON_HOME ?= $(CURDIR)/var
export DAGSTER_HOME ?= $(BUDGET_RECON_HOME)/dagster

.PHONY: run test lint dbt-build ui docs bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/budget-recon run

test: $(STAMP) lint
	$(BIN)/python -m pytest -q
	$(MAKE) dbt-build

lint: $(STAMP)
	$(BIN)/sqlfluff lint dbt_project/models

# dbt build of every model and test against a scratch warehouse loaded with the bundled reports.
dbt-build: $(STAMP)
	$(BIN)/budget-recon dbt-build

ui: $(STAMP)
	$(BIN)/budget-recon sync
	$(BIN)/dagster dev -w workspace.yaml

# dbt's documentation site, served on 127.0.0.1:8080.
docs: $(STAMP)
	$(BIN)/budget-recon docs

# Benchmark of every stage on generated corpora of 1, 10, 100 and 1000 reports (bench/RESULTS.md).
# SIZES=1,10 for a quick run.
SIZES ?= 1,10,100,1000
bench: $(STAMP)
	$(BIN)/python bench/run_bench.py --sizes $(SIZES)

clean:
	rm -rf var
