"""Facility facts (시설현황, docs/report-families.md 1.6): one row per printed figure — site area,
floor area, buildings, equipment kinds and units — of the report's facility section.

Found by the family profile's words (`facilities` in seeds/families/<family>.yaml), never by place:

* the section starts at a line naming it (`4 시설현황`, `## □ 주요 시설현황`) and ends at the next line
  of the same heading shape (as many `#`, the same numbering style: `5 부서별 주요 업무`, `## II.`);
* its figures are `<word> <number><unit>` (`부지 121,539㎡`, `연면적 80,977.32㎡`, `건물 21개동`) or, for
  a measure without words, `<number><unit>` (`829종 1,239대`);
* figures in a table of the section, or on its lines before the first facility, are the section's
  totals (row_kind `total`); each facility block — a name line followed by `- 규모 : …`, `- 장비 : …`
  lines (the profile's block keys) — gives the facility's figures (row_kind `facility`).

Identities are checked downstream (rec_facility_totals): a total = the sum of the facilities' figures.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from .extractors import Extractor
from .profiles import profile
from .reader import Report, Table
from .values import parse_number, squash, strip_markup

TOTAL, FACILITY = "total", "facility"

COLUMNS = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",
    "source_line": "INTEGER",
    "table_no": "INTEGER",  # the table a total is printed in; null for prose lines
    "source_kind": "VARCHAR",  # table | prose
    "row_kind": "VARCHAR",  # total | facility
    "section_line": "INTEGER",  # the line naming the facility section: totals and facilities of one section
    "facility_name": "VARCHAR",  # null for totals
    "facility_line": "INTEGER",  # the facility's name line
    "row_label": "VARCHAR",  # the printed key (부지/연면적, 규모, 장비, 면적)
    "measure": "VARCHAR",  # the profile's measure name (floor_area, equipment_units, …)
    "value_printed": "VARCHAR",
    "quantity": "DECIMAL(18,4)",
    "printed_scale": "INTEGER",  # decimals printed
    "unit": "VARCHAR",
    "period_role": "VARCHAR",  # as_of
    "line_text": "VARCHAR",
}

_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_HEADING = re.compile(r"^(?P<hashes>#*)\s*(?P<marker>\d+\s|[IVXLC]+\.|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+\.?|[□■◆]|[①-⑳])?")
_BULLETS = ("-", "※", "*", "○", "·", "•", "▪", "<", "(")


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str
    pattern: re.Pattern  # group 'number'


@dataclass(frozen=True)
class Vocabulary:
    section_words: frozenset[str]
    block_keys: frozenset[str]
    measures: tuple[Measure, ...]


@functools.cache
def _vocabulary(entry: str) -> Vocabulary:
    words = json.loads(entry)
    measures = []
    for name, spec in (words.get("measures") or {}).items():
        unit = re.escape(spec["unit"])
        labels = sorted((w for w in spec.get("words") or () if w), key=len, reverse=True)
        # a word is not part of a longer word (면적 in 연면적); a unit is not the start of a word (대 in 대상)
        lead = (r"(?<![가-힣])(?:" + "|".join(re.escape(w) for w in labels) + r")\s*:?\s*") if labels else r"(?<![\d,.])"
        measures.append(Measure(name, spec["unit"], re.compile(lead + rf"(?P<number>{_NUMBER})\s*{unit}(?![가-힣])")))
    return Vocabulary(
        section_words=frozenset(squash(w) for w in words.get("section_words") or ()),
        block_keys=frozenset(squash(w) for w in words.get("block_keys") or ()),
        measures=tuple(measures),
    )


def vocabulary(report: Report | None) -> Vocabulary:
    return _vocabulary(json.dumps(profile(report).get("facilities") or {}, sort_keys=True, ensure_ascii=False))


def _shape(text: str) -> tuple[str, str]:
    """A heading's shape: its `#` run and its numbering style (digit, roman, □, ①…)."""
    m = _HEADING.match(text.strip())
    marker = (m["marker"] or "").strip()
    style = ("digit" if marker[:1].isdigit() else "roman" if marker[:1] in "IVXLCⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ" else marker) if marker else ""
    return m["hashes"], style


def _closes(shape: tuple[str, str], opening: tuple[str, str]) -> bool:
    """A heading closes a section opened by a heading of `opening` shape: a markdown heading of the
    same or a higher level, or (without `#`) a heading of the same numbering style."""
    if opening[0]:
        return 0 < len(shape[0]) <= len(opening[0])
    return bool(opening[1]) and shape == opening


