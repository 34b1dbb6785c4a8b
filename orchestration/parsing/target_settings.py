"""Target-setting tables of regional industry plans (docs/report-families.md 4.6): rows of the raw table
`performance_target_lines` (the columns of performance_targets.py), one per printed value.

- ROI trend (K4, target_table `roi_trend`): `구분 (1억원당) | N개년 목표 추이 | N개년 성과 추이 | N개년 평균 (yy~yy)
  | N개년 평균 성과 (110%) | 'yy년 목표 수치 | 'yy년 목표 설정 | N개년 평균 성과 대비(%)`, the second header
  row giving the years and `목표 / 성과` of the averaged block. Measures `roi_target`, `roi_outcome` (per
  year and averaged), `roi_outcome_scaled` (the averaged outcome ROI times the percentage its header
  prints, kept in `column_label`) and `roi_target_share` (the plan-year target ROI as a percentage of
  the averaged outcome ROI; period: the plan year).
- Indicator setting (K5, `indicator_setting`): `구분 | 3년 평균(yy~yy년)* | YYYY년 | YYYY년 | 전년대비` ×
  `목표 예산 1억원당 목표` and `목표 증감 예산 증감 ROI 증감`: measures target / budget / roi per period.
- Self-chosen indicator review (K6, `self_indicator_review`): `지표 | 대상사업 | N개년 연도별 성과 ('yy년 …
  평균) | 'yy년 목표 (ROI 목표) | 'yy년 목표 (ROI 산출)`: per program an amount row (`금액`, or the row
  without a kind cell) and a ROI row: measures outcome / roi_outcome per year and averaged, roi_target
  and target for the later years.

The words are the family profile's (`roi_trend_columns`, `setting_table_columns`, `self_review_columns`);
the indicator of a table is the nearest marker line above it (`□`, `◆`: profile
`target_setting_markers`) naming an indicator the report's other target tables name. Rows are read
with their labels first and their values after (docs/report-families.md 4.3): a row printing fewer value
cells than the header has columns dropped cells; its values are not guessed (flag `cells_dropped`,
values left null with `value_flag` `unaligned`).
"""

from __future__ import annotations

import re
from collections import Counter

from .periods import full_year, period_role
from .profiles import column_words, profile, total_labels
from .program_tree import indicator_unit
from .reader import Report, Row, Table
from .values import Value, clean_name, parse_value, squash, strip_markup

_RANGE = re.compile(r"'?(\d{2}|\d{4})\s*~\s*'?(\d{2}|\d{4})")
_YEAR = re.compile(r"^'?(\d{4}|\d{2})\s*년?도?")
_NEW_BLOCK = re.compile(r"(\d{4})\s*년도?\s*신규\s*편성")
_PERCENT = re.compile(r"\(\s*(\d+(?:\.\d+)?)\s*%\s*\)")


def _year_token(text: str) -> int | None:
    match = _YEAR.match(squash(text))
    return full_year(int(match.group(1))) if match else None


def _range(text: str) -> str | None:
    match = _RANGE.search(strip_markup(text))
    if not match:
        return None
    start, end = (full_year(int(g)) for g in match.groups())
    return f"{start}-{end}"


def _filled_right(cells: list[str]) -> list[str]:
    """A header row whose merged cells print once then stay empty: each position takes the last text."""
    out, last = [], ""
    for cell in cells:
        last = strip_markup(cell) if cell.strip() else last
        out.append(last)
    return out


def _header_pair(table: Table) -> tuple[list[str], list[str], list[str]] | None:
    """(top row filled right, second row, top row as printed), cleaned and padded to one width: the two
    header rows of a target-setting table. None for a table with fewer header rows."""
    headers = [r for r in table.rows if r.role in ("header", "repeated_header")]
    if len(headers) < 2:
        return None
    top, sub = headers[0].cells, headers[1].cells
    width = max(len(top), len(sub))
    printed = [strip_markup(c) for c in top] + [""] * (width - len(top))
    return _filled_right(printed), [strip_markup(c) for c in sub] + [""] * (width - len(sub)), printed


