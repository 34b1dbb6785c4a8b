"""Split a report's text into its tab-separated tables, with the context printed above each.

Plain Python, no Dagster: the raw layer of the warehouse is exactly what this returns.

A table is a run of tab-separated lines. Runs separated only by blank lines, a repeated unit line
and a repeated header row are one table split across pages; runs separated by anything else
(prose, a heading) are separate tables.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from .values import is_value_like, normalize_text, odd_grouping, parse_unit_line, squash, strip_html, strip_markup


class ReportFormatError(ValueError):
    """A report that cannot be read: the message names the file and, where known, the line."""

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {message}")


@dataclass
class Row:
    line_no: int
    raw_text: str
    cells: list[str]  # HTML reduced to text
    bold: list[bool]  # per cell: was it wrapped in <b>
    role: str = "data"  # 'header' | 'repeated_header' | 'data' | 'unit' | 'dash'


@dataclass
class Table:
    report_id: str
    table_no: int
    first_line: int
    last_line: int
    rows: list[Row]
    title: str | None = None
    title_line: int | None = None
    heading: str | None = None  # nearest □ / ○ / # / numbered heading above
    heading_line: int | None = None
    section: str | None = None  # enclosing part and numbered section, e.g. 'I. 일반현황 > 3 예산규모'
    unit_text: str | None = None
    unit_line: int | None = None
    as_of: str | None = None
    chunks: int = 1  # page chunks merged into this table
    header_rows: int = 0

    @property
    def header(self) -> list[Row]:
        return [r for r in self.rows if r.role == "header"]

    @property
    def data(self) -> list[Row]:
        return [r for r in self.rows if r.role == "data"]

    @property
    def units(self) -> tuple[str, ...]:
        parsed = parse_unit_line(self.unit_text) if self.unit_text else None
        return parsed.units if parsed else ()


@dataclass
class Report:
    report_id: str
    path: str
    lines: list[str]  # lines[0] is line 1
    tables: list[Table] = field(default_factory=list)
    encoding: str | None = None  # the codec the file was decoded with (detected for `auto`)
    issues: list["Issue"] = field(default_factory=list)  # layout problems found by check_layout

    def line(self, number: int) -> str:
        return self.lines[number - 1]


AUTO = "auto"  # registry value: detect UTF-8 (with or without BOM), UTF-16 (BOM) or CP949
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Characters a wrongly decoded Korean text is made of: replacement characters, Latin-1 letters
# (UTF-8 read as Latin-1/CP1252) and CJK ideographs (UTF-8 read as CP949 lands in its Hanja rows).
_SUSPECT = re.compile(r"[\ufffd\u00c0-\u00ff\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def decode_report(path: str | Path, encoding: str = "utf-8") -> list[str]:
    """The report's lines (line 1 first), decoded with the declared encoding (or `auto`).

    Raises ReportFormatError naming the file and line for empty, binary or wrongly encoded input.
    """
    return _decode(path, encoding)[0]


def detect_encoding(data: bytes) -> str:
    """`utf-8-sig` / `utf-16` for a BOM, `utf-8` when the bytes are valid UTF-8, else `cp949`."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith(_UTF16_BOMS):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp949"


