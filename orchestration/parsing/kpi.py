"""Placeholder until the kpi parser lands: declares the raw table so the loader and dbt see it."""

from __future__ import annotations

from .extractors import Extractor
from .reader import Report


def extract(report: Report) -> list[dict]:
    return []


EXTRACTOR = Extractor(
    table="kpi_lines",
    description="(pending)",
    columns={"report_id": "VARCHAR", "source_line": "INTEGER"},
    key=("report_id", "source_line"),
    extract=extract,
)
