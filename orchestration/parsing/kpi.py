"""KPI and outcome lines of agency status reports (주요업무 추진상황), part Ⅲ (docs/report-families.md 2.3, 3.3).

Two layouts of the same family are read, recognised by their structure (never by report id):

* **Task-header layout** (충북테크노파크): department blocks with task headers `N 이행과제 X-Y`
  (X = TOC department number under part III, Y = task). Inside a task, parent KPIs are bold
  (`- **name (32건) : 33건, 103%**`), boxed (`□ name (3건) : 3건, 100%`) or plain (`- name (8건) : 3건,
  38%`), children are `name (4건) : 5건`. A KPI line is a parent when it is bold or boxed, prints a
  rate, is the glued form `name(1,905건 : 1,587건 83%)` or status-only `□ name (상시운영)`, or — in a
  task without bold/boxed parents — is a column-0 `- ` line; every other KPI line is a child of the
  parent above it in the same task (indentation is not trusted). Lines without the `(target) : actual`
  pattern are descriptions and are skipped.
* **Goal-heading layout** (충북과학기술혁신원): goal headings named like the TOC entries under III,
  task headings `## 1 name`, then outcome lines with actuals only: parents (`□ … : value` or a heading
  `### name : value`), children (`- name : value`, `○ name : value`) and details (lines under a `○`
  child, or indented `  - ` lines) that carry countable items (`: 1차(…) 2건, / 2차(…) 2건` or
  `…(2개사), …(1개사)`). A value with several measures (`101명/1회`) gives one row per measure
  (`L167#1`, `L167#2`).

Hierarchy: `parent_row_id` is the parent KPI line (for multi-measure parents the measure with the same
unit). `adds_to_parent` says whether the row's quantity enters the parent's sum (docs/report-families.md 6.1 / 6.2):
건/개사/회/개 count together, 명 with 명; %-KPIs, status-only rows and units absent from the parent do
not add up. Printed numbers are never corrected.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher

from .extractors import Extractor
from .profiles import profile
from .reader import Report
from .structure import PART_ENTRY, department_part, numbered_entries, roman_to_int
from .values import clean_prose_name, normalize_text, parse_number, squash, strip_markup

COLUMNS: dict[str, str] = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",  # 'L353' (one measure per line) or 'L167#2' (second measure of line 167)
    "parent_row_id": "VARCHAR",  # parent KPI row (same-unit measure where the parent has several)
    "source_line": "INTEGER",
    "table_no": "INTEGER",  # always NULL: KPI lines are prose
    "layout": "VARCHAR",  # task_header | goal_heading
    "level": "INTEGER",  # 1 parent, 2 child, 3 detail
    "line_style": "VARCHAR",  # bold | box | plain | heading | dash | circle | detail
    "org_unit": "VARCHAR",  # TOC department (task-header layout)
    "org_unit_no": "INTEGER",
    "goal_no": "INTEGER",  # TOC strategic goal (goal-heading layout)
    "goal_name": "VARCHAR",
    "task_code": "VARCHAR",  # '2-1' = department/goal 2, task 1
    "task_title": "VARCHAR",
    "kpi_seq": "INTEGER",  # parent position within the task
    "child_seq": "INTEGER",  # child position within its parent (NULL for parents)
    "detail_seq": "INTEGER",  # detail position within its child (NULL otherwise)
    "measure_seq": "INTEGER",  # measure position within the line (1 unless 'a/b' values)
    "kpi_key": "VARCHAR",  # positional key: '2-1:3', '2-1:3.2', '1-3:1.2.1#2'
    "label_raw": "VARCHAR",  # the name part as printed (markup and markers kept)
    "name": "VARCHAR",  # cleaned name, markers removed
    "markers": "VARCHAR",  # comma-separated: policy tags (공약16, 신규), footnotes (fn10), periods (하반기)
    "value_printed": "VARCHAR",  # the whole value part as printed: '(32건) : 33건, 103%' / '101명/1회'
    "target_printed": "VARCHAR",
    "target": "DECIMAL(38,4)",
    "target_unit": "VARCHAR",
    "target_note": "VARCHAR",  # word printed beside the target: '절감'
    "target_flag": "VARCHAR",  # blank (not printed)
    "actual_printed": "VARCHAR",
    "actual": "DECIMAL(38,4)",
    "actual_unit": "VARCHAR",
    "actual_flag": "VARCHAR",  # text (status / sentence) | blank (unit without number)
    "rate_printed": "VARCHAR",
    "rate_reported": "DECIMAL(38,4)",
    "status": "VARCHAR",  # 진행중, 상시운영, 추진중, 수시, 개최연기, or the printed sentence
    "is_percentage_kpi": "BOOLEAN",
    "adds_to_parent": "BOOLEAN",
    "flags": "VARCHAR",
    "line_text": "VARCHAR",  # the full line as printed
}



def status_words(report: Report | None) -> tuple[str, ...]:
    """Words printed instead of an actual value (profile `status_words`: 진행중, 상시운영, …)."""
    return tuple(profile(report).get("status_words") or ())

_Q = r"\d[\d,]*(?:\.\d+)?"
_UNITS = ("개사", "건", "명", "회", "편", "개", "종", "대", "%")
_UNIT = "|".join(_UNITS)
# units that count together in a parent (docs/report-families.md 6.1: 건/개사/회 children count together)
_UNIT_FAMILY = {"건": "count", "개사": "count", "회": "count", "개": "count", "명": "person", "%": "percent"}


def unit_family(unit: str | None) -> str | None:
    return _UNIT_FAMILY.get(unit, unit) if unit else None


# ---------------------------------------------------------------------------------------------------
# names and markers
# ---------------------------------------------------------------------------------------------------
_TAG = re.compile(r"\^\{([^{}]*)\}")
_DATE_TAG = re.compile(r"^'?\d{2}\.\s*\d{1,2}\.?$")
_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FOOTNOTE = re.compile(rf"([{_SUPERSCRIPT_DIGITS}]+)(⁾|\))?")
_PERIOD_MARKER = re.compile(r"\((하반기|상반기|\d{1,2}\s*~\s*\d{1,2}\s*월|\d{1,2}\s*월|[\d.\s~]*\d\.[\d.\s~]*)\)")


def split_markers(label: str, periods: bool = False) -> tuple[str, list[str]]:
    """Name without `^{tag}` policy tags and footnote superscripts (and, with `periods`, without
    `(하반기)` / `(5~6월)` / `(3. 16~11. 5)` period markers), plus the markers in printed order.

    `^{23.02.}` is a date, not a tag: its text stays in the name. A footnote written with an ASCII `)`
    (`(MV¹⁰)`) keeps the `)` when it closes a parenthesis opened before it.
    """
    markers: list[str] = []

    def tag(match: re.Match) -> str:
        content = match.group(1).strip()
        if _DATE_TAG.match(content):
            return content
        markers.append(content)
        return ""

    text = _TAG.sub(tag, label) if "^{" in label else label
    out: list[str] = []
    pos = 0
    for match in _FOOTNOTE.finditer(text):
        out.append(text[pos : match.start()])
        digits = match.group(1).translate(str.maketrans(_SUPERSCRIPT_DIGITS, "0123456789"))
        markers.append(f"fn{digits}")
        if match.group(2) == ")":
            before = "".join(out)
            if before.count("(") > before.count(")"):
                out.append(")")
        pos = match.end()
    out.append(text[pos:])
    text = "".join(out)
    if periods:

        def period(match: re.Match) -> str:
            markers.append(re.sub(r"\s+", " ", match.group(1)).strip())
            return ""

        text = _PERIOD_MARKER.sub(period, text)
    return clean_prose_name(" ".join(text.split())), markers  # (the regex \s is str.isspace)


# ---------------------------------------------------------------------------------------------------
# lines
# ---------------------------------------------------------------------------------------------------
@dataclass
class Line:
    no: int
    raw: str  # as printed
    indent: int  # leading spaces
    heading: int  # number of leading '#'
    bold: bool
    bullet: str | None  # □ ○ - ※ * → ➔ or None
    text: str  # markup, heading marks and bullet removed

    @property
    def is_blank(self) -> bool:
        return not self.text and not self.bullet


_BULLETS = ("□", "○", "-", "※", "→", "➔", "⇒", "◆", "*", "·")  # one character each (read_line relies on it)


def read_line(no: int, raw: str) -> Line:
    norm = normalize_text(raw)
    indent = len(norm) - len(norm.lstrip(" "))
    body = norm.strip()
    heading = len(body) - len(body.lstrip("#"))
    body = body.lstrip("#").strip()
    bold = "**" in body
    text = strip_markup(body)
    bullet = None
    mark = text[:1]  # every bullet is one character
    if mark in _BULLETS and (mark != "*" or not text.startswith("**")):
        bullet = mark
        text = text[1:].strip()
    return Line(no, raw, indent, heading, bold, bullet, text)


# A part heading starts with a roman numeral; removing markup only deletes characters (an entity aside).
_MAY_BE_PART = re.compile(r"[IVXⅠ-Ⅹ&]")


def _part_bounds(report: Report, part: int) -> tuple[int, int] | None:
    """First and last line number of a roman part in the body (TOC table rows are skipped)."""
    start = None
    for no, raw in enumerate(report.lines, start=1):
        if "\t" in raw or _MAY_BE_PART.search(raw) is None:
            continue
        text = strip_markup(normalize_text(raw).strip().lstrip("#"))
        match = PART_ENTRY.match(text)
        if not match:
            continue
        number = roman_to_int(match.group("roman"))
        if start is None and number == part:
            start = no
        elif start is not None and number is not None and number != part:
            return start, no - 1
    return (start, len(report.lines)) if start is not None else None


def _row(report: Report, line: Line, **values) -> dict:
    row = dict.fromkeys(COLUMNS)
    row.update(report_id=report.report_id, source_line=line.no, line_text=line.raw, measure_seq=1)
    row.update(values)
    return row


def _flags(*flags: str | None) -> str | None:
    kept = [f for f in flags if f]
    return ",".join(dict.fromkeys(kept)) if kept else None


# ---------------------------------------------------------------------------------------------------
# task-header layout (충북테크노파크)
# ---------------------------------------------------------------------------------------------------
_TASK_HEADER = re.compile(r"^(?:\d{1,2}|[①-⑳])\s*이행과제\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$")
_TASK_TITLE = re.compile(r"^\d{1,2}\s*\.\s*(.+)$")
_FOOTNOTE_TEXT = re.compile(r"^\d{1,2}\)\s")
_RATE = rf"(?:\s*,?\s*(?P<rate>{_Q})\s*%)?"


@functools.cache
def _kpi_patterns(words: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(KPI line, KPI glued in parentheses, status-only KPI) for a family's status words."""
    status = "|".join(map(re.escape, words)) or "(?!)"
    kpi = re.compile(
        rf"^(?P<name>.*?)\s*(?P<open>[(\[])?\s*(?P<target>{_Q})\s*(?P<tunit>{_UNIT})(?:\s*(?P<tnote>[가-힣]+))?\s*"
        rf"(?P<close>[)\]])?\s*:\s*(?:(?P<actual>{_Q})\s*(?P<aunit>{_UNIT})|(?P<status>{status})){_RATE}\s*$"
    )
    glued = re.compile(
        rf"^(?P<name>.*?)\s*\(\s*(?P<target>{_Q})\s*(?P<tunit>{_UNIT})\s*:\s*"
        rf"(?:(?P<actual>{_Q})\s*(?P<aunit>{_UNIT})|(?P<status>{status})){_RATE}\s*\)\s*$"
    )
    status_only = re.compile(rf"^(?P<name>.*?)\s*\(\s*(?P<status>{status})\s*\)\s*$")
    return kpi, glued, status_only

