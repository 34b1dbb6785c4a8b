"""Statistics tables of regional industry plans (docs/report-families.md 4.8): tables that describe a
population by group — counts, shares of the total, means, minima and maxima per group, or yearly
levels with their growth rate. One row of the raw table `group_statistic_lines` per printed figure,
LONG; the identities are checked downstream (rec_group_statistics).

Two shapes, told by the header alone (the words are the family profile's `group_statistics`):

* breakdown (`shape` breakdown): a count column (`개수`, `기업수`) followed by a share column
  (`비중`), and a total row (`TOTAL`, `총계`). When some other rows are bold, the bold rows are the
  groups adding up to the total and the plain rows below each are its members; else every other
  row is a part of the total. Statistic columns of a block that has its own count column (`3년 평균
  매출액 | 개수 최소값 최대값 평균값 중간값`) are read with their measure: a group's mean is its
  members' mean weighted by that count, its minimum and maximum theirs.
* growth (`shape` growth): blocks of yearly columns (`'17년 '21년 '22년`) ending in a growth-rate column
  (`CAGR`), rows grouped by a label filled down (`강원`, `전국`), a total row (`Σ`) per group and its
  numbered parts (`①`, `②`). Years are stored as printed (`period`) with their role relative to the
  report's plan year (periods.period_role); the growth rate's period is the span of its block.

Value cells are right-aligned against the deepest header row (docs/report-families.md 4.3); the top
header row names the block of each column and its unit (`사업체수(개, %)`). `-` is kept as a dash
(0 in counts, no value otherwise).
"""

from __future__ import annotations

import functools
import json
import re

from .budget_plan import report_fiscal_year
from .extractors import Extractor
from .periods import period_role
from .profiles import profile
from .reader import Report, Row, Table
from .target_settings import _filled_right, _year_token
from .values import parse_value, squash, strip_markup

BREAKDOWN, GROWTH, COMPOSITION, SHARE_ROWS = "breakdown", "growth", "composition", "share_rows"
COUNT, SHARE, LEVEL, GROWTH_RATE = "count", "share", "level", "growth_rate"

COLUMNS = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",  # t<table>:L<line>:c<cell>
    "source_line": "INTEGER",
    "table_no": "INTEGER",
    "table_shape": "VARCHAR",  # breakdown | growth | composition | share_rows
    "row_label": "VARCHAR",
    "group_label": "VARCHAR",  # growth: the filled-down group (강원, 전국); breakdown: null
    "row_level": "INTEGER",  # 0 the total row, 1 its parts, 2 members of a part
    "parent_line": "INTEGER",  # source line of the row this one adds into (null for a total row)
    "block_no": "INTEGER",  # the header block (top header row) of the column, numbered from 1
    "block_label": "VARCHAR",
    "column_no": "INTEGER",  # position in the row's value cells, from 1
    "column_label": "VARCHAR",
    "measure": "VARCHAR",  # count | share | min | max | mean | median | level | growth_rate | other
    "period": "VARCHAR",  # growth: the printed year ('2017'), or the span of a growth rate ('2017-2022')
    "period_role": "VARCHAR",  # periods.period_role of the year; 'growth' for a growth rate
    "value_printed": "VARCHAR",
    "value_flag": "VARCHAR",  # null | dash
    "amount": "DECIMAL(18,4)",
    "printed_scale": "INTEGER",
    "unit": "VARCHAR",
    "line_text": "VARCHAR",
    "printed_in": "VARCHAR",  # table | prose (a growth rate the sentence above its table restates)
}

_PAREN = re.compile(r"\(([^()]*)\)")
_COUNT = re.compile(r"^(?P<label>.*?)\s*(?P<count>\d[\d,]*)\s*개$")  # `63개`, `기술혁신형 6개`
_COUNT_SHARE = re.compile(r"^(?P<count>\d[\d,]*)\s*개\s*\(\s*(?P<share>\d+(?:\.\d+)?)\s*%\s*\)$")  # `4개 (1.6%)`
_NOT_UNIT = re.compile(r"\d|'")
# `사업체수(8.48%↑)`, `사업체수 (15.68%↑)`, `생산액+매출액(4.34%↑)` in the sentence above a growth table
_PROSE_RATE = re.compile(r"(?P<word>[^\s,()]+)\s*\(\s*(?P<rate>\d+(?:\.\d+)?)\s*%\s*(?P<arrow>[↑↓])\s*\)")