def find_sections(report: Report, words: Vocabulary) -> list[tuple[int, int]]:
    """(first line, last line) of each facility section."""
    if not words.section_words:
        return []
    in_table = {n for t in report.tables for n in range(t.first_line, t.last_line + 1)}
    sections = []
    n = 1
    while n <= len(report.lines):
        text = report.lines[n - 1]
        if n not in in_table and any(w in squash(text) for w in words.section_words) and len(squash(text)) <= 40:
            shape = _shape(text)
            end = n + 1
            while end <= len(report.lines):
                other = report.lines[end - 1]
                if end not in in_table and other.strip() and _closes(_shape(other), shape):
                    break
                end += 1
            sections.append((n, end - 1))
            n = end
        else:
            n += 1
    return sections


def _figures(text: str, words: Vocabulary):
    for measure in words.measures:
        for m in measure.pattern.finditer(text):
            printed = m["number"]
            yield measure, printed, m.start()


def _row(report, line_no, text, table, kind, section_line, facility, facility_line, label, measure, printed, position):
    scale = len(printed.split(".")[1]) if "." in printed else 0
    return {
        "report_id": report.report_id,
        "row_id": f"L{line_no}:{measure.name}:{position}",
        "source_line": line_no,
        "table_no": table.table_no if table else None,
        "source_kind": "table" if table else "prose",
        "row_kind": kind,
        "section_line": section_line,
        "facility_name": facility,
        "facility_line": facility_line,
        "row_label": label,
        "measure": measure.name,
        "value_printed": printed,
        "quantity": Decimal(parse_number(printed)),
        "printed_scale": scale,
        "unit": measure.unit,
        "period_role": "as_of",
        "line_text": text,
    }


def _name(text: str) -> str:
    name = strip_markup(text).lstrip("#").strip()
    return re.sub(r"^[✓✔□■○◆▶]\s*", "", name).strip()


def _section_rows(report: Report, first: int, last: int, words: Vocabulary) -> list[dict]:
    inside = [t for t in report.tables if first < t.first_line <= last]
    tables: dict[int, Table] = {row.line_no: table for table in inside for row in table.rows}
    table_lines = {n for t in inside for n in range(t.first_line, t.last_line + 1)}
    rows: list[dict] = []
    facility, facility_line = None, None
    for line_no in range(first + 1, last + 1):
        raw = report.lines[line_no - 1]
        if line_no in tables:
            table = tables[line_no]
            row = next(r for r in table.rows if r.line_no == line_no)
            label = None
            for column, cell in enumerate(row.cells):
                found = list(_figures(cell, words))
                if not found and cell.strip():
                    label = squash(cell)
                for measure, printed, at in found:
                    rows.append(_row(report, line_no, raw, table, TOTAL, first, None, None, label, measure, printed,
                                     f"c{column}.{at}"))
            continue
        if line_no in table_lines:
            continue
        text = strip_markup(raw)
        if not text:
            continue
        if not text.startswith(_BULLETS):
            if _name(raw):  # a facility's name line opens its block
                facility, facility_line = _name(raw), line_no
            continue
        key, sep, value = text.lstrip("-").partition(":")
        if facility is not None and text.startswith("-"):
            if not sep or squash(key) not in words.block_keys:
                continue
            for measure, printed, at in _figures(text.lstrip("-").strip(), words):
                rows.append(_row(report, line_no, raw, None, FACILITY, first, facility, facility_line, squash(key),
                                 measure, printed, at))
        elif facility is None:
            for measure, printed, at in _figures(text, words):
                rows.append(_row(report, line_no, raw, None, TOTAL, first, None, None, None, measure, printed, at))
    return rows


def extract(report: Report) -> list[dict]:
    words = vocabulary(report)
    if not words.measures:
        return []
    rows: list[dict] = []
    for first, last in find_sections(report, words):
        rows += _section_rows(report, first, last, words)
    return rows


EXTRACTOR = Extractor(
    table="facility_lines",
    description="Facility figures (site and floor area, buildings, equipment) of the facility section: its "
    "totals (table or prose) and each facility block's figures.",
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
    is_fact=True,
)

__all__ = ["extract", "EXTRACTOR", "find_sections"]
