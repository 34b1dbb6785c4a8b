"""What a warehouse holds about its reports, in a form two databases can be compared on.

`snapshot(con)` reads, through the warehouse seam (orchestration.warehouse.connect: DuckDB or
PostgreSQL), every marts and published table row by row, the gate's verdicts per report and suite,
its flagged rows, and the published versions' verdicts. Values are normalised so equal data compares
equal across the two databases (exact decimals as plain decimal text, no trailing zeros); what
differs by nature between two runs (run ids, load ids, times) is left out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

# Columns that name a run, a load or a moment (also every `…_at`) rather than a fact.
VOLATILE = {"run_id", "load_id", "loaded_at", "checked_at", "published_at", "gate_run_id", "file_sha256"}


def _plain(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        normal = value.normalize()
        return format(normal if normal != normal.to_integral_value() else value.quantize(Decimal(1)), "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if value == value else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return repr(value)
    return str(value) if not isinstance(value, (bool, int, str)) else value


def _tables(con, schema: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
    ).fetchall()]


def rows_of(con, relation: str) -> list[tuple]:
    """Every row of a relation, columns sorted by name, volatile columns left out, rows sorted."""
    schema, table = relation.split(".")
    columns = sorted(r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?", [schema, table]
    ).fetchall() if r[0] not in VOLATILE and not r[0].endswith("_at"))
    listing = ", ".join(f'"{c}"' for c in columns)
    rows = [tuple(_plain(v) for v in row) for row in con.execute(f"select {listing} from {relation}").fetchall()]
    return [tuple(columns)] + sorted(rows, key=repr)


def snapshot(con) -> dict:
    out: dict = {}
    for schema in ("marts", "reconciliation", "published"):
        for table in _tables(con, schema):
            out[f"{schema}.{table}"] = rows_of(con, f"{schema}.{table}")
    out["verdicts"] = sorted(con.execute(
        "select report_id, suite, severity, row_count, failed_count, acknowledged_count from gate.check_results where is_latest"
    ).fetchall())
    out["flagged"] = sorted(
        (tuple(_plain(v) for v in row) for row in con.execute(
            "select f.report_id, f.suite, f.row_key, f.severity, f.gate_status, f.expected, f.found, f.message "
            "from gate.failed_rows as f join gate.check_results as c using (run_id, report_id, suite) where c.is_latest"
        ).fetchall()),
        key=repr,
    )
    out["published_versions"] = sorted(
        con.execute("select report_id, verdict from published.report_versions").fetchall()
    )
    return out


def differences(left: dict, right: dict, limit: int = 5) -> list[str]:
    """What differs between two snapshots: per table, the first rows only one side holds."""
    out = []
    for key in sorted(left.keys() | right.keys()):
        a, b = left.get(key), right.get(key)
        if a == b:
            continue
        if a is None or b is None:
            out.append(f"{key}: only in {'the first' if b is None else 'the second'}")
            continue
        if a and b and isinstance(a[0], tuple) and key not in ("verdicts", "flagged", "published_versions") and a[0] != b[0]:
            out.append(f"{key}: columns differ: {sorted(set(a[0]) ^ set(b[0]))}")
            continue
        only_a = [r for r in a if r not in b][:limit]
        only_b = [r for r in b if r not in a][:limit]
        out.append(f"{key}: {len(a)} vs {len(b)} rows; first only: {only_a}; second only: {only_b}")
    return out
