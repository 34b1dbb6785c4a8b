"""Printed totals of context tables (docs/report-families.md 4.7): tables no budget, target or
funding extractor reads, whose own header says how their numbers add up. One row per printed
figure that takes part in an identity, LONG; the identities are checked downstream
(rec_table_totals).

Two shapes, told by the header alone (the words are the family profile's `table_totals`):

* a total column: the header's deepest row ends with a total label (합계, 소계) that the header
  prints once. Its parts are the columns whose header matches one of the profile's
  `part_columns` patterns when the header has such columns (`1차년도`, `2차년도`: a `목표` column
  beside them restates the total), else every value column between the labels and the total
  (`컨설팅 … 기술보증 | 소계`);
* a combined column: a header cell joining two circled or plain numbers with `+` (`①+② 불필요`,
  `④+⑤ 필요`); its parts are the columns whose header starts with those numbers.

Figures are read with their printed unit (`82개`, `6건`); `-` counts 0. A row whose total or a part
is not a number (text, masked) is not read.

Rows declare identities too (docs/report-families.md 4.9), told by their labels:

* a total row: a data row labelled with a total label (profile `total_labels`: `총 합계`, `합 계`)
  after its parts = per column, the sum of the rows above it back to the header, a row without
  numbers or the previous total row;
* a grid inside a table: a data row without numbers whose last cell is a total label (`지역명 | 춘천
  … | 합계`, `지원유형 | 2019년 … | 계`) heads a total column for the rows under it, read right-aligned
  against it (a row that lost its leading empty cell keeps its columns);
* a ratio row: a label naming two other rows' letters (`도입율 (A/B %)` beside `지원수 (A)` and
  `기업수 (B)`) = A / B (× 100 when the label says %) per column, at its printed decimals;
* a share row: a row labelled with one of the profile's `share_rows` words whose every figure is a
  percentage: the shares of one whole, Σ = 100 within their printed rounding.

* an amount with its yearly share (`최대 14억원 (연 7억원)`, the profile's `annual_words`) beside a
  duration cell (`2년`): the yearly amount = the amount / the years, at its printed decimals;
* a group count: a first-column label ending in a count (`강원 (8)`) on a row with numbers, followed
  by rows that fill down into its group = the number of rows of the group (each counts 1).

A count with a parenthesised remark (`7(강원형)`) is read as the count.

An indicator matrix (a header row naming two or more indicators of the profile's `indicator_units`, a
row of years under it: `신규고용(명) | 사업화매출액(억원) | …` over `'24 | '25 | …`) restates targets the
program tables print: each of its figures is read (identity `restated`, cell_role figure) with the
indicator and period role (`plan_year`, `base_year`) of its column, to be found among the report's targets. Cells the profile lists as
label numbers (`table_totals.matrix_label_numbers`: the `1.0` / `2.0` of 지역특화 프로젝트) are labels.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from .extractors import Extractor
from .budget_plan import report_fiscal_year
from .periods import full_year, period_role
from .profiles import profile, total_labels
from .reader import Report, Row, Table
from .values import parse_value, squash, strip_markup

TOTAL, PART = "total", "part"
RATE, NUMERATOR, DENOMINATOR, SHARE = "rate", "numerator", "denominator", "share"

COLUMNS = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",  # t<table>:L<line>:c<cell>
    "source_line": "INTEGER",
    "table_no": "INTEGER",
    "identity_kind": "VARCHAR",  # total_column | combined_column | total_row | ratio_row | share_row | per_year | group_count | restated
    "total_column_no": "INTEGER",  # the cell of the total (ratio: of the rate) this figure belongs to
    "total_line": "INTEGER",  # the line of the total (ratio: of the rate; shares: their row)
    "cell_role": "VARCHAR",  # total | part (group_count: a member row, 1); ratio_row, per_year: rate | numerator | denominator; share_row: share
    "row_label": "VARCHAR",
    "column_no": "INTEGER",
    "column_label": "VARCHAR",  # restated: '<indicator> <period role>' of the figure's column
    "value_printed": "VARCHAR",
    "amount": "DECIMAL(18,4)",
    "printed_scale": "INTEGER",
    "unit": "VARCHAR",
    "line_text": "VARCHAR",
}

_COMBINED = re.compile(r"^(?P<a>[①-⑳]|\d+)\s*\+\s*(?P<b>[①-⑳]|\d+)")


@dataclass(frozen=True)
class Identity:
    kind: str
    total: int  # cell position of the total
    parts: tuple[int, ...]


@functools.cache
def _patterns(entry: str) -> tuple[tuple[str, ...], tuple[re.Pattern, ...]]:
    words = json.loads(entry)
    totals = tuple(squash(w) for w in words.get("total_columns") or ())
    return totals, tuple(re.compile(p) for p in words.get("part_columns") or ())


def _labels(table: Table) -> list[str]:
    """The deepest header row's labels, squashed."""
    return [squash(c) for c in table.header[-1].cells] if table.header else []


