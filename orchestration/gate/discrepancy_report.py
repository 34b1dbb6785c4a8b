"""The discrepancy report: every failed or acknowledged identity with the report's own lines quoted,
expected vs found, and charts (inline SVG) of execution rates and KPI attainment.

Written per report and run as HTML (for people) and Markdown (for the Dagster UI metadata), to
`$BUDGET_RECON_HOME/discrepancies/<report>/<run>.html`, with `latest.html` / `latest.md` beside it.
"""

from __future__ import annotations

import html
from pathlib import Path

import duckdb

from ..parsing.coverage import count_classifications, coverage_summary
from .results import shown_figure
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


def bar_chart_svg(title: str, items: list[tuple[str, float]], unit: str = "%", width: int = 720, reference: float | None = 100) -> str:
    """A horizontal bar chart as inline SVG (no plotting library needed)."""
    if not items:
        return ""
    bar, gap, label_w = 16, 6, 260
    top = 28
    height = top + len(items) * (bar + gap) + 20
    peak = max([v for _, v in items] + [reference or 0, 1e-9])
    scale = (width - label_w - 70) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * (bar + gap)
        w = max(value, 0) * scale
        colour = "#c0392b" if reference and value > reference * 1.0001 else "#2e86c1"
        parts.append(f'<text x="{label_w - 6}" y="{y + bar - 4}" font-size="11" text-anchor="end">{html.escape(label[:40])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}"><title>{html.escape(label)}: {value:g}{unit}</title></rect>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar - 4}" font-size="11">{value:g}{unit}</text>')
    if reference:
        x = label_w + reference * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 16}" stroke="#555" stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(title: str, values: list[float], bins: list[float], width: int = 720) -> str:
    if not values:
        return ""
    counts = [0] * (len(bins) - 1)
    for v in values:
        for i in range(len(bins) - 1):
            last = i == len(bins) - 2
            if bins[i] <= v < bins[i + 1] or (last and v >= bins[i]):
                counts[i] += 1
                break
    labels = [f"{bins[i]:g}–{bins[i + 1]:g}%" if i < len(bins) - 2 else f"≥{bins[i]:g}%" for i in range(len(bins) - 1)]
    return bar_chart_svg(title, list(zip(labels, [float(c) for c in counts])), unit="", reference=None, width=width)