def _is_value_cell(cell: str) -> bool:
    text = strip_markup(cell)
    if not text or _NEW_BLOCK.search(text):
        return True
    return parse_value(cell).flag != "text"


def _split_row(row: Row, width: int) -> tuple[list[str], list[str], bool]:
    """(label cells, `width` value cells, dropped): labels first, then values; a row with fewer value cells
    than `width` dropped some (its values are not placed)."""
    cells = list(row.cells)
    while cells and not cells[-1].strip():
        cells.pop()
    last_label = max((i for i, c in enumerate(cells) if c.strip() and not _is_value_cell(c)), default=-1)
    labels, values = cells[: last_label + 1], cells[last_label + 1:]
    if len(values) < width:
        return labels, values, True
    return labels + values[: len(values) - width], values[len(values) - width:], False


def _row_label(labels: list[str], report: Report) -> tuple[str, str]:
    """(identity label, printed label): the row's own label; a bare total word ('합계') after a section name
    ('R & D | 합계') is the section's total and takes the section's name, so both printings match."""
    names = [clean_name(c) for c in labels if c.strip()]
    names = [n for n in names if n]
    raw = " | ".join(c.strip() for c in labels if c.strip())
    if not names:
        return "", raw
    totals = {squash(t) for t in total_labels(report)}
    if len(names) > 1 and squash(names[-1]) in totals:
        return names[-2], raw
    return names[-1], raw


def _known_indicators(rows: list[dict]) -> list[str]:
    """Indicators the report's other target tables name (program tables, headline, review)."""
    return list(dict.fromkeys(r["indicator"] for r in rows if r.get("indicator")))


def _indicator(report: Report, table: Table, known: list[str]) -> str | None:
    """The nearest marker line above the table naming a known indicator (by name, else by a word of the
    profile's indicator_units that only one known indicator contains)."""
    spec = profile(report)
    markers = tuple(spec.get("target_setting_markers") or ())
    words = [w for w, _ in spec.get("indicator_units") or ()]
    keys = [(squash(k), k) for k in known]
    for number in range(table.first_line - 1, 0, -1):
        text = strip_markup(report.line(number)).lstrip("#* ").strip()
        if not text.startswith(markers):
            continue
        key = squash(text)
        named = [name for k, name in keys if k and k in key]
        if named:
            return max(named, key=len)
        for word in words:
            holders = [name for k, name in keys if word in k]
            if word in key and len(holders) == 1:
                return holders[0]
    return None


def _base(report: Report, table: Table, row: Row, target_table: str, indicator: str | None, occurrence: int) -> dict:
    unit = indicator_unit(indicator, report)
    return {
        "report_id": report.report_id,
        "line_row_id": f"t{table.table_no}:L{row.line_no}",
        "parent_row_id": None,
        "parent_line_row_id": None,
        "table_no": table.table_no,
        "source_line": row.line_no,
        "occurrence": occurrence,
        "target_table": target_table,
        "indicator": indicator,
        "indicator_group": None,
        "indicator_unit": unit,
        "program": None,
        "sub_program": None,
        "industry": None,
        "level": 0,
        "companion": None,
        "companion_meaning": None,
        "note": None,
    }


def _value_fields(printed: str | None, dropped: bool) -> dict:
    if dropped or printed is None:
        return {"value_printed": printed, "value": None, "value_flag": "unaligned"}
    value: Value = parse_value(printed)
    if value.number is None and _NEW_BLOCK.search(strip_markup(printed)):
        return {"value_printed": printed, "value": None, "value_flag": "text", "new_block": True}
    return {
        "value_printed": printed or None,  # a blank cell prints nothing (flag `blank`): null, as CSV reads it back
        "value": value.number,
        "value_flag": None if value.number is not None else value.flag,
        "footnote": value.footnote,
    }


