"""A report's published tables as a Frictionless Data Package: datapackage.json, one CSV (UTF-8 with
BOM, so Excel opens the Korean text correctly) and one Parquet file per table.

Exact amounts stay exact: DECIMAL columns are written as their decimal text in the CSV (Table Schema
`number`, read back as Decimal) and as Parquet decimals. The fiscal fields follow the Fiscal Data
Package vocabulary (columnType, currency, direction, phase) on the fields that carry them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from .schema import Table, frictionless_type
from .versions import PublishedVersion

CURRENCY = "KRW"
PARQUET_SUFFIX = "_parquet"  # resource name of a table's Parquet copy: fct_budget_plan_parquet


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _field(column, fiscal: dict | None) -> dict:
    out = {"name": column.name, "type": frictionless_type(column.sql_type)}
    if column.korean:
        out["title"] = column.korean
    if column.description:
        out["description"] = column.description
    if column.is_decimal:
        out["sqlType"] = column.sql_type  # the exact precision and scale (Table Schema numbers are decimals)
    if out["type"] == "datetime":
        out["format"] = "%Y-%m-%dT%H:%M:%S.%f"
    constraints = {}
    if column.required:
        constraints["required"] = True
    if column.enum:
        constraints["enum"] = column.enum
    if constraints:
        out["constraints"] = constraints
    if fiscal:
        out.update(fiscal)
        if fiscal.get("columnType") == "value":
            out["currency"] = CURRENCY
    return out


def table_schema(table: Table) -> dict:
    schema: dict = {"fields": [_field(c, table.fiscal.get(c.name)) for c in table.columns]}
    if table.primary_key:
        schema["primaryKey"] = table.primary_key
    if table.foreign_keys:
        schema["foreignKeys"] = [
            # a reference to the table itself names no resource (Table Schema's self-reference)
            {"fields": fk["fields"], "reference": {"resource": "" if fk["table"] == table.name else fk["table"], "fields": fk["reference_fields"]}}
            for fk in table.foreign_keys
        ]
    return schema


def _text_select(table: Table, postgres: bool = False) -> str:
    """Every column as the text the CSV holds: decimals exact, timestamps ISO, booleans true/false."""
    parts = []
    for c in table.columns:
        kind = frictionless_type(c.sql_type)
        if kind == "datetime" and postgres:  # the warehouse on PostgreSQL (docs/scale-out.md)
            parts.append(f"to_char(\"{c.name}\", 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")
        elif kind == "datetime":
            parts.append(f"strftime(\"{c.name}\", '%Y-%m-%dT%H:%M:%S.%f')")
        else:
            parts.append(f'cast("{c.name}" as varchar)')
    return ", ".join(parts)


def _order(table: Table) -> str:
    keys = table.primary_key or [c.name for c in table.columns[:1]]
    if any(c.name == "source_line" for c in table.columns):
        keys = ["source_line", *[k for k in keys if k != "source_line"]]
    return ", ".join(f'"{k}"' for k in keys)


def write_csv(con: duckdb.DuckDBPyConnection, table: Table, report_id: str, path: Path) -> int:
    cursor = con.execute(
        f"select {_text_select(table, getattr(con, 'dialect', 'duckdb') == 'postgres')} from published.{table.name} "
        f"where report_id = ? order by {_order(table)}", [report_id]
    )
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([c.name for c in table.columns])
        while batch := cursor.fetchmany(10_000):
            writer.writerows(["" if v is None else v for v in row] for row in batch)
            count += len(batch)
    return count


def write_parquet(con: duckdb.DuckDBPyConnection, table: Table, report_id: str, path: Path) -> None:
    cols = ", ".join(f'"{c.name}"' for c in table.columns)
    if getattr(con, "dialect", "duckdb") == "postgres":  # the warehouse on PostgreSQL: exact decimals stay Decimal
        import pyarrow as pa
        import pyarrow.parquet as pq

        cursor = con.execute(f"select {cols} from published.{table.name} where report_id = ? order by {_order(table)}", [report_id])
        rows = cursor.fetchall()
        data = {c.name: [row[i] for row in rows] for i, c in enumerate(table.columns)}
        pq.write_table(pa.table(data), str(path), compression="zstd")
        return
    relation = con.sql(
        f"select {cols} from published.{table.name} where report_id = $report_id order by {_order(table)}",
        params={"report_id": report_id},
    )
    relation.write_parquet(str(path), compression="zstd")


def _fiscal_summary(tables: list[Table], dim_report: dict) -> dict:
    measures, dimensions = [], []
    for table in tables:
        for column, props in table.fiscal.items():
            entry = {"resource": table.name, "field": column, **props}
            if props.get("columnType") == "value":
                measures.append(dict(entry, currency=CURRENCY))
            else:
                dimensions.append(entry)
    return {
        "currency": CURRENCY,
        "period": {"label": dim_report.get("report_period"), "asOf": _iso(dim_report.get("as_of_date"))},
        "measures": measures,
        "dimensions": dimensions,
    }


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds") if value.time() != dt.time() else value.date().isoformat()
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _gate_summary(con: duckdb.DuckDBPyConnection, version: PublishedVersion) -> dict:
    suites = []
    if version.gate_run_id:
        for suite, severity, rows, failed, acknowledged in con.execute(
            "select suite, severity, row_count, failed_count, acknowledged_count from gate.check_results "
            "where run_id = ? and report_id = ? order by suite",
            [version.gate_run_id, version.report_id],
        ).fetchall():
            suites.append({"suite": suite, "severity": severity, "rows": rows, "failed": failed, "acknowledged": acknowledged})
    return {
        "verdict": version.verdict,
        "checkedLoadId": version.load_id,
        "gateRunId": version.gate_run_id,
        "publishedAt": _iso(version.published_at),
        "suites": suites,
    }


def dim_report_row(con: duckdb.DuckDBPyConnection, report_id: str) -> dict:
    cursor = con.execute("select * from published.dim_report where report_id = ?", [report_id])
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    return dict(zip(names, row)) if row else {}


def _table_resources(table: Table, files: dict[str, dict]) -> list[dict]:
    """A published table's two resources: its CSV with the Table Schema, and its Parquet copy."""
    csv_file, parquet_file = files[table.name], files[table.name + PARQUET_SUFFIX]
    csv = {
        "name": table.name,
        "title": f"{table.name} (CSV)",
        "description": table.description,
        "path": csv_file["path"],
        "type": "table",
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig",
        "hash": f"sha256:{csv_file['sha256']}",
        "bytes": csv_file["bytes"],
        "schema": table_schema(table),
    }
    # The Parquet copy is listed as a file (checked by hash and size): frictionless reads Parquet
    # through pandas, which turns the nulls of integer columns into NaN and then fails its own
    # type check. Same rows and columns as the CSV resource, decimals as Parquet DECIMAL.
    parquet = {
        "name": table.name + PARQUET_SUFFIX,
        "title": f"{table.name} (Parquet)",
        "description": f"The rows of resource {table.name} in Parquet (same columns; the Table Schema is that "
        f"resource's; exact amounts as Parquet DECIMAL).",
        "path": parquet_file["path"],
        "type": "file",
        "scheme": "file",
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "hash": f"sha256:{parquet_file['sha256']}",
        "bytes": parquet_file["bytes"],
        "tableSchemaOf": table.name,
    }
    return [csv, parquet]