def _charts(con, report_id: str) -> list[str]:
    charts = []
    if _exists(con, "marts", "fct_budget_execution"):
        rows = con.execute(
            """
            select coalesce(item_name, label_raw) as name, rate_computed
            from marts.fct_budget_execution
            where report_id = ? and rate_computed is not null and not is_total and budget_won > 0
            order by budget_won desc
            limit 25
            """,
            [report_id],
        ).fetchall()
        charts.append(bar_chart_svg("Execution rate of the 25 largest budget lines (집행률, computed)", [(n, float(r)) for n, r in rows]))
    if _exists(con, "marts", "fct_kpi_attainment"):
        cols = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = 'fct_kpi_attainment'"
        ).fetchall()}
        if "attainment_computed" in cols:
            values = [float(v) for (v,) in con.execute(
                "select attainment_computed from marts.fct_kpi_attainment where report_id = ? and attainment_computed is not null",
                [report_id],
            ).fetchall()]
            charts.append(histogram_svg("KPI attainment distribution (actual ÷ target)", values, [0, 50, 80, 100, 120, 150, 200]))
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
    rows = con.execute(
        """
        select suite, severity, gate_status, table_name, table_no, source_line, other_lines, label, measure,
               expected, found, difference, tolerance, message, acknowledgement,
               expected_exact, rounding_rule, unit, won_per_unit
        from gate.failed_rows where run_id = ? and report_id = ?
        order by case gate_status when 'discrepancy' then 0 when 'stale_acknowledgement' then 1 else 2 end, suite, source_line
        """,
        [run_id, report_id],
    ).fetchall()
    results = con.execute(
        "select suite, severity, row_count, failed_count, acknowledged_count from gate.check_results where run_id = ? and report_id = ? order by suite",
        [run_id, report_id],
    ).fetchall()
    title = con.execute(
        "select max(title) from raw.report_loads where report_id = ?", [report_id]
    ).fetchone()[0] if _exists(con, "raw", "report_loads") else None

    blocking = [r for r in rows if r[1] == "ERROR"]
    acknowledged = [r for r in rows if r[2] == "acknowledged"]
    verdict = "BLOCKED: not published" if blocking else "published" + (" with acknowledged discrepancies" if acknowledged else "")

    md = [f"# Discrepancy report — {report_id}", "", f"{title or ''}", "", f"**Verdict: {verdict}** (run `{run_id}`)", ""]
    unchecked = [r[0] for r in results if r[1] == NOT_CHECKED]
    md += ["| suite | verdict | rows checked | failed | acknowledged |", "|---|---|---|---|---|"]
    md += [f"| {s} | {verdict_label(sev)} | {n} | {f} | {a} |" for s, sev, n, f, a in results]
    md.append("")
    if unchecked:
        md += [f"**Not checked** (no rows, so nothing passed): {', '.join(unchecked)}", ""]
    coverage = _coverage(con, report_id)
    if coverage:
        md += ["## Table coverage", "", coverage["summary"], ""]
        md += [f"- table {t[0]} (lines {t[1]}-{t[2]}) **{t[3]}**: {t[4] or ''} {('— ' + t[5]) if t[5] else ''}".rstrip()
               for t in coverage["tables"] if t[3] != "extracted"][:60]
        md += [f"- **required fact type {f[0]} yielded no rows**: {f[1]}" for f in coverage["missing"]]
        md.append("")
    for row in rows:
        status = row[2] or row[1]
        md.append(f"- **{status}** `{row[0]}` — {row[13]}")
        if row[14] and status == "acknowledged":
            md.append(f"  - acknowledged: {row[14]}")
    if not rows:
        md.append("Every identity holds.")

    body = [
        f"<h1>Discrepancy report — {html.escape(report_id)}</h1>",
        f"<p>{html.escape(title or '')}</p>",
        f"<p class='verdict {'bad' if blocking else 'good'}'><b>Verdict: {html.escape(verdict)}</b> — run <code>{html.escape(run_id)}</code></p>",
        "<table><tr><th>suite</th><th>verdict</th><th>rows checked</th><th>failed</th><th>acknowledged</th></tr>",
    ]
    body += [
        f"<tr class='{html.escape(sev)}'><td>{html.escape(s)}</td><td>{verdict_label(sev)}</td><td>{n}</td><td>{f}</td><td>{a}</td></tr>"
        for s, sev, n, f, a in results
    ]
    body.append("</table>")
    if unchecked:
        body.append(f"<p class='not-checked'><b>Not checked</b> (no rows, so nothing passed): {html.escape(', '.join(unchecked))}</p>")
    if coverage:
        body.append(f"<h2>Table coverage</h2><p>{html.escape(coverage['summary'])}</p>")
        body += [f"<p class='verdict bad'><b>Required fact type {html.escape(f[0])} yielded no rows</b>: {html.escape(f[1])}</p>"
                 for f in coverage["missing"]]
        body.append("<table><tr><th>table</th><th>lines</th><th>classification</th><th>title</th><th>extractor / reason</th><th>header</th></tr>")
        body += [
            f"<tr class='{html.escape(t[3])}'><td>{t[0]}</td><td>{t[1]}-{t[2]}</td><td>{html.escape(t[3])}</td>"
            f"<td>{html.escape(t[4] or '')}</td><td>{html.escape(t[6] or t[5] or '')}</td><td>{html.escape(t[7] or '')}</td></tr>"
            for t in coverage["tables"]
        ]
        body.append("</table>")
    for chart in _charts(con, report_id):
        body.append(f"<figure>{chart}</figure>")
    body.append("<h2>Findings</h2>" if rows else "<h2>Findings</h2><p>Every identity holds.</p>")
    for row in rows:
        status = row[2] or row[1]
        lines = _parse_lines(str(row[5]) if row[5] is not None else "") + _parse_lines(row[6])[:40]
        quoted = _lines(con, report_id, lines)
        body.append(f"<section class='{html.escape(status)}'><h3>{html.escape(status)} · {html.escape(row[0])}</h3>")
        body.append(f"<p>{html.escape(row[13] or '')}</p>")
        if row[9] is not None or row[10] is not None:
            # amounts in the report's own unit with the won figure beside them; rates as printed
            figures = {"expected": row[9], "found": row[10], "unit": row[17], "won_per_unit": row[18]}
            body.append(
                f"<p>expected <b>{html.escape(shown_figure(figures, 'expected'))}</b>, found "
                f"<b>{html.escape(shown_figure(figures, 'found'))}</b>"
                f" (difference {html.escape(str(row[11]))}, tolerance {html.escape(str(row[12]))})"
                + (f"; computed {html.escape(str(row[15]))} before rounding ({html.escape(row[16] or 'tolerance')})"
                   if row[15] is not None and row[15] != row[9] else "")
                + "</p>"
            )
        if row[14]:
            body.append(f"<p class='ack'>{html.escape(row[14])}</p>")
        if quoted:
            highlighted = {int(row[5])} if row[5] is not None else set()
            body.append("<pre>" + "\n".join(
                f"{'▶' if n in highlighted else ' '} {n:>5} │ {html.escape(t.replace(chr(9), ' │ '))}" for n, t in quoted
            ) + "</pre>")
        body.append("</section>")
    page = (
        "<!doctype html><html lang='ko'><head><meta charset='utf-8'>"
        f"<title>Discrepancies — {html.escape(report_id)}</title><style>"
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
        "tr.ERROR td{background:#fdecea}tr.WARN td{background:#fff8e1}tr.NOT_CHECKED td,tr.unrecognised td{background:#eef2f7}"
        ".verdict.bad{color:#b71c1c}.verdict.good{color:#1b5e20}"
        "section{border-left:4px solid #999;padding-left:1em;margin:1.5em 0}"
        "section.discrepancy,section.stale_acknowledgement,section.failed{border-color:#c0392b}"
        "section.acknowledged{border-color:#f39c12}pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:12px}"
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
