"""Running the gate for some reports and storing what it found (schema `gate` in the warehouse).

`gate.check_results`: one row per (run, report, suite) with its severity.
`gate.failed_rows`: every row a suite failed or acknowledged, with a message naming report, table,
line, expected and found. The asset checks, the CLI, notifications and the discrepancy report read
these tables, so the verdict is computed once.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from decimal import Decimal

import duckdb
import pandas as pd

from .acknowledgements import ACKNOWLEDGED, CONSISTENT, STALE, classify, load_acknowledgements
from .suites import ERROR, PASS, WARN, GateValidator, Suite, SuiteResult, load_suites

GATE_DDL = """
create schema if not exists gate;
create table if not exists gate.check_results (
    run_id varchar, report_id varchar, suite varchar, asset_key varchar, kind varchar,
    severity varchar, row_count integer, failed_count integer, acknowledged_count integer,
    expectations json, checked_at timestamp, is_latest boolean
);
create table if not exists gate.failed_rows (
    run_id varchar, report_id varchar, suite varchar, row_key varchar, severity varchar,
    gate_status varchar, table_name varchar, table_no integer, source_line integer, other_lines varchar,
    label varchar, measure varchar, expected varchar, found varchar, difference varchar, tolerance varchar,
    message varchar, acknowledgement varchar, checked_at timestamp
);
"""

def _value(row: dict, column: str):
    value = row.get(column)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value


def describe(report_id: str, row: dict, suite: Suite) -> str:
    """'chungbuk-tp-2024-q3, 수탁사업비 (table 29), line 1863 "계" budget: expected 1, found 2 (…)'."""
    where = _value(row, "table_name") or suite.model
    if _value(row, "table_no") is not None:
        where += f" (table {int(row['table_no'])})"
    parts = [report_id, where]
    if _value(row, "source_line") is not None:
        parts.append(f"line {int(row['source_line'])}")
    text = ", ".join(parts)
    label = _value(row, "row_label")
    if label:
        text += f' "{label}"'
    if _value(row, "identity_name"):
        text += f" [{row['identity_name']}]"
    if _value(row, "measure_name"):
        text += f" {row['measure_name']}"
    if _value(row, "expected") is not None or _value(row, "found") is not None:
        text += f": expected {_value(row, 'expected')}, found {_value(row, 'found')}"
        if _value(row, "difference") is not None:
            text += f" (difference {row['difference']}"
            text += f", tolerance {row['tolerance']})" if _value(row, "tolerance") is not None else ")"
    if _value(row, "other_lines"):
        text += f"; parts on lines {row['other_lines']}"
    if row.get("gate_status") == STALE and row.get("acknowledgement"):
        text += f" — stale acknowledgement: {row['acknowledgement']}"
    elif not row.get("gate_status") and row.get("failed_expectation"):
        text += f" — {row['failed_expectation']}"
    return text


EXACT_COLUMNS = ("expected", "found", "difference", "tolerance")


def plain_decimal(text):
    """'1893692000.0000' -> '1893692000', '9.6000' -> '9.6'; None stays None."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    value = Decimal(str(text))
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


@dataclass
class ReportGate:
    report_id: str
    results: list[SuiteResult]
    stale: list[dict]
    seconds: float

    @property
    def severity(self) -> str:
        levels = [r.severity for r in self.results] + ([ERROR] if self.stale else [])
        return ERROR if ERROR in levels else WARN if WARN in levels else PASS


def _table_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, name = relation.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
        ).fetchone()[0]
    )


def acknowledgements_file(expectations_dir: Path) -> Path:
    """`expectations/acknowledged.yaml`, or the file named by $BUDGET_RECON_ACKNOWLEDGED (a generated
    corpus brings the acknowledgements of its own report ids; see bench/generate_corpus.py)."""
    override = os.environ.get("BUDGET_RECON_ACKNOWLEDGED")
    return Path(override) if override else expectations_dir / "acknowledged.yaml"


def run_gate(
    con: duckdb.DuckDBPyConnection,
    report_ids: list[str],
    run_id: str,
    expectations_dir: Path,
    validator: GateValidator,
    log=None,
) -> list[ReportGate]:
    """Validate every suite for every report and record the outcome in the `gate` schema."""
    suites = load_suites(expectations_dir)
    acknowledgements = load_acknowledgements(acknowledgements_file(expectations_dir))
    con.execute(GATE_DDL)
    for suite in suites if report_ids else []:
        if not _table_exists(con, suite.table):
            raise RuntimeError(f"gate suite {suite.path.name} covers {suite.table}, which the warehouse lacks")
    # One GE validation per suite and batch of reports (not per report): the per-validation overhead
    # of GE is far larger than the rows. Batches bound the memory: no frame holds the whole corpus.
    batch_size = max(1, int(os.environ.get("BUDGET_RECON_GATE_BATCH", "50")))
    gates = []
    for first in range(0, len(report_ids), batch_size):
        batch = report_ids[first : first + batch_size]
        started = time.perf_counter()
        results: dict[str, list[SuiteResult]] = {r: [] for r in batch}
        stale: dict[str, list[dict]] = {r: [] for r in batch}
        for suite in suites:
            if suite.kind == "reconciliation":
                # Amounts as exact decimal text: pandas would turn DECIMAL into float.
                casts = ", ".join(f"cast({c} as varchar) as {c}" for c in EXACT_COLUMNS)
                frame = con.execute(
                    f"select * replace ({casts}) from {suite.table} where report_id in (select unnest(?::varchar[]))", [batch]
                ).df()
                for column in EXACT_COLUMNS:
                    frame[column] = frame[column].map(plain_decimal).astype(object)
                frame, stale_acks = classify(frame, suite.model, acknowledgements, batch)
                for item in stale_acks:
                    stale[item["report_id"]].append(dict(item, suite=suite.name))
            else:
                frame = con.execute(
                    f"select * from {suite.table} where report_id in (select unnest(?::varchar[]))", [batch]
                ).df()
            for report_id, result in validator.validate_reports(suite, frame, batch).items():
                results[report_id].append(result)
                if log:
                    log(f"{report_id}: {suite.name}: {result.severity} ({result.row_count} rows, {len(result.failing_rows)} flagged)")
            del frame
        seconds = (time.perf_counter() - started) / len(batch)
        for report_id in batch:
            gate = ReportGate(report_id, results[report_id], stale[report_id], seconds)
            _record(con, gate, run_id)
            gates.append(gate)
    return gates


