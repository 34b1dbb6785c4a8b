"""Coverage: what became of every table the reader found, and whether the report yielded the fact
types its family requires.

Every table gets one classification, stored with the raw load (`raw.table_coverage`):
- `extracted`: a fact extractor took rows from it (which ones, how many rows);
- `not_a_fact_table`: with the reason — table of contents, contact row, schedule, prose layout —
  told from the table's shape, not from one report's words; or a context table of its family
  (definitions, roadmaps, listings …) by the profile's `coverage.context_tables` rules, never
  when the table shows an identity mark (a total label, a combined column, a share);
- `unrecognised`: it holds numbers but no extractor read it; its header says what it is, and its
  reason names the identity marks it shows (docs/report-families.md 10).

`raw.fact_coverage` has one row per report and fact type: the rows yielded, whether the report's
family profile requires the type (`required_fact_types` in `seeds/families/<family>.yaml`) and, for
a required type that yielded nothing, the candidate tables the pipeline could not read. The gate
suite `fact_coverage` fails such a report with an ERROR.
"""

from __future__ import annotations

import re

from .extractors import Extractor
from .reader import Report, ReportFormatError, Row, Table
from .values import is_value_like, parse_value, squash

EXTRACTED, NOT_FACTS, UNRECOGNISED = "extracted", "not_a_fact_table", "unrecognised"
CANDIDATES_LISTED = 10

_PAGE = re.compile(r"^(?:\d{1,3}|[ivxlc]{1,6}|[IVXLC]{1,6})$")
_PHONE = re.compile(r"(?:☎|\b0\d{1,2}-\d{3,4}-\d{4}\b)")
_DATE = re.compile(r"(?:'\d{2}\s*\.\s*\d{1,2}\s*\.|\b(?:19|20)\d{2}\s*[.년]|\b\d{1,2}\s*월|~\s*'\d{2})")


def fact_type(extractor: Extractor) -> str:
    """`budget_execution` for the extractor of `budget_execution_lines`."""
    return extractor.table.removesuffix("_lines")


def required_fact_types(family: str | None) -> tuple[str, ...]:
    """The fact types the family profile says every report of the family must yield: its list
    `required_fact_types` (none for a report read without a family, e.g. a fragment in a test)."""
    if not family:
        return ()
    from .profiles import load_profile, profile_path

    listed = load_profile(family).get("required_fact_types") or []
    if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
        raise ReportFormatError(
            profile_path(family), "required_fact_types must be a list of fact type names, e.g. [budget_execution, kpi]"
        )
    return tuple(listed)


def _numeric_cells(data: list[Row]) -> int:
    """Value cells that hold a number, after each data row's first (label) cell."""
    # is_value_like is memoized and false for most text cells: parse only the candidates
    return sum(is_value_like(c) and parse_value(c).number is not None for row in data for c in row.cells[1:] if c)


def _header_text(table: Table, limit: int = 120) -> str:
    rows = [r for r in table.rows[:4] if r.role == "header"] or table.rows[:1]
    cells = [squash(c) if len(c) <= 12 else c.strip() for row in rows for c in row.cells[:30] if c.strip()]
    text = " | ".join(dict.fromkeys(cells))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _not_a_fact_table(table: Table, data: list[Row], numbers: int) -> str | None:
    """Why a table that no extractor took holds no facts, from its shape; None if it may hold facts."""
    cells = [c for row in table.rows if row.role in ("data", "header") for c in row.cells if c]
    text = "\t".join(cells)  # cells hold no tab: one search instead of one per cell
    filled = [[c.strip() for c in row.cells if c.strip()] for row in data]
    # contents rows: a title and its page number, nothing else
    entries = sum(len(f) == 2 and bool(_PAGE.match(f[1])) and parse_value(f[0]).number is None for f in filled)
    if len(data) >= 2 and entries >= 0.8 * len(data):
        return "table of contents (titles with page numbers)"
    if _PHONE.search(text):
        return "contact list (names and telephone numbers)"
    if any(row.role == "dash" for row in table.rows) and len(data) <= 2:
        return "one-row layout above a dash rule (contact or headline row)"
    if numbers == 0:
        dated = len(_DATE.findall(text))
        if cells and dated >= max(2, 0.3 * len(cells)):
            return "schedule (dates and text, no amounts)"
        return "prose layout (text cells, no amounts)"
    return None