def _emit(base: dict, index: int, column: tuple, cell: dict, flags: list[str], anchor: int | None, unit: str | None) -> dict:
    period, year, measure, label = column
    row_flags = list(flags) + (["footnote"] if cell.pop("footnote", False) else [])
    row_flags += ["new_program_block"] if cell.pop("new_block", False) else []
    return base | cell | {
        "row_id": f"{base['line_row_id']}:c{index}",
        "period": period,
        "period_role": period_role(period, anchor),
        "fiscal_year": year,
        "measure": measure,
        "column_label": label,
        "value_unit": unit,
        "flags": ",".join(dict.fromkeys(row_flags)) or None,
    }


def _units(indicator_unit_: str | None, money: str = "억원") -> dict[str, str | None]:
    ratio = f"{indicator_unit_}/{money}" if indicator_unit_ else None
    return {
        "target": indicator_unit_,
        "outcome": indicator_unit_,
        "budget": money,
        "roi": ratio,
        "roi_target": ratio,
        "roi_outcome": ratio,
        "roi_outcome_scaled": ratio,
        "roi_target_share": "%",
    }


def _anchor(columns: list[tuple], report_year: int | None) -> int | None:
    years = [c[1] for c in columns if c[1] and "-" not in c[0] and c[0] != "change"]
    if report_year in years or not years:
        return report_year
    return max(years)


# ---------------------------------------------------------------------------------------------
# K4 ROI trend


def _trend_columns(table: Table, report: Report) -> list[tuple] | None:
    """[(period, fiscal_year, measure, column label)] of a ROI trend table, else None."""
    spec = profile(report)
    rules = [(m, tuple(squash(w) for w in words)) for m, words in spec.get("roi_trend_columns") or ()]
    mean_words = {squash(w): m for m, words in (spec.get("roi_trend_mean_columns") or {}).items() for w in words}
    pair = _header_pair(table)
    if not rules or pair is None:
        return None
    tops, subs, printed = pair
    last = max((i for i in range(len(tops)) if printed[i] or subs[i]), default=0)
    raw_columns = []
    for i in range(1, last + 1):
        key = squash(tops[i])
        measure = next((m for m, words in rules if any(w in key for w in words)), None)
        if measure is None:
            return None
        raw_columns.append((i, measure, tops[i], subs[i]))
    measures = {m for _, m, _, _ in raw_columns}
    if "mean" not in measures or not ({"roi_target", "roi_outcome"} <= measures):
        return None
    mean_range = next((_range(t) for _, m, t, _ in raw_columns if m == "mean" and _range(t)), None)
    if mean_range is None:
        return None
    columns: list[tuple] = []
    for _, measure, top_text, sub_text in raw_columns:
        if measure == "mean":
            inner = mean_words.get(squash(sub_text))
            if inner is None:
                return None
            columns.append((mean_range, int(mean_range.split("-")[1]), inner, f"{top_text} {sub_text}"))
        elif measure in ("roi_target", "roi_outcome"):
            year = _year_token(sub_text) if sub_text else _year_token(top_text)
            if year is None:
                return None
            columns.append((str(year), year, measure, f"{top_text} {sub_text}".strip()))
        else:
            columns.append((None, None, measure, top_text))
    latest = max(c[1] for c in columns if c[2] == "roi_target" and c[0] and "-" not in c[0])
    return [
        c if c[0] is not None else ((mean_range, int(mean_range.split("-")[1]), c[2], c[3])
                                    if c[2] == "roi_outcome_scaled" else (str(latest), latest, c[2], c[3]))
        for c in columns
    ]


# ---------------------------------------------------------------------------------------------
# K5 indicator setting


