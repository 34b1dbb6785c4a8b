"""Budget execution facts: 예산액 / 집행액 / 잔액 / 집행률 with 비고 or 사유 (docs/report-families.md 2.2, 3.2, 6.1, 6.2).

One raw row per printed row of every execution table. A table is recognized by its header (a row
with 예산액, 집행액, 잔액 and 집행률 cells), never by its number; its kind (`table_key`) comes from the
title / heading printed above it. A table printed over several page chunks that the reader keeps apart
(a chunk whose header is spelled with one cell less) is joined to the table above it when only blank
and unit lines lie between them and it does not open with its own 계 row.

Hierarchy (through `parent_row_id`):
- the first 계 / 합계 / 총계 row is the root of its (logical) table;
- flat tables with implicit groups (총괄: 사업지출, 사업외지출; 재단운영지출: 재단운영비; 수익사업지출:
  시설장비운영비) use the profile's `execution_groups`: a group row takes the following rows as children until one of its
  closing labels (a sibling printed after the children, e.g. 자산취득비) or the next group row;
- everything else points to the root (numbered projects, the STI projects by strategic goal).
A table root that details a 총괄 row carries that row in `summary_row_id` (재단운영지출 계 → 총괄
재단운영지출; 목적사업비 계 and 수탁사업비 계 → 총괄 고유목적사업지출).

Value cells are located on the header positions; a row whose three amounts sit elsewhere (a lost
leading empty cell, an extra cell) is realigned on them and flagged `realigned`. Printed numbers are
never changed; `rate_computed` is left to the mart.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .extractors import Extractor
from .profiles import profile, total_labels
from .reader import Report, Row, Table
from .structure import match_department, numbered_entries
from .values import (
    UNIT_FACTORS,
    clean_name,
    is_value_like,
    memoize,
    parse_date,
    parse_unit_line,
    parse_value,
    squash,
    strip_markup,
    to_won,
)

COLUMNS: dict[str, str] = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",  # 't29:L1865'
    "parent_row_id": "VARCHAR",
    "summary_row_id": "VARCHAR",  # for a detail table's root: the 총괄 row it details
    "source_line": "INTEGER",
    "table_no": "INTEGER",  # reader table of the printed row
    "logical_table_no": "INTEGER",  # reader table where the (page-split) table starts
    "table_key": "VARCHAR",  # English gloss of the table
    "table_name": "VARCHAR",  # Korean, as printed in the title
    "row_order": "INTEGER",  # 1-based position inside the logical table
    "level": "INTEGER",  # root 0
    "row_kind": "VARCHAR",  # total | group | item
    "is_total": "BOOLEAN",  # the row is the sum of other rows (root or group)
    "item_no": "INTEGER",  # printed row number (number cell or glued to the name)
    "label_raw": "VARCHAR",  # label cells as printed
    "item_name": "VARCHAR",  # cleaned name, number split off
    "department_no": "INTEGER",  # TOC department named inside the name, else NULL
    "department": "VARCHAR",
    "group_label_raw": "VARCHAR",  # 구분 as printed (filled down)
    "group_name": "VARCHAR",
    "goal_no": "INTEGER",  # TOC strategic goal of the 구분 group
    "goal_name": "VARCHAR",
    "unit": "VARCHAR",  # money unit of the amounts (천원)
    "as_of": "DATE",
    "budget_printed": "VARCHAR",
    "budget": "DECIMAL(38,4)",
    "budget_won": "DECIMAL(38,0)",
    "budget_flag": "VARCHAR",
    "executed_printed": "VARCHAR",
    "executed": "DECIMAL(38,4)",
    "executed_won": "DECIMAL(38,0)",
    "executed_flag": "VARCHAR",
    "balance_printed": "VARCHAR",
    "balance": "DECIMAL(38,4)",
    "balance_won": "DECIMAL(38,0)",
    "balance_flag": "VARCHAR",
    "rate_printed": "VARCHAR",
    "rate_reported": "DECIMAL(38,4)",  # as printed, % (NULL if blank)
    "rate_scale": "INTEGER",  # decimals printed
    "rate_flag": "VARCHAR",
    "note_label": "VARCHAR",  # 비고 / 사유 header as printed
    "note_printed": "VARCHAR",
    "note_text": "VARCHAR",
    "note_kind": "VARCHAR",  # date | not_granted | dash | text | NULL (blank)
    "grant_date": "DATE",
    "grant_status": "VARCHAR",  # granted | not_granted | NULL
    "flags": "VARCHAR",
}

TABLE_KEYS = (
    "execution_summary",
    "foundation_operations",
    "revenue_business",
    "own_purpose_projects",
    "commissioned_projects",
    "other",
)

# Table kinds, the 총괄 row a detail table restates and the implicit groups of the flat 예산과목 tables
# are family vocabulary: the profile's `execution_table_kinds`, `execution_summary_rows` and
# `execution_groups` (docs/report-families.md 2.2, 6.1).


def _table_kinds(report: Report) -> tuple[tuple[str, str], ...]:
    """(word of the squashed title, table key), most specific first."""
    kinds = tuple((squash(word), key) for word, key in profile(report).get("execution_table_kinds") or ())
    unknown = sorted({key for _, key in kinds} - set(TABLE_KEYS))
    if unknown:
        raise ValueError(f"execution_table_kinds of the family profile name unknown table keys {unknown} (known: {TABLE_KEYS})")
    return kinds


def _summary_row_for(report: Report) -> dict[str, str]:
    """Table key -> the 총괄 row (squashed) its 계 restates or feeds."""
    return {key: squash(label) for key, label in (profile(report).get("execution_summary_rows") or {}).items()}


def _groups(report: Report) -> dict[str, tuple[str, ...]]:
    """Group label -> labels that close it (siblings printed after its children), squashed. A group
    also ends at the next group label."""
    return {
        squash(label): tuple(squash(c) for c in closers or ())
        for label, closers in (profile(report).get("execution_groups") or {}).items()
    }


_MEASURES = ("budget", "executed", "balance")


def header_words(report: Report) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(column, its header words and synonyms) from the family profile's `execution_headers`
    (예산액 / 예산 / 예산현액, 집행액 / 집행 / 집행실적, …; docs/report-families.md 2.2, 3.2)."""
    spec = profile(report).get("execution_headers") or {}
    return tuple((column, tuple(words)) for column, words in spec.items())

