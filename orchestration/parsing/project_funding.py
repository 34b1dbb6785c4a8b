"""Project funding facts (docs/report-families.md 2.4, 3.2, 3.4, 4.5): one row per printed amount, LONG.

Three kinds of sources:

* funding statements in prose (and in table cells): ``총액(출처 금액, 출처 금액(출처 금액, …), …)``, e.g.
  ``- 사업비 : 280억원(국비 140, 도비 65, 시비 65, 민간 10)``. The total is one row (funding_source
  ``합계``), every source one row pointing at it; a nested source (``지방비 44.925억원(도비 …, 시군비 …)``)
  is the parent of its parts. Unit-less source amounts inherit the enclosing amount's unit; a source
  printed without an amount (``1,500,000천원(국비)``) is the whole total. Inside a key-project block
  (``N. 사업명`` in the 현안사업 part, or ``현안사업 N : 사업명``) the rows carry the project's number,
  name, period (사업기간), agencies (수행기관 / 추진체계) and department (the contact row
  ``부서명 | dept | …`` that closes the block).
* project tables (``번호 | 사업명 | 사업기간 | 사업비(천원) | 주관부처``): the 합계 row, numbered project
  rows and department subtotals ``dept(N건)`` printed after their group (a project's department and
  parent is the next subtotal; a subtotal's parent is the 합계).
* yearly tables (transposed: rows ``건 수`` / ``총사업비`` × columns ``2017년`` …).

Everything is found by markers and header keywords, never by line numbers. Printed numbers are kept;
sums are checked downstream (fct_project_funding), never corrected here.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from .extractors import Extractor
from .periods import full_year
from .profiles import total_labels
from .reader import ROMAN, Report, Row, Table
from .structure import match_department, numbered_entries
from .values import UNIT_FACTORS, clean_name, memoize, parse_value, squash, strip_html, strip_markup, to_won

# ---------------------------------------------------------------------------------------------
# Funding expressions: AMOUNT UNIT? ( SOURCE AMOUNT? UNIT? [( … )] {sep SOURCE …} )

_UNIT_RE = r"(?:백만\s?원|천\s?원|억\s?원|억|원)"
# thousands groups only, so '국비 140, 도비 65' leaves the comma as a separator
_AMOUNT_RE = re.compile(rf"(?P<num>[△▲]?\d+(?:,\d{{3}})*(?:\.\d+)?|\*+)\s*(?P<unit>{_UNIT_RE})?")
# A source name: 국비, 도비, 시비, 군비, 시군비, 지방비, 민간, 현물, 현금, 민자, 자부담, 기업부담금, 출연금 …
_SOURCE_RE = re.compile(
    r"(?P<whole>전액\s*)?(?P<name>[가-힣]{0,4}(?:비|민간|현물|현금|민자|부담금|자부담|출연금))(?![가-힣])"
)

SOURCE_GLOSS = {
    "합계": "total",
    "국비": "national",
    "도비": "provincial",
    "시비": "city",
    "군비": "county",
    "구비": "district",
    "시군비": "city_county",
    "시도비": "city_province",
    "지방비": "local",
    "민간": "private",
    "민자": "private",
    "현물": "in_kind",
    "현금": "cash",
    "자부담": "own_share",
    "기업부담금": "company_share",
}


_ESCAPES = re.compile(r"\\([_*\[\]#<>\-])")
_BOLD_MARK = re.compile(r"(?<![*\w])\*\*(?=[^\s*])|(?<=[^\s*])\*\*(?![*\w])")


@memoize
def clean_text(text: str) -> str:
    """A prose line or cell with HTML, escapes and markdown bold removed, keeping masked amounts
    (`***천원`, `시비**억`) intact (values.strip_markup would turn `***` into `*`)."""
    text, _ = strip_html(text)
    if "\\" in text:
        text = _ESCAPES.sub(r"\1", text)
    if "*" not in text:
        return text  # strip_html already collapsed the whitespace
    return " ".join(_BOLD_MARK.sub("", text).split())


def _unit(text: str | None) -> str | None:
    return text.replace(" ", "") if text else None


@dataclass
class Amount:
    printed: str | None  # the amount token as printed ('13.54', '***천원'); None when not printed
    number: Decimal | None
    unit: str | None  # printed unit or inherited
    flag: str | None = None  # masked | blank
    unit_inherited: bool = False


@dataclass
class Part:
    """One amount of a funding expression: the total (source '합계') or a source with its parts."""

    source: str
    amount: Amount
    start: int  # offset of the part in the text
    parts: list["Part"] = field(default_factory=list)
    missing_separator: bool = False  # printed right after the previous part without ',' or '/'
    whole: bool = False  # '(전액시비)': the source is the whole amount
    implied: bool = False  # source printed without an amount: it is the whole of its parent


@dataclass
class FundingExpr:
    total: Part
    start: int
    end: int
    label_raw: str  # text before the total on the line / in the cell


def _read_amount(text: str, pos: int) -> tuple[Amount, int] | None:
    match = _AMOUNT_RE.match(text, pos)
    if not match:
        return None
    num, unit = match.group("num"), _unit(match.group("unit"))
    if num.startswith("*"):
        return Amount(match.group(0).strip(), None, unit, "masked"), match.end()
    value = parse_value(num)
    if value.number is None:
        return None
    return Amount(match.group(0).strip(), value.number, unit), match.end()


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _read_sources(text: str, pos: int, parent_unit: str | None) -> tuple[list[Part], int] | None:
    """Sources inside '(' … ')' starting after the '('; returns the parts and the offset after ')'."""
    parts: list[Part] = []
    separated = True
    while True:
        pos = _skip_spaces(text, pos)
        if pos < len(text) and text[pos] == ")":
            return (parts, pos + 1) if parts else None
        if pos < len(text) and text[pos] in ",/":
            if not parts or separated:
                return None
            separated = True
            pos += 1
            continue
        match = _SOURCE_RE.match(text, pos)
        if not match:
            return None
        start = pos
        pos = _skip_spaces(text, match.end())
        read = _read_amount(text, pos)
        if read:
            amount, pos = read
            if amount.unit is None:
                amount.unit, amount.unit_inherited = parent_unit, True
            implied = False
        else:
            amount, implied = Amount(None, None, parent_unit, None, True), True
        part = Part(
            match.group("name"), amount, start, missing_separator=not separated, implied=implied,
            whole=bool(match.group("whole")),
        )
        after = _skip_spaces(text, pos)
        if after < len(text) and text[after] == "(":
            nested = _read_sources(text, after + 1, amount.unit)
            if nested is None:
                return None
            part.parts, pos = nested
        parts.append(part)
        separated = False


# Every expression has a money unit (ending in 원 or 억) followed by spaces or tabs and '('.
_UNIT_PAREN = re.compile(r"[원억][ \t]*\(")


def find_funding(text: str) -> list[FundingExpr]:
    """Every funding expression in a line or cell: an amount with a money unit followed by a
    parenthesis listing funding sources. '장비 계약(4.68억)' and '(350억 규모)' are not."""
    found: list[FundingExpr] = []
    if _UNIT_PAREN.search(text) is None:  # no money unit followed by '('
        return found
    pos = 0
    for match in _AMOUNT_RE.finditer(text):
        if match.start() < pos or not match.group("unit"):
            continue
        if match.start() > 0 and (text[match.start() - 1].isdigit() or text[match.start() - 1] in ".,*"):
            continue
        read = _read_amount(text, match.start())
        if read is None:
            continue
        amount, after = read
        paren = _skip_spaces(text, after)
        if paren >= len(text) or text[paren] != "(":
            continue
        sources = _read_sources(text, paren + 1, amount.unit)
        if sources is None:
            continue
        parts, end = sources
        total = Part("합계", amount, match.start(), parts)
        _resolve_implied(total)
        label = text[pos : match.start()] if not found else text[found[-1].end : match.start()]
        found.append(FundingExpr(total, match.start(), end, label))
        pos = end
    return found


def _resolve_implied(part: Part) -> None:
    """A lone source printed without an amount is its parent's whole amount; several are unknown."""
    implied = [p for p in part.parts if p.implied]
    for child in implied:
        if len(part.parts) == 1:
            child.amount = Amount(None, part.amount.number, part.amount.unit, part.amount.flag, True)
        else:
            child.amount = Amount(None, None, part.amount.unit, "blank", True)
    for child in part.parts:
        _resolve_implied(child)


