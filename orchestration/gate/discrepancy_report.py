"""The discrepancy report: every failed or acknowledged identity in one sentence, with the report's
own rows quoted under their table's column headers and the cell that disagrees highlighted; amounts
in the unit the table prints (won beside); charts (inline SVG) per report family with the rows that
have findings marked.

Written per report and run as HTML (for people) and Markdown (for the Dagster UI metadata), to
`$BUDGET_RECON_HOME/discrepancies/<report>/<run>.html`, with `latest.html` / `latest.md` beside it.
"""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from ..parsing.coverage import count_classifications, coverage_summary
from ..parsing.values import UNIT_FACTORS, parse_value, strip_html
from .suites import NOT_CHECKED, verdict_label


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchone()[0]
    )


def _lines(con, report_id: str, numbers: list[int], context: int = 0) -> list[tuple[int, str]]:
    wanted = sorted({n + d for n in numbers for d in range(-context, context + 1) if n + d > 0})
    if not wanted:
        return []
    return con.execute(
        "select line_no, text from raw.report_lines where report_id = ? and line_no in (select unnest(?::integer[])) order by line_no",
        [report_id, wanted],
    ).fetchall()


def _parse_lines(text: str | None) -> list[int]:
    out = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if "-" in part:
            a, _, b = part.partition("-")
            if a.strip().isdigit() and b.strip().isdigit() and int(b) - int(a) < 400:
                out.extend(range(int(a), int(b) + 1))
        elif part.isdigit():
            out.append(int(part))
    return out



def plain(text) -> str:
    """Printed text without the HTML markup some reports carry (<b>, <br>, entities)."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return strip_html(str(text))[0]


def quote_line(text, limit: int = 160) -> str | None:
    """One source line for a table cell: markup stripped, tabs shown as column bars, capped."""
    if text is None or (isinstance(text, float) and text != text):
        return None
    line = " | ".join(plain(cell) for cell in str(text).split("\t"))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def won(value) -> str | None:
    """'1893692000' -> '1,893,692,000'; '-0.005' stays as is; text that is not a number is returned unchanged."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    number = _decimal(value)
    if number is None:
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"


def printed_amount(value, unit: str | None, is_money: bool) -> str:
    """An amount as the table prints it, with won beside: '418 백만원 (418,000,000 won)'."""
    number = _decimal(value)
    if number is None:
        return str(value) if value is not None else "nothing"
    factor = UNIT_FACTORS.get((unit or "").replace(" ", "")) if is_money else None
    if not factor:
        return won(number) or ""
    printed = number / Decimal(factor)
    return f"{won(printed)} {unit} ({won(number)} won)"


def _table_context(con, report_id: str, table_no: int | None) -> dict:
    """Column names (header rows combined), the money unit and title of one table of the report."""
    if table_no is None or not _exists(con, "raw", "report_rows"):
        return {"columns": [], "unit": None, "title": None, "rows": {}}
    header = [json.loads(c) for (c,) in con.execute(
        "select cells from raw.report_rows where report_id = ? and table_no = ? and row_role = 'header' order by row_no",
        [report_id, table_no],
    ).fetchall()]
    width = max((len(r) for r in header), default=0)
    parts: list[list[str]] = [[] for _ in range(width)]
    for depth, row in enumerate(header):
        last = ""
        for i in range(width):
            cell = plain(row[i]) if i < len(row) else ""
            # A blank cell right of a spanning header (not in the last header row) belongs to it.
            last = cell or (last if depth < len(header) - 1 else "")
            if last and last not in parts[i]:
                parts[i].append(last)
    columns = [" ".join(p) for p in parts]
    unit = title = None
    if _exists(con, "raw", "report_tables"):
        found = con.execute(
            "select units, title from raw.report_tables where report_id = ? and table_no = ?", [report_id, table_no]
        ).fetchone()
        if found:
            units = json.loads(found[0] or "[]")
            unit = next((u for u in units if u.replace(" ", "") in UNIT_FACTORS), None)
            title = found[1]
    return {"columns": columns, "unit": unit, "title": title}


