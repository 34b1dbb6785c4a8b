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
        self.message = message
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # raised in a parse worker process, re-raised in the loader
        return (type(self), (self.path, self.message, self.line))


@dataclass
class Row:
    line_no: int
    raw_text: str
    cells: list[str]  # HTML reduced to text
    bold: list[bool]  # per cell: was it wrapped in <b>
    role: str = "data"  # 'header' | 'repeated_header' | 'data' | 'unit' | 'dash'


@dataclass(frozen=True)
class ValueWindow:
    """A row read right-aligned: its last `width` cells are values, the cells before them its label."""

    label_cells: list[str]
    raw_labels: list[str]
    values: list[str]
    raw_values: list[str]
    missing: int  # value cells the row lacked, added blank after its first cell


def value_window(row: Row, width: int, pad: bool = True) -> ValueWindow:
    """Tables whose value columns are fixed at the right while label cells vary in number (an empty
    leading cell lost, a label split over cells): trailing blank cells dropped, the last `width` cells
    are the values. A row with fewer than 1 + `width` cells gets blank value cells after its first
    cell when `pad` (the leading values were dropped); without it, its window is what it has."""
    cells = list(row.cells)
    raw = row.raw_text.split("\t")
    if len(raw) != len(cells):  # pragma: no cover - the reader splits the same line
        raw = cells
    while cells and not cells[-1].strip():
        cells.pop()
        raw.pop()
    missing = max(0, width + 1 - len(cells))
    if missing and pad:
        cells = cells[:1] + [""] * missing + cells[1:]
        raw = raw[:1] + [""] * missing + raw[1:]
    cut = max(0, len(cells) - width)
    return ValueWindow(cells[:cut], raw[:cut], cells[cut:], raw[cut:], missing)


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
    family: str | None = None  # registry family: selects the profile (profiles.py); None = all merged
    required_fact_types: tuple[str, ...] = ()  # from the family profile (parsing/coverage.py)

    def line(self, number: int) -> str:
        return self.lines[number - 1]


AUTO = "auto"  # registry value: detect UTF-8 (with or without BOM), UTF-16 (BOM) or CP949
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Characters a wrongly decoded Korean text is made of: replacement characters, Latin-1 letters
# (UTF-8 read as Latin-1/CP1252) and CJK ideographs (UTF-8 read as CP949 lands in its Hanja rows).
# × and ÷ sit among the Latin-1 letters but are real symbols.
_SUSPECT = re.compile(r"[\ufffd\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u4e00-\u9fff\uf900-\ufaff]")
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
    except UnicodeDecodeError as exc:
        return "utf-8" if _cut_utf8(data, exc) else "cp949"


def _cut_utf8(data: bytes, exc: UnicodeDecodeError) -> bool:
    """UTF-8 that is valid up to a character cut at the very end (a truncated copy), not another codec."""
    return exc.reason == "unexpected end of data" and exc.end == len(data) and max(data[: exc.start], default=0) >= 0x80


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
        if codec == "utf-8" and _cut_utf8(data, exc):
            raise ReportFormatError(
                path, f"the file ends inside a UTF-8 character (byte {exc.start}): it was cut short; copy or export it again", line
            ) from exc
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
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    _refuse_mojibake(path, lines, encoding, text)
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