# ---------------------------------------------------------------------------------------------
# Periods: '2022. 1. ~ 2024. 12.(3년)', '2020. 4. 1. ~ 2024. 12. 31.(57개월)', '2021. ~ 2023.(3년)',
# '2020.4.1.~2024.12.31. (57개월)', '2020. 3. 1. ~ 2020. 11. 30(9개월)'

_DATE = r"(?P<{p}y>\d{{4}})\s*\.\s*(?:(?P<{p}m>\d{{1,2}})\s*\.?\s*(?:(?P<{p}d>\d{{1,2}})(?!\d)\s*\.?)?)?"
_PERIOD_RE = re.compile(
    _DATE.format(p="s") + r"\s*[~∼〜\-]\s*" + _DATE.format(p="e") + r"\s*(?:\(\s*(?P<n>\d+)\s*(?P<u>년|개월)\s*\))?"
)


@dataclass
class Period:
    printed: str
    start: date
    end: date
    precision: str  # day | month | year
    count_printed: int | None
    count_unit: str | None
    count_computed: int | None


def _bounds(y: str, m: str | None, d: str | None, end: bool) -> tuple[date, str]:
    year = int(y)
    if m is None:
        return (date(year, 12, 31) if end else date(year, 1, 1)), "year"
    month = int(m)
    if d is None:
        return (date(year, month, calendar.monthrange(year, month)[1]) if end else date(year, month, 1)), "month"
    return date(year, month, int(d)), "day"


