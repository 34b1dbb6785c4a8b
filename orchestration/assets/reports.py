"""Raw layer: each report partition parsed once and loaded into the `raw` schema atomically."""

import dagster as dg
from pydantic import Field

from ..ingest import POOL_THRESHOLD, ingest_many, parse_workers
from ..parsing.coverage import TABLE_COVERAGE, UNRECOGNISED, count_classifications, coverage_summary
from ..parsing.raw_layer import all_extractors
from ..parsing.registry import ReportEntry
from ..parsing.reader import ReportFormatError
from ..faults import checkpoint
from ..partitions import reports_partitions
from ..resources import ReportRegistryResource, WarehouseResource
from .metadata import progress_log

RAW_EXTRACTORS = all_extractors()


def _preview(rows: list[dict], limit: int = 8) -> str:
    if not rows:
        return "_no rows_"
    columns = [c for c in rows[0] if c not in ("line_text", "raw_text", "bold_cells")][:9]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:limit]:
        lines.append("| " + " | ".join(str(row.get(c, "")).replace("|", "/")[:40] for c in columns) + " |")
    return "\n".join(lines)


class RawReportConfig(dg.Config):
    parse_workers: int = Field(
        default=0,
        description="Processes that parse reports while the step loads them; 0 = one per core when the "
        f"run has at least {POOL_THRESHOLD} reports, none below.",
    )


def _entries(registry: ReportRegistryResource, report_ids: list[str]) -> list[ReportEntry]:
    """Registry entries of many reports from one read of the registry."""
    entries = {e.report_id: e for e in registry.entries()}
    unknown = [r for r in report_ids if r not in entries]
    if unknown:
        registry.entry(unknown[0])  # raises the registry's own error, naming the file
    return [entries[r] for r in report_ids]


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
)
def raw_report(
    context: dg.AssetExecutionContext, config: RawReportConfig, warehouse: WarehouseResource, registry: ReportRegistryResource
):
    """Parse each report of the run and replace its raw rows in one transaction per report."""
    report_ids = list(context.partition_keys)
    entries = _entries(registry, report_ids)
    workers = parse_workers(len(entries), config.parse_workers)
    context.log.info(f"{len(entries)} reports to parse and load ({f'{workers} parse processes' if workers else 'in process'})")
    progress = progress_log(context.log.info, len(entries), "loaded")
    with warehouse.locked(context, loads_only=True), warehouse.connect(log=context.log.warning) as con:
        loaded = ingest_many(con, entries, registry.reports_dir, context.run.run_id, workers)
        for entry in entries:
            try:
                result = next(loaded)
            except ReportFormatError as exc:
                raise dg.Failure(
                    description=f"Report {entry.report_id}: {exc}",
                    metadata={"report_id": entry.report_id, "file": exc.path, "line": exc.line or 0},
                    allow_retries=False,
                ) from exc
            checkpoint("load")
            tables = result.rows.get(TABLE_COVERAGE.table) or []
            # Each report's own figures on its own partition's materialization (not the run's totals).
            context.add_asset_metadata(
                {"file": entry.file, "sha256": result.sha256, "version": result.load.load_id, "tables": len(result.report.tables),
                 "table_coverage": coverage_summary(count_classifications(tables))},
                asset_key=["raw", "report_loads"],
                partition_key=entry.report_id,
            )
            for extractor in RAW_EXTRACTORS:
                rows = result.rows.get(extractor.table) or []
                metadata = {
                    "dagster/row_count": result.load.row_counts.get(extractor.table, 0),
                    "file": entry.file,
                    "preview": dg.MetadataValue.md(_preview(rows, limit=5)),
                }
                if extractor is TABLE_COVERAGE:
                    metadata["unrecognised_tables"] = dg.MetadataValue.md(
                        _unrecognised([t for t in tables if t["classification"] == UNRECOGNISED])
                    )
                context.add_asset_metadata(metadata, asset_key=["raw", extractor.table], partition_key=entry.report_id)
            progress(
                f"{entry.report_id}: {len(result.report.lines)} lines, {len(result.report.tables)} tables, "
                f"parsed in {result.parse_seconds:.2f}s, loaded in {result.load.seconds:.2f}s: {result.load.row_counts}"
            )
            for issue in getattr(result.report, "issues", []) or []:
                context.log.warning(f"{entry.report_id}: {issue}")
    yield dg.MaterializeResult(asset_key=["raw", "report_loads"])
    for extractor in RAW_EXTRACTORS:
        yield dg.MaterializeResult(asset_key=["raw", extractor.table])


def _unrecognised(tables: list[dict], limit: int = 30) -> str:
    """The tables that hold numbers no extractor read, with their headers (a Markdown table)."""
    if not tables:
        return "_none: every table was extracted or is not a fact table_"
    lines = ["| table | lines | title | header |", "|---|---|---|---|"]
    for t in tables[:limit]:
        cells = [str(t["table_no"]), f'{t["first_line"]}-{t["last_line"]}', t.get("title") or "", t["header"]]
        lines.append("| " + " | ".join(c.replace("|", "/")[:60] for c in cells) + " |")
    if len(tables) > limit:
        lines.append(f"\n… and {len(tables) - limit} more (raw.table_coverage)")
    return "\n".join(lines)