_EXTRA_COLON = re.compile(r"\s:\s|\s:$|^[^(]*:\s")


@dataclass
class KpiMatch:
    name: str
    value: str
    target: str | None = None
    tunit: str | None = None
    tnote: str | None = None
    actual: str | None = None
    aunit: str | None = None
    status: str | None = None
    rate: str | None = None
    flags: list[str] = field(default_factory=list)


def match_kpi(
    text: str, allow_status_only: bool = False, words: tuple[str, ...] | None = None
) -> KpiMatch | None:
    """The `(target) : actual[, rate%]` pattern at the end of a KPI line, or None for descriptions."""
    kpi_line, kpi_glued, kpi_status_only = _kpi_patterns(status_words(None) if words is None else words)
    patterns = ((kpi_glued, "glued_parentheses"), (kpi_line, None)) if ":" in text else ()  # both need a ':'
    for pattern, flag in patterns:
        m = pattern.match(text)
        if not m:
            continue
        g = m.groupdict()
        flags = [flag] if flag else []
        if pattern is kpi_line:
            opened, closed = g["open"], g["close"]
            if not opened and not closed:
                flags.append("target_bare")
            elif opened == "[" or closed == "]":
                flags.append("target_bracketed")
            if bool(opened) != bool(closed):
                flags.append("target_bracket_unbalanced")
            if g["rate"] and not re.search(r",\s*" + re.escape(g["rate"]) + r"\s*%\s*$", text):
                flags.append("rate_without_comma")
        name = g["name"].strip()
        if _EXTRA_COLON.search(name):
            flags.append("extra_colon")
        value_start = m.start("open") if pattern is kpi_line and g["open"] else m.start("target")
        if pattern is kpi_glued:
            value_start = text.rfind("(", 0, m.start("target"))
        return KpiMatch(
            name=name,
            value=text[value_start:].strip(),
            target=g["target"],
            tunit=g["tunit"],
            tnote=g.get("tnote"),
            actual=g["actual"],
            aunit=g["aunit"],
            status=g["status"],
            rate=g["rate"],
            flags=flags,
        )
    if allow_status_only:
        m = kpi_status_only.match(text)
        if m:
            return KpiMatch(name=m.group("name").strip(), value=text[m.start("status") - 1 :].strip(),
                            status=m.group("status"), flags=["status_only"])
    return None


