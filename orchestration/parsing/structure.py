"""Document structure shared by the parsers: the table of contents and the departments it names.

In the agency status reports the numbered entries under part III of the TOC are the departments
(충북테크노파크: `1. 정책기획단` … `11. 감사실`) or the strategic goals (충북과학기술혁신원); KPI task
codes `X-Y` use those numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .reader import Report, Table
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


_PART_ENTRY = re.compile(r"^(?P<roman>[IVX]+|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ])\s*\.\s*(?P<title>.+)$")
_NUMBERED_ENTRY = re.compile(r"^(?P<num>\d{1,2})\s*\.\s*(?P<title>.+)$")


def _toc_table(report: Report) -> Table | None:
    """The first table whose title or heading says 목차, or whose rows are 'title<TAB>page' lines."""
    for table in report.tables:
        context = f"{table.title or ''}{table.heading or ''}"
        if ("목" not in context or "차" not in context) and "&" not in context:
            continue  # squash only deletes characters (and decodes entities): no '목차'
        if "목차" in squash(context):
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
        part_match = _PART_ENTRY.match(title)
        if part_match and roman_to_int(part_match.group("roman")):
            part = roman_to_int(part_match.group("roman")) or 0
            entries.append(TocEntry(part, None, part_match.group("title").strip(), row.line_no))
            continue
        numbered = _NUMBERED_ENTRY.match(title)
        if numbered and part:
            entries.append(TocEntry(part, int(numbered.group("num")), numbered.group("title").strip(), row.line_no))
    return entries


def numbered_entries(report: Report, part: int = 3) -> dict[int, str]:
    """Number -> title of the numbered TOC entries under a part (default III: departments or goals)."""
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
