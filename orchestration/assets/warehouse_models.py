"""dbt models as Dagster assets: staging, intermediate, marts and reconciliation, per report partition."""


from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from ..dbt_project import dbt_project
from ..partitions import WAREHOUSE_POOL, reports_partitions
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
        "BUDGET_RECON_WAREHOUSE": str(home.warehouse),
        "DBT_LOG_PATH": str(home.home / "dbt" / "logs"),
        "BUDGET_RECON_REPORT_IDS": selection,
    }


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=reports_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` of the selected models for the run's reports only."""
    report_ids = list(context.partition_keys)
    context.log.info(f"dbt build for {len(report_ids)} reports: {', '.join(report_ids[:20])}{' …' if len(report_ids) > 20 else ''}")
    # One target folder for every run (the warehouse pool runs one dbt at a time): dbt's partial parse
    # state lives there; dagster-dbt's default, a new folder per run, means a full parse every run.
    # `DbtCliResource.cli` hands dbt a copy of os.environ: ours is set for that call only, so one run's
    # report selection never leaks into a later dbt started by the same process.
    with environment(dbt_env(report_ids)):
        invocation = dbt.cli(["build"], context=context, raise_on_error=False, target_path=paths().dbt_target)
    try:
        yield from invocation.stream()
    except BaseException:
        # A dbt process nobody reads any more blocks on its output and keeps the DuckDB lock.
        if invocation.process.poll() is None:
            invocation.process.terminate()
        raise
