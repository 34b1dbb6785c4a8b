"""Digests of a warehouse's facts and verdicts, to prove a refactoring leaves them unchanged.

    python -m tests.digests record var/warehouse.duckdb tests/fixtures/digests/bundled.json
    python -m tests.digests compare var/warehouse.duckdb tests/fixtures/digests/bundled.json

Facts: every raw fact table (one digest per table and report over its rows, columns sorted; columns
added since the recording are left out, so new role columns do not count as a change).
Verdicts: every reconciliation table (per report: check count, flagged count, and a digest of
(check_id, is_consistent, expected, found)).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import duckdb

FACT_TABLES = (
    "budget_execution_lines",
    "budget_plan_lines",
    "project_funding_lines",
    "kpi_lines",
    "performance_target_lines",
    "staffing_lines",
    "facility_lines",
    "table_total_lines",
    "group_statistic_lines",
    "report_tables",
    "report_rows",
)


def _digest(rows) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(json.dumps([None if v is None else str(v) for v in row], ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def _columns(con, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
            " order by column_name",
            [schema, table],
        ).fetchall()
    ]


def record(warehouse: str) -> dict:
    con = duckdb.connect(warehouse, read_only=True)
    out: dict = {"facts": {}, "verdicts": {}}
    try:
        for table in FACT_TABLES:
            columns = _columns(con, "raw", table)
            if not columns:
                continue
            out["facts"][table] = {"columns": columns, "reports": {}}
            listing = ", ".join(f'"{c}"' for c in columns)
            for (report_id,) in con.execute(f"select distinct report_id from raw.{table} order by 1").fetchall():
                rows = con.execute(
                    f"select {listing} from raw.{table} where report_id = ? order by all", [report_id]
                ).fetchall()
                out["facts"][table]["reports"][report_id] = {"rows": len(rows), "digest": _digest(rows)}
        rec_tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'reconciliation'"
                " and table_name like 'rec_%' order by 1"
            ).fetchall()
        ]
        for table in rec_tables:
            per_report = {}
            for report_id, checks, flagged in con.execute(
                f"select report_id, count(*), count(*) filter (where not is_consistent)"
                f" from reconciliation.{table} group by 1 order by 1"
            ).fetchall():
                rows = con.execute(
                    f"select check_id, is_consistent, cast(expected as varchar), cast(found as varchar)"
                    f" from reconciliation.{table} where report_id = ? order by all",
                    [report_id],
                ).fetchall()
                per_report[report_id] = {"checks": checks, "flagged": flagged, "digest": _digest(rows)}
            out["verdicts"][table] = per_report
    finally:
        con.close()
    return out


def compare(before: dict, warehouse: str) -> list[str]:
    """Differences between a recording and the warehouse now (facts over the recorded columns)."""
    con = duckdb.connect(warehouse, read_only=True)
    problems: list[str] = []
    try:
        for table, recorded in before["facts"].items():
            columns = recorded["columns"]
            missing = set(columns) - set(_columns(con, "raw", table))
            if missing:
                problems.append(f"raw.{table}: columns gone {sorted(missing)}")
                continue
            listing = ", ".join(f'"{c}"' for c in columns)
            for report_id, want in recorded["reports"].items():
                rows = con.execute(
                    f"select {listing} from raw.{table} where report_id = ? order by all", [report_id]
                ).fetchall()
                got = {"rows": len(rows), "digest": _digest(rows)}
                if got != want:
                    problems.append(f"raw.{table} {report_id}: {want} -> {got}")
    finally:
        con.close()
    now = record(warehouse)["verdicts"]
    for table in sorted(set(before["verdicts"]) | set(now)):
        if before["verdicts"].get(table) != now.get(table):
            problems.append(f"reconciliation.{table}: {before['verdicts'].get(table)} -> {now.get(table)}")
    return problems


def main(argv: list[str]) -> int:
    command, warehouse, path = argv[1], argv[2], Path(argv[3])
    if command == "record":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record(warehouse), ensure_ascii=False, indent=1, sort_keys=True) + "\n")
        return 0
    problems = compare(json.loads(path.read_text()), warehouse)
    print("\n".join(problems) or "facts and verdicts unchanged")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