# squash only deletes characters (an entity aside): '추진여건' / '이행과제' need their last letter
_MAY_END_TASK = re.compile(r"[건제&]")


def _read_lines(report: Report, first: int, last: int) -> list[Line]:
    return [read_line(no, report.line(no)) for no in range(first, last + 1)]


def _task_blocks(
    report: Report, first: int, last: int, lines: list[Line] | None = None
) -> list[tuple[Line, list[Line]]]:
    """(task header, lines of the task) for every `N 이행과제 X-Y` header in the part. A task ends at
    the next task header, at the next department's `추진여건` / `이행과제` list, or at the part's end.
    `lines`: the part's lines already read (`_read_lines`)."""
    blocks: list[tuple[Line, list[Line]]] = []
    current: list[Line] | None = None
    for line in lines if lines is not None else _read_lines(report, first, last):
        if _TASK_HEADER.match(line.text):
            current = []
            blocks.append((line, current))
            continue
        if not line.bullet and _MAY_END_TASK.search(line.text) and squash(line.text) in ("추진여건", "이행과제"):
            current = None
            continue
        if current is not None:
            current.append(line)
    return blocks


def _kpi_candidates(lines: list[Line], words: tuple[str, ...]) -> list[tuple[Line, KpiMatch]]:
    """The lines of a task block that read as a KPI (footnotes, notes and table lines are not)."""
    candidates: list[tuple[Line, KpiMatch]] = []
    for line in lines:
        if "\t" in line.raw or not line.text or line.bullet in ("※", "→", "➔", "⇒"):
            continue
        if line.bullet is None and line.indent == 0 and _FOOTNOTE_TEXT.match(line.text):
            continue  # footnote text `3) IOL(...) : ...`
        is_box = line.bullet == "□"
        kpi = match_kpi(line.text, allow_status_only=is_box or line.bold, words=words)
        if kpi:
            candidates.append((line, kpi))
    return candidates


def _parent_style(line: Line, kpi: KpiMatch, styled: bool) -> str | None:
    """How a KPI line that heads its own KPI is printed (box, bold, plain); None for a child line.
    `styled`: the task prints its parents boxed or bold, so a plain dash line is a child."""
    if line.bullet == "□":
        return "box"
    if line.bold:
        return "bold"
    if kpi.rate or "glued_parentheses" in kpi.flags or "status_only" in kpi.flags:
        return "plain"
    if not styled and line.bullet == "-" and line.indent == 0:
        return "plain"
    return None


def _kpi_values(kpi: KpiMatch) -> tuple[dict, list[str]]:
    """The printed target, actual, rate and status of a KPI line as row values, and its flags."""
    flags = list(kpi.flags)
    if kpi.target and kpi.aunit and kpi.tunit != kpi.aunit:
        flags.append("unit_changed")
    if kpi.tnote:
        flags.append("target_note")
    label, markers = split_markers(kpi.name)
    values = dict(
        label_raw=kpi.name,
        name=label,
        markers=",".join(markers) or None,
        value_printed=kpi.value,
        target_printed=f"{kpi.target}{kpi.tunit}" if kpi.target else None,
        target=parse_number(kpi.target) if kpi.target else None,
        target_unit=kpi.tunit,
        target_note=kpi.tnote,
        target_flag=None if kpi.target else "blank",
        actual_printed=f"{kpi.actual}{kpi.aunit}" if kpi.actual else kpi.status,
        actual=parse_number(kpi.actual) if kpi.actual else None,
        actual_unit=kpi.aunit,
        actual_flag=None if kpi.actual else "text",
        rate_printed=f"{kpi.rate}%" if kpi.rate else None,
        rate_reported=parse_number(kpi.rate) if kpi.rate else None,
        status=kpi.status,
        is_percentage_kpi=kpi.tunit == "%" or kpi.aunit == "%",
    )
    return values, flags


