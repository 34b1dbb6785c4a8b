"""Program performance targets of regional industry plans (DOMAIN.md 4.1, 4.3, 4.4, 6.3): raw table
`performance_target_lines`, one row per printed value.

- B2 / B3 (`(2) 예산투자대비 성과목표`, `① 사업화매출액`, `② 신규고용`): '24 / '25 / 증감 × 목표 / 예산 /
  1억원당. Rows follow the B1 tree (`program_tree`, shared with program_budget.py): `parent_row_id`
  is the same column of the parent row, for the additive measures (target, budget) only, and only
  when the parent cell holds a number (총 계 / 기타 rows print `-` targets: they carry budgets only).
  ROI cells have no parent (ratios do not add up); `parent_line_row_id` still gives the tree.
  The target unit comes from the indicator (신규고용 → 명), not from the `(단위 : 억원)` line, which is
  the budget's unit (DOMAIN.md 1.4).
- K1 headline (`전체 성과목표`: `(공통) 신규고용 229.18명 (ROI)1.80`): a target and an roi row per cell.

Companions: `4.38 (4.61)*` → value 4.38, companion 4.61 (`roi_alternative`, the footnote under the
table says what it excludes; its text is kept in `note`); `8.00 (71.72)` → budget + 총사업비.
"""

from __future__ import annotations

import re

from .budget_plan import report_fiscal_year
from .extractors import Extractor
from .program_tree import Node, ProgramTable, indicator_unit, program_tables
from .reader import Report
from .values import clean_name, parse_number, squash, strip_markup

COLUMNS: dict[str, str] = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",  # 't120:L2400:c4' (value column 4); K1: 't21:L450:c1' / 't21:L450:c1r'
    "line_row_id": "VARCHAR",  # the printed row: 't120:L2400'
    "parent_row_id": "VARCHAR",  # same column of the parent row (additive measures only)
    "parent_line_row_id": "VARCHAR",  # parent printed row (the tree, all measures)
    "table_no": "INTEGER",
    "source_line": "INTEGER",
    "occurrence": "INTEGER",  # 1 summary, 2 body
    "target_table": "VARCHAR",  # sales_target | employment_target | headline | three_year_review
    "indicator": "VARCHAR",  # 사업화매출액 | 신규고용 | 사업화수출액 | 특허출원·등록
    "indicator_group": "VARCHAR",  # K1: 공통 | 자율지표 1 …
    "indicator_unit": "VARCHAR",  # 억원 | 명 | 건 (unit of the indicator's targets)
    "program": "VARCHAR",
    "sub_program": "VARCHAR",
    "industry": "VARCHAR",
    "label_raw": "VARCHAR",
    "label": "VARCHAR",
    "item_path": "VARCHAR",
    "level": "INTEGER",
    "is_total": "BOOLEAN",
    "period": "VARCHAR",  # '2024' | '2025' | 'change'
    "fiscal_year": "INTEGER",  # the year (for 'change' the later year)
    "measure": "VARCHAR",  # target | budget | roi
    "column_label": "VARCHAR",
    "value_printed": "VARCHAR",
    "value": "DECIMAL(38,4)",
    "value_unit": "VARCHAR",  # 명 / 억원 / 건 for targets, 억원 for budgets, '명/억원' … for roi
    "value_flag": "VARCHAR",  # blank | dash | masked | text
    "companion": "DECIMAL(38,4)",
    "companion_meaning": "VARCHAR",  # total_project_cost | total_project_cost_change | roi_alternative
    "note": "VARCHAR",  # footnote text for a value marked '*'
    "flags": "VARCHAR",
}

MEASURES = {"목표": "target", "예산": "budget", "1억원당": "roi"}
ADDITIVE = ("target", "budget")
TARGET_TABLES = (("매출", "sales_target"), ("고용", "employment_target"))


def _target_table(indicator: str | None) -> str:
    key = squash(indicator or "")
    return next((name for word, name in TARGET_TABLES if word in key), "other_target")


def _money_unit(pt: ProgramTable) -> str:
    for unit in pt.table.units:
        if unit.replace(" ", "") in ("억원", "백만원", "천원"):
            return unit.replace(" ", "")
    return "억원"


def _footnote(report: Report, pt: ProgramTable) -> str | None:
    """The `* …` note printed right under the table (a few lines at most)."""
    last = pt.table.last_line
    for number in range(last + 1, min(len(report.lines), last + 5) + 1):
        text = strip_markup(report.line(number))
        if text.startswith("*") or text.startswith("※"):
            return text.lstrip("*※ ").strip()
        if "\t" in report.line(number):
            break
    return None


