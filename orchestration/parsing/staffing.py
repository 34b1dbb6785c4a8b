"""Staffing facts (정·현원, docs/report-families.md 1.5): one row per printed head count, LONG.

Two sources, both found by their labels, never by position in the report:

* staffing tables: a table whose data rows include one labelled 정원 (authorised posts) and one
  labelled 현원 (actual staff) — the labels and the prose words are the family profile's
  (`staffing` in seeds/families/<family>.yaml); a family without them has no staffing tables. Each data row is read against the header: a row's value cells are
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

import functools
from dataclasses import dataclass

from .extractors import Extractor
from .profiles import profile, total_labels
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
    "column_label": "VARCHAR",  # 계, 원장, 1급, 비고, … (null for prose lines)
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

_NUMBER = r"\d[\d,]*"


@dataclass(frozen=True)
class Vocabulary:
    """The family profile's staffing words (profile `staffing`), with the prose patterns built from them."""

    authorised: frozenset[str]
    actual: frozenset[str]
    notes: frozenset[str]
    totals: frozenset[str]
    unit: str  # the unit of head counts (명)
    prose_total: re.Pattern | None  # '총 원 : 190명'
    prose_pair: re.Pattern | None  # '정·현원 : 205명 / 190명', '정원 / 현원 : 53명 / 37명'
    prose_outside: re.Pattern | None  # '정원 외 10명(프로젝트 인력 7, 인터넷방송 무기 3)'
    part: re.Pattern  # one 'label N명' part of the outside-quota parentheses


def _spaced(word: str) -> str:
    """A prose word matched with spacing and ·, / between its characters ignored ('정·현원', '정 원')."""
    return r"[\s·ㆍ/]*".join(re.escape(c) for c in squash(word))


def _alternatives(words) -> str | None:
    words = [w for w in words or () if squash(w)]
    return "(?:" + "|".join(_spaced(w) for w in sorted(words, key=len, reverse=True)) + ")" if words else None


@functools.cache
def _vocabulary(entry: tuple[tuple[str, tuple[str, ...]], ...], totals: frozenset[str]) -> Vocabulary:
    words = dict(entry)
    units = words.get("person_units") or ("명",)
    unit = "(?:" + "|".join(re.escape(u) for u in units) + ")"
    total, pair, outside = (_alternatives(words.get(k)) for k in ("actual_total_words", "pair_words", "outside_quota_words"))
    return Vocabulary(
        authorised=frozenset(squash(w) for w in words.get("authorised_labels") or ()),
        actual=frozenset(squash(w) for w in words.get("actual_labels") or ()),
        notes=frozenset(squash(w) for w in words.get("note_columns") or ()),
        totals=totals,
        unit=units[0],
        prose_total=re.compile(rf"{total}\s*:\s*(?P<actual>{_NUMBER})\s*{unit}") if total else None,
        prose_pair=re.compile(
            rf"{pair}\s*:\s*(?P<authorised>{_NUMBER})\s*{unit}\s*/\s*(?P<actual>{_NUMBER})\s*{unit}"
        ) if pair else None,
        prose_outside=re.compile(rf"{outside}\s*(?P<total>{_NUMBER})\s*{unit}\s*\((?P<parts>[^)]*)\)") if outside else None,
        part=re.compile(rf"(?P<label>[^,\d]+?)\s*(?P<count>{_NUMBER})\s*{unit}?\s*(?:,|$)"),
    )


def vocabulary(report: Report | None) -> Vocabulary:
    entry = profile(report).get("staffing") or {}
    return _vocabulary(tuple(sorted((k, tuple(v)) for k, v in entry.items())), total_labels(report))


def _label(cell: str) -> str:
    return squash(cell)


def find_staffing_tables(report: Report) -> list[Table]:
    words = vocabulary(report)
    if not (words.authorised and words.actual):
        return []
    found = []
    for table in report.tables:
        labels = {_label(r.cells[0]) for r in table.data if r.cells}
        if labels & words.authorised and labels & words.actual and table.header:
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