def _row_cells(con, report_id: str, table_no: int | None, lines: list[int]) -> dict[int, list[str]]:
    if table_no is None or not lines or not _exists(con, "raw", "report_rows"):
        return {}
    return {
        line: [plain(c) for c in json.loads(cells)]
        for line, cells in con.execute(
            "select source_line, cells from raw.report_rows where report_id = ? and table_no = ? "
            "and source_line in (select unnest(?::integer[]))",
            [report_id, table_no, lines],
        ).fetchall()
    }


def _disagreeing_cell(cells: list[str], columns: list[str], label: str | None, found, unit: str | None, is_money: bool) -> int | None:
    """The cell of the source row that prints the `found` value: by the column the finding names
    (the bracketed part of its label), else the only cell whose value is `found` in the table's unit."""
    named = re.findall(r"\[([^\]]+)\]", label or "")
    if named:
        wanted = re.sub(r"\s+", "", named[-1]).lstrip("'")
        for i, column in enumerate(columns):
            if i < len(cells) and re.sub(r"\s+", "", column).lstrip("'") == wanted:
                return i
    number = _decimal(found)
    if number is None:
        return None
    factor = Decimal(UNIT_FACTORS.get((unit or "").replace(" ", ""), 1)) if is_money else Decimal(1)
    hits = []
    for i, cell in enumerate(cells):
        value = parse_value(cell).number
        if value is not None and Decimal(str(value)) * factor == number:
            hits.append(i)
    return hits[0] if len(hits) == 1 else None


def _sentence(row: dict, unit: str | None) -> str:
    """One sentence per finding: where, what the report prints, what its own parts give, and (rates and
    ratios) the computed value before rounding under the rule the table follows."""
    # the reconciliation's own evidence (macro reconciliation_evidence) names the unit where it knows it
    unit = row.get("evidence_unit") or unit
    is_money = bool(row.get("won_per_unit")) or str(row["measure"] or "").endswith("_won")
    where = f"line {row['source_line']}" if row["source_line"] is not None else "the report"
    # the row by its content (label path and column, as acknowledged.yaml names it), not by position alone
    label = plain(row.get("label_path")) or plain(row["label"]) or plain(row["table_name"])
    text = f"{where.capitalize()} “{label}”"
    measure = ", ".join(plain(v) for v in (row.get("column_label"), row["measure"]) if plain(v))
    if measure:
        text += f" ({measure})"
    if row["expected"] is not None or row["found"] is not None:
        text += f": the report prints {printed_amount(row['found'], unit, is_money)}"
        others = f"lines {str(row['other_lines']).replace(',', ', ')}" if row["other_lines"] else "the report's other figures"
        text += f", while {others} give {printed_amount(row['expected'], unit, is_money)}"
        if row["difference"] is not None:
            text += f" (difference {printed_amount(row['difference'], unit, is_money)}"
            text += f", tolerance {printed_amount(row['tolerance'], unit, is_money)})" if row["tolerance"] is not None else ")"
        if not is_money and unit:
            text += f", in {unit}"
        exact = row.get("expected_exact")
        if exact is not None and _decimal(exact) != _decimal(row["expected"]):
            text += f"; computed {won(exact)} before rounding ({plain(row.get('rounding_rule')) or 'tolerance'})"
        if row.get("note"):
            text += f" — {plain(row['note'])}"
    else:
        text += f": {plain(row['message'])}"
    return text + "."


STATUS_WORDS = {"discrepancy": "FAILED", "failed": "FAILED", "stale_acknowledgement": "FAILED (stale acknowledgement)",
                "acknowledged": "acknowledged", "warned": "warning",
                "warning": "WARN (the other rounding convention)"}