def months_spanned(start: date, end: date) -> int:
    """Whole months from start to end inclusive, partial months floored (docs/report-families.md 6.2/6.4):
    2020-04-01 ~ 2024-12-31 -> 57, 2020-01-28 ~ 2020-12-31 -> 11."""
    stop = end + timedelta(days=1)
    months = (stop.year - start.year) * 12 + stop.month - start.month
    if stop.day < start.day:
        months -= 1
    return months


def parse_period(text: str) -> Period | None:
    match = _PERIOD_RE.search(strip_markup(text))
    if not match:
        return None
    start, p1 = _bounds(match.group("sy"), match.group("sm"), match.group("sd"), end=False)
    end, p2 = _bounds(match.group("ey"), match.group("em"), match.group("ed"), end=True)
    precision = {"day": 0, "month": 1, "year": 2}
    coarse = max(p1, p2, key=precision.get)
    unit = match.group("u")
    count = int(match.group("n")) if match.group("n") else None
    if unit == "년":
        computed = end.year - start.year + 1
    elif unit == "개월":
        computed = months_spanned(start, end)
    else:
        computed = None
    return Period(match.group(0).strip(), start, end, coarse, count, unit, computed)


# ---------------------------------------------------------------------------------------------
# Key-project blocks

_ROMAN_PART = re.compile(rf"^(?:#+\s*)?(?:\*\*)?\s*{ROMAN}\s*\.\s*(?P<title>\S.*)$")
_ANNEX = re.compile(r"^(?:#+\s*)?(?:\*\*)?\s*\[(?:별첨|붙임)")
_KEY_PROJECT = re.compile(r"^(?:#+\s*)?(?:\*\*)?\s*현안\s*사업\s*(?P<no>\d{1,2})\s*[:：]\s*(?P<name>.+?)\s*(?:\*\*)?$")
_NUMBERED = re.compile(r"^(?:\*\*)?\s*(?P<no>\d{1,2})\s*\.\s+(?P<name>[^\d\s].*?)\s*(?:\*\*)?$")
_FIELD = re.compile(r"^\s*[-○·•]?\s*(?P<label>[^:：]{1,20}?)\s*[:：]\s*(?P<value>.+)$")


@dataclass
class ProjectBlock:
    no: int
    name_raw: str
    name: str
    heading_line: int
    end_line: int | None = None  # the contact row
    period: Period | None = None
    agencies: str | None = None
    lead_agency: str | None = None
    lead_ministry: str | None = None
    org_unit_printed: str | None = None
    org_unit: str | None = None
    org_unit_no: int | None = None


def _is_contact_row(line: str) -> list[str] | None:
    if "\t" not in line:
        return None
    cells = [strip_html(c)[0] for c in line.split("\t")]
    if squash(cells[0]) == "부서명" and len(cells) > 1 and cells[1]:
        return cells
    return None


def _may_be_key_project(line: str) -> bool:
    """False when `_KEY_PROJECT` cannot match the line with its markup removed: it needs '현안', and
    removing markup only deletes tags, '**' and escape backslashes (and decodes entities)."""
    if "현안" in line or "&" in line:
        return True
    return "현" in line and "안" in line and ("<" in line or "*" in line or "\\" in line)


def project_blocks(report: Report) -> list[ProjectBlock]:
    """Key-project blocks: `현안사업 N : name`, or `N. name` inside a part titled …현안사업.
    A block runs from its heading to the contact row (부서명 | …) or the next heading / part."""
    departments = numbered_entries(report, 3)
    blocks: list[ProjectBlock] = []
    in_key_part = labelled_part = False
    current: ProjectBlock | None = None
    for number, line in enumerate(report.lines, start=1):
        if "\t" in line:
            text, part = "", None
        else:
            part = _ROMAN_PART.match(line.strip())
            if part is None and not in_key_part and current is None and not _may_be_key_project(line):
                continue  # outside any key part and block, not a heading: nothing below applies
            text = strip_markup(line)
        if part and len(text) < 60:
            in_key_part = "현안사업" in squash(part.group("title"))
            labelled_part = False
            current = None
            continue
        if _ANNEX.match(line.strip()):
            in_key_part, current = False, None
            continue
        heading = _KEY_PROJECT.match(text) if text else None
        if heading:
            labelled_part = in_key_part  # this part numbers its projects '현안사업 N :'; 'N.' lines are text
        if heading is None and in_key_part and not labelled_part and text:
            numbered = _NUMBERED.match(text)
            expected = (blocks[-1].no + 1) if blocks else 1
            if numbered and int(numbered.group("no")) == expected and line[:1] not in " \t-":
                heading = numbered
        if heading:
            name_raw = heading.group("name").strip()
            current = ProjectBlock(int(heading.group("no")), name_raw, clean_name(name_raw), number)
            blocks.append(current)
            continue
        if current is None:
            continue
        contact = _is_contact_row(line)
        if contact:
            current.end_line = number
            current.org_unit_printed = contact[1]
            matched = match_department(contact[1], departments) if departments else None
            if matched:
                current.org_unit_no, current.org_unit = matched
            else:
                current.org_unit = clean_name(contact[1])
            current = None
            continue
        fld = _FIELD.match(text) if text else None
        if not fld:
            continue
        label = squash(fld.group("label"))
        value = fld.group("value").strip()
        if label == "사업기간" and current.period is None:
            current.period = parse_period(value)
        elif label in ("수행기관", "추진체계", "주관기관") and current.agencies is None:
            current.agencies = value
            leads = re.findall(r"([^,()]+?)\s*\(주관\)", value)
            current.lead_agency = ", ".join(s.strip() for s in leads) or None
            if label == "추진체계":
                first = value.split(",")[0].strip()
                ministry = re.match(r"^([^(]+)\(", first)
                current.lead_ministry = ministry.group(1).strip() if ministry else None
    return blocks


def _block_at(blocks: list[ProjectBlock], line: int) -> ProjectBlock | None:
    """The block a line belongs to: after its heading, up to its contact row (or the next heading)."""
    for index, block in enumerate(blocks):
        following = blocks[index + 1].heading_line if index + 1 < len(blocks) else None
        end = block.end_line if block.end_line is not None else (following - 1 if following else None)
        if block.heading_line < line and (end is None or line <= end):
            return block
    return None


# ---------------------------------------------------------------------------------------------
# Rows

