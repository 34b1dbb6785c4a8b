"""The dbt project as Dagster sees it: dagster-dbt's stock `DbtProject` and where its manifest lives.

`dagster dev` re-parses the project each time it loads the code location (`prepare_if_dev`). Elsewhere
the manifest is prepared ahead of time, as dagster-dbt documents for deployments:
`dagster-dbt project prepare-and-package --file orchestration/dbt_project.py`, which the Makefile runs
whenever a model, macro or project file changed. A checkout that never ran make gets it on first use.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

# Absolute imports: `dagster-dbt project prepare-and-package --file` loads this file on its own.
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

# The dbt installed beside this interpreter, whether or not the virtual environment is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

# Outside every run home: the definitions, and so the manifest, are the same for all of them.
dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target_path=PROJECT_ROOT / "var" / "dbt" / "manifest",
)


def _prepare_missing_manifest() -> None:
    # Parsed into a private folder and moved into place in one step: several processes (the UI, a CLI
    # run, tests) may load the definitions at the same time.
    scratch = dbt_project.manifest_path.parent / f"parse-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    dbt = DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
    dbt.cli(["parse", "--quiet"], target_path=scratch).wait()
    os.replace(scratch / "manifest.json", dbt_project.manifest_path)
    shutil.rmtree(scratch, ignore_errors=True)


dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    _prepare_missing_manifest()
