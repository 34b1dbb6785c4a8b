"""`budget-recon docs`: dbt's documentation site for the project, generated against a snapshot of the
warehouse (so the catalog has every column and type) and served on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .. import warehouse

# How much of dbt's output a failure message quotes (the end, where dbt says what failed).
OUTPUT_TAIL = 3_000
from ..settings import DBT_PROJECT_DIR, paths


def docs_dir() -> Path:
    return paths().home / "dbt_docs"


def generate(target: Path | None = None) -> Path:
    """`dbt docs generate` into `target` (default `$BUDGET_RECON_HOME/dbt_docs/target`).

    The catalog is read from a copy of the warehouse taken while no run writes it (a read-only
    connection waits for the writer), so generating the docs never blocks or is blocked by a run."""
    base = docs_dir()
    target = target or base / "target"
    base.mkdir(parents=True, exist_ok=True)
    snapshot = base / "warehouse.duckdb"
    snapshot.unlink(missing_ok=True)
    source = paths().warehouse
    if warehouse.is_postgres(source):  # a server: dbt reads its catalog there, readers never block runs
        empty_catalog = False
        env = dict(os.environ, **warehouse.dbt_target_env(source), DBT_LOG_PATH=str(base / "logs"))
    else:
        empty_catalog = not source.exists()
        if not empty_catalog:
            with warehouse.connect(source, read_only=True):
                shutil.copyfile(source, snapshot)
        env = dict(os.environ, **warehouse.dbt_target_env(snapshot), DBT_LOG_PATH=str(base / "logs"))
    command = [str(Path(sys.executable).with_name("dbt")), "docs", "generate", "--profiles-dir", str(DBT_PROJECT_DIR),
               "--target-path", str(target)]
    if empty_catalog:
        command.append("--empty-catalog")
    completed = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed:\n{completed.stdout[-OUTPUT_TAIL:]}{completed.stderr[-OUTPUT_TAIL:]}")
    snapshot.unlink(missing_ok=True)
    return target


def undocumented(target: Path) -> list[str]:
    """Models and columns (as built, from the catalog) that the models' yml files do not describe."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog_file = target / "catalog.json"
    catalog = json.loads(catalog_file.read_text(encoding="utf-8")) if catalog_file.exists() else {"nodes": {}}
    missing = []
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "model":
            continue
        if not (node.get("description") or "").strip():
            missing.append(node["name"])
        described = {name.lower() for name, column in (node.get("columns") or {}).items() if (column.get("description") or "").strip()}
        built = (catalog["nodes"].get(unique_id) or {}).get("columns") or {}
        for name in built:
            if name.lower() not in described:
                missing.append(f"{node['name']}.{name}")
    return missing


def serve(target: Path, port: int = 8080, ready=None) -> None:
    """Serve the generated site on 127.0.0.1 until interrupted (port 0: any free port)."""
    handler = functools.partial(_QuietHandler, directory=str(target))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        if ready:
            ready(url, server)
        print(f"dbt docs at {url} (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass
