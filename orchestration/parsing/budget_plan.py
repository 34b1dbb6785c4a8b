"""Budget plan facts: 수입예산 / 지출예산 by organizational unit (docs/report-families.md 2.2, 6.1) and, through
`program_budget.program_budget_rows`, the program budget tables of regional industry plans (4.2).

The raw table `budget_plan_lines` is LONG: one row per printed value cell. A cell's parent is the same
column of the parent printed row, so the gate checks "total = Σ children" per column through
`parent_row_id`; the 계 column (`is_column_total`) equals the sum of the department columns.

Org-unit tables are found by their header (`예산과목 | 계 | departments…`, at least one department
matching the TOC), never by position. Their hierarchy is implicit (flat rows, repeated item names such
as 인건비 / 운영비 / 기타): rows are placed with the standard 예산과목 tree below, keyed by
(parent item, item), walking up the open path for each row.
"""

from __future__ import annotations

import re

from .extractors import Extractor
from .profiles import profile, total_labels
from .program_budget import program_budget_rows
from .reader import Report, Row, Table, value_window
from .structure import match_department, numbered_entries
from .values import UNIT_FACTORS, clean_name, parse_as_of, parse_value, squash, strip_markup, to_won

# The raw table's columns (program_budget.py's rows have the same).
COLUMNS: dict[str, str] = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",  # unique per value cell within the report: 't5:L106:c3'
    "line_row_id": "VARCHAR",  # the printed row: 't5:L106'
    "parent_row_id": "VARCHAR",  # the parent cell's row_id (same column, parent printed row)
    "table_no": "INTEGER",
    "source_line": "INTEGER",
    "occurrence": "INTEGER",  # 1, or 2 for a table printed twice
    "plan_table": "VARCHAR",  # income_budget | expense_budget | program_budget
    "label_raw": "VARCHAR",
    "label": "VARCHAR",
    "item_path": "VARCHAR",  # '지출 계/사업비/일반운영비/인건비'
    "level": "INTEGER",  # root 0
    "is_total": "BOOLEAN",
    "org_unit": "VARCHAR",  # TOC spelling of the department column; NULL for 계 and program tables
    "column_label": "VARCHAR",  # header as printed; a change column under the profile's canonical word
    "is_column_total": "BOOLEAN",  # the 계 / 합계 column
    "program": "VARCHAR",
    "sub_program": "VARCHAR",
    "industry": "VARCHAR",
    "fiscal_year": "INTEGER",
    "funding_source": "VARCHAR",  # 국비 | 지방비 | 합계 | NULL
    "measure": "VARCHAR",  # budget | change | total_project_cost | total_project_cost_change
    "amount_printed": "VARCHAR",
    "amount": "DECIMAL(38,4)",
    "unit": "VARCHAR",
    "amount_won": "DECIMAL(38,0)",
    "value_flag": "VARCHAR",  # blank | dash | masked | text
    "flags": "VARCHAR",
    "org_unit_no": "INTEGER",  # its number among the contents' department entries (task codes X-Y)
}

PLAN_TABLES = ("income_budget", "expense_budget", "program_budget")

def item_trees(report: Report) -> dict[str, dict[str, tuple[str, ...]]]:
    """The family's 예산과목 trees (profile `budget_item_trees`): table kind -> parent item -> child items.
    Item names repeat under different parents (인건비, 운영비, 기타, 당해연도, …): a row is placed under
    the nearest open ancestor whose children include its label."""
    specs = profile(report).get("budget_item_trees") or {}
    return {
        kind: {parent: tuple(children) for parent, children in spec["children"].items()} for kind, spec in specs.items()
    }


def root_names(report: Report) -> dict[str, str]:
    """Table kind -> the item path of its total row ('수입 계', '지출 계')."""
    return {kind: spec["root_name"] for kind, spec in (profile(report).get("budget_item_trees") or {}).items()}


def item_headers(report: Report) -> tuple[str, ...]:
    """Header words of the item column of the org-unit budget tables (profile `budget_item_headers`)."""
    return tuple(squash(w) for w in profile(report).get("budget_item_headers") or ())


def title_words(report: Report) -> dict[str, tuple[str, ...]]:
    """Table kind -> words of a table title naming it (`budget_item_trees.<kind>.title_words`: 수입예산)."""
    specs = profile(report).get("budget_item_trees") or {}
    return {kind: tuple(squash(w) for w in spec.get("title_words") or ()) for kind, spec in specs.items()}


# ---------------------------------------------------------------------------------------------
# Report context


_TITLE_YEAR = re.compile(r"^[#\s「『\"']*(?P<year>(?:19|20)\d{2})\s*년도")
_ANY_YEAR = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d{2})\s*년")


