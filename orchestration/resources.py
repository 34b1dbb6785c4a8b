"""Configured resources: where the warehouse and the reports are. Nothing is hard-coded in assets."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb

from . import warehouse
from .parsing.registry import ReportEntry, get_entry, load_registry
from .settings import paths


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse: the embedded DuckDB file (default `$BUDGET_RECON_HOME/warehouse.duckdb`) or a
    PostgreSQL database (`postgresql://…`, default from $BUDGET_RECON_WAREHOUSE; docs/scale-out.md)."""

    path: str = ""

    @property
    def file(self) -> Path | str:
        if not self.path:
            return paths().warehouse
        return self.path if warehouse.is_postgres(self.path) else Path(self.path)

    @contextlib.contextmanager
    def connect(self, read_only: bool = False, log=None) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(self.file, read_only=read_only, log=log) as con:
            yield con

    @contextlib.contextmanager
    def locked(self, context, loads_only: bool = False) -> Iterator[None]:
        """Hold the warehouse's run lock for a step (see warehouse.warehouse_lock): runs take turns,
        a waiting run says for whom it waits, and a dead run's lock is released by the kernel.
        On PostgreSQL a step that only loads reports (`loads_only`) holds none: each report's load
        locks that report in its own transaction, so runs load different reports at the same time."""
        if loads_only and warehouse.is_postgres(self.file):
            yield
            return
        with step_lock(self.file, context):
            yield


@contextlib.contextmanager
def step_lock(path: Path, context) -> Iterator[None]:
    """The warehouse run lock for one Dagster step, logged with times so runs' turns can be read back."""
    holder = f"run {context.run.run_id[:8]} step {context.op_def.name}"
    partitioned = warehouse.is_postgres(path) and (context.has_partition_key_range or context.has_partition_key)
    reports = list(context.partition_keys) if partitioned else []
    with warehouse.warehouse_lock(path, holder, log=context.log.warning, report_ids=reports):
        context.log.info(f"warehouse lock acquired by {holder}")
        try:
            yield
        finally:
            context.log.info(f"warehouse lock released by {holder}")


class ReportRegistryResource(dg.ConfigurableResource):
    """The report registry and the folder its files live in (default `seeds/`)."""

    seeds_dir: str = ""

    @property
    def root(self) -> Path:
        return Path(self.seeds_dir) if self.seeds_dir else paths().seeds

    @property
    def registry_file(self) -> Path:
        return self.root / "reports.yaml"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def entries(self) -> list[ReportEntry]:
        return load_registry(self.registry_file)

    def entry(self, report_id: str) -> ReportEntry:
        return get_entry(self.registry_file, report_id)
