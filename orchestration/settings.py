"""Where things live. Everything a run writes goes under one home folder (default `var/`)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    home: Path
    seeds: Path

    @property
    def warehouse(self) -> Path | str:
        """The DuckDB file (default `warehouse.duckdb` in the home), or a `postgresql://` URL when
        $BUDGET_RECON_WAREHOUSE names a PostgreSQL database (docs/scale-out.md)."""
        configured = os.environ.get("BUDGET_RECON_WAREHOUSE") or ""
        if configured.startswith(("postgresql://", "postgres://")):
            return configured
        return Path(configured).resolve() if configured else self.home / "warehouse.duckdb"

    @property
    def registry(self) -> Path:
        return self.seeds / "reports.yaml"

    @property
    def reports_dir(self) -> Path:
        return self.seeds / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def dbt_target(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def data_docs(self) -> Path:
        return self.home / "data_docs"

    @property
    def discrepancy_reports(self) -> Path:
        return self.home / "discrepancies"

    @property
    def exports(self) -> Path:
        return self.home / "exports"


def paths() -> Paths:
    """Read from the environment each time, so tests can point one process at a temporary home."""
    home = Path(os.environ.get("BUDGET_RECON_HOME") or PROJECT_ROOT / "var").resolve()
    seeds = Path(os.environ.get("BUDGET_RECON_SEEDS") or PROJECT_ROOT / "seeds").resolve()
    return Paths(home=home, seeds=seeds)


DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block, then restore what was there."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