COLUMNS: dict[str, str] = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",
    "parent_row_id": "VARCHAR",
    "source_line": "INTEGER",
    "table_no": "INTEGER",
    "source_kind": "VARCHAR",
    "row_kind": "VARCHAR",
    "project_no": "INTEGER",
    "project_name_raw": "VARCHAR",
    "project_name": "VARCHAR",
    "org_unit_printed": "VARCHAR",
    "org_unit": "VARCHAR",
    "org_unit_no": "INTEGER",
    "label_raw": "VARCHAR",
    "label": "VARCHAR",
    "basis": "VARCHAR",
    "funding_source": "VARCHAR",
    "funding_source_en": "VARCHAR",
    "amount_printed": "VARCHAR",
    "amount": "DECIMAL(38,4)",
    "unit": "VARCHAR",
    "amount_won": "DECIMAL(38,0)",
    "value_flag": "VARCHAR",
    "item_count_printed": "INTEGER",
    "period_printed": "VARCHAR",
    "period_start": "DATE",
    "period_end": "DATE",
    "period_precision": "VARCHAR",
    "period_count_printed": "INTEGER",
    "period_count_unit": "VARCHAR",
    "period_count_computed": "INTEGER",
    "lead_ministry": "VARCHAR",
    "lead_agency": "VARCHAR",
    "agencies": "VARCHAR",
    "flags": "VARCHAR",
    "line_text": "VARCHAR",
}


def _won(number: Decimal | None, unit: str | None) -> Decimal | None:
    if number is None or unit is None or unit not in UNIT_FACTORS:
        return None
    won = to_won(number, unit)
    return won.quantize(Decimal(1)) if won == won.to_integral_value() else won


def _row(report: Report, **values) -> dict:
    row = dict.fromkeys(COLUMNS)
    row["report_id"] = report.report_id
    row.update(values)
    return row


def _project_fields(block: ProjectBlock | None) -> dict:
    if block is None:
        return {}
    fields = {
        "project_no": block.no,
        "project_name_raw": block.name_raw,
        "project_name": block.name,
        "org_unit_printed": block.org_unit_printed,
        "org_unit": block.org_unit,
        "org_unit_no": block.org_unit_no,
        "lead_ministry": block.lead_ministry,
        "lead_agency": block.lead_agency,
        "agencies": block.agencies,
    }
    fields.update(_period_fields(block.period))
    return fields


def _period_fields(period: Period | None) -> dict:
    if period is None:
        return {}
    return {
        "period_printed": period.printed,
        "period_start": period.start,
        "period_end": period.end,
        "period_precision": period.precision,
        "period_count_printed": period.count_printed,
        "period_count_unit": period.count_unit,
        "period_count_computed": period.count_computed,
    }


def _basis(label_raw: str, line: str, in_project: bool) -> str:
    """total_project_cost (총사업비 / a project's 사업비), first_year / year_n (N차년도 사업비),
    annual_budget (연 …, '25년 …, … 투자 계획 / 투입), else budget."""
    label = _label_text(label_raw)
    key = squash(label)
    if re.search(r"\d+차년도", key):
        return "first_year" if "1차년도" in key else "year_n"
    if "총사업비" in key or (in_project and key.endswith("사업비")):
        return "total_project_cost"
    if re.search(r"(?:^|\s)연(?:\s|$)|'\d{2}년", label) or re.search(r"투자계획|투입", squash(line)):
        return "annual_budget"
    return "budget"


def _label_text(label_raw: str) -> str:
    """The label without bullets and the trailing colon ('- 사 업 비 :' -> '사 업 비')."""
    text = re.sub(r"^[\s\-○□◆◇■▪•·*]+", "", strip_markup(label_raw))
    return re.sub(r"[\s:：]+$", "", text)


def _label(label_raw: str) -> str:
    text = _label_text(label_raw)
    return clean_name(text) if text else ""


