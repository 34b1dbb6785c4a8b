"""dbt models as Dagster assets: staging, intermediate, marts and reconciliation, per report partition."""


import functools
import hashlib
import importlib.metadata
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from .. import publication, warehouse
from ..dbt_project import dbt_project
from ..faults import checkpoint, wanted
from ..partitions import reports_partitions
from ..resources import step_lock
from ..settings import environment, paths

LAYERS = ("staging", "intermediate", "marts", "reconciliation")


class LayeredTranslator(DagsterDbtTranslator):
    """Asset keys `[layer, model]` and groups by layer; sources map onto the raw report assets."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["sources"].get(unique_id) or manifest["nodes"].get(unique_id) or {}
        if node.get("resource_type") == "source":
            return spec.replace_attributes(key=dg.AssetKey(["raw", node["name"]]), group_name="reports")
        layer = node.get("fqn", ["", "staging"])[1] if len(node.get("fqn", [])) > 2 else "marts"
        layer = layer if layer in LAYERS else "marts"
        return spec.replace_attributes(key=dg.AssetKey([layer, node["name"]]), group_name=layer)


TRANSLATOR = LayeredTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_env(report_ids: list[str]) -> dict[str, str]:
    """Environment for dbt: the configured warehouse, logs under the run home and the reports to build.

    The reports travel in $BUDGET_RECON_REPORT_IDS, not `--vars`: changed vars make dbt re-parse the
    whole project, while the macro reads the variable only when executing (macros/report_selection.sql).
    """
    home = paths()
    selection = ",".join(report_ids)
    if len(selection) > 100_000:  # Linux refuses one environment string over 128 KiB
        raise dg.Failure(f"{len(report_ids)} reports in one dbt build is more than the environment can pass; run fewer per run")
    return {
        **warehouse.dbt_target_env(home.warehouse),
        "DBT_LOG_PATH": str(home.home / "dbt" / "logs"),
        "BUDGET_RECON_REPORT_IDS": selection,
    }


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=reports_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` of the selected models for the run's reports only."""
    report_ids = list(context.partition_keys)
    context.log.info(f"dbt build for {len(report_ids)} reports: {', '.join(report_ids[:20])}{' …' if len(report_ids) > 20 else ''}")
    # One target folder for every run (the warehouse pool runs one dbt at a time): dbt's partial parse
    # state lives there; dagster-dbt's default, a new folder per run, means a full parse every run.
    # `DbtCliResource.cli` hands dbt a copy of os.environ: ours is set for that call only, so one run's
    # report selection never leaks into a later dbt started by the same process.
    target = paths().warehouse
    run_id = context.run.run_id
    # Every model and test selected: views whose definition is unchanged are not re-created (below).
    whole = context.selected_asset_keys == warehouse_models.keys and context.selected_asset_check_keys == warehouse_models.check_keys
    with step_lock(target, context):
        # dbt cannot wait for the file: a reader (DuckDB shell, BI tool) holding it fails the build at
        # once. Wait for it here, and mark the marts as being rebuilt before dbt touches them.
        with warehouse.connect(target, log=context.log.warning) as con:
            loads = publication.start_marts_build(con, report_ids, run_id)
            views = built_views(con, target) if whole else None
        started = time.time()
        with environment({**dbt_env(report_ids), **(views.env if views else {})}):
            invocation = dbt.cli(["build", *(views.args if views else [])], context=context, raise_on_error=False,
                                 target_path=paths().dbt_target)
        if views:
            context.log.info(f"views unchanged since the last whole build ({views.state}) are not re-created: "
                             "they read every report's rows")
        # If this process dies, dbt lives on holding DuckDB's file: the next holder of the lock stops it.
        warehouse.register_child(target, invocation.process.pid, "dbt")
        try:
            for count, event in enumerate(invocation.stream()):
                if count == 2:
                    checkpoint("dbt")
                    if wanted("dbt-child"):  # the dbt process dies mid-build
                        invocation.process.kill()
                yield event
            returncode = invocation.process.wait()
        except BaseException:
            # A dbt process nobody reads any more blocks on its output and keeps the DuckDB lock.
            if invocation.process.poll() is None:
                invocation.process.terminate()
            raise
        warehouse.clear_child(target)
        error = None if returncode == 0 else dbt_failure(returncode, paths().dbt_target, started, target)
        with warehouse.connect(target, log=context.log.warning) as con:
            publication.finish_marts_build(con, loads, run_id, error)
            if whole and not error:
                record_built_views(con, target)
    if error:
        raise dg.Failure(description=error, metadata={"dbt_exit_code": returncode}, allow_retries=False)
    context.log.info("marts built from versions " + ", ".join(f"{r}={v}" for r, v in list(loads.items())[:20]))


@dataclass(frozen=True)
class ReusedViews:
    """dbt arguments that leave out the views built by an earlier whole build of this warehouse."""

    state: Path
    args: list[str]
    env: dict[str, str]


def views_state(target) -> Path:
    """Where the last whole build of this warehouse left its manifest (one folder per warehouse)."""
    key = hashlib.sha256(warehouse.describe_target(target).encode()).hexdigest()[:16]
    return paths().home / "dbt" / "built-views" / key


