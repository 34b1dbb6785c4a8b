"""Program budget tables of regional industry plans (B1, docs/report-families.md 4.2, 4.3, 6.3): rows of the raw
table `budget_plan_lines` (columns in `budget_plan.COLUMNS`; `budget_plan.extract` appends them).

One row per VALUE CELL of `(1) 사업별, 주력산업별 예산투자계획`: '24 / '25 / 증감 × 국비 / 지방비 / 합계.
A companion in parentheses (`8.00 (71.72)`: budget + 총사업비) becomes a second cell with measure
`total_project_cost` (`total_project_cost_change` under 증감) and row id suffix `p`; its parent is the
parent row's companion when that row prints one, else NULL (총사업비 is not additive into budgets).

Rows and their tree come from `program_tree` (shared with the B2/B3 target tables): totals before
their children, 소계 after, label/number offsets detected through the cross-table identities and
flagged `label_shifted`. Every table printed twice is kept (occurrence 1 = summary, 2 = body).
"""

from __future__ import annotations

from .program_tree import Node, ProgramTable, program_tables
from .reader import Report
from .values import to_won

UNIT = "억원"  # B1 prints '(단위 : 억원)'; a table's own unit line wins when it names a money unit.
__all__ = ["program_budget_rows"]


def _unit(pt: ProgramTable) -> str:
    for unit in pt.table.units:
        if unit.replace(" ", "") in ("억원", "백만원", "천원", "원"):
            return unit.replace(" ", "")
    return UNIT


def _cell_row(report: Report, pt: ProgramTable, node: Node, column, value, printed, companion: bool) -> dict:
    unit = _unit(pt)
    suffix = "p" if companion else ""
    number = value.companion if companion else value.number
    parent = node.parent
    parent_id = None
    if parent is not None:
        if not companion:
            parent_id = f"{parent.line_row_id}:c{column.index}"
        elif parent.values[column.index - 1].companion is not None:
            parent_id = f"{parent.line_row_id}:c{column.index}p"
    if companion:
        measure = "total_project_cost_change" if column.is_change else "total_project_cost"
    else:
        measure = "change" if column.is_change else "budget"
    flags = list(node.flags)
    if value.footnote:
        flags.append("footnote")
    won = to_won(number, unit) if number is not None else None
    if won is not None and won != won.to_integral_value():
        flags.append("won_not_integral")
    chain = node.chain + [None, None, None]
    is_item = node.kind in ("item", "subtotal")
    return {
        "report_id": report.report_id,
        "row_id": f"{node.line_row_id}:c{column.index}{suffix}",
        "line_row_id": node.line_row_id,
        "parent_row_id": parent_id,
        "table_no": pt.table.table_no,
        "source_line": node.line_no,
        "occurrence": pt.occurrence,
        "plan_table": "program_budget",
        "label_raw": node.label_raw,
        "label": node.name if node.kind == "subtotal" and node.name else node.own,
        "item_path": node.path,
        "level": node.level,
        "is_total": bool(node.children),
        "org_unit": None,
        "org_unit_no": None,
        "column_label": column.label,
        "is_column_total": column.measure == "total",
        "program": chain[0] if is_item else None,
        "sub_program": chain[1] if is_item else None,
        "industry": chain[2] if is_item else None,
        "fiscal_year": column.fiscal_year,
        "funding_source": column.word,
        "measure": measure,
        "amount_printed": printed,
        "amount": number,
        "unit": unit,
        "amount_won": won.to_integral_value() if won is not None else None,
        "value_flag": None if number is not None else value.flag,
        "flags": ",".join(dict.fromkeys(flags)) or None,
    }


def program_budget_rows(report: Report) -> list[dict]:
    """One row per value cell (and per 총사업비 companion) of every B1 table of the report."""
    out: list[dict] = []
    for pt in program_tables(report):
        if pt.kind != "budget":
            continue
        for node in pt.nodes:
            for column, value, printed in zip(pt.columns, node.values, node.raw_values):
                out.append(_cell_row(report, pt, node, column, value, printed, companion=False))
                if value.companion is not None:
                    out.append(_cell_row(report, pt, node, column, value, printed, companion=True))
    return out