def _child_row(report: Report, line: Line, kpi: KpiMatch, parent: dict | None, values: dict, flags: list[str],
               task_code: str, child_seq: int, styled: bool) -> dict:
    """A child KPI line: it adds to its parent when both have targets in the same unit family and
    neither is a %-KPI. A child before any parent of its task is kept, flagged, keyed under 0."""
    if parent is None:
        return _row(report, line, row_id=f"L{line.no}", level=2, line_style="dash", kpi_seq=0,
                    child_seq=child_seq, kpi_key=f"{task_code}:0.{child_seq}",
                    flags=_flags(*flags, "no_parent"), adds_to_parent=False, **values)
    parent_unit = parent["target_unit"] or parent["actual_unit"]
    child_unit = kpi.tunit or kpi.aunit
    if parent_unit and child_unit and parent_unit != child_unit:
        flags.append("unit_differs_from_parent")
    adds = (
        parent["target"] is not None
        and not parent["is_percentage_kpi"]
        and not values["is_percentage_kpi"]
        and kpi.target is not None
        and unit_family(child_unit) == unit_family(parent_unit)
    )
    if line.indent == 0 and styled and line.bullet == "-" and parent["line_style"] == "bold":
        flags.append("child_at_column0")
    return _row(
        report, line, row_id=f"L{line.no}", parent_row_id=parent["row_id"], level=2, line_style="dash",
        kpi_seq=parent["kpi_seq"], child_seq=child_seq, kpi_key=f"{task_code}:{parent['kpi_seq']}.{child_seq}",
        adds_to_parent=adds, flags=_flags(*flags), **values,
    )


def _task_header_rows(report: Report, first: int, last: int, part_lines: list[Line] | None = None) -> list[dict]:
    departments = numbered_entries(report)
    words = status_words(report)
    rows: list[dict] = []
    for header, lines in _task_blocks(report, first, last, part_lines):
        m = _TASK_HEADER.match(header.text)
        dept_no, task_no = int(m.group(1)), int(m.group(2))
        task_code = f"{dept_no}-{task_no}"
        title = next((_TASK_TITLE.match(ln.text).group(1).strip() for ln in lines[:4]
                      if not ln.bullet and _TASK_TITLE.match(ln.text)), None)
        task = dict(layout="task_header", org_unit=departments.get(dept_no), org_unit_no=dept_no,
                    task_code=task_code, task_title=title)
        candidates = _kpi_candidates(lines, words)
        styled = any(ln.bullet == "□" or ln.bold for ln, _ in candidates)
        parent: dict | None = None
        kpi_seq = child_seq = 0
        for line, kpi in candidates:
            style = _parent_style(line, kpi, styled)
            values, flags = _kpi_values(kpi)
            values.update(task)
            if dept_no not in departments:
                flags.append("org_unit_not_in_toc")
            if style:
                kpi_seq += 1
                child_seq = 0
                if line.indent > 0 and style == "box":
                    flags.append("indented_parent")
                parent = _row(
                    report, line, row_id=f"L{line.no}", level=1, line_style=style, kpi_seq=kpi_seq,
                    kpi_key=f"{task_code}:{kpi_seq}", adds_to_parent=False, flags=_flags(*flags), **values,
                )
                rows.append(parent)
                continue
            if kpi.rate:
                flags.append("child_with_rate")
            child_seq += 1
            rows.append(_child_row(report, line, kpi, parent, values, flags, task_code, child_seq, styled))
    return rows


