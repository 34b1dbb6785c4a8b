"""The export layer: each report's published (verified) version as a Frictionless data package and
an Excel workbook, under `$BUDGET_RECON_HOME/exports/`. Downstream of `published`, so a report
whose gate failed is not exported by its run; `budget-recon export` writes the same files anywhere.
"""

import dagster as dg

from ..partitions import reports_partitions
from ..resources import WarehouseResource
from ..settings import paths
from .published import MART_KEYS

PACKAGE = dg.AssetKey(["export", "data_package"])
WORKBOOK = dg.AssetKey(["export", "workbook"])
PUBLISHED_KEYS = [dg.AssetKey(["published", k.path[-1]]) for k in MART_KEYS]
FOLDERS = {PACKAGE: ("package", "packages"), WORKBOOK: ("xlsx", "workbooks")}


@dg.multi_asset(
    name="export",
    specs=[
        dg.AssetSpec(
            key=PACKAGE,
            deps=PUBLISHED_KEYS,
            description="Frictionless data package of the report's published tables (datapackage.json, CSV with BOM, "
            "Parquet), in exports/packages/<report>/.",
            group_name="export",
            kinds={"csv", "parquet"},
            skippable=True,
        ),
        dg.AssetSpec(
            key=WORKBOOK,
            deps=PUBLISHED_KEYS,
            description="Excel workbook for reviewers: the fact tables with Korean and English headers and the gate's "
            "findings, in exports/workbooks/<report>.xlsx.",
            group_name="export",
            kinds={"excel"},
            skippable=True,
        ),
    ],
    partitions_def=reports_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
)
def export(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from ..export import export_reports  # openpyxl and the package writer: imported by the runs that export only

    report_ids = list(context.partition_keys)
    refused: dict[str, str] = {}
    for key in context.selected_asset_keys:
        fmt, folder = FOLDERS[key]
        # Runs take turns on the warehouse (one DuckDB writer): the export reads it under the lock.
        with warehouse.locked(context), warehouse.connect() as con:
            result = export_reports(con, report_ids, paths().exports / folder, fmt)
        refused.update(result.refused)
        for report_id, done in list(result.exported.items())[:20]:
            version = done["version"]
            context.log.info(f"{report_id}: {fmt} of load {version.load_id} (gate {version.verdict}) -> {done['path']}")
        first = next(iter(result.exported.values()), None)
        metadata = {
            "reports": len(result.exported),
            "dagster/row_count": sum(sum(d["rows"].values()) for d in result.exported.values()),
            "folder": dg.MetadataValue.path(str(paths().exports / folder)),
        }
        if len(report_ids) == 1 and first is not None:
            metadata.update(
                path=dg.MetadataValue.path(str(first["path"])),
                load_id=first["version"].load_id,
                gate_verdict=first["version"].verdict,
                rows_by_table=dg.MetadataValue.json(first["rows"]),
            )
        if result.exported:
            yield dg.MaterializeResult(asset_key=key, metadata=metadata)
    if refused:
        raise dg.Failure(description="; ".join(refused.values()))