_BULLET = re.compile(r"^[\s#*□○■▪•·◆\-]+")
_GLUED_NUMBER = re.compile(r"^(\d{1,3})\s+(\S.*)$")
_DEPT_SUFFIX = (re.compile(r"\(([^()]+)\)\s*$"), re.compile(r"\s-\s*([^-]+?)\s*$|(?<=\S)-([^-\s][^-]*?)\s*$"))


# ---------------------------------------------------------------------------------------------
# Finding the tables


@memoize
def _header_columns(cell: str, words: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """The header columns a cell's label may stand for: the column of the longest word the label
    contains first (집행률 before 집행, 예산과목 before 예산), of two as long the one printed last
    (집행잔액: 잔액, the head of the compound), then in profile order."""
    key = squash(cell)
    if not key:
        return ()
    matches = []
    for order, (column, column_words) in enumerate(words):
        found = [(len(w), key.rfind(w)) for w in column_words if w in key]
        if found:
            length, at = max(found)
            matches.append((-length, -at, order, column))
    return tuple(match[-1] for match in sorted(matches))


def _header_map(row: Row, words: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, int] | None:
    """Column positions of an execution header row, or None when the row is not one."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row.cells):
        for column in _header_columns(cell, words):  # the first one not taken yet
            if column not in found:
                found[column] = index
                break
    if all(m in found for m in _MEASURES) and found["budget"] < found["executed"] < found["balance"]:
        return found
    return None


def _table_header(table: Table, words: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[Row, dict[str, int]] | None:
    for row in table.rows[:4]:
        if row.role in ("header", "data"):
            columns = _header_map(row, words)
            if columns:
                return row, columns
    return None


def _table_name(table: Table) -> str | None:
    for text in (table.title, table.heading):
        if text and not parse_unit_line(text):
            return clean_name(_BULLET.sub("", strip_markup(text))) or None
    return None


def _table_key(name: str | None, kinds: tuple[tuple[str, str], ...]) -> str:
    key = squash(name or "")
    for word, table_key in kinds:
        if word in key:
            return table_key
    return "other"


def _only_blank_or_unit_between(report: Report, last_line: int, first_line: int) -> bool:
    for number in range(last_line + 1, first_line):
        text = strip_markup(report.line(number))
        if text and not parse_unit_line(text):
            return False
    return True


def _first_label(row: Row, columns: dict[str, int]) -> str:
    for cell in row.cells[: columns["budget"]]:
        if cell.strip():
            return squash(cell)
    return ""


def execution_tables(report: Report) -> list[dict]:
    """Logical execution tables: {'tables': [(Table, header row, columns)], 'key', 'name', ...}."""
    logical: list[dict] = []
    words = header_words(report)
    totals = total_labels(report)
    kinds = _table_kinds(report)
    if not words:
        return logical
    for table in report.tables:
        found = _table_header(table, words)
        if not found:
            continue
        header, columns = found
        data = [r for r in table.rows if r.role == "data" and r is not header]
        opens_with_total = bool(data) and _first_label(data[0], columns) in totals
        previous = logical[-1] if logical else None
        if (
            previous
            and not opens_with_total
            and _only_blank_or_unit_between(report, previous["tables"][-1][0].last_line, table.first_line)
        ):
            previous["tables"].append((table, header, columns))
            continue
        name = _table_name(table)
        logical.append(
            {
                "tables": [(table, header, columns)],
                "name": name,
                "key": _table_key(name, kinds),
                "logical_table_no": table.table_no,
            }
        )
    return logical


# ---------------------------------------------------------------------------------------------
# Rows


def _money_unit(tables: list[Table], fallback: str | None) -> str | None:
    for table in tables:
        for unit in table.units:
            if unit in UNIT_FACTORS:
                return unit
    return fallback


def _locate_values(cells: list[str], columns: dict[str, int]) -> tuple[int, bool]:
    """Where the budget cell really is. At the header position when budget, executed and balance read
    as values there, the cell before them is not a number (a name, a row number cell or empty) and a
    printed rate reads as a value; else the nearest position where that holds (a row that lost its
    leading empty cell has its name in 구분 and its values one cell left)."""
    budget_at = columns["budget"]
    rate_offset = columns["rate"] - budget_at if "rate" in columns else None

    def fits(position: int) -> bool:
        window = cells[position : position + 3]
        if position < 0 or len(window) != 3 or not all(is_value_like(c) for c in window):
            return False
        before = cells[position - 1] if position >= 1 else ""
        if before.strip() and parse_value(before).number is not None and position - 1 > 0:
            return False  # a number where the name belongs (a number cell in column 0 is fine)
        if rate_offset is not None and position + rate_offset < len(cells):
            rate = cells[position + rate_offset]
            if rate.strip() and not is_value_like(rate):
                return False
        return True

    for shift in (0, -1, 1, -2, 2):
        if fits(budget_at + shift):
            return budget_at + shift, True
    return budget_at, False


def _department(name: str, departments: dict[int, str]) -> tuple[int, str] | None:
    """A TOC department carried at the end of a name: '…(정책기획단)', '… -정책기획단'."""
    if not departments:
        return None
    candidates = []
    paren = _DEPT_SUFFIX[0].search(name)
    if paren:
        candidates.append(paren.group(1))
    dash = _DEPT_SUFFIX[1].search(name)
    if dash:
        candidates.append(dash.group(1) or dash.group(2))
    for candidate in candidates:
        key = squash(candidate or "")
        if len(key) < 3:
            continue
        match = match_department(candidate, departments)
        # containment is allowed only for near-complete spellings ('기업지원' for '기업지원단')
        if match and len(key) >= 0.75 * len(squash(match[1])):
            return match
    return None


def _goal(label: str, goals: dict[int, str], next_goal: int | None) -> tuple[int, str] | None:
    """The TOC strategic goal a (garbled) 구분 label names: the closest title, if close enough; the
    goal next in TOC order wins a near tie."""
    if not goals:
        return None
    key = squash(label)
    scored = []
    for number, title in goals.items():
        ratio = difflib.SequenceMatcher(None, key, squash(title)).ratio()
        scored.append((ratio + (0.05 if number == next_goal else 0), ratio, number, title))
    scored.sort(reverse=True)
    _, ratio, number, title = scored[0]
    return (number, title) if ratio >= 0.6 else None


def _note(cell: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(note_text, note_kind, grant_date, grant_status) of a 비고 / 사유 cell."""
    text = strip_markup(cell)
    if not text:
        return None, None, None, None
    if parse_value(text).flag == "dash":
        return text, "dash", None, None
    date = parse_date(text)
    if date:
        return text, "date", date, "granted"
    if squash(text) == "미교부":
        return text, "not_granted", None, "not_granted"
    return text, "text", None, None


def _is_numbered(rows: list[tuple[list[str], int]], totals: frozenset[str]) -> bool:
    """A numbered table: most non-total rows start with a row number (own cell or glued)."""
    hits = total = 0
    for cells, budget_at in rows:
        labels = [c for c in cells[:budget_at] if c.strip()]
        if not labels or squash(labels[0]) in totals:
            continue
        total += 1
        if labels[0].strip().isdigit() or _GLUED_NUMBER.match(labels[0].strip()):
            hits += 1
    return total > 0 and hits * 2 >= total


def _prepared_rows(logical: dict, words) -> list[dict]:
    """Cells of every data row of a logical table, aligned on the header positions (a page's own
    header, when it repeats with another layout, aligns the rows after it)."""
    prepared = []
    for table, header, columns in logical["tables"]:
        for row in table.rows:
            if row is header or row.role not in ("data", "repeated_header"):
                continue
            again = _header_map(row, words)
            if again:  # a page's header (its layout may differ: '사업명 | | 예산액' vs '사업명 | 예산액')
                header, columns = row, again
                continue
            if row.role != "data" or not any(c.strip() for c in row.cells):
                continue
            raw = row.raw_text.split("\t")
            if len(raw) != len(row.cells):  # pragma: no cover - the reader splits the same line
                raw = list(row.cells)
            found_at, ok = _locate_values(row.cells, columns)
            cells, raw_cells, flags = list(row.cells), list(raw), []
            if found_at < columns["budget"]:  # lost leading cell(s): pad on the left
                pad = columns["budget"] - found_at
                cells, raw_cells = [""] * pad + cells, [""] * pad + raw_cells
            if found_at != columns["budget"]:
                flags.append("realigned")
            if not ok:
                flags.append("values_not_found")
            prepared.append(
                {
                    "table": table,
                    "row": row,
                    "cells": cells,
                    "raw": raw_cells,
                    "columns": columns,
                    "header": header,
                    # extra cells before the values stay in the label part
                    "budget_at": max(found_at, columns["budget"]),
                    "flags": flags,
                }
            )
    return prepared


def _label(p: dict, numbered: bool) -> tuple[str | None, int | None, str | None, str, str]:
    """(label_raw, item_no, item name, group cell, group cell as printed) of a prepared row."""
    cells, raw, budget_at, group_at = p["cells"], p["raw"], p["budget_at"], p["columns"].get("group")
    label_positions = [i for i in range(budget_at) if i != group_at]
    label_cells = [cells[i] for i in label_positions if i < len(cells) and cells[i].strip()]
    label_raw_cells = [raw[i] for i in label_positions if i < len(raw) and raw[i].strip()]
    group_cell = cells[group_at] if group_at is not None and group_at < len(cells) else ""
    group_raw = raw[group_at] if group_at is not None and group_at < len(raw) else ""
    if not label_cells and group_cell:  # '계' printed in the 구분 column
        label_cells, label_raw_cells, group_cell, group_raw = [group_cell], [group_raw], "", ""
    label_raw = " ".join(c.strip() for c in label_raw_cells) or None

    item_no = None
    name_cells = list(label_cells)
    if numbered and name_cells:
        first = name_cells[0].strip()
        glued = _GLUED_NUMBER.match(first)
        if first.isdigit() and len(name_cells) > 1:
            item_no, name_cells = int(first), name_cells[1:]
        elif glued:
            item_no, name_cells = int(glued.group(1)), [glued.group(2)] + name_cells[1:]
    return label_raw, item_no, clean_name(" ".join(name_cells)) or None, group_cell, group_raw


def _values(p: dict, unit: str | None, flags: list[str]) -> dict:
    """The measures (printed, number, won, flag), the printed rate and the note of a prepared row."""
    cells, raw, columns, budget_at = p["cells"], p["raw"], p["columns"], p["budget_at"]
    values: dict = {}
    for measure in _MEASURES:
        at = budget_at + (columns[measure] - columns["budget"])
        printed = raw[at].strip() if at < len(raw) else ""
        value = parse_value(cells[at] if at < len(cells) else "")
        won = to_won(value.number, unit) if value.number is not None and unit else None
        if won is not None and won != won.to_integral_value():
            flags.append("won_not_integral")
        values.update(
            {
                f"{measure}_printed": printed or None,
                measure: value.number,
                f"{measure}_won": won,
                f"{measure}_flag": value.flag,
            }
        )
    rate_at = columns.get("rate")
    if rate_at is not None:
        at = budget_at + (rate_at - columns["budget"])
        rate = parse_value(cells[at] if at < len(cells) else "")
        values.update(
            rate_printed=(raw[at].strip() if at < len(raw) else "") or None,
            rate_reported=rate.number,
            rate_scale=rate.scale if rate.number is not None else None,
            rate_flag=rate.flag,
        )
    note_at = columns.get("note")
    if note_at is not None:
        at = budget_at + (note_at - columns["budget"])
        note_cells = [c for c in cells[at:] if c.strip()] if at < len(cells) else []
        note_raw = [c for c in raw[at:] if c.strip()] if at < len(raw) else []
        text, note_kind, grant_date, grant_status = _note(" ".join(note_cells))
        values.update(
            note_label=clean_name(p["header"].cells[note_at]),
            note_printed=" ".join(c.strip() for c in note_raw) or None,
            note_text=text,
            note_kind=note_kind,
            grant_date=grant_date,
            grant_status=grant_status,
        )
    return values


@dataclass
class _Walk:
    """Where a logical table's rows stand while they are read in order: its total row, the open
    group (and the labels that close it), the group cell and strategic goal last printed, the last
    item number."""

    root_id: str | None = None
    group_id: str | None = None
    group_closers: tuple[str, ...] = ()
    group_label_raw: str | None = None
    group_name: str | None = None
    goal: tuple[int, str] | None = None
    next_goal: int | None = None
    last_item_no: int | None = None

    def place(self, row_id: str, item_key: str, totals, groups) -> tuple[str, int, str | None]:
        """(row kind, level, parent row id) of the next row: the first total row is the root, a
        group label opens a group (until one of its closers), anything else is an item."""
        if self.root_id is None and item_key in totals:
            self.root_id = row_id
            return "total", 0, None
        if item_key in groups:
            self.group_id, self.group_closers = row_id, groups[item_key]
            return "group", 1, self.root_id
        if self.group_id and item_key in self.group_closers:
            self.group_id, self.group_closers = None, ()
        return "item", 2 if self.group_id else 1, self.group_id or self.root_id

    def enter_group(self, group_cell: str, group_raw: str, goals: dict[int, str]) -> None:
        """A 구분 cell printed: its label, and the strategic goal it names (the next one in TOC order
        wins a near tie)."""
        self.group_label_raw, self.group_name = group_raw.strip(), clean_name(group_cell)
        self.goal = _goal(group_cell, goals, self.next_goal)
        if self.goal:
            self.next_goal = self.goal[0] + 1


def _table_records(report: Report, logical: dict, prepared: list[dict], context: dict) -> list[dict]:
    """The rows of one logical table: labels, groups (and the strategic goals they name in part III),
    hierarchy (total -> group -> item) and values. `context`: the report's departments, total labels,
    groups, summary rows (filled here from the summary table), the unit and as-of date in force."""
    departments, totals, groups = context["departments"], context["totals"], context["groups"]
    summary_rows, unit, key = context["summary_rows"], context["unit"], logical["key"]
    numbered = _is_numbered([(p["cells"], p["budget_at"]) for p in prepared], totals)
    goals = departments if any("group" in p["columns"] for p in prepared) else {}  # part III: goals
    walk = _Walk(next_goal=min(goals) if goals else None)
    out = []
    for order, p in enumerate(prepared, start=1):
        row, table, flags = p["row"], p["table"], p["flags"]
        label_raw, item_no, name, group_cell, group_raw = _label(p, numbered)
        item_key = squash(name or "")

        row_id = f"t{table.table_no}:L{row.line_no}"
        kind, level, parent = walk.place(row_id, item_key, totals, groups)
        summary_row_id = summary_rows.get(context["summary_row_for"].get(key, "")) if kind == "total" else None
        if walk.root_id is None:
            flags.append("no_total_row")
        if group_cell and kind != "total":
            walk.enter_group(group_cell, group_raw, goals)
        if kind == "item" and item_no is not None:
            if walk.last_item_no is not None and item_no != walk.last_item_no + 1:
                flags.append("item_no_gap")
            walk.last_item_no = item_no
        elif kind == "item" and numbered:
            flags.append("item_no_missing")
        dept = _department(name, departments) if name and kind == "item" else None
        goal = walk.goal

        record = {
            "report_id": report.report_id,
            "row_id": row_id,
            "parent_row_id": parent,
            "summary_row_id": summary_row_id,
            "source_line": row.line_no,
            "table_no": table.table_no,
            "logical_table_no": logical["logical_table_no"],
            "table_key": key,
            "table_name": logical["name"],
            "row_order": order,
            "level": level,
            "row_kind": kind,
            "is_total": kind != "item",
            "item_no": item_no,
            "label_raw": label_raw,
            "item_name": name,
            "department_no": dept[0] if dept else None,
            "department": dept[1] if dept else None,
            "group_label_raw": walk.group_label_raw if kind != "total" else None,
            "group_name": walk.group_name if kind != "total" else None,
            "goal_no": goal[0] if goal and kind != "total" else None,
            "goal_name": goal[1] if goal and kind != "total" else None,
            "unit": unit,
            "as_of": context["as_of"],
        }
        record.update(_values(p, unit, flags))
        record["flags"] = ",".join(dict.fromkeys(flags)) or None
        out.append(record)
        if key == "execution_summary" and kind != "total" and item_key:
            summary_rows.setdefault(item_key, row_id)
    return out


def extract(report: Report) -> list[dict]:
    words = header_words(report)
    context = {
        "departments": numbered_entries(report),
        "totals": total_labels(report),
        "groups": _groups(report),
        "summary_row_for": _summary_row_for(report),
        "summary_rows": {},  # squashed 총괄 label -> row_id
        "unit": None,
        "as_of": None,
    }
    out: list[dict] = []
    for logical in execution_tables(report):
        tables = [t for t, _, _ in logical["tables"]]
        context["unit"] = _money_unit(tables, context["unit"])
        context["as_of"] = next((t.as_of for t in tables if t.as_of), context["as_of"])
        out.extend(_table_records(report, logical, _prepared_rows(logical, words), context))
    return out

EXTRACTOR = Extractor(
    table="budget_execution_lines",
    description=(
        "Budget execution rows as printed (예산액 / 집행액 / 잔액 / 집행률, 비고 or 사유), one per printed "
        "row of every execution table, with table kind, row number, department or strategic goal, won "
        "amounts, grant date / status and the parent row (계 / group) each row adds up into."
    ),
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
)