def _setting_columns(table: Table, report: Report) -> list[tuple] | None:
    """[(period, fiscal_year, measure, column label)] of an indicator-setting table, else None. A change
    column's word may carry the change header (`목표 증감`, `ROI 전년대비`); labels print the canonical words
    (the first change header, the measure's first word), so a synonym yields the same column labels."""
    spec = profile(report)
    vocabulary = column_words(report, "setting_table_columns")
    change_words = [squash(w) for w in spec.get("change_headers") or ()]
    pair = _header_pair(table)
    if not vocabulary or not change_words or pair is None:
        return None
    tops, subs, _ = pair
    columns = []
    for i in range(1, len(tops)):
        if not subs[i]:
            continue
        word = squash(subs[i])
        word = next((word[: -len(c)] for c in change_words if word.endswith(c) and len(word) > len(c)), word)
        if word not in vocabulary:
            return None
        measure, canonical = vocabulary[word]
        top_text = tops[i]
        if any(w in squash(top_text) for w in change_words):
            period, year, label = "change", None, f"{spec['change_headers'][0]} {canonical}"
        elif "평균" in top_text and _range(top_text):
            period = _range(top_text)
            year, label = int(period.split("-")[1]), f"{top_text.rstrip('*')} {canonical}"
        elif _year_token(top_text):
            year = _year_token(top_text)
            period, label = str(year), f"{top_text} {canonical}"
        else:
            return None
        columns.append((period, year, measure, label))
    periods = {c[0] for c in columns}
    if not any("-" in p for p in periods if p != "change") or "change" not in periods:
        return None
    if {c[2] for c in columns} != {"target", "budget", "roi"}:
        return None
    plan = max(c[1] for c in columns if c[1] and "-" not in c[0])
    return [c if c[0] != "change" else (c[0], plan, c[2], c[3]) for c in columns]


def _grid_rows(report: Report, table: Table, columns: list[tuple], target_table: str, indicator: str | None,
               occurrence: int, report_year: int | None) -> list[dict]:
    out = []
    units = _units(indicator_unit(indicator, report))
    anchor = _anchor(columns, report_year)
    for row in table.rows:
        if row.role != "data" or not any(c.strip() for c in row.cells):
            continue
        labels, values, dropped = _split_row(row, len(columns))
        label, label_raw = _row_label(labels, report)
        if not label:
            continue
        flags = ["cells_dropped"] if dropped else []
        base = _base(report, table, row, target_table, indicator, occurrence) | {
            "note": f"{len(values)} value cells printed under {len(columns)} columns" if dropped else None,
            "label_raw": label_raw, "label": label, "item_path": label, "is_total": label != label_raw.split(" | ")[-1]
            or any(w in squash(label) for w in total_labels(report)),
        }
        for index, column in enumerate(columns, start=1):
            printed = None if dropped else values[index - 1]
            cell = _value_fields(printed if printed is not None else None, dropped)
            out.append(_emit(dict(base), index, column, cell, flags, anchor, units.get(column[2])))
    return out


# ---------------------------------------------------------------------------------------------
# K6 self-chosen indicator review


def _self_columns(table: Table, report: Report) -> list[tuple] | None:
    spec = profile(report)
    vocabulary = {squash(w): m for m, words in (spec.get("self_review_columns") or {}).items() for w in words}
    pair = _header_pair(table)
    if not vocabulary or pair is None:
        return None
    tops, subs, _ = pair
    columns: list[tuple] = []
    mean_range = next((_range(t) for t in tops if _range(t)), None)
    if mean_range is None:
        return None
    for i in range(len(tops)):
        if not subs[i]:
            continue
        word = squash(subs[i])
        if "평균" in word:
            columns.append((mean_range, int(mean_range.split("-")[1]), "outcome", f"{subs[i]}"))
        elif _year_token(subs[i]) and _range(tops[i]):
            year = _year_token(subs[i])
            columns.append((str(year), year, "outcome", subs[i]))
        elif word in vocabulary and _year_token(tops[i]):
            year = _year_token(tops[i])
            columns.append((str(year), year, vocabulary[word], f"{tops[i]} {subs[i]}"))
        else:
            return None
    if len({c[2] for c in columns}) < 3 or not any("-" in c[0] for c in columns):
        return None
    return columns