def _refuse_mojibake(path, lines: list[str], encoding: str, text: str | None = None) -> None:
    """A Korean report decoded with the wrong codec has no Hangul, or more ideographs / Latin-1
    letters / replacement characters than a real report's handful of Hanja (新, 中) and '·', '×'.

    `text` is the lines joined with newlines. Whole-text scans, not per-line ones: a report usually
    has no suspect character at all, and only the lines that have one are looked at."""
    if text is None:
        text = "\n".join(lines)
    if _SUSPECT.search(text) is None:
        return
    replaced = text.find("\ufffd")
    if replaced >= 0:
        number = text.count("\n", 0, replaced) + 1
        raise ReportFormatError(path, f"replacement characters (U+FFFD) in the text: decoded as {encoding}?", number)
    per_line: dict[int, int] = {}  # line number -> suspect characters, in line order
    number, at = 1, 0
    for match in _SUSPECT.finditer(text):
        number += text.count("\n", at, match.start())
        at = match.start()
        per_line[number] = per_line.get(number, 0) + 1
    suspect = sum(per_line.values())
    first_suspect = next(iter(per_line))
    bad_line = next(  # one mis-encoded line in a mixed file
        ((n, found) for n, found in per_line.items() if found >= 3 and found >= len(_HANGUL.findall(lines[n - 1]))),
        None,
    )
    if _HANGUL.search(text) is None:
        raise ReportFormatError(
            path, f"no Korean text after decoding as {encoding}: wrong encoding declared in the registry?", first_suspect
        )
    if bad_line:
        raise ReportFormatError(
            path, f"looks mis-decoded as {encoding} ({bad_line[1]} Hanja/Latin-1 characters, little Hangul): "
            "is this line in another encoding than the rest of the file?", bad_line[0],
        )
    if suspect <= 20:
        return
    hangul = len(_HANGUL.findall(text))
    if suspect > hangul // 20:
        raise ReportFormatError(
            path,
            f"looks mis-decoded as {encoding} ({suspect} Hanja/Latin-1 characters for {hangul} Hangul): "
            "declare the right encoding in the registry",
            first_suspect,
        )


def _is_blank(line: str) -> bool:
    # normalize_text(line).strip() without normalizing: the spaces it replaces are whitespace too
    return not line.strip()


def _is_table_line(line: str) -> bool:
    return "\t" in line and not _is_blank(line)


_DASH_ROW = re.compile(r"^[\s\-:|]+$")
# A part number, ASCII or Unicode Roman (I., VIII-2, Ⅲ.): the one pattern every parser uses.
ROMAN = r"(?:[IVX]+|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ])"
_PART = re.compile(rf"^(?:#+\s*)?(?:\*\*)?\s*(?:{ROMAN}\s*\.\s*\S|\[(?:별첨|붙임)[^\]]*\]|붙임\s*\d)")
_SECTION = re.compile(r"^(?:#+\s*)?(?:\*\*)?\s*(?:\d{1,2}|[①-⑳])\s+[^\d\s.:)]")
_HEADING = re.compile(r"^(?:#+\s|\s*(?:\*\*)?\s*[□○■◆]|\s*-\s+\S)")
_PART_OR_SECTION = re.compile(f"(?:{_PART.pattern})|(?:{_SECTION.pattern})")  # one test for most lines


def _make_row(line_no: int, text: str) -> Row:
    cells, bold = map(list, zip(*map(strip_html, text.split("\t"))))  # (text, bold) pairs -> two lists
    row = Row(line_no=line_no, raw_text=text, cells=cells, bold=bold)
    nonempty = list(filter(None, cells))
    # cells hold no tab: '---' in the joined cells is '---' in one of them
    if "---" in "\t".join(nonempty) and all(_DASH_ROW.match(c) for c in nonempty):
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
        stripped = text.strip()
        if not stripped or "\t" in text:  # blank or a table line
            if stripped and "title" not in found and "unit_text" not in found:
                below_table = True
            number -= 1
            continue
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
    part = section = label = None
    out: list[str | None] = []
    for text in lines:
        if "\t" not in text:
            bare = text.strip()
            if _PART_OR_SECTION.match(bare):  # markup is removed only from the few candidates
                is_part = _PART.match(bare)
                stripped = strip_markup(text.lstrip("#").strip())
                if is_part and len(stripped) < 80:
                    part, section = stripped, None
                    label = " > ".join(p for p in (part, section) if p) or None
                elif _SECTION.match(bare) and len(stripped) < 60:
                    section = stripped
                    label = " > ".join(p for p in (part, section) if p) or None
        out.append(label)
    return out


