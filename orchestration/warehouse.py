"""The embedded DuckDB warehouse: creating the raw schema and replacing one report's rows atomically.

Plain Python (no Dagster), so the CLI, the assets and the tests share one loader.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from .parsing.extractors import Extractor, all_extractors
from .parsing.reader import Report

RAW_SCHEMA = "raw"

LOADS_TABLE = {
    "report_id": "VARCHAR",
    "loaded_at": "TIMESTAMP",
    "organization": "VARCHAR",
    "organization_en": "VARCHAR",
    "title": "VARCHAR",
    "family": "VARCHAR",
    "period": "VARCHAR",
    "as_of": "DATE",
    "encoding": "VARCHAR",
    "file_name": "VARCHAR",
    "file_sha256": "VARCHAR",
    "file_bytes": "BIGINT",
    "line_count": "INTEGER",
    "table_count": "INTEGER",
    "row_counts": "JSON",
    "run_id": "VARCHAR",
}


@contextlib.contextmanager
def connect(path: Path, read_only: bool = False, timeout_s: float = 120.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse. DuckDB allows one writing process: another process holding the file makes
    us wait (up to `timeout_s`) rather than fail, so the CLI and a UI run can overlap safely."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.25)
    try:
        yield con
    finally:
        con.close()


def _create_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str]) -> None:
    cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    con.execute(f'CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}."{name}" ({cols})')
    existing = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [RAW_SCHEMA, name],
    ).fetchall()}
    for column, sql_type in columns.items():
        if column not in existing:  # new parser columns: add, never drop what other reports hold
            con.execute(f'ALTER TABLE {RAW_SCHEMA}."{name}" ADD COLUMN "{column}" {sql_type}')


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, extractors: list[Extractor] | None = None) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    for extractor in extractors or all_extractors():
        _create_table(con, extractor.table, extractor.columns)
    _create_table(con, "report_loads", LOADS_TABLE)


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """Rows as a DataFrame of strings, so DuckDB casts Decimals and dates exactly."""

    def text(value):
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (Decimal, int, dt.date)):
            return str(value)
        return value if isinstance(value, str) else str(value)

    data = {c: [text(r.get(c)) for r in rows] for c in columns}
    return pd.DataFrame(data, columns=list(columns), dtype=object)


@dataclass
class LoadResult:
    report_id: str
    row_counts: dict[str, int]
    seconds: float


def extract_all(report: Report, extractors: list[Extractor] | None = None) -> dict[str, list[dict]]:
    """Run every extractor; a parser failure names the report's file."""
    out: dict[str, list[dict]] = {}
    for extractor in extractors or all_extractors():
        rows = extractor.extract(report)
        unknown = {k for r in rows for k in r} - set(extractor.columns)
        if unknown:
            raise ValueError(f"{extractor.table} extractor produced undeclared columns {sorted(unknown)}")
        out[extractor.table] = rows
    return out


def replace_report(
    con: duckdb.DuckDBPyConnection,
    report: Report,
    rows_by_table: dict[str, list[dict]],
    file_info: dict,
    extractors: list[Extractor] | None = None,
) -> LoadResult:
    """Replace every raw row of one report in one transaction: readers see the old load or the new
    one, never a mix, never duplicates; on any error the old load stays."""
    started = time.perf_counter()
    extractors = extractors or all_extractors()
    ensure_raw_schema(con, extractors)
    con.execute("BEGIN TRANSACTION")
    try:
        for extractor in extractors:
            rows = rows_by_table.get(extractor.table, [])
            con.execute(f'DELETE FROM {RAW_SCHEMA}."{extractor.table}" WHERE report_id = ?', [report.report_id])
            if rows:
                frame = _frame(rows, extractor.columns)
                con.register("incoming_rows", frame)
                casts = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in extractor.columns.items())
                con.execute(f'INSERT INTO {RAW_SCHEMA}."{extractor.table}" SELECT {casts} FROM incoming_rows')
                con.unregister("incoming_rows")
        counts = {table: len(rows) for table, rows in rows_by_table.items()}
        entry = file_info.get("entry") or {}
        con.execute(
            f"INSERT INTO {RAW_SCHEMA}.report_loads VALUES "
            "(?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?::DATE, ?, ?, ?, ?, ?, ?, ?::JSON, ?)",
            [
                report.report_id,
                entry.get("organization"),
                entry.get("organization_en"),
                entry.get("title"),
                entry.get("family"),
                entry.get("period"),
                entry.get("as_of"),
                entry.get("encoding"),
                file_info.get("file_name"),
                file_info.get("sha256"),
                file_info.get("bytes"),
                len(report.lines),
                len(report.tables),
                _json(counts),
                file_info.get("run_id"),
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return LoadResult(report.report_id, counts, time.perf_counter() - started)


def _json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)
