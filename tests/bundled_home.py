"""One `budget-recon run` of the three bundled reports, shared by the whole test session.

Several modules need exactly this state: the bundled reports loaded, built, gated and published in a
fresh home (DuckDB warehouse, Dagster instance on SQLite files). Running it once per module cost a
full pipeline run each; the session fixture `bundled_home` (tests/conftest.py) runs it once:

    def test_x(bundled_home):
        bundled_home.home / bundled_home.warehouse / bundled_home.outcome / bundled_home.env
        with duckdb.connect(str(bundled_home.warehouse), read_only=True) as con: ...   # read only

It is READ ONLY. A test that writes (runs again, exports into the home, changes the seeds) takes its
own copy first: `mine = bundled_home.copy_to(tmp_path / "copy")` copies the home and the seeds and
returns the same object for the copy (its env points at the copy; `prepare_environment` rewrites the
copied dagster.yaml for its new place on the next run). The session's teardown fails if the shared
warehouse file changed, so a test that forgets to copy is caught.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT, environment


@dataclass
class BundledHome:
    home: Path  # BUDGET_RECON_HOME (the Dagster home is home / "dagster")
    seeds: Path  # BUDGET_RECON_SEEDS: a copy of the project's seeds
    outcome: object  # the RunOutcome of `run_reports()` (None for a copy's own runs to fill)

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def env(self) -> dict[str, str]:
        """The variables a run in this home uses (for `orchestration.settings.environment`)."""
        return {
            "BUDGET_RECON_HOME": str(self.home),
            "BUDGET_RECON_SEEDS": str(self.seeds),
            "DAGSTER_HOME": str(self.dagster_home),
            "BUDGET_RECON_WAREHOUSE": str(self.warehouse),
            "BUDGET_RECON_DAGSTER_STORAGE": "",  # SQLite files in the Dagster home
        }

    def copy_to(self, base: Path) -> "BundledHome":
        """A private copy (home and seeds under `base`) that a test may write to."""
        base.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.seeds, base / "seeds")
        shutil.copytree(self.home, base / "home", ignore=shutil.ignore_patterns("*.lock"))
        return BundledHome(home=base / "home", seeds=base / "seeds", outcome=self.outcome)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@pytest.fixture(scope="session")
def bundled_home(tmp_path_factory):
    """The three bundled reports after one `run_reports()` (what `budget-recon run` does) in a fresh home."""
    base = tmp_path_factory.mktemp("bundled")
    seeds = base / "seeds"
    shutil.copytree(PROJECT_ROOT / "seeds", seeds)
    shared = BundledHome(home=base / "home", seeds=seeds, outcome=None)
    with environment(shared.env):
        from orchestration.cli import run_reports

        shared.outcome = run_reports()
    before = _digest(shared.warehouse)
    yield shared
    assert _digest(shared.warehouse) == before, (
        "a test wrote to the shared bundled_home warehouse: take a copy (bundled_home.copy_to) before writing"
    )