def _table_rows(report: Report, table: Table, words: Vocabulary) -> list[dict]:
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
                    and headers[parent_depth][p] not in words.totals]
            parent_column = over[-1] if over else None
        else:
            kind = AUTHORISED if label in words.authorised else ACTUAL if label in words.actual else PART
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
                "row_label_raw": (cells[0] or None) if cells else None,  # an empty label cell is no label
                "row_label": strip_markup(cells[0]).replace(" ", "") or None,
                "row_order": order,
                "column_no": p,
                "column_label": column_label,
                "column_group": _group_of(table, depth, p),
                "is_total_column": column_label in words.totals,
                "is_note_column": column_label in words.notes,
                "parent_line": parent_line,
                "parent_column_no": parent_column,
                "value_printed": cells[p],
                "persons": 0 if value.flag == "dash" else int(value.number),
                "value_flag": "dash" if value.flag == "dash" else None,
                "unit": words.unit,
                "period_role": "as_of",
                "as_of": as_of,
                "line_text": row.raw_text,
            })
    return rows


def _prose_rows(report: Report, table: Table, as_of: str | None, words: Vocabulary) -> list[dict]:
    """The staffing prose lines between the table before the staffing table and the table after it.
    A prose total's row label is its printed word (squashed: 정·현원, 총원, 정원외); its parts keep theirs."""
    before = max((t.last_line for t in report.tables if t.last_line < table.first_line), default=0)
    after = min((t.first_line for t in report.tables if t.first_line > table.last_line), default=len(report.lines) + 1)
    rows: list[dict] = []

    def add(line_no, text, kind, label, column_no, printed, is_total=True):
        rows.append({
            "report_id": report.report_id, "row_id": f"prose:L{line_no}:{kind}:{column_no}", "source_line": line_no,
            "table_no": None, "source_kind": "prose", "row_kind": kind, "row_label_raw": label,
            "row_label": squash(label), "row_order": None, "column_no": column_no, "column_label": None,
            "column_group": None, "is_total_column": is_total, "is_note_column": False,
            "parent_line": None, "parent_column_no": None, "value_printed": printed,
            "persons": int(printed.replace(",", "")), "value_flag": None, "unit": words.unit, "period_role": "as_of",
            "as_of": as_of, "line_text": text,
        })

    def word(match: re.Match, group: str) -> str:
        return match.string[match.start(): match.start(group)].split(":")[0].strip()

    for line_no in range(before + 1, after):
        if table.first_line <= line_no <= table.last_line:
            continue
        text = strip_markup(report.lines[line_no - 1])
        if words.prose_pair and (m := words.prose_pair.search(text)):
            add(line_no, text, AUTHORISED, word(m, "authorised"), 1, m["authorised"])
            add(line_no, text, ACTUAL, word(m, "authorised"), 2, m["actual"])
        elif words.prose_total and (m := words.prose_total.search(text)):
            add(line_no, text, ACTUAL, word(m, "actual"), 1, m["actual"])
        if words.prose_outside and (m := words.prose_outside.search(text)):
            add(line_no, text, OUTSIDE_QUOTA, word(m, "total"), 1, m["total"])
            for i, part in enumerate(words.part.finditer(m["parts"]), start=2):
                add(line_no, text, OUTSIDE_QUOTA_PART, part["label"].strip(), i, part["count"], is_total=False)
    return rows


def extract(report: Report) -> list[dict]:
    words = vocabulary(report)
    rows: list[dict] = []
    for table in find_staffing_tables(report):
        table_rows = _table_rows(report, table, words)
        rows += table_rows
        rows += _prose_rows(report, table, table_rows[0]["as_of"] if table_rows else _as_of(report, table), words)
    return rows


EXTRACTOR = Extractor(
    table="staffing_lines",
    description="Head counts (정원 / 현원) by department and grade from staffing tables, and the staffing prose lines.",
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
    is_fact=True,  # head counts are integers: no DECIMAL column tells it is a fact table
)

__all__ = ["extract", "EXTRACTOR", "find_staffing_tables"]