def _quote_table(con, report_id: str, row: dict, context: dict) -> str:
    numbers = _parse_lines(str(row["source_line"]) if row["source_line"] is not None else "") + _parse_lines(row["other_lines"])[:40]
    cells = _row_cells(con, report_id, row["table_no"], sorted(set(numbers)))
    is_money = str(row["measure"] or "").endswith("_won")
    if not cells:  # not a table row: quote the lines as printed
        quoted = _lines(con, report_id, numbers)
        if not quoted:
            return ""
        return "<pre>" + "\n".join(
            f"{'▶' if n == row['source_line'] else ' '} {n:>5} │ {html.escape(quote_line(t, 400) or '')}" for n, t in quoted
        ) + "</pre>"
    columns = context["columns"]
    width = max([len(columns)] + [len(c) for c in cells.values()])
    head = "".join(f"<th>{html.escape(columns[i] if i < len(columns) else '')}</th>" for i in range(width))
    out = [f"<table class='quote'><thead><tr><th>line</th>{head}</tr></thead><tbody>"]
    for line in sorted(cells):
        values = cells[line]
        hit = _disagreeing_cell(values, columns, row["label"], row["found"], context["unit"], is_money) if line == row["source_line"] else None
        tds = "".join(
            f"<td class='{'hit' if i == hit else ('num' if parse_value(values[i]).number is not None else '')}'>{html.escape(values[i])}</td>"
            if i < len(values) else "<td></td>"
            for i in range(width)
        )
        out.append(f"<tr class='{'finding' if line == row['source_line'] else 'part'}'><th>{line}</th>{tds}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def bar_chart_svg(title: str, items: list[tuple[str, float]], unit: str = "%", width: int = 900,
                  reference: float | None = 100, marked: set[str] | None = None, decimals: int = 1) -> str:
    """A horizontal bar chart as inline SVG (no plotting library): labels in full (wrapped on two
    lines), values rounded for reading, bars of rows with findings marked in red with a ▲."""
    if not items:
        return ""
    marked = marked or set()
    bar, gap, label_w = 18, 10, 330
    top = 40
    height = top + len(items) * (bar + gap) + 30
    peak = max([v for _, v in items] + [reference or 0, 1e-9])
    scale = (width - label_w - 110) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{html.escape(title)}" font-family="sans-serif">',
        f'<text x="0" y="18" font-size="15" font-weight="bold">{html.escape(title)}</text>',
    ]
    if marked:
        parts.append(f'<text x="0" y="34" font-size="11" fill="#c0392b">▲ red: a row with a finding below</text>')
    for i, (label, value) in enumerate(items):
        y = top + i * (bar + gap)
        w = max(value, 0) * scale
        flagged = label in marked
        colour = "#c0392b" if flagged else "#2e86c1"
        words = plain(label)
        first, second = (words, "") if len(words) <= 42 else (words[:42], words[42:84] + ("…" if len(words) > 84 else ""))
        parts.append(
            f'<text x="{label_w - 8}" y="{y + (7 if second else 13)}" font-size="12" text-anchor="end">'
            f'{"▲ " if flagged else ""}{html.escape(first)}'
            + (f'<tspan x="{label_w - 8}" dy="13">{html.escape(second)}</tspan>' if second else "")
            + "</text>"
        )
        shown = f"{value:,.{decimals}f}{unit}"
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}"><title>{html.escape(words)}: {shown}</title></rect>')
        parts.append(f'<text x="{label_w + w + 5:.1f}" y="{y + 13}" font-size="12">{shown}</text>')
    if reference:
        x = label_w + reference * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 24}" stroke="#555" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 10}" font-size="11" text-anchor="middle">{reference:g}{unit}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _lines_with_findings(con, report_id: str, run_id: str) -> set[int]:
    lines = set()
    for line, others in con.execute(
        "select source_line, other_lines from gate.failed_rows where run_id = ? and report_id = ?", [run_id, report_id]
    ).fetchall():
        if line is not None:
            lines.add(int(line))
    return lines


