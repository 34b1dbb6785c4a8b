"""Staffing facts (정·현원, DOMAIN.md 2.2, 3.2): one row per printed head count, LONG.

Two sources, both found by their labels, never by position in the report:

* staffing tables: a table whose data rows include one labelled 정원 (authorised posts) and one
  labelled 현원 (actual staff). Each data row is read against the header: a row's value cells are
  named by the shallowest header depth whose labels (merged cells filled down, never across) sit
  on every position the row prints a value at — so the merged 정원 row `205 | 9 | | 178` reads
  계 / 경영진 / 직원, the 현원 row reads 계 / 원장 / 부서장 / 1급 …; an unlabelled row right after
  a labelled one is a breakdown of one of its cells (the last group header over the positions it
  prints, e.g. 일반직 over 1급 … 6급). `-` counts 0 persons; empty cells are not printed values.
* prose lines near the table: `총 원 : 190명`, `정·현원 : 205명 / 190명`, `정원 / 현원 : 53명 / 37명`,
  `정원 외 10명(프로젝트 인력 7, 인터넷방송 무기 3)`.

The period of every figure is the table's as-of date (its title, unit line or the report's own
date): period_role `as_of`. Identities are checked downstream (rec_staffing).
"""

from __future__ import annotations

import re

from .extractors import Extractor
from .reader import Report, Table
from .values import parse_as_of, parse_value, squash, strip_markup

AUTHORISED, ACTUAL, PART, BREAKDOWN = "authorised", "actual", "part", "breakdown"
OUTSIDE_QUOTA, OUTSIDE_QUOTA_PART = "outside_quota", "outside_quota_part"

COLUMNS = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",
    "source_line": "INTEGER",
    "table_no": "INTEGER",  # null for prose lines
    "source_kind": "VARCHAR",  # table | prose
    "row_kind": "VARCHAR",  # authorised | actual | part | breakdown | outside_quota | outside_quota_part
    "row_label_raw": "VARCHAR",
    "row_label": "VARCHAR",
    "row_order": "INTEGER",  # data row number within the table
    "column_no": "INTEGER",  # cell position (table) / position on the line (prose)
    "column_label": "VARCHAR",  # 계, 원장, 1급, 비고, … ('계' for prose totals)
    "column_group": "VARCHAR",  # the header label above it (경영진, 직원, 일반직, …)
    "is_total_column": "BOOLEAN",  # the 계 column
    "is_note_column": "BOOLEAN",  # 비고: a number there counts staff outside the grade columns
    "parent_line": "INTEGER",  # breakdown rows: the row they break down
    "parent_column_no": "INTEGER",  # breakdown rows: the cell they break down
    "value_printed": "VARCHAR",
    "persons": "INTEGER",  # '-' = 0
    "value_flag": "VARCHAR",  # dash | null
    "unit": "VARCHAR",
    "period_role": "VARCHAR",  # as_of
    "as_of": "DATE",
    "line_text": "VARCHAR",
}

_AUTHORISED_LABELS = {"정원"}
_ACTUAL_LABELS = {"현원"}
_TOTAL_COLUMN = {"계", "합계", "총계"}
_NOTE_COLUMN = {"비고"}

# prose: '총 원 : 190명', '정·현원 : 205명 / 190명', '정원 / 현원 : 53명 / 37명', '정원 외 10명(a 7, b 3)'
_PROSE_TOTAL = re.compile(r"총\s*원\s*:\s*(?P<actual>\d[\d,]*)\s*명")
_PROSE_PAIR = re.compile(r"정\s*[·ㆍ/]?\s*현\s*원\s*:\s*(?P<authorised>\d[\d,]*)\s*명\s*/\s*(?P<actual>\d[\d,]*)\s*명")
_PROSE_PAIR_SLASH = re.compile(r"정\s*원\s*/\s*현\s*원\s*:\s*(?P<authorised>\d[\d,]*)\s*명\s*/\s*(?P<actual>\d[\d,]*)\s*명")
_PROSE_OUTSIDE = re.compile(r"정\s*원\s*외\s*(?P<total>\d[\d,]*)\s*명\s*\((?P<parts>[^)]*)\)")
_PART = re.compile(r"(?P<label>[^,\d]+?)\s*(?P<count>\d[\d,]*)\s*명?\s*(?:,|$)")


def _label(cell: str) -> str:
    return squash(cell)


def find_staffing_tables(report: Report) -> list[Table]:
    found = []
    for table in report.tables:
        labels = {_label(r.cells[0]) for r in table.data if r.cells}
        if labels & _AUTHORISED_LABELS and labels & _ACTUAL_LABELS and table.header:
            found.append(table)
    return found


def _effective_headers(table: Table) -> list[list[str]]:
    """Per header depth, each position's label: the deepest label at or above that depth (a
    vertically merged cell fills down; a horizontally merged one stays where it is printed)."""
    width = max(len(r.cells) for r in table.rows)
    out, current = [], [""] * width
    for row in table.header:
        cells = [_label(c) for c in row.cells] + [""] * (width - len(row.cells))
        current = [c or above for c, above in zip(cells, current)]
        out.append(list(current))
    return out


def _group_of(table: Table, depth: int, position: int) -> str | None:
    """The label of the header cell a column sits under one depth up (nearest label to its left)."""
    if depth == 0:
        return None
    cells = [_label(c) for c in table.header[depth - 1].cells]
    for p in range(min(position, len(cells) - 1), 0, -1):
        if cells[p]:
            return cells[p]
    return None


