"""Raw layer: each report partition parsed once and loaded into the `raw` schema atomically."""


import dagster as dg

from ..ingest import ingest
from ..parsing.extractors import all_extractors
from ..parsing.reader import ReportFormatError
from ..partitions import WAREHOUSE_POOL, reports_partitions
from ..resources import ReportRegistryResource, WarehouseResource

RAW_EXTRACTORS = all_extractors()


def _preview(rows: list[dict], limit: int = 8) -> str:
    if not rows:
        return "_no rows_"
    columns = [c for c in rows[0] if c not in ("line_text", "raw_text", "bold_cells")][:9]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:limit]:
        lines.append("| " + " | ".join(str(row.get(c, "")).replace("|", "/")[:40] for c in columns) + " |")
    return "\n".join(lines)


@dg.multi_asset(
    name="raw_report",
    specs=[
        dg.AssetSpec(
            key=["raw", extractor.table],
            description=extractor.description,
            group_name="reports",
            kinds={"python", "duckdb"},
            metadata={"dagster/table_name": f"raw.{extractor.table}"},
        )
        for extractor in RAW_EXTRACTORS
    ]
    + [
        dg.AssetSpec(
            key=["raw", "report_loads"],
            description="One row per load of a report file: registry entry, content hash, row counts.",
            group_name="reports",
            kinds={"python", "duckdb"},
        )
    ],
    partitions_def=reports_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def raw_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource, registry: ReportRegistryResource):
    """Parse each report of the run and replace its raw rows in one transaction per report."""
    totals: dict[str, int] = {e.table: 0 for e in RAW_EXTRACTORS}
    previews: dict[str, list[dict]] = {}
    sources: list[str] = []
    with warehouse.connect() as con:
        for report_id in context.partition_keys:
            entry = registry.entry(report_id)
            try:
                result = ingest(con, entry, registry.reports_dir, run_id=context.run.run_id)
            except ReportFormatError as exc:
                raise dg.Failure(
                    description=f"Report {report_id}: {exc}",
                    metadata={"report_id": report_id, "file": exc.path, "line": exc.line or 0},
                    allow_retries=False,
                ) from exc
            sources.append(f"{report_id}: {entry.file} (sha256 {result.sha256[:12]}…)")
            context.log.info(
                f"{report_id}: {len(result.report.lines)} lines, {len(result.report.tables)} tables, "
                f"parsed in {result.parse_seconds:.2f}s, loaded in {result.load.seconds:.2f}s: {result.load.row_counts}"
            )
            for issue in getattr(result.report, "issues", []) or []:
                context.log.warning(f"{report_id}: {issue}")
            for table, count in result.load.row_counts.items():
                totals[table] = totals.get(table, 0) + count
            for table, rows in result.rows.items():
                if rows and table not in previews:
                    previews[table] = rows[:8]
    yield dg.MaterializeResult(
        asset_key=["raw", "report_loads"],
        metadata={"dagster/row_count": len(sources), "reports": dg.MetadataValue.md("\n".join(f"- {s}" for s in sources))},
    )
    for extractor in RAW_EXTRACTORS:
        yield dg.MaterializeResult(
            asset_key=["raw", extractor.table],
            metadata={
                "dagster/row_count": totals[extractor.table],
                "reports": dg.MetadataValue.md("\n".join(f"- {s}" for s in sources)),
                "preview": dg.MetadataValue.md(_preview(previews.get(extractor.table, []))),
            },
        )
