"""The gate: Great Expectations suites over reconciliation models and fact tables, with acknowledged
exceptions. Plain Python; the Dagster checks in orchestration/assets/gate.py are a thin layer on it."""