@functools.cache
def _words(entry: str) -> dict:
    data = json.loads(entry)
    measures = {m: tuple(squash(w) for w in words) for m, words in (data.get("measures") or {}).items()}
    return {
        "totals": {squash(w).casefold() for w in data.get("total_labels") or ()},
        "measures": measures,
        "growth": tuple(squash(w) for w in data.get("growth_columns") or ()),
        "base_words": tuple(squash(w) for w in data.get("share_base_words") or ()),
    }


def _settings(report: Report) -> dict | None:
    entry = profile(report).get("group_statistics")
    return _words(json.dumps(entry, sort_keys=True, ensure_ascii=False)) if entry else None


def _measure(label: str, words: dict) -> str | None:
    key = squash(label)
    for measure, spellings in words["measures"].items():
        if any(key.startswith(w) or key.endswith(w) for w in spellings):
            return measure
    return None


def _block_unit(block: str, measure: str | None, table: Table) -> str | None:
    """The unit a block label prints in its parenthesis (`사업체수(개, %)` -> 개, its rate %); a count
    without one takes the first unit of the table's unit line (`(단위: 개사, %, 백만원)`)."""
    if measure in (SHARE, GROWTH_RATE):
        return "%"
    for group in _PAREN.findall(block):
        units = [u.strip() for u in group.split(",") if u.strip() and not _NOT_UNIT.search(u)]
        units = [u for u in units if u != "%"]
        if units:
            return units[0]
    if measure == COUNT and table.units:
        return table.units[0]
    return None


def _columns(table: Table) -> tuple[list[str], list[str]] | None:
    """(block label, column label) of each value column, left to right: the deepest header row's
    labels after its label column(s), and the top header row's label above each (filled right)."""
    headers = [r for r in table.rows if r.role == "header"]
    if not headers:
        return None
    deep = [strip_markup(c) for c in headers[-1].cells]
    while deep and not deep[-1]:
        deep.pop()
    first = next((i for i, c in enumerate(deep) if c and i > 0), None)
    if first is None:
        return None
    top = _filled_right([strip_markup(c) for c in headers[0].cells] + [""] * len(deep))[: len(deep)]
    if len(headers) == 1:
        top = [""] * len(deep)
    return top[first:], deep[first:]


def _value_cells(row: Row, width: int) -> tuple[list[str], list[str]] | None:
    """(labels, the last `width` cells): None when the row has fewer cells than that."""
    cells = list(row.cells)
    while cells and not cells[-1].strip():
        cells.pop()
    if len(cells) <= width:
        return None
    return [strip_markup(c) for c in cells[:-width]], cells[-width:]


def _figure(cell: str) -> tuple[object, str | None, int, str] | None:
    """(number, flag, printed scale, printed text); None for a cell that is not a figure."""
    value = parse_value(cell)
    if value.flag == "dash":
        return None, "dash", 0, strip_markup(cell)
    if value.number is None:
        return None
    return value.number, None, value.scale, strip_markup(cell)


def _shape(blocks: list[str], labels: list[str], words: dict) -> tuple[str, list[str | None]] | None:
    measures = [_measure(label, words) for label in labels]
    if any(squash(label) in words["growth"] for label in labels):
        out: list[str | None] = []
        for label in labels:
            if squash(label) in words["growth"]:
                out.append(GROWTH_RATE)
            else:
                out.append(LEVEL if _year_token(label) else None)
        if out.count(GROWTH_RATE) and out.count(LEVEL) >= 2:
            return GROWTH, out
        return None
    shares = [i for i, m in enumerate(measures) if m == SHARE and i > 0 and measures[i - 1] == COUNT]
    if not shares:
        return None
    # a share column is one beside a count; any other 비중 column is another statistic
    measures = [m if m != SHARE or i in shares else "other" for i, m in enumerate(measures)]
    return BREAKDOWN, [m or "other" for m in measures]


