"""The Dagster code location of budget-recon: every asset, check, job, schedule, sensor and resource."""

from __future__ import annotations

import os

import dagster as dg
from dagster_dbt import DbtCliResource

from .assets.gate import gate
from .assets.published import published
from .assets.reports import raw_report
from .assets.warehouse_models import warehouse_models
from .automation import schedules, sensors
from .dbt_project import DBT_EXECUTABLE, dbt_project
from .notifications.sensors import sensors as notification_sensors
from .resources import ReportRegistryResource, WarehouseResource

# Every process that executes runs loads this module: have Dagster hand a step's per-partition asset
# events to the event log in batches. Dagster's PostgreSQL event log writes a batch in one statement
# (docs/scale-out.md); its SQLite one still writes them one by one.
os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")

process_reports = dg.define_asset_job(
    name="process_reports",
    description="Parse, load, build and check the selected report partitions (one or many).",
    selection=dg.AssetSelection.all(),
)

# One job per purpose: `process_reports` processes one report (the new-report sensor launches it);
# `full_refresh` re-materializes every registered report: the monthly schedule launches one run per
# report partition, and in the UI "Materialize all" over its partitions launches a backfill.
full_refresh = dg.define_asset_job(
    name="full_refresh",
    description="Full refresh: re-parse, load, build, check and publish every registered report "
    "(one run per report partition; launched monthly by refresh_all_reports_schedule).",
    selection=dg.AssetSelection.all(),
    tags={"budget_recon/purpose": "full_refresh"},
)

defs = dg.Definitions(
    assets=[raw_report, warehouse_models, gate, published],
    jobs=[process_reports, full_refresh],
    # Every step holds the single `duckdb_warehouse` pool slot, so steps never run in parallel:
    # a process per step would only add start-up time (~10 s per step here).
    executor=dg.in_process_executor,
    schedules=schedules,
    sensors=sensors + notification_sensors,
    resources={
        "warehouse": WarehouseResource(),
        "registry": ReportRegistryResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    },
)