def _record(con: duckdb.DuckDBPyConnection, gate: ReportGate, run_id: str) -> None:
    con.execute("begin transaction")
    try:
        con.execute("update gate.check_results set is_latest = false where report_id = ?", [gate.report_id])
        stale_by_suite: dict[str, list[dict]] = {}
        for item in gate.stale:
            stale_by_suite.setdefault(item["suite"], []).append(item)
        for result in gate.results:
            suite = result.suite
            stale = stale_by_suite.get(suite.name, [])
            severity = ERROR if stale else result.severity
            failing = result.failing_rows
            acknowledged = int((failing.get("gate_status") == ACKNOWLEDGED).sum()) if "gate_status" in failing else 0
            con.execute(
                "insert into gate.check_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::json, now()::timestamp, true)",
                [
                    run_id,
                    gate.report_id,
                    suite.name,
                    "/".join(suite.asset),
                    suite.kind,
                    severity,
                    result.row_count,
                    len(failing) - acknowledged + len(stale),
                    acknowledged,
                    json.dumps(
                        [
                            {"expectation": o.expectation, "column": o.column, "severity": o.severity,
                             "success": o.success, "unexpected_count": o.unexpected_count}
                            for o in result.outcomes
                        ]
                    ),
                ],
            )
            rows = failing.to_dict("records")
            failed_expectations = {}
            for outcome in result.outcomes:
                if not outcome.success:
                    for key in outcome.unexpected_keys:
                        ident = tuple(key.get(c) for c in suite.key)
                        failed_expectations.setdefault(ident, f"{outcome.expectation}({outcome.column or ''})")
            for row in rows:
                ident = tuple(row.get(c) for c in suite.key)
                row.setdefault("failed_expectation", failed_expectations.get(ident))
                _insert_failed(con, run_id, gate.report_id, suite, row)
            for item in stale:
                _insert_failed(
                    con, run_id, gate.report_id, suite,
                    {"check_id": item["check_id"], "severity": ERROR, "gate_status": STALE, "acknowledgement": item["reason"],
                     "row_label": item["check_id"]},
                )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _insert_failed(con, run_id: str, report_id: str, suite: Suite, row: dict) -> None:
    def text(column):
        value = _value(row, column)
        return None if value is None else str(value)

    key = "|".join(str(row.get(c)) for c in suite.key)
    status = row.get("gate_status") or ("failed" if row.get("severity") == ERROR else "warned")
    message = describe(report_id, row, suite)
    if status == STALE and row.get("source_line") is None:
        message = f"{report_id}, {suite.model}: {row.get('acknowledgement')} ({row.get('check_id')})"
    con.execute(
        "insert into gate.failed_rows values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::timestamp)",
        [
            run_id, report_id, suite.name, key, row.get("severity"), status,
            text("table_name"), _value(row, "table_no"), _value(row, "source_line"), text("other_lines"),
            text("row_label"), text("measure_name"), text("expected"), text("found"), text("difference"), text("tolerance"),
            message, text("acknowledgement"),
        ],
    )


def latest_results(con: duckdb.DuckDBPyConnection, run_id: str, report_id: str) -> pd.DataFrame:
    return con.execute(
        "select * from gate.check_results where run_id = ? and report_id = ? order by suite", [run_id, report_id]
    ).df()


def failed_rows(con: duckdb.DuckDBPyConnection, run_id: str, report_id: str, suite: str | None = None) -> pd.DataFrame:
    sql = "select * from gate.failed_rows where run_id = ? and report_id = ?"
    params = [run_id, report_id]
    if suite:
        sql += " and suite = ?"
        params.append(suite)
    return con.execute(sql + " order by severity, source_line", params).df()


def failed_rows_of_reports(con: duckdb.DuckDBPyConnection, run_id: str, report_ids: list[str], suite: str) -> pd.DataFrame:
    """`failed_rows` of several reports in one query, in the order of `report_ids`."""
    return con.execute(
        "select * exclude (report_order) from (select *, list_position(?::varchar[], report_id) as report_order "
        "from gate.failed_rows where run_id = ? and suite = ? and report_id in (select unnest(?::varchar[]))) "
        "order by report_order, severity, source_line",
        [report_ids, run_id, suite, report_ids],
    ).df()


__all__ = ["run_gate", "latest_results", "failed_rows", "describe", "ReportGate", "CONSISTENT", "ACKNOWLEDGED"]