def package_descriptor(con, version: PublishedVersion, tables: list[Table], files: dict[str, dict]) -> dict:
    report = dim_report_row(con, version.report_id)
    current = version.current
    resources = [resource for table in tables for resource in _table_resources(table, files)]
    return {
        "name": version.report_id,
        "title": report.get("report_title") or version.report_id,
        "description": (
            f"Verified figures of {report.get('organization')}'s report \"{report.get('report_title')}\", "
            f"exported by budget-recon from its published tables. {version.status_note()}"
        ),
        "version": version.load_id,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "organization": {"name": report.get("organization"), "nameEn": report.get("organization_en")},
        "reportFamily": report.get("report_family"),
        "period": report.get("report_period"),
        "asOf": _iso(report.get("as_of_date")),
        # Left for the publisher to fill in (e.g. {"name": "KOGL-Type1"} or {"name": "CC-BY-4.0"}).
        "licenses": [],
        "sources": [
            {
                "title": report.get("file_name"),
                "path": report.get("file_name"),
                "sha256": version.file_sha256,
                "bytes": report.get("file_bytes"),
                "encoding": report.get("file_encoding"),
            }
        ],
        "dataVersion": {
            "loadId": version.load_id,
            "fileSha256": version.file_sha256,
            "loadedAt": _iso(report.get("last_loaded_at")),
            "isLatest": version.is_latest,
            "note": version.status_note(),
            "currentData": None
            if current is None
            else {
                "loadId": current.load_id,
                "fileSha256": current.file_sha256,
                "loadedAt": _iso(current.loaded_at),
                "gate": current.gate_status,
                "gateRunId": current.gate_run_id,
            },
        },
        "gate": _gate_summary(con, version),
        "fiscal": _fiscal_summary(tables, report),
        "resources": resources,
    }


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publishable(path: Path) -> None:
    """Temporary files and folders are private (0600 / 0700): give the result the usual permissions."""
    mode = 0o777 & ~_umask()
    for item in [path, *path.rglob("*")]:
        item.chmod(mode if item.is_dir() else mode & 0o666)


def write_package(con: duckdb.DuckDBPyConnection, version: PublishedVersion, tables: list[Table], target: Path) -> dict:
    """Write `target` (a report's folder) atomically: built beside it, then swapped in place.

    Returns {"path": ..., "rows": {table: count}}."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        (staging / "data").mkdir()
        files, rows = {}, {}
        for table in tables:
            csv_path = staging / "data" / f"{table.name}.csv"
            parquet_path = staging / "data" / f"{table.name}.parquet"
            rows[table.name] = write_csv(con, table, version.report_id, csv_path)
            write_parquet(con, table, version.report_id, parquet_path)
            for name, path in ((table.name, csv_path), (table.name + PARQUET_SUFFIX, parquet_path)):
                files[name] = {"path": f"data/{path.name}", "sha256": _sha256(path), "bytes": path.stat().st_size}
        descriptor = package_descriptor(con, version, tables, files)
        (staging / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _publishable(staging)
        previous = target.with_name(f".{target.name}.previous")
        shutil.rmtree(previous, ignore_errors=True)
        if target.exists():
            os.replace(target, previous)
        os.replace(staging, target)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {"path": target, "rows": rows}