def _charts(con, report_id: str, run_id: str) -> list[str]:
    """Charts for what the report holds: execution and KPI attainment (status reports), budget by
    program and year and ROI targets against outcomes (plans). Rows with findings are marked."""
    flagged_lines = _lines_with_findings(con, report_id, run_id)
    charts = []

    def rows(sql: str) -> list[tuple]:
        return con.execute(sql, [report_id]).fetchall()

    def chart(title, data, **options):
        # a bar's source lines: one line, or every line of a group
        marked = {label for label, _, lines in data if set(lines if isinstance(lines, list) else [lines]) & flagged_lines}
        return bar_chart_svg(title, [(label, float(value)) for label, value, _ in data], marked=marked, **options)

    if _exists(con, "marts", "fct_budget_execution"):
        by_line = rows(
            """
            select coalesce(department || ' · ', '') || coalesce(item_name, label_raw), rate_computed, source_line
            from marts.fct_budget_execution
            where report_id = ? and rate_computed is not null and not is_total and budget_won > 0
            order by budget_won desc limit 25
            """
        )
        charts.append(chart("Execution rate (집행률) of the 25 largest budget lines, by department and program", by_line))
    if _exists(con, "marts", "fct_kpi_attainment"):
        kpis = rows(
            """
            select coalesce(kpi_name, label_raw), attainment_computed, source_line
            from marts.fct_kpi_attainment
            where report_id = ? and attainment_computed is not null order by source_line limit 30
            """
        )
        charts.append(chart("KPI attainment (actual ÷ target), first 30 indicators", kpis))
    if _exists(con, "marts", "fct_budget_plan"):
        plan = rows(
            """
            select program || ' · ' || fiscal_year, sum(amount_won) / 1e8, array_agg(distinct source_line)
            from marts.fct_budget_plan
            where report_id = ? and measure = 'budget' and funding_source_en = 'total' and occurrence = 1
              and not is_total and program is not null and amount_won is not null
            group by program, fiscal_year order by program, fiscal_year limit 40
            """
        )
        charts.append(chart("Budget by program and year (억원, national + local)", plan, unit=" 억원", reference=None))
    if _exists(con, "marts", "fct_performance_target"):
        roi = rows(
            """
            select coalesce(indicator || ' · ', '') || label || ' · ' || case measure when 'roi_target' then 'target' else 'outcome' end,
                   target_value, source_line
            from marts.fct_performance_target
            where report_id = ? and measure in ('roi_target', 'roi_outcome') and period like '%-%' and target_value is not null
            order by indicator, source_line, measure desc limit 40
            """
        )
        charts.append(chart("ROI: targets against 3-year outcomes", roi, unit="", reference=None, decimals=2))
    return [c for c in charts if c]


def _coverage(con, report_id: str) -> dict | None:
    """The report's table coverage and the required fact types it did not yield (None before coverage existed)."""
    if not _exists(con, "raw", "table_coverage"):
        return None
    tables = con.execute(
        "select table_no, first_line, last_line, classification, title, reason, extractors, header "
        "from raw.table_coverage where report_id = ? order by table_no",
        [report_id],
    ).fetchall()
    missing = con.execute(
        "select fact_type, detail from raw.fact_coverage where report_id = ? and not is_satisfied order by fact_type", [report_id]
    ).fetchall() if _exists(con, "raw", "fact_coverage") else []
    counts = count_classifications([{"classification": t[3]} for t in tables])
    summary = f"{len(tables)} tables: {coverage_summary(counts)} (unrecognised: they hold numbers no extractor read)"
    return {"tables": tables, "missing": missing, "summary": summary}


