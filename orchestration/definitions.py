"""The Dagster code location of budget-recon: every asset, check, job, schedule, sensor and resource."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from .assets.gate import gate
from .assets.published import published
from .assets.reports import raw_report
from .assets.warehouse_models import warehouse_models
from .automation import schedules, sensors
from .notifications.sensors import sensors as notification_sensors
from .partitions import reports_partitions
from .resources import ReportRegistryResource, WarehouseResource
from .settings import DBT_PROJECT_DIR

process_reports = dg.define_asset_job(
    name="process_reports",
    description="Parse, load, build and check the selected report partitions (one or many).",
    selection=dg.AssetSelection.all(),
    partitions_def=reports_partitions,
)

defs = dg.Definitions(
    assets=[raw_report, warehouse_models, gate, published],
    jobs=[process_reports],
    schedules=schedules,
    sensors=sensors + notification_sensors,
    resources={
        "warehouse": WarehouseResource(),
        "registry": ReportRegistryResource(),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            # The dbt installed beside this interpreter, whether or not the venv is on PATH.
            dbt_executable=str(Path(sys.executable).with_name("dbt")),
        ),
    },
)