# Marks of a checkable identity in a table's header or row labels: a total or subtotal, a combined
# column (`①+②`, `④+⑤ 필요`), a share, a growth rate or a change. A table showing one is never
# classified away as context, whatever its words.
_LABEL_LENGTH = 20
_COMBINED = re.compile(r"[\d①-⑳]\s*\+\s*[\d①-⑳]")


def _identity_marks(report: Report, table: Table) -> list[str]:
    from .profiles import profile, total_labels

    totals = set(total_labels(report)) | {"소계"}
    words = set((profile(report).get("coverage") or {}).get("identity_words") or ())
    labels = {squash(c) for row in table.header for c in row.cells if c.strip()}
    labels |= {squash(c) for row in table.data for c in row.cells[:2] if c.strip()}
    # a total label is the whole label (or ends one: 주력소계), never a syllable of a word (단계)
    marks = {w for w in totals if any(label == w or (len(w) > 1 and label.endswith(w)) for label in labels)}
    # identity words in a label, not in a sentence (`… 46개사(60%) …` is no share column)
    short = [label for label in labels if len(label) <= _LABEL_LENGTH]
    marks = sorted(marks | {w for w in words if any(w in label for label in short)})
    if any(_COMBINED.search(label) for label in labels):
        marks.append("a combined column")
    return marks


def _context_reason(report: Report, table: Table) -> str | None:
    """The family profile's context-table rules (`coverage.context_tables`): tables that hold numbers
    but no total, rate or ROI identity — definitions, roadmaps, strategy layouts, listings — told by
    words of their header or first column; never a table showing an identity mark."""
    from .profiles import profile

    rules = (profile(report).get("coverage") or {}).get("context_tables") or []
    if not rules:
        return None
    header = {squash(c) for row in table.header for c in row.cells if c.strip()}
    first = {squash(row.cells[0]) for row in table.rows if row.cells and row.cells[0].strip()}
    cells = header | first
    for rule in rules:
        words = [squash(w) for w in rule.get("all_words") or ()]
        anywords = [squash(w) for w in rule.get("any_words") or ()]
        if words and not all(any(w in c for c in cells) for w in words):
            continue
        if anywords and not any(w in c for w in anywords for c in cells):
            continue
        if words or anywords:
            if _identity_marks(report, table):
                return None
            return rule["reason"]
    return None


def classify_tables(report: Report, rows_by_table: dict[str, list[dict]], facts: list[Extractor]) -> list[dict]:
    """One coverage row per table of the report."""
    taken: dict[int, dict[str, int]] = {}
    for extractor in facts:
        for row in rows_by_table.get(extractor.table) or []:
            number = row.get("table_no")
            if number is not None:
                counts = taken.setdefault(int(number), {})
                counts[fact_type(extractor)] = counts.get(fact_type(extractor), 0) + 1
    out = []
    for table in report.tables:
        data = table.data
        numbers = _numeric_cells(data)
        by_type = taken.get(table.table_no, {})
        reason = None
        if by_type:
            classification = EXTRACTED
        else:
            reason = _not_a_fact_table(table, data, numbers) or (_context_reason(report, table) if numbers else None)
            classification = NOT_FACTS if reason else UNRECOGNISED
        out.append(
            {
                "report_id": report.report_id,
                "table_no": table.table_no,
                "first_line": table.first_line,
                "last_line": table.last_line,
                "title": table.title,
                "header": _header_text(table),
                "data_row_count": len(data),
                "numeric_cells": numbers,
                "classification": classification,
                "extractors": ", ".join(sorted(by_type)) or None,
                "fact_rows": sum(by_type.values()),
                "reason": reason if reason else (None if by_type else _unread(report, table)),
            }
        )
    return out


def _unread(report: Report, table: Table) -> str:
    marks = _identity_marks(report, table)
    if marks:
        return f"holds numbers and an identity ({', '.join(marks)}), but no extractor read it"
    return "holds numbers, but no extractor read it"


def coverage_summary(counts: dict[str, int]) -> str:
    """'7 extracted, 21 not fact tables, 1 unrecognised' from the count of tables per classification."""
    return (f"{counts.get(EXTRACTED, 0)} extracted, {counts.get(NOT_FACTS, 0)} not fact tables, "
            f"{counts.get(UNRECOGNISED, 0)} unrecognised")


