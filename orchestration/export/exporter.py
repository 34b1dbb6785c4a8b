"""Export several reports at once: what `budget-recon export` and the `export` assets call."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .package import write_package
from .schema import published_tables
from .versions import NotExportable, PublishedVersion, published_version
from .workbook import write_workbook

FORMATS = ("package", "xlsx")


@dataclass
class ExportResult:
    exported: dict[str, dict] = field(default_factory=dict)  # report_id -> {"path", "rows", "version"}
    refused: dict[str, str] = field(default_factory=dict)  # report_id -> why


def target_path(out_dir: Path, report_id: str, fmt: str) -> Path:
    return Path(out_dir) / (report_id if fmt == "package" else f"{report_id}.xlsx")


def export_reports(
    con: duckdb.DuckDBPyConnection, report_ids: list[str], out_dir: Path, fmt: str = "package", manifest_file: Path | None = None
) -> ExportResult:
    """Write each report's published version to `out_dir`; reports without one are refused, not written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    result = ExportResult()
    versions: dict[str, PublishedVersion] = {}
    for report_id in report_ids:
        try:
            versions[report_id] = published_version(con, report_id)
        except NotExportable as exc:
            result.refused[report_id] = str(exc)
    if not versions:
        return result
    tables = published_tables(con, manifest_file)
    for report_id, version in versions.items():
        target = target_path(out_dir, report_id, fmt)
        written = write_package(con, version, tables, target) if fmt == "package" else write_workbook(con, version, tables, target)
        result.exported[report_id] = dict(written, version=version)
    return result
