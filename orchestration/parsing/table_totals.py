"""Printed totals of context tables (docs/report-families.md 4.7): tables no budget, target or
funding extractor reads, whose own header says how their numbers add up. One row per printed
figure that takes part in an identity, LONG; the identities are checked downstream
(rec_table_totals).

Two shapes, told by the header alone (the words are the family profile's `table_totals`):

* a total column: the header's deepest row ends with a total label (합계, 소계) that the header
  prints once. Its parts are the columns whose header matches one of the profile's
  `part_columns` patterns when the header has such columns (`1차년도`, `2차년도`: a `목표` column
  beside them restates the total), else every value column between the labels and the total
  (`컨설팅 … 기술보증 | 소계`);
* a combined column: a header cell joining two circled or plain numbers with `+` (`①+② 불필요`,
  `④+⑤ 필요`); its parts are the columns whose header starts with those numbers.

Figures are read with their printed unit (`82개`, `6건`); `-` counts 0. A row whose total or a part
is not a number (text, masked) is not read.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from .extractors import Extractor
from .profiles import profile, total_labels
from .reader import Report, Table
from .values import parse_value, squash, strip_markup

TOTAL, PART = "total", "part"

COLUMNS = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",  # t<table>:L<line>:c<cell>
    "source_line": "INTEGER",
    "table_no": "INTEGER",
    "identity_kind": "VARCHAR",  # total_column | combined_column
    "total_column_no": "INTEGER",  # the cell of the total this figure belongs to
    "cell_role": "VARCHAR",  # total | part
    "row_label": "VARCHAR",
    "column_no": "INTEGER",
    "column_label": "VARCHAR",
    "value_printed": "VARCHAR",
    "amount": "DECIMAL(18,4)",
    "printed_scale": "INTEGER",
    "unit": "VARCHAR",
    "line_text": "VARCHAR",
}

_COMBINED = re.compile(r"^(?P<a>[①-⑳]|\d+)\s*\+\s*(?P<b>[①-⑳]|\d+)")


@dataclass(frozen=True)
class Identity:
    kind: str
    total: int  # cell position of the total
    parts: tuple[int, ...]


@functools.cache
def _patterns(entry: str) -> tuple[tuple[str, ...], tuple[re.Pattern, ...]]:
    words = json.loads(entry)
    totals = tuple(squash(w) for w in words.get("total_columns") or ())
    return totals, tuple(re.compile(p) for p in words.get("part_columns") or ())


def _labels(table: Table) -> list[str]:
    """The deepest header row's labels, squashed."""
    return [squash(c) for c in table.header[-1].cells] if table.header else []


def identities(report: Report, table: Table) -> list[Identity]:
    """The identities a table's header declares (none for a table without a header)."""
    entry = profile(report).get("table_totals") or {}
    if not entry or not table.header:
        return []
    totals, part_patterns = _patterns(json.dumps(entry, sort_keys=True, ensure_ascii=False))
    labels = _labels(table)
    everywhere = [squash(c) for row in table.header for c in row.cells if c.strip()]
    found: list[Identity] = []
    filled = [p for p, label in enumerate(labels) if label]
    if filled and labels[filled[-1]] in totals and everywhere.count(labels[filled[-1]]) == 1:
        total = filled[-1]
        named = tuple(p for p in filled[:-1] if any(r.fullmatch(labels[p]) for r in part_patterns))
        if not named:
            # every column holding a number in the first data row, between the labels and the total
            first = next((r for r in table.data if len(r.cells) > total), None)
            named = tuple(p for p in filled[:-1] if first is not None and p < len(first.cells)
                          and parse_value(first.cells[p]).number is not None)
        if len(named) >= 2:
            found.append(Identity("total_column", total, named))
    for p, label in enumerate(labels):
        m = _COMBINED.match(label)
        if not m:
            continue
        parts = tuple(q for q, other in enumerate(labels) if q != p and other and not _COMBINED.match(other)
                      and (other.startswith(m["a"]) or other.startswith(m["b"])))
        if len(parts) == 2:
            found.append(Identity("combined_column", p, parts))
    return found


def _figure(cell: str):
    value = parse_value(cell)
    if value.flag == "dash":
        return 0, "-", 0, None
    if value.number is None:
        return None
    text = strip_markup(cell)
    digits = re.search(r"\d[\d,]*(?:\.(\d+))?", text)
    unit = re.sub(r"[\d,.\s△\-]+", "", text) or None
    return value.number, text, len(digits[1]) if digits and digits[1] else 0, unit


def extract(report: Report) -> list[dict]:
    if not profile(report).get("table_totals"):
        return []
    rows: list[dict] = []
    for table in report.tables:
        found = identities(report, table)
        if not found:
            continue
        labels = _labels(table)
        for row in table.data:
            label = next((squash(c) for c in row.cells if c.strip()), "")
            for identity in found:
                cells = [identity.total, *identity.parts]
                if max(cells) >= len(row.cells):
                    continue
                figures = [_figure(row.cells[p]) for p in cells]
                if any(f is None for f in figures):
                    continue
                for p, (number, printed, scale, unit) in zip(cells, figures):
                    rows.append({
                        "report_id": report.report_id,
                        "row_id": f"t{table.table_no}:L{row.line_no}:c{p}:{identity.kind}:{identity.total}",
                        "source_line": row.line_no,
                        "table_no": table.table_no,
                        "identity_kind": identity.kind,
                        "total_column_no": identity.total,
                        "cell_role": TOTAL if p == identity.total else PART,
                        "row_label": label or None,
                        "column_no": p,
                        "column_label": labels[p] if p < len(labels) else None,
                        "value_printed": printed,
                        "amount": number,
                        "printed_scale": scale,
                        "unit": unit,
                        "line_text": row.raw_text,
                    })
    return rows


EXTRACTOR = Extractor(
    table="table_total_lines",
    description="Figures of context tables whose header declares a total column (합계, 소계 = its parts) or a "
    "combined column (①+② = ① + ②), with the cells they add up from.",
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
    is_fact=True,
)

__all__ = ["extract", "identities", "EXTRACTOR"]
