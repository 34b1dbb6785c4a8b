"""Every table of the warehouse's `raw` schema, in load order: the reader's own tables, the fact
tables (each module defines its `EXTRACTOR`), then coverage, which is derived from the rows of the
others. The one module that knows them all: no parser imports it, so the parsers form no import
circle with it.
"""

from __future__ import annotations

from .extractors import REPORT_LINES, REPORT_ROWS, REPORT_TABLES, Extractor


def all_extractors() -> list[Extractor]:
    """Every raw table: reader tables, fact tables (registered in their modules), then coverage."""
    # Imported on first use: a process that only needs the Extractor type starts without the parsers.
    from . import (
        budget_execution, budget_plan, coverage, facilities, group_statistics, kpi, performance_targets, profiles,
        project_funding, staffing, table_totals,
    )

    extractors = [REPORT_LINES, REPORT_TABLES, REPORT_ROWS]
    for module in (budget_execution, budget_plan, project_funding, kpi, performance_targets, staffing, facilities,
                   table_totals, group_statistics, profiles):
        extractors.append(module.EXTRACTOR)
    return extractors + [coverage.TABLE_COVERAGE, coverage.FACT_COVERAGE]  # derived from the rows above