def _block_numbers(blocks: list[str]) -> list[int]:
    numbers, last, n = [], None, 0
    for block in blocks:
        if block != last:
            n, last = n + 1, block
        numbers.append(n)
    return numbers


def _row_label(labels: list[str]) -> str:
    return next((squash(c) for c in reversed(labels) if c.strip()), "")


def _breakdown_rows(data: list[Row], width: int, words: dict) -> list[tuple[Row, str, int, int | None, str | None]]:
    """(row, label, level, parent line, group) of the rows of a breakdown table; [] without a total row."""
    rows = []
    for row in data:
        split = _value_cells(row, width)
        if split is None:
            continue
        label = next((squash(c) for c in split[0] if c.strip()), "")
        rows.append((row, label, any(row.bold[: len(split[0])]) if row.bold else False))
    total = next((r for r in rows if r[1].casefold() in words["totals"]), None)
    if total is None:
        return []
    others = [r for r in rows if r is not total]
    grouped = any(bold for _, _, bold in others) and not all(bold for _, _, bold in others)
    out = [(total[0], total[1], 0, None, None)]
    group = None
    for row, label, bold in others:
        if not grouped or bold:
            group = row if grouped else None
            out.append((row, label, 1, total[0].line_no, None))
        elif group is not None:
            out.append((row, label, 2, group.line_no, None))
    return out


def _growth_rows(data: list[Row], width: int, words: dict) -> list[tuple[Row, str, int, int | None, str | None]]:
    """Rows of a growth table: a total row per filled-down group, its parts below it."""
    out = []
    group, total = None, None
    for row in data:
        split = _value_cells(row, width)
        if split is None:
            continue
        labels = split[0]
        if labels and labels[0].strip() and len(labels) > 1:
            group, total = squash(labels[0]), None
        label = _row_label(labels)
        if label.casefold() in words["totals"]:
            total = row
            out.append((row, label, 0, None, group))
        elif total is not None:
            out.append((row, label, 1, total.line_no, group))
    return out


def _layout(table: Table, words: dict) -> tuple[list[str], list[str], str, list[str | None], list[Row]] | None:
    """(blocks, column labels, shape, measures, data rows) of a statistics table: read with its header,
    or a breakdown printed inside a larger table (a layout table of an industry's profile): a row of
    its own whose cells are such a header, its data the rows below it down to its total row."""
    columns = _columns(table)
    if columns:
        shape = _shape(*columns, words)
        if shape:
            return columns[0], columns[1], shape[0], shape[1], table.data
    for at, row in enumerate(table.data):
        cells = [strip_markup(c) for c in row.cells]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) < 3 or not all(cells) or any(parse_value(c).number is not None for c in cells):
            continue
        labels = cells[1:]
        shape = _shape([""] * len(labels), labels, words)
        if not shape or shape[0] != BREAKDOWN:
            continue
        data = []
        for below in table.data[at + 1:]:
            data.append(below)
            if squash(below.cells[0]).casefold() in words["totals"] if below.cells else False:
                break
        return [""] * len(labels), labels, BREAKDOWN, shape[1], data
    return None


def _split_joined(labels: str, values: str) -> list[tuple[str, str]] | None:
    """A members cell and its counts cell, each possibly holding several joined by spaces
    (`기술(예비) 시장(예비)` | `3 66`): the pairs, or None when they do not pair up as counts."""
    names, counts = strip_markup(labels).split(), strip_markup(values).split()
    if len(names) > 1 and len(names) == len(counts):
        pairs = list(zip(names, counts))
    else:
        pairs = [(strip_markup(labels), strip_markup(values))]
    if not all(n and parse_value(n).number is None and parse_value(c).number is not None for n, c in pairs):
        return None
    return pairs


