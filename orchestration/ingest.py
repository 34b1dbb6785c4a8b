"""Load one registered report into the raw layer: read, parse, extract, replace atomically.

Plain Python shared by the Dagster assets and the tests; errors name the file (and line).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from .parsing.coverage import required_fact_types
from .parsing.raw_layer import all_extractors
from .parsing.reader import Report, ReportFormatError, check_layout, read_report
from .parsing.registry import ReportEntry, file_sha256
from .postgres import ReportBusy
from .warehouse import LoadResult, extract_all, fact_extractors, frames_of, replace_report


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
    report = read_report(entry.report_id, path, entry.encoding, entry.family)
    report.required_fact_types = required_fact_types(entry.family)
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


@dataclass
class ParsedReport:
    """What a parse (possibly in a worker process) hands the loader: everything but the database."""

    entry: ReportEntry
    report: Report
    rows: dict[str, list[dict]]
    frames: dict[str, pd.DataFrame]
    sha256: str
    bytes: int
    parse_seconds: float


def parse_for_load(entry: ReportEntry, reports_dir: Path) -> ParsedReport:
    report, rows, parse_seconds = parse_entry(entry, reports_dir)
    path = entry.path(reports_dir)
    return ParsedReport(entry, report, rows, frames_of(rows), file_sha256(path), path.stat().st_size, parse_seconds)


def load_parsed(
    con: duckdb.DuckDBPyConnection, parsed: ParsedReport, run_id: str | None = None, own_transaction: bool = True
) -> IngestResult:
    entry = parsed.entry
    file_info = {"file_name": entry.file, "sha256": parsed.sha256, "bytes": parsed.bytes, "run_id": run_id, "entry": entry.__dict__}
    load = replace_report(con, parsed.report, parsed.rows, file_info, frames=parsed.frames, own_transaction=own_transaction)
    return IngestResult(entry, parsed.report, load, parsed.rows, parsed.sha256, parsed.parse_seconds)


def ingest(con: duckdb.DuckDBPyConnection, entry: ReportEntry, reports_dir: Path, run_id: str | None = None) -> IngestResult:
    return load_parsed(con, parse_for_load(entry, reports_dir), run_id)


# Below this many reports a worker pool costs more to start (~0.5 s) than it saves.
POOL_THRESHOLD = 8
# Reports committed together when loading with workers (see ingest_many).
GROUP_SIZE, GROUP_SECONDS = 20, 2.0


def parse_workers(report_count: int, requested: int = 0) -> int:
    """Worker processes for parsing: `requested` if set, else one per core for a batch large enough."""
    if requested > 0:
        return requested
    return (os.cpu_count() or 1) if report_count >= POOL_THRESHOLD else 0


def _parse_worker_init() -> None:
    # A parse allocates ~10^5 short-lived objects with no reference cycles to speak of: collecting
    # the youngest generation every 700 allocations cost 5-12 % of the parse.
    gc.set_threshold(100_000, 50, 100)


def ingest_many(
    con: duckdb.DuckDBPyConnection,
    entries: list[ReportEntry],
    reports_dir: Path,
    run_id: str | None = None,
    workers: int = 0,
) -> Iterator[IngestResult]:
    """Ingest reports in order: parsed in `workers` processes (0: in this one), loaded here.

    Without workers each report is its own transaction. With workers (large runs) the loads are
    committed in groups of up to GROUP_SIZE reports or GROUP_SECONDS, a commit being a fifth of a
    report's load; a report is yielded only once its group is committed, so what the caller reports
    loaded is loaded, and a load error rolls back the uncommitted group only. At most two reports
    per worker wait parsed in memory.

    The first report that cannot be parsed raises its ReportFormatError after the reports before it
    are loaded (and yielded); nothing after it is loaded."""
    if workers <= 0:
        for entry in entries:
            yield ingest(con, entry, reports_dir, run_id)
        return
    # forkserver: the loader process may run threads (Dagster's), which a plain fork would copy mid-lock.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["orchestration.ingest"])
    pending: deque[Future] = deque()
    queue = iter(entries)
    loaded: list[IngestResult] = []  # loaded in the open transaction, not committed yet
    group_started = 0.0
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_parse_worker_init) as pool:
        try:
            for entry in queue:
                pending.append(pool.submit(parse_for_load, entry, reports_dir))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                try:
                    parsed = pending.popleft().result()
                except ReportFormatError:
                    if loaded:
                        con.execute("COMMIT")
                        committed, loaded = loaded, []
                        yield from committed
                    raise
                following = next(queue, None)
                if following is not None:
                    pending.append(pool.submit(parse_for_load, following, reports_dir))
                if not loaded:
                    con.execute("BEGIN TRANSACTION")
                    group_started = time.monotonic()
                try:
                    loaded.append(load_parsed(con, parsed, run_id, own_transaction=False))
                except ReportBusy:
                    # PostgreSQL: another run holds this report; commit the group (releasing its
                    # locks) and wait for the report in a transaction of its own (postgres.py).
                    con.execute("COMMIT")
                    committed, loaded = loaded, []
                    yield from committed
                    con.execute("BEGIN TRANSACTION")
                    group_started = time.monotonic()
                    loaded.append(load_parsed(con, parsed, run_id, own_transaction=False))
                if len(loaded) >= GROUP_SIZE or time.monotonic() - group_started >= GROUP_SECONDS or not pending:
                    con.execute("COMMIT")
                    committed, loaded = loaded, []
                    yield from committed
        finally:
            if loaded:  # a load failed, or the caller stopped reading: nothing of the group is kept
                con.execute("ROLLBACK")
            for future in pending:
                future.cancel()
