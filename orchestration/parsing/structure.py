"""Document structure shared by the parsers: the table of contents and the departments it names.

The contents table is found by the family profile's `contents_titles` (목차 / 차례). The numbered
entries under the profile's `department_part` are the departments (layout A) or the strategic goals
(layout B) of an agency status report; KPI task codes `X-Y` use those numbers
(docs/report-families.md 2.1, 3.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .profiles import profile
from .reader import ROMAN, Report, Table
from .values import squash, strip_markup

_ROMAN_VALUES = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}
_UNICODE_ROMAN = dict(zip("ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ", ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]))


def roman_to_int(text: str) -> int | None:
    text = "".join(_UNICODE_ROMAN.get(ch, ch) for ch in text.strip())
    return _ROMAN_VALUES.get(text)


@dataclass(frozen=True)
class TocEntry:
    part: int  # roman part number (III -> 3)
    number: int | None  # numbered entry inside the part, None for the part line itself
    title: str
    line_no: int


# A part line, in the contents and in the body: 'III. 전략목표별 추진계획', 'Ⅲ. …', 'III . …'.
PART_ENTRY = re.compile(rf"^(?P<roman>{ROMAN})\s*\.\s*(?P<title>\S.*)$")
_NUMBERED_ENTRY = re.compile(r"^(?P<num>\d{1,2})\s*\.\s*(?P<title>.+)$")


def _toc_table(report: Report) -> Table | None:
    """The first table whose title or heading is one of the profile's contents titles (목차, 차례)."""
    titles = tuple(profile(report).get("contents_titles") or ())
    for table in report.tables:
        context = f"{table.title or ''}{table.heading or ''}"
        if not any(all(ch in context for ch in title) for title in titles) and "&" not in context:
            continue  # squash only deletes characters (and decodes entities): no title in it
        key = squash(context)
        if any(title in key for title in titles):
            return table
    return None


def toc_entries(report: Report) -> list[TocEntry]:
    table = _toc_table(report)
    if table is None:
        return []
    entries: list[TocEntry] = []
    part = 0
    for row in table.rows:
        title = strip_markup(row.cells[0]) if row.cells else ""
        part_match = PART_ENTRY.match(title)
        if part_match and roman_to_int(part_match.group("roman")):
            part = roman_to_int(part_match.group("roman")) or 0
            entries.append(TocEntry(part, None, part_match.group("title").strip(), row.line_no))
            continue
        numbered = _NUMBERED_ENTRY.match(title)
        if numbered and part:
            entries.append(TocEntry(part, int(numbered.group("num")), numbered.group("title").strip(), row.line_no))
    return entries


def department_part(report: Report) -> int | None:
    """The contents part whose numbered entries are the departments or goals (profile `department_part`)."""
    return profile(report).get("department_part")


def numbered_entries(report: Report, part: int | None = None) -> dict[int, str]:
    """Number -> title of the numbered TOC entries under a part (default: the profile's department part)."""
    part = department_part(report) if part is None else part
    if part is None:
        return {}
    return {e.number: e.title for e in toc_entries(report) if e.part == part and e.number is not None}


def match_department(name: str, departments: dict[int, str]) -> tuple[int, str] | None:
    """The TOC department a printed name refers to, compared with spaces and middle dots removed
    ('정책 기획단', '반도체 IT센터' -> TOC spelling). None when nothing matches."""
    key = squash(name)
    if not key:
        return None
    for number, title in departments.items():
        if squash(title) == key:
            return number, title
    for number, title in departments.items():
        candidate = squash(title)
        if key in candidate or candidate in key:
            return number, title
    return None