def _composition(report: Report, table: Table) -> list[dict]:
    """A headerless list of groups and their members: `A | 10 | 선도 | 10`, `B | 26 | 기술(예비) | 6`,
    `  |    | 시장(예비) | 20` (or the members of a group joined in one cell: `기술(예비) 시장(예비) | 3 66`).
    Each group's count (level 0) and its members' counts (level 1, in the group's count column)."""
    if table.header or len(table.data) < 2:
        return []
    rows, group, joined = [], None, False
    for row in table.data:
        cells = [c for c in row.cells]
        while cells and not cells[-1].strip():
            cells.pop()
        if len(cells) != 4:
            return []
        label, count = strip_markup(cells[0]), cells[1]
        members = _split_joined(cells[2], cells[3])
        if members is None:
            return []
        if label:
            total = parse_value(count)
            if parse_value(label).number is not None or total.number is None:
                return []
            group = (row, squash(label), total)
            rows.append((row, group[1], 0, None, None, 2, count))
        elif group is None or count.strip():
            return []
        joined = joined or len(members) > 1 or not label
        for k, (name, value) in enumerate(members):
            rows.append((row, squash(name), 1, group[0].line_no, group[1], 4 if len(members) == 1 else f"4.{k + 1}", value))
    if not joined:
        return []  # every group a single member on its own line: a two-column list, no composition
    out = []
    for row, label, level, parent, group_label, cell, printed in rows:
        value = parse_value(printed)
        out.append({
            "report_id": report.report_id,
            "row_id": f"t{table.table_no}:L{row.line_no}:c{cell}",
            "source_line": row.line_no,
            "table_no": table.table_no,
            "table_shape": COMPOSITION,
            "row_label": label or None,
            "group_label": group_label,
            "row_level": level,
            "parent_line": parent,
            "block_no": 1,
            "block_label": None,
            "column_no": 1,  # members count in their group's count column
            "column_label": None,
            "measure": COUNT,
            "period": None,
            "period_role": None,
            "value_printed": strip_markup(printed),
            "value_flag": None,
            "amount": value.number,
            "printed_scale": value.scale,
            "unit": value.unit or (table.units[0] if table.units else None),
            "line_text": row.raw_text,
            "printed_in": "table",
        })
    return out


def _count_cell(cell: str) -> tuple[str, str] | None:
    """(member label, printed count) of a count cell (`63개`, `기술혁신형 6개`); None for anything else."""
    match = _COUNT.match(strip_markup(cell))
    return (squash(match["label"]), match["count"]) if match else None


def _is_share(cell: str) -> bool:
    value = parse_value(cell)
    return value.number is not None and value.unit == "%"