def identities(report: Report, table: Table) -> list[Identity]:
    """The identities a table's header declares (none for a table without a header)."""
    entry = profile(report).get("table_totals") or {}
    if not entry or not table.header:
        return []
    totals, part_patterns = _patterns(json.dumps(entry, sort_keys=True, ensure_ascii=False))
    labels = _labels(table)
    everywhere = [squash(c) for row in table.header for c in row.cells if c.strip()]
    found: list[Identity] = []
    filled = [p for p, label in enumerate(labels) if label]
    if filled and labels[filled[-1]] in totals and everywhere.count(labels[filled[-1]]) == 1:
        total = filled[-1]
        named = tuple(p for p in filled[:-1] if any(r.fullmatch(labels[p]) for r in part_patterns))
        if not named:
            # every column holding a number in the first data row, between the labels and the total
            first = next((r for r in table.data if len(r.cells) > total), None)
            named = tuple(p for p in filled[:-1] if first is not None and p < len(first.cells)
                          and parse_value(first.cells[p]).number is not None)
        if len(named) >= 2:
            found.append(Identity("total_column", total, named))
    for p, label in enumerate(labels):
        m = _COMBINED.match(label)
        if not m:
            continue
        parts = tuple(q for q, other in enumerate(labels) if q != p and other and not _COMBINED.match(other)
                      and (other.startswith(m["a"]) or other.startswith(m["b"])))
        if len(parts) == 2:
            found.append(Identity("combined_column", p, parts))
    return found


def _figure(cell: str):
    value = parse_value(cell)
    if value.flag == "dash":
        return 0, "-", 0, None
    if value.number is None:
        return None
    text = strip_markup(cell)
    digits = re.search(r"\d[\d,]*(?:\.(\d+))?", text)
    unit = re.sub(r"[\d,.\s△\-]+", "", text) or None
    return value.number, text, len(digits[1]) if digits and digits[1] else 0, unit


def extract(report: Report) -> list[dict]:
    if not profile(report).get("table_totals"):
        return []
    rows: list[dict] = []
    for table in report.tables:
        rows.extend(row_identities(report, table))
        found = identities(report, table)
        if not found:
            continue
        labels = _labels(table)
        for row in table.data:
            label = next((squash(c) for c in row.cells if c.strip()), "")
            for identity in found:
                cells = [identity.total, *identity.parts]
                if max(cells) >= len(row.cells):
                    continue
                figures = [_figure(row.cells[p]) for p in cells]
                if any(f is None for f in figures):
                    continue
                for p, (number, printed, scale, unit) in zip(cells, figures):
                    rows.append({
                        "report_id": report.report_id,
                        "row_id": f"t{table.table_no}:L{row.line_no}:c{p}:{identity.kind}:{identity.total}",
                        "source_line": row.line_no,
                        "table_no": table.table_no,
                        "identity_kind": identity.kind,
                        "total_column_no": identity.total,
                        "total_line": row.line_no,
                        "cell_role": TOTAL if p == identity.total else PART,
                        "row_label": label or None,
                        "column_no": p,
                        "column_label": labels[p] if p < len(labels) else None,
                        "value_printed": printed,
                        "amount": number,
                        "printed_scale": scale,
                        "unit": unit,
                        "line_text": row.raw_text,
                    })
    return rows


_ANNOTATED = re.compile(r"^(\d[\d,]*(?:\.\d+)?)\s*\([^()\d]*\)$")  # 7(강원형): a count and a remark
_RATIO = re.compile(r"\(\s*([A-Z])\s*/\s*([A-Z])\s*(%?)\s*\)")  # 도입율 (A/B %)
_LETTER = re.compile(r"\(\s*([A-Z])\s*\)")  # 지원수 (A)
_YEARS = re.compile(r"^(\d+)\s*년$")  # 지원기간 2년
_GROUP_COUNT = re.compile(r"^(?P<name>.*\D)\s*\(\s*(?P<count>\d+)\s*\)$")  # 강원 (8)
_AMOUNT = r"(\d[\d,]*(?:\.\d+)?)\s*(억\s*원|억|백만원|천원|원)"