def _b_rows(report: Report, pt: ProgramTable) -> list[dict]:
    out = []
    indicator = pt.indicator
    unit = indicator_unit(indicator)
    money = _money_unit(pt)
    note = _footnote(report, pt)
    for node in pt.nodes:
        chain = node.chain + [None, None, None]
        is_item = node.kind in ("item", "subtotal")
        for column, value, printed in zip(pt.columns, node.values, node.raw_values):
            measure = MEASURES[column.word]
            parent_id = None
            parent: Node | None = node.parent
            if parent is not None and measure in ADDITIVE:
                parent_value = parent.values[column.index - 1]
                if parent_value.number is not None:
                    parent_id = f"{parent.line_row_id}:c{column.index}"
            companion_meaning = None
            if value.companion is not None:
                if measure == "roi":
                    companion_meaning = "roi_alternative"
                else:
                    companion_meaning = "total_project_cost_change" if column.is_change else "total_project_cost"
            flags = list(node.flags)
            if value.footnote:
                flags.append("footnote")
            value_unit = {"target": unit, "budget": money, "roi": f"{unit}/{money}" if unit else None}[measure]
            out.append(
                {
                    "report_id": report.report_id,
                    "row_id": f"{node.line_row_id}:c{column.index}",
                    "line_row_id": node.line_row_id,
                    "parent_row_id": parent_id,
                    "parent_line_row_id": parent.line_row_id if parent is not None else None,
                    "table_no": pt.table.table_no,
                    "source_line": node.line_no,
                    "occurrence": pt.occurrence,
                    "target_table": _target_table(indicator),
                    "indicator": indicator,
                    "indicator_group": None,
                    "indicator_unit": unit,
                    "program": chain[0] if is_item else None,
                    "sub_program": chain[1] if is_item else None,
                    "industry": chain[2] if is_item else None,
                    "label_raw": node.label_raw,
                    "label": node.name if node.kind == "subtotal" and node.name else node.own,
                    "item_path": node.path,
                    "level": node.level,
                    "is_total": bool(node.children),
                    "period": column.period,
                    "fiscal_year": column.fiscal_year,
                    "measure": measure,
                    "column_label": column.label,
                    "value_printed": printed,
                    "value": value.number,
                    "value_unit": value_unit,
                    "value_flag": None if value.number is not None else value.flag,
                    "companion": value.companion,
                    "companion_meaning": companion_meaning,
                    "note": note if value.footnote else None,
                    "flags": ",".join(dict.fromkeys(flags)) or None,
                }
            )
    return out


# K1: '(공통) 신규고용 229.18명 (ROI)1.80', '(자율지표 2) 특허출원·등록 19.92건 (ROI)0.58'
_HEADLINE = re.compile(
    r"^\((?P<group>[^()]+)\)\s*(?P<name>.+?)\s*(?P<num>[\d,]+(?:\.\d+)?)\s*(?P<unit>억원|백만원|천원|명|건|개사|개|회|%)"
    r"\s*\(ROI\)\s*(?P<roi>[\d,]+(?:\.\d+)?)\s*$"
)


def _headline_rows(report: Report) -> list[dict]:
    out: list[dict] = []
    year = report_fiscal_year(report)
    occurrence = 0
    for table in report.tables:
        for row in table.rows:
            if row.role == "dash":
                continue
            cells = [(i, _HEADLINE.match(strip_markup(c))) for i, c in enumerate(row.cells)]
            hits = [(i, m) for i, m in cells if m]
            if not hits:
                continue
            occurrence += 1
            raw_cells = row.raw_text.split("\t")
            label = clean_name(row.cells[0]) if row.cells and not _HEADLINE.match(row.cells[0]) else None
            line_row_id = f"t{table.table_no}:L{row.line_no}"
            for index, match in hits:
                unit = match.group("unit")
                indicator = clean_name(match.group("name"))
                base = {
                    "report_id": report.report_id,
                    "line_row_id": line_row_id,
                    "parent_row_id": None,
                    "parent_line_row_id": None,
                    "table_no": table.table_no,
                    "source_line": row.line_no,
                    "occurrence": occurrence,
                    "target_table": "headline",
                    "indicator": indicator,
                    "indicator_group": match.group("group").strip(),
                    "indicator_unit": indicator_unit(indicator) or unit,
                    "program": None,
                    "sub_program": None,
                    "industry": None,
                    "label_raw": raw_cells[index] if index < len(raw_cells) else row.cells[index],
                    "label": label,
                    "item_path": label,
                    "level": 0,
                    "is_total": False,
                    "period": str(year) if year else None,
                    "fiscal_year": year,
                    "column_label": label,
                    "value_flag": None,
                    "companion": None,
                    "companion_meaning": None,
                    "note": None,
                    "flags": None,
                }
                out.append(
                    base
                    | {
                        "row_id": f"{line_row_id}:c{index}",
                        "measure": "target",
                        "value_printed": f"{match.group('num')}{unit}",
                        "value": parse_number(match.group("num")),
                        "value_unit": unit,
                    }
                )
                out.append(
                    base
                    | {
                        "row_id": f"{line_row_id}:c{index}r",
                        "measure": "roi",
                        "value_printed": match.group("roi"),
                        "value": parse_number(match.group("roi")),
                        "value_unit": f"{unit}/억원",
                    }
                )
    return out


def extract(report: Report) -> list[dict]:
    rows = _headline_rows(report)
    for pt in program_tables(report):
        if pt.kind == "target":
            rows += _b_rows(report, pt)
    return rows


EXTRACTOR = Extractor(
    table="performance_target_lines",
    description=(
        "Program performance targets (one row per printed value): B2/B3 target tables (목표 / 예산 / "
        "1억원당 per year and 증감) on the B1 program tree, and the K1 headline targets with their ROI."
    ),
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
)