def split_tables(report_id: str, lines: list[str]) -> list[Table]:
    """Every table of the report, in order, numbered from 1."""
    blocks: list[tuple[int, int]] = []
    start = None
    for index, text in enumerate(lines, start=1):
        if "\t" in text and text.strip():  # _is_table_line
            if start is None:
                start = index
        elif start is not None:
            blocks.append((start, index - 1))
            start = None
    if start is not None:
        blocks.append((start, len(lines)))

    sections = _sections(lines)
    tables: list[Table] = []
    header_keys: list[list[str]] = []  # of the last table: its header rows are those of its first chunk
    for first, last in blocks:
        rows = [_make_row(n, lines[n - 1]) for n in range(first, last + 1)]
        previous = tables[-1] if tables else None
        if previous and _continues(previous, rows, lines, first, header_keys):
            for row in rows:
                if row.role == "data" and _repeats_header(row, previous, header_keys):
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
        header_keys = _header_keys(table)
        context = _context_above(lines, first)
        for key, value in context.items():
            setattr(table, key, value)
        table.section = sections[first - 1]
        tables.append(table)
    return tables


def _header_keys(table: Table) -> list[list[str]]:
    """The non-empty cells of each header row, squashed."""
    return [[squash(c) for c in header.cells if squash(c)] for header in table.header]


def _repeats_header(row: Row, table: Table, header_keys: list[list[str]] | None = None) -> bool:
    """The row reprints one of the table's header rows. Compared on its non-empty cells, since a
    page may drop or add an empty number column; one cell may be spelled differently
    ('사업비(천원)' then '사업비(현금)') when the header has at least four labels.
    `header_keys`: `_header_keys(table)` when the caller has it."""
    cells = [squash(c) for c in row.cells if squash(c)]
    for expected in header_keys if header_keys is not None else _header_keys(table):
        if len(cells) != len(expected):
            continue
        differing = sum(a != b for a, b in zip(cells, expected))
        if differing == 0 or (differing == 1 and len(expected) >= 4):
            return True
    return False


def _continues(
    previous: Table, rows: list[Row], lines: list[str], first: int, header_keys: list[list[str]] | None = None
) -> bool:
    """A block continues the previous table when only blanks and unit lines lie between them and
    it opens with the previous table's header row (spelling may differ in spaces)."""
    if header_keys is None:
        header_keys = _header_keys(previous)
    if not header_keys:  # no header row
        return False
    between = [t for t in lines[previous.last_line : first - 1] if not _is_blank(t)]
    if any(parse_unit_line(t.strip()) is None for t in between):
        return False
    first_data = next((r for r in rows if r.role == "data"), None)
    return first_data is not None and _repeats_header(first_data, previous, header_keys)


def read_report(report_id: str, path: str | Path, encoding: str = "utf-8", family: str | None = None) -> Report:
    lines, used = _decode(path, encoding)
    report = Report(report_id=report_id, path=str(path), lines=lines, encoding=used, family=family)
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
# two characters that normalize_text turns into spaces (or that are spaces)
_SPACE_PAIR = re.compile(r"[ \u00a0\u2002\u2003\u2009\u202f\u3000]{2}")


def _space_separated_cells(text: str) -> list[str] | None:
    """Cells of a line that reads as a table row whose tabs became runs of spaces: at least three
    fields split by 2+ spaces, two of them values after the label. None for anything else."""
    if "\t" in text or _SPACE_PAIR.search(text) is None:
        return None  # no run of two spaces (once normalized) to split at
    parts = [p for p in _SPACE_RUN.split(normalize_text(text).strip()) if p]
    if len(parts) >= 3 and sum(is_value_like(strip_html(p)[0]) for p in parts[1:]) >= 2:
        return parts
    return None


def _odd_value_grouping(cell: str) -> list[str]:
    """odd_grouping of a value-like cell ([] for labels): the cheap test first."""
    odd = odd_grouping(cell)
    return odd if odd and is_value_like(cell) else []


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
            joined = "\t".join(row.cells)
            if "," not in joined and "，" not in joined:
                continue  # odd_grouping needs a comma
            odd = [t for c in row.cells for t in _odd_value_grouping(c)]
            if odd:
                issues.append(Issue(row.line_no, "warning", (
                    f"thousands separators in odd places ({', '.join(odd)}): read as the digits printed"
                )))
    last = next((n for n in range(len(lines), 0, -1) if not _is_blank(lines[n - 1])), 0)
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