def report_fiscal_year(report: Report) -> int | None:
    """The year the report is about: the first title-like line starting with 'YYYY년도'
    ('2024년도 주요업무 추진상황', '# 2025년도 강원특별자치도 …'), else the year of an as-of date."""
    for line in report.lines:
        match = _TITLE_YEAR.match(strip_markup(line))
        if match:
            return int(match.group("year"))
    for table in report.tables:
        if table.as_of:
            return int(table.as_of[:4])
    for line in report.lines:
        as_of = parse_as_of(line)
        if as_of:
            return int(as_of[:4])
    return None


def table_fiscal_year(table: Table, report_year: int | None) -> int | None:
    """A year printed in the table's own title ('○ 2024년 수입예산 : …') wins over the report's."""
    for text in (table.title, table.heading):
        if text and ("예산" in text):
            match = _ANY_YEAR.search(strip_markup(text))
            if match:
                return int(match.group("year"))
    return report_year


# ---------------------------------------------------------------------------------------------
# Finding the org-unit tables


def _header_row(table: Table, headers: tuple[str, ...]) -> Row | None:
    for row in table.rows:
        if row.role in ("header", "repeated_header") or row.role == "data":
            if row.cells and squash(row.cells[0]) in headers:
                return row
            if row.role == "data":
                return None
    return None


def _column_labels(table: Table, header: Row) -> list[str]:
    """Value-column headers (after 예산과목), joined over multi-row headers; trailing empties dropped."""
    labels = list(header.cells[1:])
    for row in table.header:
        if row is header:
            continue
        for i, cell in enumerate(row.cells[1:]):
            if cell and i < len(labels):
                labels[i] = f"{labels[i]} {cell}".strip()
    while labels and not labels[-1].strip():
        labels.pop()
    return labels


def _plan_kind(
    table: Table, trees: dict[str, dict[str, tuple[str, ...]]], titles: dict[str, tuple[str, ...]]
) -> str | None:
    """income_budget / expense_budget from a title word (수입예산 / 지출예산), else from the row labels."""
    context = squash(f"{table.title or ''} {table.heading or ''}")
    for kind, words in titles.items():
        if any(w in context for w in words):
            return kind
    items = {squash(r.cells[0]) for r in table.data if r.cells}
    scores = {kind: len(items & (set(tree) | {c for cs in tree.values() for c in cs})) for kind, tree in trees.items()}
    best = max(scores, key=scores.get, default=None)
    return best if best is not None and scores[best] >= 3 else None


def org_unit_tables(report: Report) -> list[tuple[Table, str, Row, list[str]]]:
    """(table, plan_table, header row, column labels) for every 예산과목 × department table."""
    departments = numbered_entries(report)
    trees = item_trees(report)
    totals = total_labels(report)
    headers, titles = item_headers(report), title_words(report)
    found = []
    for table in report.tables:
        header = _header_row(table, headers)
        if header is None:
            continue
        labels = _column_labels(table, header)
        if not labels or squash(labels[0]) not in totals:
            continue
        if not any(match_department(label, departments) for label in labels[1:]):
            continue
        kind = _plan_kind(table, trees, titles)
        if kind:
            found.append((table, kind, header, labels))
    return found


# ---------------------------------------------------------------------------------------------
# Rows


def _money_unit(table: Table, column_label: str) -> str | None:
    for unit in table.units:
        if unit.replace(" ", "") in UNIT_FACTORS:
            return unit.replace(" ", "")
    match = re.search(r"\(([^()]*)\)", column_label)
    if match and match.group(1).replace(" ", "") in UNIT_FACTORS:
        return match.group(1).replace(" ", "")
    return None


def _split_row(row: Row, width: int) -> tuple[str, str, list[str], list[str], list[str]]:
    """(label_raw, label, value cells, raw value cells, row flags), value cells right-aligned to `width`."""
    window = value_window(row, width)
    label_cells, values, raw_values = window.label_cells, window.values, window.raw_values
    flags: list[str] = []
    if len(label_cells) > 1:
        label_raw = " ".join(c for c in window.raw_labels if c.strip())
        flags.append("realigned")
    else:
        label_raw = window.raw_labels[0] if window.raw_labels else ""
    if window.missing:  # dropped cells: the missing leading value cells stay blank
        flags.append("cells_missing")
    label = clean_name(" ".join(c for c in label_cells if c.strip()))
    if any(v.strip() and parse_value(v).flag == "text" for v in values):
        flags.append("label_in_values")
    return label_raw, label, values, raw_values, flags


def _tree_children(tree: dict[str, tuple[str, ...]], item: str, totals: frozenset[str]) -> tuple[str, ...]:
    return tree.get("계" if item in totals else item, ())


