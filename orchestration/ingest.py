"""Load one registered report into the raw layer: read, parse, extract, replace atomically.

Plain Python shared by the Dagster assets and the tests; errors name the file (and line).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .parsing.extractors import all_extractors
from .parsing.reader import Report, ReportFormatError, check_layout, read_report
from .parsing.registry import ReportEntry, file_sha256
from .warehouse import LoadResult, extract_all, fact_extractors, replace_report


@dataclass
class IngestResult:
    entry: ReportEntry
    report: Report
    load: LoadResult
    rows: dict[str, list[dict]]
    sha256: str
    parse_seconds: float


def parse_entry(entry: ReportEntry, reports_dir: Path) -> tuple[Report, dict[str, list[dict]], float]:
    path = entry.path(reports_dir)
    if not path.exists():
        raise ReportFormatError(path, f"registered as {entry.report_id!r} in the registry, but the file is missing")
    started = time.perf_counter()
    report = read_report(entry.report_id, path, entry.encoding)
    if not report.tables:
        raise ReportFormatError(path, "no tab-separated tables found: is this a report export?")
    errors = [i for i in check_layout(report) if i.severity == "error"]
    if errors:
        more = f" (and {len(errors) - 1} more: lines {', '.join(str(i.line) for i in errors[1:6])})" if len(errors) > 1 else ""
        raise ReportFormatError(path, errors[0].message + more, errors[0].line)
    try:
        rows = extract_all(report)
    except ReportFormatError:
        raise
    except Exception as exc:  # a parser bug or unexpected layout: name the file, keep the cause
        raise ReportFormatError(path, f"could not extract facts: {type(exc).__name__}: {exc}") from exc
    facts = fact_extractors(all_extractors())
    if facts and not any(rows.get(e.table) for e in facts):
        titles = ", ".join(repr(t.title) for t in report.tables[:5] if t.title) or "none with a title"
        raise ReportFormatError(
            path,
            f"none of the expected tables were found ({len(report.tables)} tables, e.g. {titles}); expected at least "
            "one of: " + "; ".join(f"{e.table} ({e.description.split(':')[0].split('(')[0].strip()})" for e in facts),
        )
    return report, rows, time.perf_counter() - started


def ingest(con: duckdb.DuckDBPyConnection, entry: ReportEntry, reports_dir: Path, run_id: str | None = None) -> IngestResult:
    report, rows, parse_seconds = parse_entry(entry, reports_dir)
    path = entry.path(reports_dir)
    sha = file_sha256(path)
    load = replace_report(
        con,
        report,
        rows,
        {
            "file_name": entry.file,
            "sha256": sha,
            "bytes": path.stat().st_size,
            "run_id": run_id,
            "entry": entry.__dict__,
        },
    )
    return IngestResult(entry, report, load, rows, sha, parse_seconds)