def _expr_rows(
    report: Report,
    expr: FundingExpr,
    base_id: str,
    line_no: int,
    table_no: int | None,
    source_kind: str,
    line_text: str,
    context: dict,
    basis: str,
    extra_flags: list[str],
) -> list[dict]:
    rows: list[dict] = []
    label_raw = expr.label_raw.strip()
    label = _label(label_raw)

    def emit(part: Part, row_id: str, parent: str | None, kind: str) -> None:
        amount = part.amount
        flags = list(extra_flags)
        if part.missing_separator:
            flags.append("missing_separator")
        if part.implied:
            flags.append("amount_implied_by_total")
        if part.whole:
            flags.append("whole_amount")
        if amount.unit_inherited and amount.printed is not None:
            flags.append("unit_inherited")
        if kind == "total" and re.search(r"(?:^|\s)\S(?:\s\S){1,}(?:\s|$)", _label_text(label_raw)):
            flags.append("letter_spaced_label")
        won = _won(amount.number, amount.unit)
        if won is not None and won != won.to_integral_value():
            flags.append("won_not_integral")
        rows.append(
            _row(
                report,
                row_id=row_id,
                parent_row_id=parent,
                source_line=line_no,
                table_no=table_no,
                source_kind=source_kind,
                row_kind=kind,
                label_raw=label_raw,
                label=label,
                basis=basis,
                funding_source=part.source,
                funding_source_en=SOURCE_GLOSS.get(part.source),
                amount_printed=amount.printed,
                amount=amount.number,
                unit=amount.unit,
                amount_won=won,
                value_flag=amount.flag,
                flags=",".join(dict.fromkeys(flags)) or None,
                line_text=line_text,
                **context,
            )
        )
        counter = 0
        for child in part.parts:
            counter += 1
            child_id = f"{row_id}.{counter}" if kind == "source" else f"{base_id}#{counter}"
            emit(child, child_id, row_id, "source")

    emit(expr.total, base_id, None, "total")
    return rows


def _may_hold_funding(cell: str) -> bool:
    """False when clean_text(cell) has no '(' or no money unit (it can add one only by decoding an entity)."""
    return ("(" in cell or "&" in cell) and ("원" in cell or "억" in cell or "&" in cell)


def _funding_statements(report: Report, blocks: list[ProjectBlock]) -> list[dict]:
    """Funding expressions in prose lines and in table cells."""
    rows: list[dict] = []
    table_at = {}
    for table in report.tables:
        for number in range(table.first_line, table.last_line + 1):
            table_at[number] = table
    for number, line in enumerate(report.lines, start=1):
        if "(" not in line:
            continue
        if "원" not in line and "억" not in line and "&" not in line:
            continue  # no money unit in any cell: find_funding finds nothing
        table = table_at.get(number) if "\t" in line else None
        if table is not None:
            cells = line.split("\t")
            if not any(_may_hold_funding(c) for c in cells):
                continue
            texts = [clean_text(c) for c in cells]
        else:
            texts = [clean_text(line)]
        exprs: list[tuple[int, FundingExpr]] = []
        for index, text in enumerate(texts):
            if _UNIT_PAREN.search(text):  # else find_funding finds nothing
                exprs.extend((index, e) for e in find_funding(text))
        if not exprs:
            continue
        block = _block_at(blocks, number)
        for count, (cell_index, expr) in enumerate(exprs, start=1):
            base = f"t{table.table_no}:L{number}" if table is not None else f"L{number}"
            if count > 1:
                base += f"e{count}"
            context = _project_fields(block)
            flags: list[str] = []
            if table is not None:
                context.update(_table_cell_context(table, number, cell_index, texts))
                expr.label_raw = " ".join(filter(None, [_cell_label(table, cell_index, texts), expr.label_raw.strip()]))
            text = texts[cell_index]
            if block is None and table is None and re.search(r"제외", text[: expr.start]):
                flags.append("excludes_component")
            source_kind = "overview_line" if block is not None else "plan_line"
            basis = _basis(expr.label_raw, text, block is not None)
            rows.extend(
                _expr_rows(report, expr, base, number, table.table_no if table else None, source_kind,
                           line, context, basis, flags)
            )
    return rows


def _cell_label(table: Table, cell_index: int, cells: list[str]) -> str | None:
    """The label of a funding cell: the row's label cell right before it, else the column header."""
    if cell_index == 1 and cells[0] and parse_value(cells[0]).flag == "text":
        return cells[0]
    header = table.header[0].cells if table.header else []
    if cell_index < len(header) and header[cell_index]:
        return header[cell_index]
    return None


def _table_cell_context(table: Table, line_no: int, cell_index: int, cells: list[str]) -> dict:
    """Project name and agencies of a funding cell: a 과제명 / 사업명 row of the same table, else the
    nearest text cell to the left in the row."""
    context: dict = {}
    for row in table.rows:
        if not row.cells:
            continue
        key = squash(row.cells[0])
        value = next((c for c in row.cells[1:] if c), None)
        if row.line_no > line_no:
            break
        if key in ("과제명", "사업명") and value:
            context["project_name_raw"], context["project_name"] = value, clean_name(value)
        elif key in ("추진체계", "수행기관") and value:
            context["agencies"] = value
    if "project_name" not in context:
        for cell in reversed(cells[:cell_index]):
            if cell and parse_value(cell).flag == "text":
                context["project_name_raw"], context["project_name"] = cell, clean_name(cell)
                break
    return context