def write_discrepancy_report(con: duckdb.DuckDBPyConnection, report_id: str, run_id: str, out_dir: Path) -> Path:
    """Write `<run>.html` and `<run>.md` (and `latest.*`) for one report; returns the HTML path."""
    frame = con.execute(
        """
        select suite, severity, gate_status, table_name, table_no, source_line, other_lines, label, measure,
               expected, found, difference, tolerance, message, acknowledgement, label_path, column_label,
               expected_exact, rounding_rule, unit as evidence_unit, won_per_unit, note
        from gate.failed_rows where run_id = ? and report_id = ?
        order by case gate_status when 'discrepancy' then 0 when 'failed' then 0 when 'stale_acknowledgement' then 1 else 2 end,
                 suite, source_line
        """,
        [run_id, report_id],
    ).df()
    rows = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in frame.to_dict("records")]
    for r in rows:
        for k in ("source_line", "table_no"):
            r[k] = int(r[k]) if r[k] is not None else None
    results = con.execute(
        "select suite, severity, row_count, failed_count, acknowledged_count from gate.check_results where run_id = ? and report_id = ? order by suite",
        [run_id, report_id],
    ).fetchall()
    title = con.execute(
        "select max(title) from raw.report_loads where report_id = ?", [report_id]
    ).fetchone()[0] if _exists(con, "raw", "report_loads") else None

    blocking = [r for r in rows if r["severity"] == "ERROR"]
    acknowledged = [r for r in rows if r["gate_status"] == "acknowledged"]
    verdict = "BLOCKED: not published" if blocking else "published" + (" with acknowledged findings" if acknowledged else "")
    # the words of `budget-recon run`/`status` and the UI's checks (suites.verdict_label), with a row class
    row_class = {"ERROR": "bad", "WARN": "ack", NOT_CHECKED: "unchecked"}
    verdicts = [(s, verdict_label(sev), n, f, a, row_class.get(sev, "ok")) for s, sev, n, f, a in results]
    contexts = {t: _table_context(con, report_id, t) for t in {r["table_no"] for r in rows}}

    md = [f"# Discrepancy report — {report_id}", "", plain(title), "", f"**Verdict: {verdict}** (run `{run_id}`)", ""]
    unchecked = [r[0] for r in results if r[1] == NOT_CHECKED]
    md += ["| suite | verdict | rows checked | failed | acknowledged |", "|---|---|---:|---:|---:|"]
    md += [f"| {s} | {v} | {n} | {f} | {a} |" for s, v, n, f, a, _ in verdicts]
    md.append("")
    if unchecked:
        md += [f"**Not checked** (no rows, so nothing passed): {', '.join(unchecked)}", ""]
    for row in rows:
        status = STATUS_WORDS.get(row["gate_status"], row["gate_status"] or row["severity"])
        md.append(f"- **{status}** `{row['suite']}`, {plain(row['table_name'])}: {_sentence(row, contexts[row['table_no']]['unit'])}")
        if row["acknowledgement"]:
            md.append(f"  - {'acknowledged' if row['gate_status'] == 'acknowledged' else 'acknowledgement'}: {plain(row['acknowledgement'])}")
    if not rows:
        md.append("Every identity holds.")
    coverage = _coverage(con, report_id)
    if coverage:
        md += ["", "## Table coverage", "", coverage["summary"], ""]
        md += [f"- table {t[0]} (lines {t[1]}-{t[2]}) **{t[3]}**: {t[4] or ''} {('— ' + t[5]) if t[5] else ''}".rstrip()
               for t in coverage["tables"] if t[3] != "extracted"][:60]
        md += [f"- **required fact type {f[0]} yielded no rows**: {f[1]}" for f in coverage["missing"]]
        md.append("")

    body = [
        f"<h1>Discrepancy report — {html.escape(report_id)}</h1>",
        f"<p>{html.escape(plain(title))}</p>",
        f"<p class='verdict {'bad' if blocking else 'good'}'><b>Verdict: {html.escape(verdict)}</b> — run <code>{html.escape(run_id)}</code>"
        f" · {len(blocking)} failed, {len(acknowledged)} acknowledged</p>",
        "<table class='suites'><thead><tr><th>suite</th><th>verdict</th><th>rows checked</th><th>failed</th><th>acknowledged</th></tr></thead><tbody>",
    ]
    body += [
        f"<tr class='{c}'><td><a href='#{html.escape(s)}'>{html.escape(s)}</a></td>"
        f"<td>{html.escape(v)}</td><td class='num'>{n:,}</td><td class='num'>{f}</td><td class='num'>{a}</td></tr>"
        for s, v, n, f, a, c in verdicts
    ]
    body.append("</tbody></table>")
    if unchecked:
        body.append(f"<p class='not-checked'><b>Not checked</b> (no rows, so nothing passed): {html.escape(', '.join(unchecked))}</p>")
    body.append(f"<h2>Findings ({len(rows)})</h2>" if rows else "<h2>Findings</h2><p>Every identity holds.</p>")
    anchored = set()
    for row in rows:
        status = STATUS_WORDS.get(row["gate_status"], row["gate_status"] or row["severity"])
        context = contexts[row["table_no"]]
        anchor = "" if row["suite"] in anchored else f" id='{html.escape(row['suite'])}'"
        anchored.add(row["suite"])
        where = plain(row["table_name"]) + (f" (table {row['table_no']})" if row["table_no"] is not None else "")
        unit = f" · amounts in {context['unit']}" if context["unit"] else ""
        body.append(f"<section class='finding {html.escape(row['gate_status'] or '')}'{anchor}>")
        body.append(f"<h3><span class='status'>{html.escape(status)}</span> · {html.escape(row['suite'])} · {html.escape(where)}{html.escape(unit)}</h3>")
        body.append(f"<p class='sentence'>{html.escape(_sentence(row, context['unit']))}</p>")
        if row["acknowledgement"]:
            word = "Acknowledged" if row["gate_status"] == "acknowledged" else "Acknowledgement"
            body.append(f"<p class='ack'><b>{word}:</b> {html.escape(plain(row['acknowledgement']))}</p>")
        body.append(_quote_table(con, report_id, row, context))
        body.append("</section>")
    # after the findings: what a reviewer acts on comes first
    if coverage:
        body.append(f"<h2>Table coverage</h2><p>{html.escape(coverage['summary'])}</p>")
        body += [f"<p class='verdict bad'><b>Required fact type {html.escape(f[0])} yielded no rows</b>: {html.escape(f[1])}</p>"
                 for f in coverage["missing"]]
        body.append("<table class='coverage'><thead><tr><th>table</th><th>lines</th><th>classification</th><th>title</th>"
                    "<th>extractor / reason</th><th>header</th></tr></thead><tbody>")
        body += [
            f"<tr class='{html.escape(t[3])}'><td class='num'>{t[0]}</td><td>{t[1]}-{t[2]}</td><td>{html.escape(t[3])}</td>"
            f"<td>{html.escape(plain(t[4]))}</td><td>{html.escape(t[6] or t[5] or '')}</td><td>{html.escape(plain(t[7]))}</td></tr>"
            for t in coverage["tables"]
        ]
        body.append("</tbody></table>")
    charts = _charts(con, report_id, run_id)
    if charts:
        body.append("<h2>Charts</h2>")
        body += [f"<figure>{chart}</figure>" for chart in charts]
    page = (
        "<!doctype html><html lang='ko'><head><meta charset='utf-8'>"
        f"<title>Discrepancies — {html.escape(report_id)}</title><style>"
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px}"
        "thead th{background:#eef2f7}td.num{text-align:right;font-variant-numeric:tabular-nums}"
        "table.suites tr.bad td{background:#fdecea}table.suites tr.ack td{background:#fff8e1}"
        "table.suites tr.unchecked td,table.coverage tr.unrecognised td{background:#eef2f7}"
        ".verdict.bad{color:#b71c1c}.verdict.good{color:#1b5e20}"
        "section.finding{border-left:5px solid #999;padding:.2em 1em;margin:1.5em 0;background:#fafafa}"
        "section.discrepancy,section.failed,section.stale_acknowledgement{border-color:#c0392b}"
        "section.acknowledged{border-color:#f39c12}.status{text-transform:uppercase}"
        "table.quote{font-size:12px;display:block;overflow-x:auto}table.quote tbody th{color:#666;font-weight:normal}"
        "table.quote tr.finding td{background:#fffde7}table.quote td.hit{background:#f5b7b1;font-weight:bold;outline:2px solid #c0392b}"
        "p.ack{color:#8a5a00}pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:12px}"
        "figure{margin:1em 0}"
        "</style></head><body>" + "\n".join(body) + "</body></html>"
    )
    folder = out_dir / report_id
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{run_id}.html"
    html_path.write_text(page, encoding="utf-8")
    html_path.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    (folder / "latest.html").write_text(page, encoding="utf-8")
    (folder / "latest.md").write_text("\n".join(md), encoding="utf-8")
    return html_path
