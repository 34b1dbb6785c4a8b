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
    "warnings": "JSON",  # layout warnings of the load (line, message), e.g. space-aligned rows
}

# What a corrected report changed, per fact row and column, computed when it replaces the previous load.
CHANGES_TABLE = {
    "report_id": "VARCHAR",
    "previous_sha256": "VARCHAR",
    "new_sha256": "VARCHAR",
    "previous_loaded_at": "TIMESTAMP",
    "loaded_at": "TIMESTAMP",
    "table_name": "VARCHAR",
    "row_key": "VARCHAR",  # JSON object of the extractor's key columns (report_id left out)
    "change": "VARCHAR",  # 'changed' | 'added' | 'removed'
    "column_name": "VARCHAR",  # NULL for added / removed rows
    "old_value": "VARCHAR",  # the column's previous value; the whole row as JSON for a removed row
    "new_value": "VARCHAR",  # the column's new value; the whole row as JSON for an added row
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


def _create_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], existing: set[str] | None = None) -> None:
    cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    if existing is None:
        con.execute(f'CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}."{name}" ({cols})')
        existing = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [RAW_SCHEMA, name],
        ).fetchall()}
    elif not existing:
        con.execute(f'CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}."{name}" ({cols})')
        return
    for column, sql_type in columns.items():
        if column not in existing:  # new parser columns: add, never drop what other reports hold
            con.execute(f'ALTER TABLE {RAW_SCHEMA}."{name}" ADD COLUMN "{column}" {sql_type}')


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, extractors: list[Extractor] | None = None) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    # One catalog query for every table (it runs once per report load).
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?", [RAW_SCHEMA]
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    for extractor in extractors or all_extractors():
        _create_table(con, extractor.table, extractor.columns, existing.get(extractor.table, set()))
    _create_table(con, "report_loads", LOADS_TABLE, existing.get("report_loads", set()))
    _create_table(con, "report_changes", CHANGES_TABLE, existing.get("report_changes", set()))


def fact_extractors(extractors: list[Extractor]) -> list[Extractor]:
    """Extractors of facts (those with an exact DECIMAL amount), as opposed to the reader's layout tables."""
    return [e for e in extractors if any(t.upper().startswith("DECIMAL") for t in e.columns.values())]


def _rows_as_text(con: duckdb.DuckDBPyConnection, extractor: Extractor, report_id: str) -> dict[str, dict]:
    """One report's rows of a table, keyed by the JSON of the extractor's key, values as text."""
    cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in extractor.columns)
    cursor = con.execute(f'SELECT {cols} FROM {RAW_SCHEMA}."{extractor.table}" WHERE report_id = ?', [report_id])
    names = [d[0] for d in cursor.description]
    key_cols = [c for c in extractor.key if c != "report_id"]
    out = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values))
        out[_json({c: row[c] for c in key_cols})] = row
    return out


def _diff(extractor: Extractor, old: dict[str, dict], new: dict[str, dict]) -> list[dict]:
    compared = [c for c in extractor.columns if c not in extractor.key]
    changes = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before is None:
            changes.append(dict(row_key=key, change="added", new_value=_json({c: after[c] for c in compared})))
        elif after is None:
            changes.append(dict(row_key=key, change="removed", old_value=_json({c: before[c] for c in compared})))
        else:
            for column in compared:
                if before[column] != after[column]:
                    changes.append(
                        dict(row_key=key, change="changed", column_name=column, old_value=before[column], new_value=after[column])
                    )
    for change in changes:
        change["table_name"] = extractor.table
    return changes


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


def frames_of(rows_by_table: dict[str, list[dict]], extractors: list[Extractor] | None = None) -> dict[str, pd.DataFrame]:
    """Every table's rows as text frames, ready for `replace_report` (built where the parse runs)."""
    return {e.table: _frame(rows_by_table[e.table], e.columns) for e in extractors or all_extractors() if rows_by_table.get(e.table)}


@dataclass
class LoadResult:
    report_id: str
    row_counts: dict[str, int]
    seconds: float


def extract_all(report: Report, extractors: list[Extractor] | None = None) -> dict[str, list[dict]]:
    """Run every extractor; a parser failure names the report's file."""
    from .parsing.coverage import derive_coverage

    extractors = extractors or all_extractors()
    out: dict[str, list[dict]] = {}
    for extractor in extractors:
        if extractor.extract is not None:
            out[extractor.table] = extractor.extract(report)
    derived = [e for e in extractors if e.extract is None]
    if derived:  # coverage: what the extractors above made of each table
        coverage = derive_coverage(report, out, fact_extractors(extractors))
        out.update({e.table: coverage[e.table] for e in derived})
    for extractor in extractors:
        unknown = {k for r in out[extractor.table] for k in r} - set(extractor.columns)
        if unknown:
            raise ValueError(f"{extractor.table} extractor produced undeclared columns {sorted(unknown)}")
    return out