def _plan_columns(table: Table, labels: list[str], departments: dict[int, str], totals: frozenset[str]) -> list[dict]:
    """The value columns of a plan table: the 계 column, or the department (org unit) each header names."""
    columns = []
    for index, column_label in enumerate(labels, start=1):
        is_total_col = squash(column_label) in totals
        match = None if is_total_col else match_department(column_label, departments)
        columns.append(
            {
                "index": index,
                "label": column_label,
                "is_total": is_total_col,
                "org_unit": match[1] if match else (None if is_total_col else clean_name(column_label)),
                "org_unit_no": match[0] if match else None,
                "flag": None if is_total_col or match else "org_unit_not_in_toc",
                "unit": _money_unit(table, column_label),
            }
        )
    return columns


def _placed_rows(table: Table, header: Row, width: int, tree: dict, root: str, totals: frozenset[str]) -> list[dict]:
    """The data rows of a plan table placed on the report's item tree: a stack of open
    (item, line_row_id, path) from the root down; an item the tree does not know stays beside the
    previous row, flagged."""
    placed: list[dict] = []
    stack: list[tuple[str, str, str]] = []
    for row in table.rows:
        if row.role != "data" or row is header or not any(c.strip() for c in row.cells):
            continue
        label_raw, label, values, raw_values, flags = _split_row(row, width)
        item = squash(label)
        line_row_id = f"t{table.table_no}:L{row.line_no}"
        parent = None
        if item in totals and not stack:
            path = root
        else:
            depth = len(stack)
            while depth and item not in _tree_children(tree, stack[depth - 1][0], totals):
                depth -= 1
            if depth:
                parent = stack[depth - 1]
                stack = stack[:depth]
            elif stack:  # not in the tree: keep it beside the previous row, flagged
                flags.append("item_not_in_tree")
                if len(stack) > 1:
                    stack = stack[:-1]
                parent = stack[-1]
            else:
                flags.append("item_not_in_tree")
            path = f"{parent[2]}/{label}" if parent else label
        stack.append((item, line_row_id, path))
        placed.append(
            {
                "row": row,
                "line_row_id": line_row_id,
                "parent_line": parent[1] if parent else None,
                "label_raw": label_raw,
                "label": label,
                "path": path,
                "level": len(stack) - 1,
                "values": values,
                "raw_values": raw_values,
                "flags": flags,
            }
        )
    return placed


def org_unit_budget_rows(report: Report) -> list[dict]:
    """One row per value cell of every 수입예산 / 지출예산 table by department."""
    departments = numbered_entries(report)
    report_year = report_fiscal_year(report)
    trees = item_trees(report)
    roots = root_names(report)
    totals = total_labels(report)
    out: list[dict] = []
    seen: dict[str, int] = {}
    for table, kind, header, labels in org_unit_tables(report):
        seen[kind] = seen.get(kind, 0) + 1
        occurrence = seen[kind]
        year = table_fiscal_year(table, report_year)
        columns = _plan_columns(table, labels, departments, totals)
        placed = _placed_rows(table, header, len(labels), trees[kind], roots[kind], totals)
        parents = {p["parent_line"] for p in placed if p["parent_line"]}

        for p in placed:
            for column, cell, raw_cell in zip(columns, p["values"], p["raw_values"]):
                value = parse_value(cell)
                unit = column["unit"]
                amount = value.number
                won = to_won(amount, unit) if amount is not None and unit else None
                row_flags = list(p["flags"]) + ([column["flag"]] if column["flag"] else [])
                if won is not None and won != won.to_integral_value():
                    row_flags.append("won_not_integral")
                out.append(
                    {
                        "report_id": report.report_id,
                        "row_id": f"{p['line_row_id']}:c{column['index']}",
                        "line_row_id": p["line_row_id"],
                        "parent_row_id": f"{p['parent_line']}:c{column['index']}" if p["parent_line"] else None,
                        "table_no": table.table_no,
                        "source_line": p["row"].line_no,
                        "occurrence": occurrence,
                        "plan_table": kind,
                        "label_raw": p["label_raw"],
                        "label": p["label"],
                        "item_path": p["path"],
                        "level": p["level"],
                        "is_total": p["line_row_id"] in parents,
                        "org_unit": column["org_unit"],
                        "org_unit_no": column["org_unit_no"],
                        "column_label": column["label"],
                        "is_column_total": column["is_total"],
                        "program": None,
                        "sub_program": None,
                        "industry": None,
                        "fiscal_year": year,
                        "funding_source": None,
                        "measure": "budget",
                        "amount_printed": raw_cell,
                        "amount": amount,
                        "unit": unit,
                        "amount_won": won,
                        "value_flag": value.flag,
                        "flags": ",".join(dict.fromkeys(row_flags)) or None,
                    }
                )
    return out


def extract(report: Report) -> list[dict]:
    return org_unit_budget_rows(report) + program_budget_rows(report)


EXTRACTOR = Extractor(
    table="budget_plan_lines",
    description=(
        "Budget plan value cells (one row per printed cell): 수입/지출예산 by department (org unit) and "
        "program budget tables, with year, funding source, measure, won amounts and the parent cell."
    ),
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
)