# ---------------------------------------------------------------------------------------------------
# goal-heading layout (충북과학기술혁신원)
# ---------------------------------------------------------------------------------------------------
_TASK_HEADING = re.compile(r"^(\d{1,2})\s+(\S.*)$")
_COLON = re.compile(r"\s+:\s*|\s*:\s+")
_SCHEDULE = re.compile(r"^'?\d{2}\s*\.\s*\d{1,2}\s*\.?$")
_QUANTITY = re.compile(rf"^(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+)\s*(?P<unit>{_UNIT})(?P<rest>.*)$")
_PAREN_COUNT = re.compile(rf"\((?P<num>\d[\d,]*)\s*(?P<unit>개사|건|명|회|편|개|종|대)\)")
_PERIOD_PIECE = re.compile(r"^\d{1,2}\s*~\s*\d{1,2}\s*월$")
_GARBLED = re.compile(r"[α-ωΑ-Ω]")


@dataclass
class Measure:
    printed: str
    number: Decimal | None
    unit: str | None
    status: str | None = None
    flags: list[str] = field(default_factory=list)


def split_outside_parentheses(text: str, separators: str = r"\s*/\s*|,\s+|[α-ωΑ-Ω]") -> list[str]:
    """Pieces of `text` split at separators that are not inside parentheses."""
    pieces, depth, start = [], 0, 0
    pattern = re.compile(separators)
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            m = pattern.match(text, i)
            if m and m.end() > i:
                pieces.append(text[start:i])
                start = i = m.end()
                continue
        i += 1
    pieces.append(text[start:])
    return [p.strip(" ,") for p in pieces if p.strip(" ,")]


def parse_outcome_value(value: str, words: tuple[str, ...] | None = None) -> tuple[list[Measure], list[str]]:
    """Measures of an outcome value (`101명/1회`, `30명/추진중`, `895,464명, 2,036건 콘텐츠 공유`,
    `4~12월/14편 제작`, `3건β명`, `추진중`, `제품 홍보물 제작지원 대체`,
    `1차(2. 26~3. 25) 2건, / 2차(…) 2건`) and the period markers found beside them (`4~12월`)."""
    measures: list[Measure] = []
    periods: list[str] = []
    garbled = bool(_GARBLED.search(value))
    for piece in split_outside_parentheses(value):
        bare = re.sub(r"\s+", " ", re.sub(r"\([^()]*\)", " ", piece)).strip()  # `1차(…) 2건` -> `1차 2건`
        if _PERIOD_PIECE.match(bare):
            periods.append(bare.replace(" ", ""))
            continue
        m = _QUANTITY.match(bare) or re.search(
            rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+)\s*(?P<unit>{_UNIT})(?![가-힣])(?P<rest>.*)$", bare)
        if m:
            flags = ["garbled_separator"] if garbled else []
            measures.append(Measure(piece, parse_number(m.group("num")), m.group("unit"), flags=flags))
        elif bare in _UNITS:
            measures.append(Measure(piece, None, bare, flags=["garbled_separator", "number_missing"]))
        elif bare in (status_words(None) if words is None else words):
            measures.append(Measure(piece, None, None, status=bare))
        else:
            measures.append(Measure(piece, None, None, status=bare, flags=["status_text"]))
    return measures, periods


def counted_items(text: str) -> list[tuple[str, Measure]]:
    """Items of a detail line that carry a count in parentheses: `시제품 제작(2개사), 제품개선(2개사),
    충북전통문화(1개사) 선정` -> [('시제품 제작', 2개사), ('제품개선', 2개사), ('충북전통문화 선정', 1개사)].
    Approximate numbers (`(60명 정도)`) are not counts."""
    items = []
    for piece in split_outside_parentheses(text, r",\s+"):
        for count in _PAREN_COUNT.finditer(piece):
            name = re.sub(r"\s+", " ", piece.replace(count.group(0), " ")).strip()
            items.append((name, Measure(count.group(0), parse_number(count.group("num")), count.group("unit"))))
    return items


def _match_goal(text: str, goals: dict[int, str]) -> int | None:
    key = squash(text)
    if not key or re.match(r"^\d", key):
        return None
    for number, title in goals.items():
        if squash(title) == key:
            return number
    for number, title in goals.items():
        if SequenceMatcher(None, squash(title), key).ratio() >= 0.85:
            return number
    return None


def _next_text_line(lines: list[Line], i: int) -> int | None:
    for j in range(i + 1, len(lines)):
        if not lines[j].is_blank:
            return j
    return None