def _decode(path: str | Path, encoding: str = "utf-8") -> tuple[list[str], str]:
    """Lines and the encoding actually used (the declared one, or the detected one for `auto`)."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise ReportFormatError(path, "the file is empty")
    declared = (encoding or "utf-8").strip().lower()
    if data.startswith(_UTF16_BOMS):
        if declared not in (AUTO, "utf-16", "utf_16") and not codecs.lookup(declared).name.startswith("utf-16"):
            raise ReportFormatError(
                path, f"the file is UTF-16 (byte-order mark) but the registry declares {encoding}; declare utf-16 or auto", 1
            )
        declared = "utf-16"
    elif b"\x00" in data[:4096]:
        raise ReportFormatError(path, "the file is binary (NUL bytes), not a text export")
    if declared == AUTO:
        declared = detect_encoding(data)
    codec = codecs.lookup(declared).name
    if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if not codec.startswith("utf"):
        _refuse_utf8_declared_otherwise(path, data, encoding)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        found = detect_encoding(data)
        hint = f" (it looks like {found})" if found != codec else ""
        raise ReportFormatError(
            path,
            f"not valid {codec if encoding == AUTO else encoding} (byte {exc.start}){hint}"
            f"{' (encoding auto)' if encoding == AUTO else ''}; declare the right encoding in the registry",
            line,
        ) from exc
    if codec == "utf-16":
        text = text.lstrip("\ufeff")
    # CRLF and lone CR become LF; the last line has no newline in these exports and is kept.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    _refuse_mojibake(path, lines, encoding)
    return lines, codec


def _refuse_utf8_declared_otherwise(path, data: bytes, encoding: str) -> None:
    """Non-ASCII bytes that form valid UTF-8 are UTF-8: decoding them as CP949/EUC-KR gives garbage."""
    if max(data, default=0) < 0x80:
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return
    first = next(i for i, b in enumerate(data) if b >= 0x80)
    line = data[:first].count(b"\n") + 1
    raise ReportFormatError(
        path, f"the file is UTF-8 but the registry declares {encoding}; declare utf-8 (or auto)", line
    )


def _refuse_mojibake(path, lines: list[str], encoding: str) -> None:
    """A Korean report decoded with the wrong codec has no Hangul, or more ideographs / Latin-1
    letters / replacement characters than a real report's handful of Hanja (新, 中) and '·', '×'."""
    hangul = suspect = 0
    first_suspect = bad_line = None
    for number, text in enumerate(lines, start=1):
        hangul += len(_HANGUL.findall(text))
        found = len([c for c in _SUSPECT.findall(text) if c not in "×÷"])
        if found and first_suspect is None:
            first_suspect = number
        suspect += found
        if found >= 3 and found >= len(_HANGUL.findall(text)) and bad_line is None:
            bad_line = (number, found)  # one mis-encoded line in a mixed file
        if "\ufffd" in text:
            raise ReportFormatError(path, f"replacement characters (U+FFFD) in the text: decoded as {encoding}?", number)
    if hangul == 0 and suspect:
        raise ReportFormatError(
            path, f"no Korean text after decoding as {encoding}: wrong encoding declared in the registry?", first_suspect
        )
    if bad_line:
        raise ReportFormatError(
            path, f"looks mis-decoded as {encoding} ({bad_line[1]} Hanja/Latin-1 characters, little Hangul): "
            "is this line in another encoding than the rest of the file?", bad_line[0],
        )
    if suspect > max(20, hangul // 20):
        raise ReportFormatError(
            path,
            f"looks mis-decoded as {encoding} ({suspect} Hanja/Latin-1 characters for {hangul} Hangul): "
            "declare the right encoding in the registry",
            first_suspect,
        )


def _is_blank(line: str) -> bool:
    return not normalize_text(line).strip()


def _is_table_line(line: str) -> bool:
    return "\t" in line and not _is_blank(line)


_DASH_ROW = re.compile(r"^[\s\-:|]+$")
_ROMAN = r"(?:[IVX]+|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ])"
_PART = re.compile(rf"^(?:#+\s*)?(?:\*\*)?\s*(?:{_ROMAN}\s*\.\s*\S|\[(?:별첨|붙임)[^\]]*\]|붙임\s*\d)")
_SECTION = re.compile(r"^(?:#+\s*)?(?:\*\*)?\s*(?:\d{1,2}|[①-⑳])\s+[^\d\s.:)]")
_HEADING = re.compile(r"^(?:#+\s|\s*(?:\*\*)?\s*[□○■◆]|\s*-\s+\S)")


def _make_row(line_no: int, text: str) -> Row:
    raw_cells = text.split("\t")
    cells, bold = [], []
    for cell in raw_cells:
        clean, is_bold = strip_html(cell)
        cells.append(clean)
        bold.append(is_bold)
    row = Row(line_no=line_no, raw_text=text, cells=cells, bold=bold)
    nonempty = [c for c in cells if c]
    if all(_DASH_ROW.match(c) for c in nonempty) and any("---" in c for c in nonempty):
        row.role = "dash"
    elif len(nonempty) == 1 and parse_unit_line(nonempty[0]):
        row.role = "unit"
    return row


def _classify_header(rows: list[Row]) -> int:
    """Number of leading header rows: rows before the first one that carries a value after its label.

    Header cells are words ('예산액', '1급', "'24년도"); the first row with a value-like cell past
    the first cell starts the data. A table with no value rows at all has no header (text tables).
    """
    count = 0
    for row in rows:
        if row.role != "data":
            count += 1
            continue
        if any(is_value_like(c) for c in row.cells[1:] if c):
            break
        count += 1
    if count >= len(rows):
        return 0
    return min(count, 4)


def _context_above(lines: list[str], first: int) -> dict:
    """Title, unit line and heading printed above a table starting at line `first` (1-based)."""
    found: dict = {}
    below_table = False  # another table right above: its title and unit are not ours
    number = first - 1
    while number >= 1:
        text = lines[number - 1]
        if _is_blank(text) or _is_table_line(text):
            if _is_table_line(text) and "title" not in found and "unit_text" not in found:
                below_table = True
            number -= 1
            continue
        stripped = text.strip()
        unit = parse_unit_line(stripped)
        if below_table:
            pass
        elif unit and "unit_text" not in found and "title" not in found:
            found.update(unit_text=unit.text, unit_line=number, as_of=unit.as_of)
        elif "title" not in found:
            found.update(title=strip_markup(stripped), title_line=number)
        if _HEADING.match(stripped) or _PART.match(stripped) or _SECTION.match(stripped):
            found.update(heading=strip_markup(stripped), heading_line=number)
            break
        if first - number > 12:
            break
        number -= 1
    return found


def _sections(lines: list[str]) -> list[str | None]:
    """For each line, the enclosing part ('I. 일반현황') and numbered section ('3 예산규모')."""
    part = section = None
    out: list[str | None] = []
    for text in lines:
        if "\t" not in text:
            stripped = strip_markup(text.lstrip("#").strip())
            if _PART.match(text.strip()) and len(stripped) < 80:
                part, section = stripped, None
            elif _SECTION.match(text.strip()) and len(stripped) < 60:
                section = stripped
        out.append(" > ".join(p for p in (part, section) if p) or None)
    return out


def split_tables(report_id: str, lines: list[str]) -> list[Table]:
    """Every table of the report, in order, numbered from 1."""
    blocks: list[tuple[int, int]] = []
    start = None
    for index, text in enumerate(lines + [""], start=1):
        if _is_table_line(text):
            start = start or index
        elif start:
            blocks.append((start, index - 1))
            start = None

    sections = _sections(lines)
    tables: list[Table] = []
    for first, last in blocks:
        rows = [_make_row(n, lines[n - 1]) for n in range(first, last + 1)]
        previous = tables[-1] if tables else None
        if previous and _continues(previous, rows, lines, first):
            for row in rows:
                if row.role == "data" and _repeats_header(row, previous):
                    row.role = "repeated_header"
            previous.rows.extend(rows)
            previous.last_line = last
            previous.chunks += 1
            continue
        table = Table(report_id=report_id, table_no=len(tables) + 1, first_line=first, last_line=last, rows=rows)
        table.header_rows = _classify_header(rows)
        for row in rows[: table.header_rows]:
            if row.role == "data":
                row.role = "header"
        context = _context_above(lines, first)
        for key, value in context.items():
            setattr(table, key, value)
        table.section = sections[first - 1]
        tables.append(table)
    return tables


def _repeats_header(row: Row, table: Table) -> bool:
    """The row reprints one of the table's header rows. Compared on its non-empty cells, since a
    page may drop or add an empty number column; one cell may be spelled differently
    ('사업비(천원)' then '사업비(현금)') when the header has at least four labels."""
    cells = [squash(c) for c in row.cells if squash(c)]
    for header in table.header:
        expected = [squash(c) for c in header.cells if squash(c)]
        if len(cells) != len(expected):
            continue
        differing = sum(a != b for a, b in zip(cells, expected))
        if differing == 0 or (differing == 1 and len(expected) >= 4):
            return True
    return False


def _continues(previous: Table, rows: list[Row], lines: list[str], first: int) -> bool:
    """A block continues the previous table when only blanks and unit lines lie between them and
    it opens with the previous table's header row (spelling may differ in spaces)."""
    if not previous.header:
        return False
    between = [t for t in lines[previous.last_line : first - 1] if not _is_blank(t)]
    if any(parse_unit_line(t.strip()) is None for t in between):
        return False
    first_data = next((r for r in rows if r.role == "data"), None)
    return first_data is not None and _repeats_header(first_data, previous)


def read_report(report_id: str, path: str | Path, encoding: str = "utf-8") -> Report:
    lines, used = _decode(path, encoding)
    report = Report(report_id=report_id, path=str(path), lines=lines, encoding=used)
    report.tables = split_tables(report_id, lines)
    return report


@dataclass(frozen=True)
class Issue:
    """A layout problem of one line: `error` fails the load, `warning` is recorded with it."""

    line: int
    severity: str  # 'error' | 'warning'
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


_SPACE_RUN = re.compile(r"(?: {2,}|\u3000+)")


def _space_separated_cells(text: str) -> list[str] | None:
    """Cells of a line that reads as a table row whose tabs became runs of spaces: at least three
    fields split by 2+ spaces, two of them values after the label. None for anything else."""
    if "\t" in text:
        return None
    parts = [p for p in _SPACE_RUN.split(normalize_text(text).strip()) if p]
    if len(parts) >= 3 and sum(is_value_like(strip_html(p)[0]) for p in parts[1:]) >= 2:
        return parts
    return None


def check_layout(report: Report) -> list[Issue]:
    """Problems that would silently lose rows: table rows whose tabs were replaced by spaces, and a
    file that ends inside a table row (truncated). Returns them (also stored on `report.issues`)."""
    issues: list[Issue] = []
    lines = report.lines
    for number, text in enumerate(lines, start=1):
        cells = _space_separated_cells(text)
        if cells is None:
            continue
        neighbours = [lines[i - 1] for i in (number - 1, number + 1) if 1 <= i <= len(lines)]
        if any(_is_table_line(t) or _space_separated_cells(t) for t in neighbours):
            issues.append(Issue(number, "error", (
                f"a table row with spaces instead of tabs ({len(cells)} cells: {' | '.join(cells[:4])} …); "
                "expected tab-separated cells like the rows next to it (a table must not lose rows)"
            )))
        else:
            issues.append(Issue(number, "warning", (
                f"reads like a table row aligned with spaces ({len(cells)} cells), not tab-separated: "
                "it is kept as prose, not as a table row"
            )))
    for table in report.tables:
        for row in table.data:
            odd = [t for c in row.cells if is_value_like(c) for t in odd_grouping(c)]
            if odd:
                issues.append(Issue(row.line_no, "warning", (
                    f"thousands separators in odd places ({', '.join(odd)}): read as the digits printed"
                )))
    last = max((n for n, t in enumerate(lines, start=1) if not _is_blank(t)), default=0)
    for table in report.tables:
        if table.last_line != last or table.rows[-1].line_no != last:
            continue
        row = table.rows[-1]
        others = [r for r in table.rows[:-1] if r.role in ("header", "data", "repeated_header")]
        width = max((len(r.cells) for r in others), default=0)
        if len(table.rows) > 1 and len(row.cells) < width:
            model = next(r for r in others if len(r.cells) == width)
            issues.append(Issue(last, "error", (
                f"the file ends inside a table row: {len(row.cells)} cells where line {model.line_no} of the same "
                f"table has {width}; the file looks truncated"
            )))
    report.issues = issues
    return issues