# ---------------------------------------------------------------------------------------------
# Project tables: 번호 | 사업명 | 사업기간 | 사업비(천원) | 주관부처

_SUBTOTAL = re.compile(r"^(?P<name>.+?)\s*\(\s*(?P<n>\d+)\s*건\s*\)$")


def _key_index(squashed: list[str], *keys: str) -> int | None:
    """Position of the first header cell (squashed) that starts with one of `keys`."""
    for index, key in enumerate(squashed):
        if key.startswith(keys):
            return index
    return None


def _header_unit(cell: str) -> str | None:
    match = re.search(r"\((?P<u>[^()]*)\)", cell)
    if match and _unit(match.group("u")) in UNIT_FACTORS:
        return _unit(match.group("u"))
    return None


def _project_columns(table: Table) -> tuple[int, int, int, int, int | None, str | None] | None:
    """(번호, 사업명, 사업기간, 사업비, 주관부처 column index, money unit) of a project table; None for
    any other table."""
    header = table.header[0].cells
    squashed = [squash(c) for c in header]
    i_no = _key_index(squashed, "번호")
    i_name = _key_index(squashed, "사업명") if i_no is not None else None
    i_period = _key_index(squashed, "사업기간") if i_name is not None else None
    i_amount = _key_index(squashed, "사업비") if i_period is not None else None
    if None in (i_no, i_name, i_period, i_amount):
        return None
    i_ministry = _key_index(squashed, "주관부처", "주관기관")
    unit = _header_unit(header[i_amount])
    if unit is None:
        money = [u for u in table.units if u in UNIT_FACTORS]
        unit = money[0] if money else None
    return i_no, i_name, i_period, i_amount, i_ministry, unit


def _fitted_cells(row: Row, width: int) -> tuple[list[str], list[str]]:
    """A row's cells fitted to the header's width (trailing blanks dropped, then padded or cut), and
    its flags."""
    cells = list(row.cells)
    flags: list[str] = []
    while len(cells) > width and not cells[-1]:
        cells.pop()
    if len(cells) != width:
        flags.append("cell_count_mismatch")
        cells = (cells + [""] * width)[:width]
    return cells, flags


def _project_tables(report: Report) -> list[dict]:
    totals = total_labels(report)
    rows: list[dict] = []
    for table in report.tables:
        columns = _project_columns(table) if table.header else None
        if columns is not None:
            rows.extend(_project_table_rows(report, table, columns, totals))
    return rows


def _project_table_rows(report: Report, table: Table, columns: tuple, totals: frozenset[str]) -> list[dict]:
    """The total, department subtotals (N건) and numbered projects of one project table: a project
    goes under the subtotal printed after it, a subtotal under the total (printed before or after)."""
    i_no, i_name, i_period, i_amount, i_ministry, unit = columns
    width = len(table.header[0].cells)
    total_id: str | None = None
    pending: list[dict] = []
    table_rows: list[dict] = []
    for row in table.rows:
        if row.role != "data":
            continue
        cells, flags = _fitted_cells(row, width)
        first = cells[i_no]
        value = parse_value(cells[i_amount])
        row_id = f"t{table.table_no}:L{row.line_no}"
        won = _won(value.number, unit)
        base = dict(
            row_id=row_id,
            source_line=row.line_no,
            table_no=table.table_no,
            source_kind="project_table",
            basis="secured",
            funding_source="합계",
            funding_source_en="total",
            amount_printed=cells[i_amount],
            amount=value.number,
            unit=unit,
            amount_won=won,
            value_flag=value.flag,
            line_text=row.raw_text,
        )
        key = squash(first)
        subtotal = _SUBTOTAL.match(clean_name(first)) if first else None
        if key in totals:
            total_id = row_id
            data = _row(report, row_kind="total", label_raw=first, label=clean_name(first), **base)
            for earlier in table_rows:
                if earlier["row_kind"] == "subtotal" and earlier["parent_row_id"] is None:
                    earlier["parent_row_id"] = row_id
        elif subtotal:
            dept = subtotal.group("name").strip()
            data = _row(
                report, row_kind="subtotal", label_raw=first, label=clean_name(first), org_unit_printed=dept,
                org_unit=clean_name(dept), item_count_printed=int(subtotal.group("n")), parent_row_id=total_id,
                **base,
            )
            for item in pending:
                item["parent_row_id"] = row_id
                item["org_unit_printed"], item["org_unit"] = dept, clean_name(dept)
            pending = []
        elif re.fullmatch(r"\d+", first):
            period = parse_period(cells[i_period])
            if period is None and cells[i_period]:
                flags.append("period_unparsed")
            data = _row(
                report, row_kind="project", project_no=int(first), label_raw=cells[i_name],
                label=clean_name(cells[i_name]), project_name_raw=cells[i_name],
                project_name=clean_name(cells[i_name]),
                lead_ministry=(cells[i_ministry] or None) if i_ministry is not None else None,
                **base, **_period_fields(period),
            )
            pending.append(data)
        else:
            continue
        if won is not None and won != won.to_integral_value():
            flags.append("won_not_integral")
        data["flags"] = ",".join(flags) or None
        if data["row_kind"] == "total":
            data["lead_ministry"] = None
        table_rows.append(data)
    for item in pending:  # projects after the last subtotal belong to no printed subtotal
        item["parent_row_id"] = total_id
        item["flags"] = ",".join(filter(None, [item["flags"], "no_subtotal"]))
    return table_rows