def _self_rows(report: Report, table: Table, columns: list[tuple], occurrence: int, known: list[str],
               report_year: int | None) -> list[dict]:
    """Amount rows (kind cell `금액`, or none) and ROI rows (kind `ROI`) read left-aligned after their labels:
    an amount row prints every column, a ROI row its years and mean only (the year-outcome columns)."""
    spec = profile(report)
    kinds = {squash(w): k for k, words in (spec.get("self_review_row_kinds") or {}).items() for w in words}
    anchor = _anchor(columns, report_year)
    sections = {squash(w) for w in (spec.get("program_tree_rows") or {}).get("sections") or ()}
    out: list[dict] = []
    indicator = group = program = None
    for row in table.rows:
        if row.role != "data" or not any(c.strip() for c in row.cells):
            continue
        cells = list(row.cells)
        while cells and not cells[-1].strip():
            cells.pop()
        first_value = next((i for i, c in enumerate(cells) if c.strip() and parse_value(c).flag != "text"), len(cells))
        labels = cells[:first_value]
        kind = "amount"
        if labels and squash(labels[-1]) in kinds:
            kind = kinds[squash(labels.pop())]
        # label cells: an indicator (resets the row context), a section of the program tree, else a program
        for name in (clean_name(c) for c in labels if c.strip()):
            named = next((k for k in known if squash(k) in squash(name)), None) or _by_word(name, known, spec)
            if named:
                indicator, group, program = named, None, None
            elif squash(name) in sections:
                group, program = name, None
            else:
                program = name
        values = cells[first_value:]
        unit = indicator_unit(indicator, report)
        label = " ".join(n for n in (group, program) if n) or None
        path = "/".join(n for n in (indicator or "", group or "", program or "") if n)
        base = _base(report, table, row, "self_indicator_review", indicator, occurrence) | {
            "label_raw": " | ".join(c.strip() for c in labels if c.strip()) or None,
            "label": label,
            "item_path": path,
            "is_total": group is None,
            "program": program,
        }
        outcome_columns = [i for i, c in enumerate(columns) if c[2] == "outcome"]
        flags: list[str] = []
        if kind == "roi":
            extra = [v for v in values[len(outcome_columns):] if v.strip()]
            if extra:
                flags.append("value_outside_columns")
            picked = [(i, values[i] if i < len(values) else "") for i in outcome_columns]
        else:
            if len(values) > len(columns):
                flags.append("cells_extra")
            picked = [(i, values[i] if i < len(values) else "") for i in range(len(columns))]
        for i, printed in picked:
            period, year, measure, label_text = columns[i]
            measure = "roi_outcome" if kind == "roi" and measure == "outcome" else measure
            value_unit = {"outcome": unit, "target": unit}.get(measure, f"{unit}/억원" if unit else None)
            cell = _value_fields(printed, False)
            out.append(_emit(dict(base), i + 1, (period, year, measure, label_text),
                             cell, flags, anchor, value_unit))
    return out


def _by_word(text: str, known: list[str], spec: dict) -> str | None:
    key = squash(text)
    for word, _ in spec.get("indicator_units") or ():
        holders = [k for k in known if word in squash(k)]
        if word in key and len(holders) == 1:
            return holders[0]
    return None


def extract(report: Report, known_rows: list[dict], report_year: int | None) -> list[dict]:
    known = _known_indicators(known_rows)
    out: list[dict] = []
    seen: Counter = Counter()
    for table in report.tables:
        if (columns := _trend_columns(table, report)) is not None:
            indicator = _indicator(report, table, known)
            seen[("roi_trend", indicator)] += 1
            out += _grid_rows(report, table, columns, "roi_trend", indicator, seen[("roi_trend", indicator)],
                              report_year)
        elif (columns := _setting_columns(table, report)) is not None:
            indicator = _indicator(report, table, known)
            seen[("indicator_setting", indicator)] += 1
            out += _grid_rows(report, table, columns, "indicator_setting", indicator,
                              seen[("indicator_setting", indicator)], report_year)
        elif (columns := _self_columns(table, report)) is not None:
            seen["self_indicator_review"] += 1
            out += _self_rows(report, table, columns, seen["self_indicator_review"], known, report_year)
    return out

