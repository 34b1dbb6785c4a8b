"""The Dagster code location of budget-recon: every asset, check, job, schedule, sensor and resource."""

from __future__ import annotations

import os
import warnings

import dagster as dg
from dagster_dbt import DbtCliResource

from .assets.export import export
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

# The gate and the published layer keep Dagster's default backfill policy (a run per partition) while
# the load and dbt steps run a backfill in one run: each report's checks are then Dagster's checks of
# its own partition. Dagster warns about the mixed policies whenever it builds a job; that is the intent.
warnings.filterwarnings("ignore", message="Asset job .* materializes assets with varying BackfillPolicies")

# Exports are written on demand (`export_reports`, the UI, `budget-recon export`), not by every run:
# a thousand-report run would otherwise write two thousand files it was not asked for.
PROCESSING = dg.AssetSelection.all() - dg.AssetSelection.groups("export")

process_reports = dg.define_asset_job(
    name="process_reports",
    description="Parse, load, build and check the selected report partitions (one or many).",
    selection=PROCESSING,
)

# One job per purpose: `process_reports` processes one report (the new-report sensor launches it);
# `full_refresh` re-materializes every registered report: the monthly schedule launches one run per
# report partition, and in the UI "Materialize all" over its partitions launches a backfill.
full_refresh = dg.define_asset_job(
    name="full_refresh",
    description="Full refresh: re-parse, load, build, check and publish every registered report "
    "(one run per report partition; launched monthly by refresh_all_reports_schedule).",
    selection=PROCESSING,
    tags={"budget_recon/purpose": "full_refresh"},
)

export_reports = dg.define_asset_job(
    name="export_reports",
    description="Write the published (verified) version of the selected reports as data packages and workbooks "
    "under exports/ (a report never verified fails the step and is named).",
    selection=dg.AssetSelection.groups("export"),
)

defs = dg.Definitions(
    assets=[raw_report, warehouse_models, gate, published, export],
    jobs=[process_reports, full_refresh, export_reports],
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