def _row_figure(cell: str):
    """_figure, or a count followed by a parenthesised remark (`7(강원형)`)."""
    figure = _figure(cell)
    if figure is not None:
        return figure
    match = _ANNOTATED.match(strip_markup(cell))
    if not match:
        return None
    value = parse_value(match[1])
    return value.number, strip_markup(cell), value.scale, None


@dataclass
class _Line:
    """A data row read right-aligned (trailing empty cells dropped): its label and its figures by
    position counted from the right (-1 = last cell)."""
    row: Row
    label: str
    figures: dict[int, tuple]


def _line(row) -> _Line:
    cells = _stripped(row)
    first = next((i for i, c in enumerate(cells) if c.strip()), len(cells))
    label = squash(cells[first]) if first < len(cells) else ""
    figures = {}
    for i in range(first + 1, len(cells)):
        figure = _row_figure(cells[i])
        if figure is not None:
            figures[i - len(cells)] = figure
    return _Line(row, label, figures)


def _record(report, table, line: _Line, position: int, kind: str, role: str, anchor: _Line, anchor_position,
            column_label: str | None) -> dict:
    number, printed, scale, unit = line.figures[position]
    column_no = len(_stripped(line.row)) + position
    anchor_column = None if anchor_position is None else len(_stripped(anchor.row)) + anchor_position
    return {
        "report_id": report.report_id,
        "row_id": f"t{table.table_no}:L{line.row.line_no}:c{column_no}:{kind}:L{anchor.row.line_no}",
        "source_line": line.row.line_no,
        "table_no": table.table_no,
        "identity_kind": kind,
        "total_column_no": anchor_column,
        "total_line": anchor.row.line_no,
        "cell_role": role,
        "row_label": line.label or None,
        "column_no": column_no,
        "column_label": column_label,
        "value_printed": printed,
        "amount": number,
        "printed_scale": scale,
        "unit": unit,
        "line_text": line.row.raw_text,
    }


def _stripped(row) -> list[str]:
    cells = list(row.cells)
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _per_year(report: Report, table: Table, annual_words: list[str]) -> list[dict]:
    """Amounts printed with their yearly share beside a duration: yearly = amount / years."""
    if not annual_words:
        return []
    words = "|".join(re.escape(w) for w in annual_words)
    pattern = re.compile(rf"{_AMOUNT}\s*\(\s*(?:{words})\s*{_AMOUNT}\s*\)")
    out = []
    for row in table.data:
        years = [(p, _YEARS.match(strip_markup(c))) for p, c in enumerate(row.cells)]
        years = [(p, int(m[1])) for p, m in years if m]
        if len(years) != 1:
            continue
        for p, cell in enumerate(row.cells):
            text = strip_markup(cell)
            match = pattern.search(text)
            if not match:
                continue
            total, annual = parse_value(match[1]), parse_value(match[3])
            base = {"report_id": report.report_id, "source_line": row.line_no, "table_no": table.table_no,
                    "identity_kind": "per_year", "total_column_no": p, "total_line": row.line_no,
                    # the item the amount is for: the row's longest text (its first cells repeat a group)
                    "row_label": max((squash(c) for c in row.cells if parse_value(c).flag == "text"
                                      and not _YEARS.match(strip_markup(c)) and not pattern.search(strip_markup(c))),
                                     key=len, default=None),
                    "column_label": squash(table.header[-1].cells[p]) if table.header and p < len(table.header[-1].cells) else None,
                    "line_text": row.raw_text}
            for role, number, printed, scale, unit, column in (
                (RATE, annual.number, match[3] + match[4], annual.scale, squash(match[4]), p),
                (NUMERATOR, total.number, match[1] + match[2], total.scale, squash(match[2]), p),
                (DENOMINATOR, Decimal(years[0][1]), row.cells[years[0][0]].strip(), 0, "년", years[0][0]),
            ):
                out.append(base | {"row_id": f"t{table.table_no}:L{row.line_no}:c{p}:per_year:{role}", "cell_role": role,
                                   "column_no": column, "value_printed": printed, "amount": number,
                                   "printed_scale": scale, "unit": unit})
    return out