def replace_report(
    con: duckdb.DuckDBPyConnection,
    report: Report,
    rows_by_table: dict[str, list[dict]],
    file_info: dict,
    extractors: list[Extractor] | None = None,
    frames: dict[str, pd.DataFrame] | None = None,
    own_transaction: bool = True,
) -> LoadResult:
    """Replace every raw row of one report in one transaction: readers see the old load or the new
    one, never a mix, never duplicates; on any error the old load stays. `frames` (from `frames_of`)
    saves converting the rows here. With `own_transaction=False` the caller holds the transaction
    (several reports committed together) and rolls it back on error."""
    started = time.perf_counter()
    extractors = extractors or all_extractors()
    ensure_raw_schema(con, extractors)
    tracked = {e.table for e in fact_extractors(extractors)}
    if own_transaction:
        con.execute("BEGIN TRANSACTION")
    try:
        previous = con.execute(
            f"SELECT file_sha256, loaded_at FROM {RAW_SCHEMA}.report_loads WHERE report_id = ? ORDER BY loaded_at DESC LIMIT 1",
            [report.report_id],
        ).fetchone()
        changes: list[dict] = []
        for extractor in extractors:
            rows = rows_by_table.get(extractor.table, [])
            diffing = previous is not None and extractor.table in tracked
            old = _rows_as_text(con, extractor, report.report_id) if diffing else {}
            if previous is not None:  # rows and their report_loads row are only ever written together
                con.execute(f'DELETE FROM {RAW_SCHEMA}."{extractor.table}" WHERE report_id = ?', [report.report_id])
            if rows:
                frame = frames[extractor.table] if frames is not None else _frame(rows, extractor.columns)
                con.register("incoming_rows", frame)
                casts = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in extractor.columns.items())
                con.execute(f'INSERT INTO {RAW_SCHEMA}."{extractor.table}" SELECT {casts} FROM incoming_rows')
                con.unregister("incoming_rows")
            if diffing:
                changes += _diff(extractor, old, _rows_as_text(con, extractor, report.report_id))
        if changes:
            for change in changes:
                change.update(report_id=report.report_id, previous_sha256=previous[0], new_sha256=file_info.get("sha256"),
                              previous_loaded_at=str(previous[1]))
            con.register("incoming_changes", _frame(changes, {c: t for c, t in CHANGES_TABLE.items() if c != "loaded_at"}))
            cols = ", ".join(f'"{c}"' for c in CHANGES_TABLE)
            picks = ", ".join(
                "now()::TIMESTAMP" if c == "loaded_at" else f'CAST("{c}" AS {t})' for c, t in CHANGES_TABLE.items()
            )
            con.execute(f"INSERT INTO {RAW_SCHEMA}.report_changes ({cols}) SELECT {picks} FROM incoming_changes")
            con.unregister("incoming_changes")
        counts = {table: len(rows) for table, rows in rows_by_table.items()}
        entry = file_info.get("entry") or {}
        warnings = [{"line": i.line, "message": i.message} for i in getattr(report, "issues", []) if i.severity == "warning"]
        encoding = entry.get("encoding")
        if encoding == "auto" and getattr(report, "encoding", None):
            encoding = f"auto:{report.encoding}"
        con.execute(
            f"INSERT INTO {RAW_SCHEMA}.report_loads ({', '.join(LOADS_TABLE)}) VALUES "
            "(?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?::DATE, ?, ?, ?, ?, ?, ?, ?::JSON, ?, ?::JSON)",
            [
                report.report_id,
                entry.get("organization"),
                entry.get("organization_en"),
                entry.get("title"),
                entry.get("family"),
                entry.get("period"),
                entry.get("as_of"),
                encoding,
                file_info.get("file_name"),
                file_info.get("sha256"),
                file_info.get("bytes"),
                len(report.lines),
                len(report.tables),
                _json(counts),
                file_info.get("run_id"),
                _json(warnings) if warnings else None,
            ],
        )
        if own_transaction:
            con.execute("COMMIT")
    except BaseException:
        if own_transaction:
            con.execute("ROLLBACK")
        raise
    return LoadResult(report.report_id, counts, time.perf_counter() - started)


def _json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)