# ---------------------------------------------------------------------------------------------
# Yearly tables (transposed): 구 분 | 2017년 | … ; rows 건 수 / 총사업비

_YEAR = re.compile(r"^'?(?P<y>\d{2}|\d{4})\s*년?(?:도)?$")


def _yearly_tables(report: Report) -> list[dict]:
    rows: list[dict] = []
    for table in report.tables:
        if not table.header:
            continue
        header = table.header[-1].cells
        years = {i: _YEAR.match(squash(c)) for i, c in enumerate(header) if i > 0 and c}
        if not years or not all(years.values()):
            continue
        labels = {squash(r.cells[0]) for r in table.data if r.cells}
        if not any("사업비" in label for label in labels):
            continue
        money = [u for u in table.units if u in UNIT_FACTORS]
        money_unit = money[0] if money else None
        for row in table.data:
            label_raw = row.cells[0]
            key = squash(label_raw)
            is_count = key.endswith("건수") or key == "건수"
            unit = "건" if is_count else money_unit
            for index, match in years.items():
                if index >= len(row.cells):
                    continue
                value = parse_value(row.cells[index])
                year = int(match.group("y"))
                year = full_year(year)
                won = None if is_count else _won(value.number, unit)
                rows.append(
                    _row(
                        report,
                        row_id=f"t{table.table_no}:L{row.line_no}:c{index}",
                        source_line=row.line_no,
                        table_no=table.table_no,
                        source_kind="yearly_table",
                        row_kind="yearly",
                        label_raw=label_raw,
                        label=clean_name(label_raw),
                        basis="project_count" if is_count else "secured",
                        funding_source="합계",
                        funding_source_en="total",
                        amount_printed=row.cells[index],
                        amount=value.number,
                        unit=unit,
                        amount_won=won,
                        value_flag=value.flag,
                        period_printed=header[index],
                        period_start=date(year, 1, 1),
                        period_end=date(year, 12, 31),
                        period_precision="year",
                        line_text=row.raw_text,
                    )
                )
    return rows


def extract(report: Report) -> list[dict]:
    blocks = project_blocks(report)
    rows = _funding_statements(report, blocks) + _project_tables(report) + _yearly_tables(report)
    seen: set[str] = set()
    for row in rows:
        if row["row_id"] in seen:  # pragma: no cover - ids are built from unique positions
            raise ValueError(f"{report.report_id}: duplicate row_id {row['row_id']}")
        seen.add(row["row_id"])
    return rows


EXTRACTOR = Extractor(
    table="project_funding_lines",
    description=(
        "Project funding amounts, one row per printed amount: totals and their funding sources from "
        "key-project overviews and plan lines, project-table rows with department subtotals, yearly "
        "secured-project tables."
    ),
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
)