def _group_counts(report: Report, table: Table) -> list[dict]:
    """A first-column label ending in a count (`강원 (8)`) = its row and the rows filling down under it."""
    out = []
    rows = table.data
    for i, row in enumerate(rows):
        head = strip_markup(row.cells[0]) if row.cells else ""
        match = _GROUP_COUNT.match(head)
        if not match or not _line(row).figures:
            continue
        members = [row]
        for other in rows[i + 1:]:
            if other.cells and other.cells[0].strip():
                break
            members.append(other)
        if len(members) < 2:
            continue  # the count is of something the row itself lists, not of rows
        column = squash(table.header[-1].cells[0]) if table.header and table.header[-1].cells else None
        out.append({"report_id": report.report_id, "row_id": f"t{table.table_no}:L{row.line_no}:c0:group_count",
                    "source_line": row.line_no, "table_no": table.table_no, "identity_kind": "group_count",
                    "total_column_no": 0, "total_line": row.line_no, "cell_role": TOTAL,
                    "row_label": squash(match["name"]), "column_no": 0, "column_label": column,
                    "value_printed": head, "amount": Decimal(match["count"]), "printed_scale": 0, "unit": None,
                    "line_text": row.raw_text})
        for member in members:
            label = next((squash(c) for c in member.cells[1:] if c.strip()), None)
            out.append({"report_id": report.report_id, "row_id": f"t{table.table_no}:L{member.line_no}:c0:group_member",
                        "source_line": member.line_no, "table_no": table.table_no, "identity_kind": "group_count",
                        "total_column_no": 0, "total_line": row.line_no, "cell_role": PART, "row_label": label,
                        "column_no": 0, "column_label": column, "value_printed": label, "amount": Decimal(1),
                        "printed_scale": 0, "unit": None, "line_text": member.raw_text})
    return out


_YEAR_TOKEN = re.compile(r"^'(\d{2})$")
_LEADING_NUMBER = re.compile(r"^(\d[\d,]*(?:\.\d+)?)\s*\(.*\)$")  # 43.50 (지역특화 1.0 + 성장사다리)


def _matrix_figure(cell: str, labels: set[str]):
    text = strip_markup(cell)
    if not text or text in labels:
        return None
    figure = _figure(cell)
    if figure is not None and figure[0] is not None and text != "-":
        return figure
    match = _LEADING_NUMBER.match(text)
    if match:
        value = parse_value(match[1])
        return value.number, text, value.scale, None
    return None


def _matrix(report: Report, table: Table) -> list[dict]:
    """Figures of an indicator matrix with the indicator and year of their column (module docstring)."""
    spec = profile(report)
    words = [squash(w) for w, _ in spec.get("indicator_units") or ()]
    labels = {str(w) for w in (spec.get("table_totals") or {}).get("matrix_label_numbers") or ()}
    if not words:
        return []
    out: list[dict] = []
    named: list[tuple[int, str]] = []
    columns: dict[int, str] = {}
    for row in table.rows:
        cells = row.cells
        # the indicator as the target tables name it: spacing and the unit parenthesis removed
        found = [(p, re.sub(r"\(.*\)$", "", re.sub(r"\s+", "", strip_markup(c)))) for p, c in enumerate(cells)
                 if c.strip() and any(w in squash(c) for w in words) and parse_value(c).number is None]
        if len(found) >= 2:
            named = found
            continue
        years = [(p, m[1]) for p, m in ((p, _YEAR_TOKEN.match(c.strip())) for p, c in enumerate(cells)) if m]
        if named and len(years) >= 2:
            # periods as roles (the report's year, else the matrix's latest, is the plan year)
            printed = [full_year(int(year)) for _, year in years]
            anchor = report_fiscal_year(report)
            anchor = anchor if anchor in printed else max(printed)
            columns = {}
            for (p, _), year in zip(years, printed):
                indicator = next((name for q, name in reversed(named) if q <= p), None)
                if indicator:
                    columns[p] = f"{indicator} {period_role(str(year), anchor)}"
            named = []
            continue
        if not columns or row.role != "data":
            continue
        label = next((squash(c) for c in cells if c.strip()), None)
        for p, cell in enumerate(cells):
            figure = _matrix_figure(cell, labels)
            if figure is None:
                continue
            number, printed, scale, unit = figure
            out.append({"report_id": report.report_id, "row_id": f"t{table.table_no}:L{row.line_no}:c{p}:restated",
                        "source_line": row.line_no, "table_no": table.table_no, "identity_kind": "restated",
                        "total_column_no": None, "total_line": row.line_no, "cell_role": "figure", "row_label": label,
                        "column_no": p, "column_label": columns.get(p), "value_printed": printed, "amount": number,
                        "printed_scale": scale, "unit": unit, "line_text": row.raw_text})
    return out