def _share_rows(report: Report, table: Table, words: dict, after: int = 0) -> list[dict]:
    """Rows of counts each followed by a row of their shares (`분석모수 | 개수 | 63개 | 1개 | 27개` then
    `310개 | 비중 | 20.3% | 0.3% | 8.7%`), told by the count and share words of their label cells; the base
    of the shares is the count printed among the label cells (`310개`), else the nearest line above the
    table, after line `after` (the previous such table), that names the population with one of the
    profile's `share_base_words` (`■ 혁신성 지수: 310개 기업 대상 …`). Cells printing a count with its
    share (`4개 (1.6%)`) pair within themselves. A table with no base is not read."""
    def labels(row: Row) -> list[str]:
        """The label cells: the first cell (it may print the base), then cells up to the first figure."""
        out = list(row.cells[:1])
        for cell in row.cells[1:]:
            if _is_share(cell) or (_count_cell(cell) and not _COUNT.match(strip_markup(cell))["label"]):
                break
            out.append(cell)
        return out

    base, pairs = None, []
    data = table.data
    for upper, lower in zip(data, data[1:]):
        counts_at, shares_at = labels(upper), labels(lower)
        if COUNT not in {_measure(c, words) for c in counts_at if c.strip()} or \
                SHARE not in {_measure(c, words) for c in shares_at if c.strip()}:
            continue
        for cell in counts_at + shares_at:
            match = _COUNT.match(strip_markup(cell))
            if base is None and match and not match["label"]:
                base = (upper if cell in counts_at else lower, cell)
        pairs.append((upper, lower, squash(next((c for c in counts_at if c.strip() and not _COUNT.match(strip_markup(c))), ""))))
    if not pairs:
        return []
    if base is not None:
        base_row, base_cell = base
        base_position = base_row.cells.index(base_cell)
        out = [_figure_row(report, table, base_row, f"c{base_position + 1}", pairs[0][2] or None, 0, None, 0,
                           base_position + 1, COUNT, base_cell, parse_value(base_cell))]
        base_line = base_row.line_no
    else:
        named = _named_base(report, table, words, after)
        if named is None:
            return []
        base_line, word, printed = named
        line = Row(line_no=base_line, cells=[report.lines[base_line - 1]], bold=[False],
                   raw_text=report.lines[base_line - 1])
        out = [_figure_row(report, table, line, "base", word, 0, None, 0, 0, COUNT, printed, parse_value(printed))]
    for block, (upper, lower, row_label) in enumerate(pairs, start=1):
        for position, cell in enumerate(lower.cells):
            joined = _COUNT_SHARE.match(strip_markup(cell))
            if joined:
                figures = [(lower, f"c{position + 1}:count", COUNT, f"{joined['count']}개"),
                           (lower, f"c{position + 1}:share", SHARE, f"{joined['share']}%")]
                label = row_label
            elif _is_share(cell) and position < len(upper.cells) and _count_cell(upper.cells[position]):
                member, count = _count_cell(upper.cells[position])
                figures = [(upper, f"c{position + 1}", COUNT, f"{count}개"), (lower, f"c{position + 1}", SHARE, cell)]
                label = member or row_label
            else:
                continue
            for row, cell_id, measure, printed in figures:
                out.append(_figure_row(report, table, row, cell_id, label or None, 1, base_line, block,
                                       position + 1, measure, printed, parse_value(printed)))
    return out


_NAMED_BASE = re.compile(r"(\d[\d,]*)\s*개")


def _named_base(report: Report, table: Table, words: dict, after: int) -> tuple[int, str, str] | None:
    """(line, base word, printed count) of the nearest line above the table, after line `after`, that names
    a population with a base word and a count (`혁신성 지수: 310개 기업`)."""
    for number in range(table.first_line - 1, after, -1):
        text = strip_markup(report.lines[number - 1])
        key = squash(text)
        word = next((w for w in words["base_words"] if w in key), None)
        if word is None:
            continue
        at = key.index(word) + len(word)
        match = _NAMED_BASE.search(key[at:])
        if match:
            return number, word, f"{match[1]}개"
    return None


def _figure_row(report: Report, table: Table, row: Row, cell_id: str, label: str | None, level: int,
                parent: int | None, block: int, column: int, measure: str, printed: str, value) -> dict:
    return {
        "report_id": report.report_id,
        "row_id": f"t{table.table_no}:L{row.line_no}:{cell_id}",
        "source_line": row.line_no,
        "table_no": table.table_no,
        "table_shape": SHARE_ROWS,
        "row_label": label,
        "group_label": None,
        "row_level": level,
        "parent_line": parent,
        "block_no": block,
        "block_label": None,
        "column_no": column,
        "column_label": None,
        "measure": measure,
        "period": None,
        "period_role": None,
        "value_printed": strip_markup(printed),
        "value_flag": None,
        "amount": value.number,
        "printed_scale": value.scale,
        "unit": "%" if measure == SHARE else value.unit,
        "line_text": row.raw_text,
        "printed_in": "table",
    }