def _unwrapped(lines: list[Line], i: int, consumed: set[int]) -> tuple[str, bool]:
    """The text of line i, joined with the next plain line when a bullet line without a value wraps
    onto it (after a blank line); that line is then `consumed`. (text, whether it wrapped)."""
    line, text = lines[i], lines[i].text
    if line.bullet in ("○", "□", "-") and not _COLON.search(text):
        nxt = _next_text_line(lines, i)
        if nxt is not None and lines[nxt].bullet is None and not lines[nxt].heading \
                and "\t" not in lines[nxt].raw and _COLON.search(lines[nxt].text):
            consumed.add(nxt)
            return f"{text} {lines[nxt].text}", True
    return text, False


def _outcome_level(line: Line, text: str, child_style: str | None) -> tuple[int, str] | None:
    """(level, line style) of an outcome line: 1 a boxed or heading KPI, 2 its circle or column-0
    dash children, 3 the details under them; None for any other line."""
    if line.bullet == "□" or (line.heading and line.bullet is None and _COLON.search(text)):
        return 1, ("box" if line.bullet == "□" else "heading")
    if line.bullet == "○":
        return 2, "circle"
    if line.bullet == "-" and line.indent == 0 and child_style != "circle":
        return 2, "dash"
    if line.bullet == "-":
        return 3, "detail"
    return None


def _outcome_parts(text: str, level: int, words: tuple[str, ...]) -> tuple[str, str | None, list, list, list]:
    """(name as printed, value as printed, measures, period markers, item names) of an outcome line
    `name : value`; a detail line without a colon counts the items it names with a count."""
    parts = _COLON.split(text)
    measures: list[Measure] = []
    item_names: list[str] = []
    periods: list[str] = []
    name_raw, value_printed = text, None
    if len(parts) == 2:
        name_raw, value_printed = parts[0].strip(), parts[1].strip()
        if _SCHEDULE.match(value_printed) or "접수" in value_printed:
            measures = []  # a schedule or an application count, not an outcome
        else:
            measures, periods = parse_outcome_value(value_printed, words)
            if level == 3:  # details count only when they carry quantities
                measures = [m for m in measures if m.unit]
    elif len(parts) == 1 and level == 3:
        items = counted_items(text)
        item_names = [name for name, _ in items]
        measures = [measure for _, measure in items]
        value_printed = ", ".join(m.printed for m in measures) or None
    # else: two or more ' : ' -> not an outcome
    return name_raw, value_printed, measures, periods, item_names


def _measure_rows(report: Report, line: Line, measures: list[Measure], up_rows: list[dict], flags: list[str],
                  names: tuple[str, str, list[str], list[str]], kpi_key: str, common: dict) -> list[dict]:
    """One row per measure of an outcome line, each under the row above it with the same unit (else
    the first one, flagged); it adds to that row only in the same unit. `names`: (name as printed,
    label, markers, item names); `common`: the values every measure's row shares."""
    name_raw, label, markers, item_names = names
    created: list[dict] = []
    for seq, measure in enumerate(measures, start=1):
        row_id = f"L{line.no}" if len(measures) == 1 else f"L{line.no}#{seq}"
        same_unit = next((r for r in up_rows if measure.unit and r["actual_unit"] == measure.unit), None)
        up = same_unit or (up_rows[0] if up_rows else None)
        adds = same_unit is not None and measure.number is not None and up["actual"] is not None
        mflags = list(flags) + measure.flags
        if up is not None and measure.unit and same_unit is None:
            mflags.append("unit_not_in_parent")
        item_label, item_markers = (label, markers)
        if len(item_names) == len(measures) and len(measures) > 1:
            item_label, item_markers = split_markers(item_names[seq - 1], periods=True)
        elif item_names:
            item_label, item_markers = split_markers(item_names[0], periods=True)
        created.append(_row(
            report, line, row_id=row_id, parent_row_id=up["row_id"] if up else None, measure_seq=seq,
            kpi_key=kpi_key + (f"#{seq}" if len(measures) > 1 else ""),
            label_raw=item_names[seq - 1] if len(item_names) == len(measures) else name_raw,
            name=item_label, markers=",".join(item_markers) or None, target_flag="blank",
            actual_printed=measure.printed, actual=measure.number, actual_unit=measure.unit,
            actual_flag=None if measure.number is not None else ("text" if measure.status else "blank"),
            status=measure.status, is_percentage_kpi=measure.unit == "%",
            adds_to_parent=adds, flags=_flags(*mflags), **common,
        ))
    return created


