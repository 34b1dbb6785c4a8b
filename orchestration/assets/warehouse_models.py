"""dbt models as Dagster assets: staging, intermediate, marts and reconciliation, per report partition."""


import json
import os
from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from ..dbt_manifest import manifest_path
from ..partitions import WAREHOUSE_POOL, reports_partitions
from ..settings import paths

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


def dbt_env() -> dict[str, str]:
    """Environment for dbt: the configured warehouse and a target folder under the run home."""
    home = paths()
    return {
        "BUDGET_RECON_WAREHOUSE": str(home.warehouse),
        "DBT_TARGET_PATH": str(home.dbt_target),
        "DBT_LOG_PATH": str(home.home / "dbt" / "logs"),
    }


@dbt_assets(
    manifest=manifest_path(),
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=reports_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` of the selected models for the run's reports only (the `report_ids` var)."""
    report_ids = list(context.partition_keys)
    context.log.info(f"dbt build for reports: {', '.join(report_ids)}")
    os.environ.update(dbt_env())
    args = ["build", "--vars", json.dumps({"report_ids": report_ids})]
    invocation = dbt.cli(args, context=context, raise_on_error=False)
    try:
        yield from invocation.stream()
    except BaseException:
        # A dbt process nobody reads any more blocks on its output and keeps the DuckDB lock.
        if invocation.process.poll() is None:
            invocation.process.terminate()
        raise
