"""The dbt project as Dagster sees it: the manifest is (re)built by `dbt parse` when missing or stale."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .settings import DBT_PROJECT_DIR, PROJECT_ROOT

MANIFEST_TARGET = PROJECT_ROOT / "var" / "dbt" / "manifest"


def _newest_source_mtime() -> float:
    newest = 0.0
    for pattern in ("models/**/*", "macros/**/*", "dbt_project.yml", "profiles.yml"):
        for path in DBT_PROJECT_DIR.glob(pattern):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return newest


def manifest_path() -> Path:
    """Path of an up-to-date manifest.json, running `dbt parse` first when the project changed."""
    manifest = MANIFEST_TARGET / "manifest.json"
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return manifest
    from dbt.cli.main import dbtRunner

    # Parse into a private folder and move the manifest into place atomically: several processes
    # (the UI, a CLI run, tests) may load the definitions at the same time.
    scratch = MANIFEST_TARGET / f"parse-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    previous = os.getcwd()
    os.chdir(DBT_PROJECT_DIR)
    try:
        result = dbtRunner().invoke(
            ["parse", "--quiet", "--no-partial-parse", "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(scratch)]
        )
    finally:
        os.chdir(previous)
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    os.replace(scratch / "manifest.json", manifest)
    shutil.rmtree(scratch, ignore_errors=True)
    return manifest