def extract(report: Report) -> list[dict]:
    words = _settings(report)
    if not words:
        return []
    report_year = report_fiscal_year(report)
    rows: list[dict] = []
    after_share_table = 0  # a share-rows table's base named in prose is looked for after the previous one
    previous_end = 0  # the sentences restating a growth table's rates are those after the previous table
    for table in report.tables:
        after, previous_end = previous_end, table.last_line
        found = _layout(table, words)
        if not found:
            composition = _composition(report, table)
            shares = [] if composition else _share_rows(report, table, words, after_share_table)
            if shares:
                after_share_table = table.last_line
            rows += composition + shares
            continue
        blocks, labels, kind, measures, data = found
        width = len(labels)
        placed = (_growth_rows if kind == GROWTH else _breakdown_rows)(data, width, words)
        numbers = _block_numbers(blocks)
        years = [_year_token(label) if m == LEVEL else None for label, m in zip(labels, measures)]
        start = len(rows)
        for row, label, level, parent, group in placed:
            cells = _value_cells(row, width)[1]
            for index, (cell, measure) in enumerate(zip(cells, measures)):
                if measure is None:
                    continue
                figure = _figure(cell)
                if figure is None:
                    continue
                number, flag, scale, printed = figure
                period, role = None, None
                if kind == GROWTH:
                    block_years = [y for y, n in zip(years, numbers) if y and n == numbers[index]]
                    if measure == GROWTH_RATE:
                        if len(block_years) < 2:
                            continue
                        period, role = f"{min(block_years)}-{max(block_years)}", "growth"
                    else:
                        period = str(years[index])
                        role = period_role(period, report_year)
                rows.append({
                    "report_id": report.report_id,
                    "row_id": f"t{table.table_no}:L{row.line_no}:c{index + 1}",
                    "source_line": row.line_no,
                    "table_no": table.table_no,
                    "table_shape": kind,
                    "row_label": label or None,
                    "group_label": group,
                    "row_level": level,
                    "parent_line": parent,
                    "block_no": numbers[index],
                    "block_label": squash(blocks[index]) or None,
                    "column_no": index + 1,
                    "column_label": squash(labels[index]),
                    "measure": measure,
                    "period": period,
                    "period_role": role,
                    "value_printed": printed,
                    "value_flag": flag,
                    "amount": number,
                    "printed_scale": scale,
                    "unit": _block_unit(blocks[index], measure, table),
                    "line_text": row.raw_text,
                    "printed_in": "table",
                })
        if kind == GROWTH:
            rows += _prose_rates(report, table, rows[start:], after)
    return rows


def _prose_rates(report: Report, table: Table, table_rows: list[dict], after: int) -> list[dict]:
    """Growth rates the sentences between the previous table (line `after`) and a growth table restate
    (`… 사업체수(8.48%↑), 생산액(11.55%↑) …`): each of a group's total row, the group the sentence names
    first (`강원 … 산업은 … 전국 대비`), the block whose label is the word with its unit (`사업체수(개, %)`);
    ↓ is a decrease."""
    totals = [r for r in table_rows if r["measure"] == GROWTH_RATE and r["row_level"] == 0 and r["group_label"]]
    out = []
    for number in range(after + 1, table.first_line):
        text = strip_markup(report.lines[number - 1])
        key = squash(text)
        # the group the sentence names first is its subject (`강원 … 산업은 … 전국 대비 …`)
        groups = sorted((key.index(g), g) for g in dict.fromkeys(r["group_label"] for r in totals) if g in key)
        if not groups:
            continue
        group = groups[0][1]
        for match in _PROSE_RATE.finditer(text):
            word = squash(match["word"])
            rate = next((r for r in totals if r["group_label"] == group
                         and (r["block_label"] or "").startswith(word + "(")), None)
            if rate is None:
                continue
            value = parse_value(("△" if match["arrow"] == "↓" else "") + match["rate"])
            out.append(dict(rate, row_id=f"t{table.table_no}:L{number}:prose:b{rate['block_no']}", source_line=number,
                            column_label=word, value_printed=match[0], value_flag=None, amount=value.number,
                            printed_scale=value.scale, line_text=report.lines[number - 1], printed_in="prose"))
    return out


EXTRACTOR = Extractor(
    table="group_statistic_lines",
    description="Figures of statistics tables by group: counts with their shares of the total, group means, "
    "minima and maxima (breakdown), and yearly levels with their growth rate (growth), each with its row's "
    "place (total, part, member) and its column's block and measure.",
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
    is_fact=True,
)

__all__ = ["extract", "EXTRACTOR"]