def _goal_heading_rows(report: Report, first: int, last: int, part_lines: list[Line] | None = None) -> list[dict]:
    goals = numbered_entries(report)
    words = status_words(report)
    lines = part_lines if part_lines is not None else _read_lines(report, first, last)
    rows: list[dict] = []
    goal_no: int | None = None
    task_no: int | None = None
    task_title: str | None = None
    in_tasks = False  # after a task heading, before the next 여건 / 이행과제 / goal
    kpi_seq = child_seq = detail_seq = 0
    parent_rows: list[dict] = []
    child_rows: list[dict] = []
    child_style: str | None = None  # 'circle' | 'dash' | None
    consumed: set[int] = set()

    for i, line in enumerate(lines):
        if i in consumed or line.is_blank or "\t" in line.raw or set(line.text) <= {"-"}:
            continue
        text = line.text
        if line.heading and not line.bullet:
            number = _match_goal(text, goals)
            nxt = _next_text_line(lines, i)
            if number is None and nxt is not None and squash(lines[nxt].text) == "여건":
                number = (goal_no or 0) + 1
            if number is not None and not _TASK_HEADING.match(text) and not _COLON.search(text):
                goal_no, task_no, in_tasks = number, None, False
                continue
            if squash(text) in ("여건", "이행과제"):
                in_tasks = False
                continue
            m = _TASK_HEADING.match(text)
            if m and goal_no is not None:
                task_no, task_title, in_tasks = int(m.group(1)), m.group(2).strip(), True
                kpi_seq, parent_rows, child_rows, child_style = 0, [], [], None
                continue
        if not in_tasks or line.bullet in ("※", "→", "➔", "⇒", "*"):
            continue
        text, wrapped = _unwrapped(lines, i, consumed)
        placed = _outcome_level(line, text, child_style)
        if placed is None:
            continue
        level, style = placed
        if level < 3:  # details keep the style of the children above them
            child_style = style if level == 2 else None
        name_raw, value_printed, measures, periods, item_names = _outcome_parts(text, level, words)
        if level == 1:
            kpi_seq += 1
            child_seq = 0
            parent_rows, child_rows = [], []
        elif level == 2:
            child_rows = []
            if measures:
                child_seq += 1
                detail_seq = 0
        if not measures:
            continue
        label, markers = split_markers(name_raw, periods=True)
        markers += periods
        if level == 3:
            detail_seq += 1
        position = {1: f"{kpi_seq}", 2: f"{kpi_seq}.{child_seq}", 3: f"{kpi_seq}.{child_seq}.{detail_seq}"}[level]
        task_code = f"{goal_no}-{task_no}"
        up_rows = {1: [], 2: parent_rows, 3: child_rows}[level]
        flags = ["wrapped"] if wrapped else []
        if level > 1 and not up_rows:
            flags.append("no_parent")
        common = dict(
            layout="goal_heading", level=level, line_style=style, goal_no=goal_no, goal_name=goals.get(goal_no),
            task_code=task_code, task_title=task_title, kpi_seq=kpi_seq, child_seq=child_seq if level > 1 else None,
            detail_seq=detail_seq if level == 3 else None, value_printed=value_printed,
        )
        created = _measure_rows(report, line, measures, up_rows, flags, (name_raw, label, markers, item_names),
                                f"{task_code}:{position}", common)
        rows.extend(created)
        if level == 1:
            parent_rows = created
        elif level == 2:
            child_rows = created
    return rows


# ---------------------------------------------------------------------------------------------------
def extract(report: Report) -> list[dict]:
    part = department_part(report)
    bounds = _part_bounds(report, part) if part is not None else None
    if bounds is None:
        return []
    first, last = bounds
    lines = _read_lines(report, first, last)  # read once for both passes (Line objects are not modified)
    has_task_headers = any(_TASK_HEADER.match(line.text) for line in lines)
    if has_task_headers:
        return _task_header_rows(report, first, last, lines)
    return _goal_heading_rows(report, first, last, lines)


EXTRACTOR = Extractor(
    table="kpi_lines",
    description=(
        "KPI / outcome lines of part Ⅲ of agency status reports: one row per KPI line and measure, with "
        "target, actual, units, reported rate, status, markers and the parent KPI line."
    ),
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
)