def row_identities(report: Report, table: Table) -> list[dict]:
    """Total rows, grids with a total column, ratio rows and share rows (module docstring)."""
    entry = profile(report).get("table_totals") or {}
    totals = set(total_labels(report))  # not 소계: subtotals nest, their parts are not the rows above
    share_words = [squash(w) for w in entry.get("share_rows") or ()]
    out: list[dict] = (_per_year(report, table, entry.get("annual_words") or []) + _group_counts(report, table)
                       + _matrix(report, table))
    # a table whose header names means, shares or rates describes groups: its total row is no plain sum
    mixed = [squash(w) for w in entry.get("non_additive_words") or ()]

    def additive(cells: list[str]) -> bool:
        text = "".join(squash(c) for c in cells)
        return not any(w in text for w in mixed)

    sums_allowed = additive([c for row in table.header for c in row.cells])
    # column labels, right-aligned: the deepest header row until a grid's own header replaces it
    heading = _stripped(table.header[-1]) if table.header else []
    grid_total: int | None = None  # position of the grid's total column (from the right)
    group: list[_Line] = []
    lettered: dict[str, _Line] = {}

    def column_label(position: int) -> str | None:
        return squash(heading[position]) if -len(heading) <= position < 0 and heading[position].strip() else None

    for row in table.rows:
        if row.role != "data":
            if row.role == "header":
                heading, grid_total, group, lettered = _stripped(row), None, [], {}
            continue
        line = _line(row)
        cells = _stripped(row)
        if not line.figures:
            group = []
            if sum(bool(c.strip()) for c in cells) >= 3:  # a grid's own header row
                heading, lettered = cells, {}
                grid_total = -1 if squash(cells[-1]) in totals else None
                sums_allowed = additive(cells)
            continue
        ratio = _RATIO.search(row.cells[0] if row.cells[0].strip() else " ".join(cells))
        if ratio and ratio[1] in lettered and ratio[2] in lettered:
            numerator, denominator = lettered[ratio[1]], lettered[ratio[2]]
            for position in line.figures:
                if position in numerator.figures and position in denominator.figures:
                    label = column_label(position)
                    rate = _record(report, table, line, position, "ratio_row", RATE, line, position, label)
                    rate["unit"] = rate["unit"] or ("%" if ratio[3] else None)
                    out.append(rate)
                    out.append(_record(report, table, numerator, position, "ratio_row", NUMERATOR, line, position, label))
                    out.append(_record(report, table, denominator, position, "ratio_row", DENOMINATOR, line, position,
                                       label))
            continue
        letter = _LETTER.search(" ".join(cells))
        if letter:
            lettered[letter[1]] = line
        if line.label in totals and group and sums_allowed:
            for position in line.figures:
                parts = [g for g in group if position in g.figures]
                if len(parts) != len(group) or len(parts) < 2:
                    continue  # a part that is not a number: not checkable
                label = column_label(position)
                out.append(_record(report, table, line, position, "total_row", TOTAL, line, position, label))
                for part in parts:
                    out.append(_record(report, table, part, position, "total_row", PART, line, position, label))
            group = []
        else:
            group.append(line)
        if grid_total is not None and grid_total in line.figures:
            parts = [p for p in line.figures if p != grid_total and -len(heading) <= p < 0]
            if len(parts) >= 2:
                out.append(_record(report, table, line, grid_total, "total_column", TOTAL, line, grid_total,
                                   column_label(grid_total)))
                for p in sorted(parts):
                    out.append(_record(report, table, line, p, "total_column", PART, line, grid_total, column_label(p)))
        if share_words and any(w in line.label for w in share_words) and len(line.figures) >= 2 \
                and all(f[3] == "%" for f in line.figures.values()) and len(line.figures) == len(cells) - 1:
            for position in sorted(line.figures):
                out.append(_record(report, table, line, position, "share_row", SHARE, line, None, column_label(position)))
    return out


EXTRACTOR = Extractor(
    table="table_total_lines",
    description="Figures of context tables whose header declares a total column (합계, 소계 = its parts) or a "
    "combined column (①+② = ① + ②), with the cells they add up from.",
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
    is_fact=True,
)

__all__ = ["extract", "identities", "EXTRACTOR"]
