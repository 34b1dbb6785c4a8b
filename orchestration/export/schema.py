"""Table Schemas of the published tables: types from the warehouse, descriptions, keys and value
constraints from the dbt models' yml (through dbt's manifest), fiscal mapping and Korean headers
from `columns.yaml`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb

from ..yaml_files import read_yaml

COLUMNS_FILE = Path(__file__).with_name("columns.yaml")


@dataclass
class Column:
    name: str
    sql_type: str
    description: str = ""
    korean: str = ""
    required: bool = False
    enum: list[str] | None = None

    @property
    def is_decimal(self) -> bool:
        return self.sql_type.upper().startswith("DECIMAL")

    @property
    def is_number(self) -> bool:
        return frictionless_type(self.sql_type) in ("number", "integer")


@dataclass
class Table:
    name: str
    description: str
    korean: str
    columns: list[Column]
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[dict] = field(default_factory=list)  # {"fields": [...], "table": ..., "reference_fields": [...]}
    fiscal: dict = field(default_factory=dict)  # column -> Fiscal Data Package properties

    @property
    def is_fact(self) -> bool:
        return self.name.startswith("fct_")


def frictionless_type(sql_type: str) -> str:
    t = sql_type.upper()
    if t.startswith(("DECIMAL", "NUMERIC", "DOUBLE", "FLOAT", "REAL")):
        return "number"
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"):
        return "integer"
    if t == "BOOLEAN":
        return "boolean"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "datetime"
    return "string"


@lru_cache(maxsize=1)
def export_metadata() -> dict:
    return read_yaml(COLUMNS_FILE) or {}


def _dbt_models(manifest_file: Path | None) -> dict[str, dict]:
    """Model name -> {description, columns, tests} for the models of the published layer."""
    if manifest_file is None:
        from ..dbt_project import dbt_project

        manifest_file = dbt_project.manifest_path
    manifest = json.loads(Path(manifest_file).read_text(encoding="utf-8"))
    models = {
        node["unique_id"]: {"name": node["name"], "description": node.get("description") or "", "columns": node.get("columns") or {}, "tests": []}
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node") in models and node.get("test_metadata"):
            models[node["attached_node"]]["tests"].append(node)
    return {m["name"]: m for m in models.values()}


def _kwargs(test: dict) -> dict:
    kwargs = dict(test["test_metadata"].get("kwargs") or {})
    kwargs.update(kwargs.pop("arguments", None) or {})
    return kwargs


def _apply_row_contract(table: Table, by_name: dict, kwargs: dict, name: str, columns: dict) -> None:
    """What a model's row contract says about the published table: key, required columns, codes, references."""
    key = list(kwargs.get("key") or [])
    for column in key + list(kwargs.get("not_null") or []):
        if column in by_name:
            by_name[column].required = True
    for column, values in (kwargs.get("accepted_values") or {}).items():
        if column in by_name and by_name[column].sql_type == "VARCHAR":
            by_name[column].enum = [str(v) for v in values or []]
    if key and not table.primary_key and all(c in by_name for c in key):
        table.primary_key = key
    target = re.search(r"ref\(['\"](\w+)['\"]\)", kwargs.get("reports") or "")
    if target and target.group(1) in columns and "report_id" in by_name:
        table.foreign_keys.append({"fields": ["report_id"], "table": target.group(1), "reference_fields": ["report_id"]})
    for column, referenced in (kwargs.get("parents") or {}).items():
        if column in by_name:
            table.foreign_keys.append({"fields": [column], "table": name, "reference_fields": [referenced]})


def published_tables(con: duckdb.DuckDBPyConnection, manifest_file: Path | None = None) -> list[Table]:
    """Every table of the published schema that holds report rows (dims first, then facts)."""
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, name, sql_type in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'published' order by table_name, ordinal_position"
    ).fetchall():
        columns.setdefault(table, []).append((name, sql_type))
    columns = {t: cols for t, cols in columns.items() if "report_id" in dict(cols) and t != "report_versions"}
    models = _dbt_models(manifest_file)
    meta = export_metadata()
    korean = meta.get("korean") or {}
    tables = []
    for name in sorted(columns, key=lambda t: (not t.startswith("dim_"), t)):
        model = models.get(name, {"description": "", "columns": {}, "tests": []})
        cols = [
            Column(
                name=c,
                sql_type=t,
                description=re.sub(r"\s+", " ", (model["columns"].get(c) or {}).get("description") or "").strip(),
                korean=korean.get(c, ""),
            )
            for c, t in columns[name]
        ]
        by_name = {c.name: c for c in cols}
        table = Table(
            name=name,
            description=re.sub(r"\s+", " ", model["description"]).strip(),
            korean=(meta.get("tables") or {}).get(name, ""),
            columns=cols,
        )
        for test in model["tests"]:
            kind, kwargs = test["test_metadata"]["name"], _kwargs(test)
            if kind == "row_contract":  # dbt_project/macros/tests/row_contract.sql
                _apply_row_contract(table, by_name, kwargs, name, columns)
                continue
            column = kwargs.get("column_name") or test.get("column_name")
            if kind == "not_null" and column in by_name:
                by_name[column].required = True
            elif kind == "accepted_values" and column in by_name and by_name[column].sql_type == "VARCHAR":
                by_name[column].enum = [str(v) for v in kwargs.get("values") or []]
            elif kind == "unique_combination" and not table.primary_key and all(c in by_name for c in kwargs.get("columns", [])):
                table.primary_key = list(kwargs["columns"])
            elif kind == "unique" and column in by_name and not table.primary_key:
                table.primary_key = [column]
            elif kind == "relationships" and column in by_name:
                target = re.search(r"ref\(['\"](\w+)['\"]\)", kwargs.get("to") or "")
                if target and target.group(1) in columns:
                    table.foreign_keys.append({"fields": [column], "table": target.group(1), "reference_fields": [kwargs["field"]]})
        for column, target in ((meta.get("references") or {}).get(name) or {}).items():
            target_table, target_column = target.split(".")
            if column in by_name and target_table in columns and target_column in dict(columns[target_table]):
                table.foreign_keys.append({"fields": [column], "table": target_table, "reference_fields": [target_column]})
        for column in table.primary_key:
            by_name[column].required = True
        table.fiscal = {c: dict(v) for c, v in ((meta.get("fiscal") or {}).get(name) or {}).items() if c in by_name}
        tables.append(table)
    return tables