def _as_of(report: Report, table: Table) -> str | None:
    for text in (table.title, table.heading, table.unit_text):
        if text and (date := parse_as_of(text)):
            return date
    return table.as_of


def _table_rows(report: Report, table: Table) -> list[dict]:
    headers = _effective_headers(table)
    as_of = _as_of(report, table)
    rows: list[dict] = []
    previous: tuple[int, list[str], int] | None = None  # line, cells, depth of the last labelled row
    for order, row in enumerate(table.data, start=1):
        cells = row.cells
        label = _label(cells[0]) if cells else ""
        positions = [p for p in range(1, len(cells)) if cells[p].strip()]
        if not positions:
            continue
        depth = next(
            (d for d, labels in enumerate(headers) if all(p < len(labels) and labels[p] for p in positions)),
            len(headers) - 1,
        )
        labels = headers[depth]
        parent_line = parent_column = None
        if not label:
            if previous is None:
                continue
            kind = BREAKDOWN
            parent_line, parent_cells, parent_depth = previous
            # the breakdown belongs to the last group header (at the parent's depth) over its positions
            over = [p for p in range(positions[0], positions[-1] + 1)
                    if p < len(headers[parent_depth]) and p < len(parent_cells) and parent_cells[p].strip()
                    and headers[parent_depth][p] not in _TOTAL_COLUMN]
            parent_column = over[-1] if over else None
        else:
            kind = AUTHORISED if label in _AUTHORISED_LABELS else ACTUAL if label in _ACTUAL_LABELS else PART
            previous = (row.line_no, cells, depth)
        for p in positions:
            value = parse_value(cells[p])
            column_label = labels[p] if p < len(labels) else ""
            if value.number is None and value.flag != "dash":
                continue  # text in a 비고 cell, not a head count
            rows.append({
                "report_id": report.report_id,
                "row_id": f"t{table.table_no}:L{row.line_no}:c{p}",
                "source_line": row.line_no,
                "table_no": table.table_no,
                "source_kind": "table",
                "row_kind": kind,
                "row_label_raw": cells[0] if cells else None,
                "row_label": strip_markup(cells[0]).replace(" ", "") or None,
                "row_order": order,
                "column_no": p,
                "column_label": column_label,
                "column_group": _group_of(table, depth, p),
                "is_total_column": column_label in _TOTAL_COLUMN,
                "is_note_column": column_label in _NOTE_COLUMN,
                "parent_line": parent_line,
                "parent_column_no": parent_column,
                "value_printed": cells[p],
                "persons": 0 if value.flag == "dash" else int(value.number),
                "value_flag": "dash" if value.flag == "dash" else None,
                "unit": "명",
                "period_role": "as_of",
                "as_of": as_of,
                "line_text": row.raw_text,
            })
    return rows


def _prose_rows(report: Report, table: Table, as_of: str | None) -> list[dict]:
    """The staffing prose lines between the table before the staffing table and the table after it."""
    before = max((t.last_line for t in report.tables if t.last_line < table.first_line), default=0)
    after = min((t.first_line for t in report.tables if t.first_line > table.last_line), default=len(report.lines) + 1)
    rows: list[dict] = []

    def add(line_no, text, kind, label, column_no, column_label, printed):
        rows.append({
            "report_id": report.report_id, "row_id": f"prose:L{line_no}:{kind}:{column_no}", "source_line": line_no,
            "table_no": None, "source_kind": "prose", "row_kind": kind, "row_label_raw": label,
            "row_label": label.replace(" ", ""), "row_order": None, "column_no": column_no, "column_label": column_label,
            "column_group": None, "is_total_column": column_label == "계", "is_note_column": False,
            "parent_line": None, "parent_column_no": None, "value_printed": printed,
            "persons": int(printed.replace(",", "")), "value_flag": None, "unit": "명", "period_role": "as_of",
            "as_of": as_of, "line_text": text,
        })

    for line_no in range(before + 1, after):
        if table.first_line <= line_no <= table.last_line:
            continue
        text = strip_markup(report.lines[line_no - 1])
        for pattern in (_PROSE_PAIR, _PROSE_PAIR_SLASH):
            if m := pattern.search(text):
                add(line_no, text, AUTHORISED, "정원", 1, "계", m["authorised"])
                add(line_no, text, ACTUAL, "현원", 2, "계", m["actual"])
                break
        else:
            if m := _PROSE_TOTAL.search(text):
                add(line_no, text, ACTUAL, "총원", 1, "계", m["actual"])
        if m := _PROSE_OUTSIDE.search(text):
            add(line_no, text, OUTSIDE_QUOTA, "정원외", 1, "계", m["total"])
            for i, part in enumerate(_PART.finditer(m["parts"]), start=2):
                add(line_no, text, OUTSIDE_QUOTA_PART, part["label"].strip(), i, part["label"].strip(), part["count"])
    return rows


def extract(report: Report) -> list[dict]:
    rows: list[dict] = []
    for table in find_staffing_tables(report):
        table_rows = _table_rows(report, table)
        rows += table_rows
        rows += _prose_rows(report, table, table_rows[0]["as_of"] if table_rows else _as_of(report, table))
    return rows


EXTRACTOR = Extractor(
    table="staffing_lines",
    description="Head counts (정원 / 현원) by department and grade from staffing tables, and the staffing prose lines.",
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
)

__all__ = ["extract", "EXTRACTOR", "find_staffing_tables"]
