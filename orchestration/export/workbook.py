"""A report's published facts as one Excel workbook for a human reviewer.

Sheets: the report (what this version is and what the gate said), one per fact table (Korean header
row above the English one, frozen, with filters; amounts as numbers in the printed unit with the won
value beside), and the findings: the acknowledged discrepancies of the exported version and, when
newer data failed the gate, its open ones, each with its source lines as printed.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .package import _order, _publishable, dim_report_row
from .schema import Table
from .versions import PublishedVersion, current_load

REPORT_SHEET = "보고서 Report"
FINDINGS_SHEET = "검토사항 Findings"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
WON_FORMAT = "#,##0"

FINDING_COLUMNS = [
    ("status", "상태"),
    ("data_version", "데이터 버전"),
    ("suite", "검증 항목"),
    ("table_name", "표 제목"),
    ("table_no", "표 번호"),
    ("source_line", "출처 행"),
    ("line_text", "원문"),
    ("other_lines", "관련 행"),
    ("label", "항목"),
    ("measure", "측정 항목"),
    ("expected", "기대값"),
    ("found", "실제값"),
    ("difference", "차이"),
    ("tolerance", "허용 오차"),
    ("message", "내용"),
    ("acknowledgement", "확인 사유"),
]


def sheet_title(table: Table) -> str:
    return f"{table.korean} {table.name.removeprefix('fct_')}".strip()[:31]


def _cell_value(value):
    if isinstance(value, Decimal):
        # Excel holds doubles: a Decimal with up to 15 significant digits round-trips exactly.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def _number(text):
    try:
        return _cell_value(Decimal(text)) if text is not None else None
    except ArithmeticError:
        return text


def _header(ws, korean: list[str], english: list[str]) -> None:
    ws.append(korean)
    ws.append(english)
    for row in (1, 2):
        for cell in ws[row]:
            cell.font = BOLD
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(vertical="top", wrap_text=row == 1)
    ws.freeze_panes = "A3"


def _widths(ws, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(8, min(width + 2, 60))


def _fact_sheet(wb: Workbook, con: duckdb.DuckDBPyConnection, table: Table, report_id: str) -> int:
    ws = wb.create_sheet(sheet_title(table))
    _header(ws, [c.korean or c.name for c in table.columns], [c.name for c in table.columns])
    for index, column in enumerate(table.columns, start=1):
        if column.description:
            ws.cell(row=2, column=index).comment = Comment(column.description[:1000], "budget-recon")
    cols = ", ".join(f'"{c.name}"' for c in table.columns)
    cursor = con.execute(f"select {cols} from published.{table.name} where report_id = ? order by {_order(table)}", [report_id])
    count = 0
    widths = [max(len(c.name), len(c.korean) * 2) for c in table.columns]
    while batch := cursor.fetchmany(5_000):
        for row in batch:
            ws.append([_cell_value(v) for v in row])
            for i, v in enumerate(row):
                if v is not None and widths[i] < 40:
                    widths[i] = max(widths[i], len(str(v)))
        count += len(batch)
    for index, column in enumerate(table.columns, start=1):
        fmt = WON_FORMAT if column.name.endswith("_won") or (column.is_decimal and column.sql_type.endswith(",0)")) else None
        if column.sql_type == "DATE":
            fmt = "yyyy-mm-dd"
        elif column.sql_type.startswith("TIMESTAMP"):
            fmt = "yyyy-mm-dd hh:mm:ss"
        if fmt:
            for (cell,) in ws.iter_rows(min_row=3, min_col=index, max_col=index):
                cell.number_format = fmt
    last = get_column_letter(len(table.columns))
    ws.auto_filter.ref = f"A2:{last}{count + 2}"
    _widths(ws, widths)
    return count


def _line_texts(con: duckdb.DuckDBPyConnection, version: PublishedVersion, load_id: str) -> dict[int, str]:
    """The report's lines as printed, when the warehouse's raw load is the version the finding is about."""
    latest = current_load(con, version.report_id)
    if latest is None or latest[0] != load_id:
        return {}
    return dict(con.execute("select line_no, text from raw.report_lines where report_id = ?", [version.report_id]).fetchall())


def findings(con: duckdb.DuckDBPyConnection, version: PublishedVersion) -> list[dict]:
    """Acknowledged discrepancies of the exported version; open ones of newer data that failed the gate."""
    out = []
    sources = [(version.gate_run_id, version.load_id, "exported version")]
    if version.current is not None and version.current.gate_status == "failed" and version.current.gate_run_id:
        sources.append((version.current.gate_run_id, version.current.load_id, "newer data, not exported"))
    for run_id, load_id, which in sources:
        if not run_id:
            continue
        lines = _line_texts(con, version, load_id)
        cursor = con.execute(
            "select * from gate.failed_rows where run_id = ? and report_id = ? order by suite, source_line, row_key",
            [run_id, version.report_id],
        )
        names = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values))
            status = "acknowledged" if row["severity"] == "WARN" else "open"
            if row.get("gate_status") == "stale_acknowledgement":
                status = "open (stale acknowledgement)"
            row.update(status=status, data_version=f"{which}: {load_id}", line_text=lines.get(row.get("source_line")))
            for name in ("expected", "found", "difference", "tolerance"):  # exact decimal text -> a number cell
                row[name] = _number(row.get(name))
            out.append(row)
    return out


def _report_sheet(wb: Workbook, con, version: PublishedVersion, counts: dict[str, int], finding_count: int) -> None:
    ws = wb.active
    ws.title = REPORT_SHEET
    report = dim_report_row(con, version.report_id)
    rows = [
        ("보고서 제목", "Title", report.get("report_title")),
        ("기관", "Organization", report.get("organization")),
        ("기관 (영문)", "Organization (English)", report.get("organization_en")),
        ("보고 기간", "Period", report.get("report_period")),
        ("기준일", "As of", report.get("as_of_date")),
        ("원본 파일", "Source file", report.get("file_name")),
        ("원본 SHA-256", "Source SHA-256", version.file_sha256),
        ("데이터 버전", "Data version (load id)", version.load_id),
        ("검증 결과", "Gate verdict", version.verdict),
        ("검증 실행", "Gate run", version.gate_run_id),
        ("게시 시각", "Published at", version.published_at),
        ("최신 여부", "Latest data?", "yes" if version.is_latest else "no: last verified version"),
        ("비고", "Note", version.status_note()),
        ("검토사항", "Findings", finding_count),
    ] + [(f"행 수: {t}", f"Rows: {t}", n) for t, n in counts.items()]
    ws.append(["항목", "Item", "값 Value"])
    for cell in ws[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for row in rows:
        ws.append([_cell_value(v) for v in row])
    ws.freeze_panes = "A2"
    _widths(ws, [16, 24, 80])


def _findings_sheet(wb: Workbook, rows: list[dict]) -> None:
    ws = wb.create_sheet(FINDINGS_SHEET)
    _header(ws, [k for _, k in FINDING_COLUMNS], [e for e, _ in FINDING_COLUMNS])
    for row in rows:
        ws.append([_cell_value(row.get(name)) for name, _ in FINDING_COLUMNS])
    ws.auto_filter.ref = f"A2:{get_column_letter(len(FINDING_COLUMNS))}{len(rows) + 2}"
    _widths(ws, [14, 30, 24, 30, 8, 8, 60, 14, 30, 14, 14, 14, 12, 12, 60, 60])


def write_workbook(con: duckdb.DuckDBPyConnection, version: PublishedVersion, tables: list[Table], target: Path) -> dict:
    """Write the workbook atomically (a temporary file renamed into place)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    facts = [t for t in tables if t.is_fact]
    found = findings(con, version)
    counts = {}
    for table in facts:
        rows = con.execute(f"select count(*) from published.{table.name} where report_id = ?", [version.report_id]).fetchone()[0]
        counts[table.name] = _fact_sheet(wb, con, table, version.report_id) if rows else 0  # no empty sheets
    _findings_sheet(wb, found)
    _report_sheet(wb, con, version, counts, len(found))
    handle, scratch = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".xlsx", dir=target.parent)
    os.close(handle)
    try:
        wb.save(scratch)
        _publishable(Path(scratch))
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return {"path": target, "rows": counts, "findings": len(found)}