def warehouse_shape(con) -> str:
    """The relations and columns of the schemas the reusable views live in and read (staging, raw) and
    the dbt version: what a view's validity rests on besides its own definition (a dropped view, a raw
    table with other columns, a replaced file). Tables the gate or publishing create do not count."""
    schemas = sorted(view_schemas())
    rows = con.execute(
        "select c.table_schema, c.table_name, t.table_type, c.column_name, c.data_type "
        "from information_schema.columns c join information_schema.tables t "
        "on t.table_schema = c.table_schema and t.table_name = c.table_name "
        f"where c.table_schema in ({', '.join('?' for _ in schemas)}) "
        "order by 1, 2, c.ordinal_position",
        schemas,
    ).fetchall()
    text = "\n".join("\t".join(str(v) for v in row) for row in rows)
    return f"dbt-core {importlib.metadata.version('dbt-core')}\n" + hashlib.sha256(text.encode()).hexdigest()


SELECTION_MACRO = "macro.budget_recon.in_selected_reports"


@functools.cache
def report_independent_views() -> tuple[str, ...]:
    """The views that can be left standing between runs: they read sources only (a view over another
    model must follow that model's changes) and no macro they call reads the report selection
    (macros/report_selection.sql; a view that filters on it holds one run's reports)."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    macros = manifest["macros"]

    def selective(macro_ids, seen=frozenset()) -> bool:
        return any(m == SELECTION_MACRO or (m not in seen and m in macros and selective(
            macros[m]["depends_on"]["macros"], seen | {m})) for m in macro_ids)

    return tuple(sorted(
        node["name"] for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "view"
        and all(parent.startswith("source.") for parent in node["depends_on"]["nodes"])
        and not selective(node["depends_on"]["macros"])
    ))


@functools.cache
def view_schemas() -> frozenset[str]:
    """The schemas of the reusable views and of the sources they read."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    views = set(report_independent_views())
    return frozenset(
        [n["schema"] for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] in views]
        + [s["schema"] for s in manifest["sources"].values()]
    )


def built_views(con, target) -> ReusedViews | None:
    """Most views read every report's rows through one definition: re-creating them for each run cost
    a dbt node and a Dagster materialization each. When the warehouse is exactly as the last whole
    build left it, dbt's state comparison (`state:unmodified`: same SQL, config and macros) leaves out
    those it built; new or changed views, and the views that filter on the run's reports, are built.
    Tests are selected by `fqn:*` themselves (indirect selection `empty`): the tests on views still run."""
    state = views_state(target)
    views = report_independent_views()
    if not views or not (state / "manifest.json").exists() or not (state / "shape.txt").exists():
        return None
    if (state / "shape.txt").read_text(encoding="utf-8") != warehouse_shape(con):
        return None
    unchanged = " ".join(f"{name},state:unmodified" for name in views)
    return ReusedViews(state, ["--exclude", unchanged, "--state", str(state)], {"DBT_INDIRECT_SELECTION": "empty"})


def record_built_views(con, target) -> None:
    """After a whole build succeeded every view matches this build's manifest: keep it as the state."""
    manifest = paths().dbt_target / "manifest.json"
    if not manifest.exists():
        return
    state = views_state(target)
    scratch = state.with_name(f"{state.name}-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    shutil.copyfile(manifest, scratch / "manifest.json")
    (scratch / "shape.txt").write_text(warehouse_shape(con), encoding="utf-8")
    shutil.rmtree(state, ignore_errors=True)
    os.replace(scratch, state)


def dbt_failure(returncode: int, target_path: Path, started: float, warehouse_file: Path) -> str:
    """One message for a failed `dbt build`: what failed (model errors, failing tests with their row
    counts), from this build's run_results.json; a killed dbt leaves none."""
    results_file = target_path / "run_results.json"
    failed = []
    if results_file.exists() and results_file.stat().st_mtime >= started - 1:
        for result in json.loads(results_file.read_text(encoding="utf-8")).get("results", []):
            if result.get("status") in ("error", "fail", "runtime error"):
                node = result.get("unique_id", "?").split(".")
                kind, name = node[0], node[-1] if node[0] != "test" else node[2]
                text = (result.get("message") or "").strip().splitlines()
                text = text[0] if text else result.get("status")
                if kind == "test":
                    rows = result.get("failures")
                    failed.append(f"dbt test {name} failed on {rows} row{'s' if rows != 1 else ''} ({text})")
                else:
                    failed.append(f"dbt {kind} {name}: {text}")
    log = target_path.parent / "logs" / "dbt.log"
    if not failed and log.exists() and log.stat().st_mtime >= started - 1:
        # dbt failed before running any node (e.g. it could not open the warehouse): its log says why
        with open(log, "rb") as handle:
            handle.seek(max(0, log.stat().st_size - 20_000))
            tail = handle.read().decode("utf-8", "replace").splitlines()
        errors = [line.split("]", 1)[-1].strip() for line in tail if "Error" in line or "Conflicting lock" in line]
        failed += errors[-1:]
    lock = any("lock" in f.lower() for f in failed)
    if returncode < 0:
        head = f"dbt build was killed (signal {-returncode}) before it finished"
    elif lock:
        head = (f"dbt build could not write the warehouse {warehouse_file}: another process (a reader such as a "
                "DuckDB shell or BI tool) opened it; close it and run again")
    else:
        head = f"dbt build failed (exit code {returncode})"
    detail = "; ".join(failed[:10]) + (f"; and {len(failed) - 10} more" if len(failed) > 10 else "")
    return f"{head}{': ' + detail if detail else ''}. The marts of these reports are not published (dbt log: {log})"
