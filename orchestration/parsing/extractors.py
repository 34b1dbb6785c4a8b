"""What the raw layer holds: one `Extractor` per table in the warehouse's `raw` schema.

Each extractor turns a parsed `Report` into rows (dicts keyed by its columns). The loader writes
them all for one report in a single transaction; dbt declares every table here as a source.
Decimal values are passed as `Decimal` and stored exactly (the column types say how).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Callable

from .reader import Report


@dataclass(frozen=True)
class Extractor:
    table: str
    description: str
    columns: dict[str, str]  # column name -> DuckDB type, report_id first
    key: tuple[str, ...]  # unique per row
    extract: Callable[[Report], list[dict]] | None  # None: derived from the other extractors' rows (coverage)
    # facts of the report (counted in its coverage) rather than reader layout; None: told by an exact
    # DECIMAL amount column (warehouse.fact_extractors)
    is_fact: bool | None = None


def _lines(report: Report) -> list[dict]:
    return [{"report_id": report.report_id, "line_no": n, "text": t} for n, t in enumerate(report.lines, start=1)]


def _tables(report: Report) -> list[dict]:
    return [
        {
            "report_id": report.report_id,
            "table_no": t.table_no,
            "first_line": t.first_line,
            "last_line": t.last_line,
            "page_chunks": t.chunks,
            "header_rows": t.header_rows,
            "row_count": len(t.rows),
            "data_row_count": len(t.data),
            "section": t.section,
            "heading": t.heading,
            "heading_line": t.heading_line,
            "title": t.title,
            "title_line": t.title_line,
            "unit_text": t.unit_text,
            "unit_line": t.unit_line,
            "units": json.dumps(list(t.units), ensure_ascii=False),
            "as_of": t.as_of,
        }
        for t in report.tables
    ]


# json.dumps builds an encoder per call (~3 µs a row); these write the same text for the reader's
# lists of strings and of booleans, and fall back to json.dumps for anything else.
_BOOL_JSON = {id(True): "true", id(False): "false"}  # by identity: 1 and 0 are not booleans


def _json_strings(items: list[str]) -> str:
    """json.dumps(items, ensure_ascii=False)."""
    try:
        return "[" + ", ".join(map(encode_basestring, items)) + "]"
    except TypeError:
        return json.dumps(items, ensure_ascii=False)


def _json_bools(items: list[bool]) -> str:
    """json.dumps(items)."""
    try:
        return "[" + ", ".join(map(_BOOL_JSON.__getitem__, map(id, items))) + "]"
    except KeyError:
        return json.dumps(items)


def _rows(report: Report) -> list[dict]:
    return [
        {
            "report_id": report.report_id,
            "table_no": t.table_no,
            "row_no": i,
            "source_line": r.line_no,
            "row_role": r.role,
            "cell_count": len(r.cells),
            "cells": _json_strings(r.cells),
            "bold_cells": _json_bools(r.bold),
            "is_bold": any(r.bold),
            "raw_text": r.raw_text,
        }
        for t in report.tables
        for i, r in enumerate(t.rows, start=1)
    ]


REPORT_LINES = Extractor(
    table="report_lines",
    description="Every line of every report as printed, for quoting source lines.",
    columns={"report_id": "VARCHAR", "line_no": "INTEGER", "text": "VARCHAR"},
    key=("report_id", "line_no"),
    extract=_lines,
)
REPORT_TABLES = Extractor(
    table="report_tables",
    description="Every tab-separated table of every report with the context printed above it.",
    columns={
        "report_id": "VARCHAR",
        "table_no": "INTEGER",
        "first_line": "INTEGER",
        "last_line": "INTEGER",
        "page_chunks": "INTEGER",
        "header_rows": "INTEGER",
        "row_count": "INTEGER",
        "data_row_count": "INTEGER",
        "section": "VARCHAR",
        "heading": "VARCHAR",
        "heading_line": "INTEGER",
        "title": "VARCHAR",
        "title_line": "INTEGER",
        "unit_text": "VARCHAR",
        "unit_line": "INTEGER",
        "units": "JSON",
        "as_of": "DATE",
    },
    key=("report_id", "table_no"),
    extract=_tables,
)
REPORT_ROWS = Extractor(
    table="report_rows",
    description="Every row of every table: cells with HTML reduced to text, bold marks, role, source line.",
    columns={
        "report_id": "VARCHAR",
        "table_no": "INTEGER",
        "row_no": "INTEGER",
        "source_line": "INTEGER",
        "row_role": "VARCHAR",
        "cell_count": "INTEGER",
        "cells": "JSON",
        "bold_cells": "JSON",
        "is_bold": "BOOLEAN",
        "raw_text": "VARCHAR",
    },
    key=("report_id", "table_no", "row_no"),
    extract=_rows,
)


def all_extractors() -> list[Extractor]:
    """Every raw table: reader tables, fact tables (registered in their modules), then coverage."""
    from . import (  # noqa: F401
        budget_execution, budget_plan, coverage, facilities, kpi, performance_targets, profiles, project_funding,
        staffing, table_totals,
    )

    extractors = [REPORT_LINES, REPORT_TABLES, REPORT_ROWS]
    for module in (budget_execution, budget_plan, project_funding, kpi, performance_targets, staffing, facilities,
                   table_totals, profiles):
        extractors.append(module.EXTRACTOR)
    return extractors + [coverage.TABLE_COVERAGE, coverage.FACT_COVERAGE]  # derived from the rows above