def count_classifications(tables: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables:
        counts[table["classification"]] = counts.get(table["classification"], 0) + 1
    return counts


def describe_table(row: dict) -> str:
    """'table 22 (lines 1059-1112, "□ 총 괄": 구분 | 사업명 | 예산 | 집행 …)' for messages."""
    title = f'"{row["title"]}": ' if row.get("title") else ""
    return f'table {row["table_no"]} (lines {row["first_line"]}-{row["last_line"]}, {title}{row["header"]})'


def fact_coverage(report: Report, rows_by_table: dict[str, list[dict]], facts: list[Extractor], tables: list[dict]) -> list[dict]:
    """One row per fact type: rows yielded, whether the family requires it, candidates when it yielded none."""
    required = set(report.required_fact_types)
    known = {fact_type(e) for e in facts}
    unknown = sorted(required - known)
    if unknown:
        raise ReportFormatError(
            report.path, f"the family profile of {report.family!r} requires unknown fact types {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    candidates = sorted((t for t in tables if t["classification"] == UNRECOGNISED), key=lambda t: -t["numeric_cells"])
    out = []
    for extractor in facts:
        name = fact_type(extractor)
        rows = rows_by_table.get(extractor.table) or []
        is_required = name in required
        satisfied = bool(rows) or not is_required
        detail = None
        if not satisfied:
            if candidates:
                listed = "; ".join(describe_table(t) for t in candidates[:CANDIDATES_LISTED])
                more = f"; and {len(candidates) - CANDIDATES_LISTED} more" if len(candidates) > CANDIDATES_LISTED else ""
                detail = f"no {name} rows; candidate tables it could not read (unrecognised, most numbers first): {listed}{more}"
            else:
                detail = f"no {name} rows, and no unrecognised table to read them from (see raw.table_coverage)"
        out.append(
            {
                "report_id": report.report_id,
                "fact_type": name,
                "fact_table": extractor.table,
                "family": report.family,
                "is_required": is_required,
                "fact_rows": len(rows),
                "table_count": len({r.get("table_no") for r in rows if r.get("table_no") is not None}),
                "is_satisfied": satisfied,
                "table_name": "fact coverage",
                "row_label": name,
                "identity_name": "required_fact_type_yields_rows" if is_required else "fact_type_rows",
                "expected": "at least 1 row" if is_required else None,
                "found": f"{len(rows)} rows",
                "detail": detail,
            }
        )
    return out


TABLE_COVERAGE = Extractor(
    table="table_coverage",
    description="Every table of every report with what became of it: the extractor that took it, not a fact "
    "table (and why), or unrecognised (with its header).",
    columns={
        "report_id": "VARCHAR",
        "table_no": "INTEGER",
        "first_line": "INTEGER",
        "last_line": "INTEGER",
        "title": "VARCHAR",
        "header": "VARCHAR",
        "data_row_count": "INTEGER",
        "numeric_cells": "INTEGER",
        "classification": "VARCHAR",  # extracted | not_a_fact_table | unrecognised
        "extractors": "VARCHAR",  # fact types that took rows from it, comma-separated
        "fact_rows": "INTEGER",
        "reason": "VARCHAR",
    },
    key=("report_id", "table_no"),
    extract=None,
)
FACT_COVERAGE = Extractor(
    table="fact_coverage",
    description="Per report and fact type: rows yielded, whether the family profile requires the type, and the "
    "candidate tables when a required type yielded nothing.",
    columns={
        "report_id": "VARCHAR",
        "fact_type": "VARCHAR",
        "fact_table": "VARCHAR",
        "family": "VARCHAR",
        "is_required": "BOOLEAN",
        "fact_rows": "INTEGER",
        "table_count": "INTEGER",
        "is_satisfied": "BOOLEAN",
        "table_name": "VARCHAR",
        "row_label": "VARCHAR",
        "identity_name": "VARCHAR",
        "expected": "VARCHAR",
        "found": "VARCHAR",
        "detail": "VARCHAR",
    },
    key=("report_id", "fact_type"),
    extract=None,
)


def derive_coverage(report: Report, rows_by_table: dict[str, list[dict]], facts: list[Extractor]) -> dict[str, list[dict]]:
    """Both coverage tables, from the rows the fact extractors produced."""
    tables = classify_tables(report, rows_by_table, facts)
    return {TABLE_COVERAGE.table: tables, FACT_COVERAGE.table: fact_coverage(report, rows_by_table, facts, tables)}
