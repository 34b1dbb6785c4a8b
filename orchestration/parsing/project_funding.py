"""Placeholder until the project_funding parser lands: declares the raw table so the loader and dbt see it."""

from __future__ import annotations

from .extractors import Extractor
from .reader import Report


def extract(report: Report) -> list[dict]:
    return []


EXTRACTOR = Extractor(
    table="project_funding_lines",
    description="(pending)",
    columns={"report_id": "VARCHAR", "source_line": "INTEGER"},
    key=("report_id", "source_line"),
    extract=extract,
)
