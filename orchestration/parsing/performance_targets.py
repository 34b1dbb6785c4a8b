"""Program performance targets of regional industry plans (docs/report-families.md 4.1, 4.3, 4.4, 6.3): raw table
`performance_target_lines`, one row per printed value.

- B2 / B3 (`(2) 예산투자대비 성과목표`, `① 사업화매출액`, `② 신규고용`): '24 / '25 / 증감 × 목표 / 예산 /
  1억원당. Rows follow the B1 tree (`program_tree`, shared with program_budget.py): `parent_row_id`
  is the same column of the parent row, for the additive measures (target, budget) only, and only
  when the parent cell holds a number (총 계 / 기타 rows print `-` targets: they carry budgets only).
  ROI cells have no parent (ratios do not add up); `parent_line_row_id` still gives the tree.
  The target unit comes from the indicator (신규고용 → 명), not from the `(단위 : 억원)` line, which is
  the budget's unit (docs/report-families.md 1.4).
- K1 headline (`전체 성과목표`: `(공통) 신규고용 229.18명 (ROI)1.80`): a target and an roi row per cell.

Companions: `4.38 (4.61)*` → value 4.38, companion 4.61 (`roi_alternative`, the footnote under the
table says what it excludes; its text is kept in `note`); `8.00 (71.72)` → budget + 총사업비.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from . import target_settings
from .budget_plan import report_fiscal_year
from .extractors import Extractor
from .periods import full_year, period_role
from .profiles import column_words, name_key, profile
from .program_tree import Node, ProgramTable, indicator_unit, program_tables
from .reader import Report, Row, Table, value_window
from .values import Value, clean_name, parse_number, parse_value, squash, strip_markup

COLUMNS: dict[str, str] = {
    "report_id": "VARCHAR",
    "row_id": "VARCHAR",  # 't120:L2400:c4' (value column 4); K1: 't21:L450:c1' / 't21:L450:c1r'
    "line_row_id": "VARCHAR",  # the printed row: 't120:L2400'
    "parent_row_id": "VARCHAR",  # same column of the parent row (additive measures only)
    "parent_line_row_id": "VARCHAR",  # parent printed row (the tree, all measures)
    "table_no": "INTEGER",
    "source_line": "INTEGER",
    "occurrence": "INTEGER",  # 1 summary, 2 body
    "target_table": "VARCHAR",  # sales_target | employment_target | headline | three_year_review
    "indicator": "VARCHAR",  # 사업화매출액 | 신규고용 | 사업화수출액 | 특허출원·등록
    "indicator_group": "VARCHAR",  # K1: 공통 | 자율지표 1 …
    "indicator_unit": "VARCHAR",  # 억원 | 명 | 건 (unit of the indicator's targets)
    "program": "VARCHAR",
    "sub_program": "VARCHAR",
    "industry": "VARCHAR",
    "label_raw": "VARCHAR",
    "label": "VARCHAR",
    "item_path": "VARCHAR",
    "level": "INTEGER",
    "is_total": "BOOLEAN",
    "period": "VARCHAR",  # the printed year 'YYYY' | 'change'; K3 'YYYY' | 'YYYY-YYYY' (3-year mean)
    "fiscal_year": "INTEGER",  # the year (for 'change' the later year)
    "measure": "VARCHAR",  # target | budget | roi; K3 also outcome | attainment | roi_target | roi_outcome
    "column_label": "VARCHAR",
    "value_printed": "VARCHAR",
    "value": "DECIMAL(38,4)",
    "value_unit": "VARCHAR",  # 명 / 억원 / 건 for targets, 억원 for budgets, '명/억원' … for roi
    "value_flag": "VARCHAR",  # blank | dash | masked | text
    "companion": "DECIMAL(38,4)",
    "companion_meaning": "VARCHAR",  # total_project_cost | total_project_cost_change | roi_alternative
    "note": "VARCHAR",  # footnote text for a value marked '*'
    "flags": "VARCHAR",
    "period_role": "VARCHAR",  # plan_year | base_year | change | mean_3y | year_-2 (periods.period_role)
}

ADDITIVE = ("target", "budget")


def _target_table(indicator: str | None, report: Report) -> str:
    key = squash(indicator or "")
    tables = profile(report).get("indicator_target_tables") or ()
    return next((name for word, name in tables if word in key), "other_target")


def _money_unit(pt: ProgramTable) -> str:
    for unit in pt.table.units:
        if unit.replace(" ", "") in ("억원", "백만원", "천원"):
            return unit.replace(" ", "")
    return "억원"


def _footnote(report: Report, pt: ProgramTable) -> str | None:
    """The `* …` note printed right under the table (a few lines at most)."""
    last = pt.table.last_line
    for number in range(last + 1, min(len(report.lines), last + 5) + 1):
        text = strip_markup(report.line(number))
        if text.startswith("*") or text.startswith("※"):
            return text.lstrip("*※ ").strip()
        if "\t" in report.line(number):
            break
    return None


def table_anchor_year(report_year: int | None, years: list[int | None]) -> int | None:
    """The plan year a table's periods are relative to: the report's year when the table prints it,
    else the table's latest year."""
    printed = [y for y in years if y]
    if report_year in printed or not printed:
        return report_year
    return max(printed)


def _b_rows(report: Report, pt: ProgramTable, report_year: int | None = None) -> list[dict]:
    out = []
    indicator = pt.indicator
    unit = indicator_unit(indicator, report)
    money = _money_unit(pt)
    note = _footnote(report, pt)
    target_table = _target_table(indicator, report)
    anchor = table_anchor_year(report_year, [c.fiscal_year for c in pt.columns if not c.is_change])
    for node in pt.nodes:
        chain = node.chain + [None, None, None]
        is_item = node.kind in ("item", "subtotal")
        for column, value, printed in zip(pt.columns, node.values, node.raw_values):
            measure = column.measure  # target | budget | roi (the profile's program_target_columns)
            parent_id = None
            parent: Node | None = node.parent
            if parent is not None and measure in ADDITIVE:
                parent_value = parent.values[column.index - 1]
                if parent_value.number is not None:
                    parent_id = f"{parent.line_row_id}:c{column.index}"
            companion_meaning = None
            if value.companion is not None:
                if measure == "roi":
                    companion_meaning = "roi_alternative"
                else:
                    companion_meaning = "total_project_cost_change" if column.is_change else "total_project_cost"
            flags = list(node.flags)
            if value.footnote:
                flags.append("footnote")
            value_unit = {"target": unit, "budget": money, "roi": f"{unit}/{money}" if unit else None}[measure]
            out.append(
                {
                    "report_id": report.report_id,
                    "row_id": f"{node.line_row_id}:c{column.index}",
                    "line_row_id": node.line_row_id,
                    "parent_row_id": parent_id,
                    "parent_line_row_id": parent.line_row_id if parent is not None else None,
                    "table_no": pt.table.table_no,
                    "source_line": node.line_no,
                    "occurrence": pt.occurrence,
                    "target_table": target_table,
                    "indicator": indicator,
                    "indicator_group": None,
                    "indicator_unit": unit,
                    "program": chain[0] if is_item else None,
                    "sub_program": chain[1] if is_item else None,
                    "industry": chain[2] if is_item else None,
                    "label_raw": node.label_raw,
                    "label": node.name if node.kind == "subtotal" and node.name else node.own,
                    "item_path": node.path,
                    "level": node.level,
                    "is_total": bool(node.children),
                    "period": column.period,
                    "period_role": period_role(column.period, anchor),
                    "fiscal_year": column.fiscal_year,
                    "measure": measure,
                    "column_label": column.label,
                    "value_printed": printed,
                    "value": value.number,
                    "value_unit": value_unit,
                    "value_flag": None if value.number is not None else value.flag,
                    "companion": value.companion,
                    "companion_meaning": companion_meaning,
                    "note": note if value.footnote else None,
                    "flags": ",".join(dict.fromkeys(flags)) or None,
                }
            )
    return out


# K1: '(공통) 신규고용 229.18명 (ROI)1.80', '(자율지표 2) 특허출원·등록 19.92건 (ROI)0.58'
_HEADLINE = re.compile(
    r"^\((?P<group>[^()]+)\)\s*(?P<name>.+?)\s*(?P<num>[\d,]+(?:\.\d+)?)\s*(?P<unit>억원|백만원|천원|명|건|개사|개|회|%)"
    r"\s*\(ROI\)\s*(?P<roi>[\d,]+(?:\.\d+)?)\s*$"
)


def _may_hold_headline(text: str) -> bool:
    """False when no cell in `text` can read '(ROI)' once its markup is removed. strip_markup only
    deletes characters (tags, '**', escapes) and collapses spaces, and decodes entities: only numeric
    ones ('&#82;') decode to R, O or I; named ones may decode to '<', '*' or a backslash."""
    if "ROI" in text or "&#" in text:
        return True
    if "R" not in text or "O" not in text or "I" not in text:
        return False
    return "*" in text or "<" in text or "\\" in text or "&" in text


def _headline_rows(report: Report) -> list[dict]:
    out: list[dict] = []
    year = report_fiscal_year(report)
    occurrence = 0
    for table in report.tables:
        for row in table.rows:
            if row.role == "dash" or not _may_hold_headline("\t".join(row.cells)):
                continue
            cells = [(i, _HEADLINE.match(strip_markup(c))) for i, c in enumerate(row.cells)]
            hits = [(i, m) for i, m in cells if m]
            if not hits:
                continue
            occurrence += 1
            raw_cells = row.raw_text.split("\t")
            label = clean_name(row.cells[0]) if row.cells and not _HEADLINE.match(row.cells[0]) else None
            line_row_id = f"t{table.table_no}:L{row.line_no}"
            for index, match in hits:
                unit = match.group("unit")
                indicator = clean_name(match.group("name"))
                base = {
                    "report_id": report.report_id,
                    "line_row_id": line_row_id,
                    "parent_row_id": None,
                    "parent_line_row_id": None,
                    "table_no": table.table_no,
                    "source_line": row.line_no,
                    "occurrence": occurrence,
                    "target_table": "headline",
                    "indicator": indicator,
                    "indicator_group": match.group("group").strip(),
                    "indicator_unit": indicator_unit(indicator, report) or unit,
                    "program": None,
                    "sub_program": None,
                    "industry": None,
                    "label_raw": raw_cells[index] if index < len(raw_cells) else row.cells[index],
                    "label": label,
                    "item_path": label,
                    "level": 0,
                    "is_total": False,
                    "period": str(year) if year else None,
                    "period_role": "plan_year" if year else None,
                    "fiscal_year": year,
                    "column_label": label,
                    "value_flag": None,
                    "companion": None,
                    "companion_meaning": None,
                    "note": None,
                    "flags": None,
                }
                out.append(
                    base
                    | {
                        "row_id": f"{line_row_id}:c{index}",
                        "measure": "target",
                        "value_printed": f"{match.group('num')}{unit}",
                        "value": parse_number(match.group("num")),
                        "value_unit": unit,
                    }
                )
                out.append(
                    base
                    | {
                        "row_id": f"{line_row_id}:c{index}r",
                        "measure": "roi",
                        "value_printed": match.group("roi"),
                        "value": parse_number(match.group("roi")),
                        "value_unit": f"{unit}/억원",
                    }
                )
    return out


# ---------------------------------------------------------------------------------------------
# K3: 3-year target-versus-outcome review (`신규고용 성과 검토(2023년 실적 및 3개년 평균 성과)`)
#
# Header `구분 | 2023년 … | 3년 평균(21~23) …` × `목표 성과 달성율 예산 1억원당 목표 1억원당 성과`; rows are
# read right-aligned (the last 12 cells are values). Totals are printed BEFORE their children and the
# printed labels may be shifted or starred (`주력*`, `합계I*`), so the tree is rebuilt from the numbers:
# a row's children are the following subtrees whose 목표 / 성과 / 예산 of the single-year block add up
# to it (≥ 2 children, ±0.01 per child; all but one of the three measures must add up, so one printed
# inconsistency does not break the tree: such a parent is flagged `sum_mismatch`). The tree is then matched to the K3 tree of docs/report-families.md 6.3;
# when it matches, rows take the tree's labels (printed label kept in `label_raw`, flag
# `label_shifted` where the printed one names another row); otherwise the printed labels stay
# (flag `tree_unmatched`). The averaged block holds means over the printed range ('21~'23: M = 3
# years): a program run in N < M of them (blank yearly cells in the K4 `3개년 목표 추이` table that
# follows) is flagged `years_averaged_N` on its averaged values; it enters its parent pro rata (N/M).
# parent_row_id stays null (the pro-rata sums are checked by rec_performance_review, not by the
# generic plain sums); parent_line_row_id gives the tree.

# The measures of one period block of the K3 table, and their header words: the profile's
# `review_table_columns` (target, outcome, attainment, budget, roi_target, roi_outcome).
K3_TREE_MEASURES = ("target", "outcome", "budget")
_K3_RANGE = re.compile(r"'?(\d{2}|\d{4})\s*~\s*'?(\d{2}|\d{4})")
_K3_YEAR = re.compile(r"^'?(\d{4}|\d{2})\s*년도?$")
_STAR = re.compile(r"\*+")

def review_tree(report: Report) -> tuple | None:
    """The K3 tree of the family profile (`review_tree`): (label, accepted printed spellings (squashed,
    '*' removed), children); children None = any number of leaf rows keeping their printed labels,
    () = a leaf. None when the family has no such table."""

    def convert(node: list) -> tuple:
        label, spellings, children = node
        return (label, tuple(spellings), None if children is None else tuple(convert(c) for c in children))

    spec = profile(report).get("review_tree")
    return convert(spec) if spec else None


@dataclass
class _K3Row:
    line_no: int
    line_row_id: str
    labels: list[str]
    label_raw: str
    values: list[Value]
    raw_values: list[str]
    flags: list[str] = field(default_factory=list)
    label: str = ""
    path: str = ""
    level: int = 0
    parent: "_K3Row | None" = None
    children: list["_K3Row"] = field(default_factory=list)


def _k3_year(token: str) -> tuple[str, int] | None:
    """'YYYY년' -> ('YYYY', YYYY); '3년 평균(yy~yy)' / "3년 평균('yy~'yy)" -> ('YYYY-YYYY', the last year)."""
    text = strip_markup(token)
    if "평균" in text:
        match = _K3_RANGE.search(text)
        if not match:
            return None
        start, end = (full_year(int(g)) for g in match.groups())
        return f"{start}-{end}", end
    match = _K3_YEAR.match(text.replace(" ", ""))
    if not match:
        return None
    year = full_year(int(match.group(1)))
    return str(year), year


def _k3_columns(table: Table, vocabulary: dict[str, tuple[str, str]]) -> list[tuple[str, int, str, str]] | None:
    """[(period, fiscal_year, measure, column label)] for a K3 header (one column per measure of each
    period block: the value window is the number of periods times the measures), else None.
    `vocabulary`: the profile's review_table_columns (profiles.column_words); labels print the
    canonical word."""
    block = len({measure for measure, _ in vocabulary.values()})
    header_rows = [r for r in table.rows if r.role in ("header", "repeated_header")]
    if not block or not any(len(r.cells) >= 2 * block for r in header_rows):
        return None  # no header row wide enough for two blocks of measure words
    years: list[tuple[str, int, str]] = []
    measures: list[list[str]] = []
    for row in header_rows:
        cells = [strip_markup(c) for c in row.cells]
        found = [(y, c) for c in cells if c and (y := _k3_year(c))]
        if len(found) >= 2 and not years:
            years = [(y[0], y[1], c) for y, c in found]
        measures.append([squash(c) for c in cells if squash(c) in vocabulary])
    if not years:
        return None
    width = len(years) * block
    words = next((measure[-width:] for measure in measures if len(measure) >= width), [])
    if len(words) != width:
        return None
    if "attainment" not in {vocabulary[w][0] for w in words}:
        return None
    out = []
    for i, word in enumerate(words):
        period, year, token = years[i // block]
        measure, canonical = vocabulary[word]
        out.append((period, year, measure, f"{token} {canonical}"))
    return out


@dataclass(frozen=True)
class ReviewWords:
    """Family vocabulary of the K3 review table (profile): the words after the indicator in its title
    (`사업화매출액 성과 검토(…`), the header word of the K4 yearly-targets table that follows it, and
    the groups whose children are industries rather than programs (compared without spacing)."""

    title: re.Pattern
    years_table: tuple[str, ...]
    industry_groups: tuple[str, ...]

    @classmethod
    def of(cls, report: Report | None) -> "ReviewWords":
        spec = profile(report)
        words = [r"\s*".join(map(re.escape, squash(w))) for w in spec.get("review_title_words") or ()]
        title = re.compile(r"^(?P<indicator>.+?)\s*(?:%s)\s*\(" % "|".join(words)) if words else re.compile(r"(?!)")
        return cls(
            title=title,
            years_table=tuple(squash(w) for w in spec.get("review_years_table_words") or ()),
            industry_groups=tuple(name_key(w) for w in spec.get("review_industry_groups") or ()),
        )


def _k3_indicator(table: Table, words: ReviewWords) -> str | None:
    for text in [table.title or ""] + [c for r in table.rows if r.role != "data" for c in r.cells[:1]]:
        match = words.title.match(strip_markup(text))
        if match:
            return squash(clean_name(match.group("indicator")))
    return None


def _right_aligned(row: Row, width: int) -> tuple[list[str], str, list[str]] | None:
    window = value_window(row, width, pad=False)
    if len(window.values) < width:
        return None
    labels = [clean_name(c) for c in window.label_cells if c.strip()]
    label_raw = " | ".join(c.strip() for c in window.raw_labels if c.strip())
    return [lab for lab in labels if lab], label_raw, window.raw_values


def _k3_number(value: Value) -> Decimal | None:
    if value.number is not None:
        return value.number
    return Decimal(0) if value.flag == "dash" else None


def _k3_tree(rows: list[_K3Row], positions: list[int]) -> list[tuple]:
    """Forest of (index, children, end): a row's children are the following subtrees adding up to it."""
    n = len(rows)
    memo: dict[int, tuple] = {}

    def numbers(i: int) -> list[Decimal | None]:
        return [_k3_number(rows[i].values[p]) for p in positions]

    def parse(i: int) -> tuple:
        if i in memo:
            return memo[i]
        want = numbers(i)
        result: tuple = (i, (), i + 1)
        if None not in want:
            acc = [Decimal(0)] * len(want)
            kids: list[tuple] = []
            j = i + 1
            while j < n:
                got = numbers(j)
                if None in got:
                    break
                sub = parse(j)
                kids.append(sub)
                acc = [a + g for a, g in zip(acc, got)]
                j = sub[2]
                tolerance = Decimal("0.01") * len(kids) + Decimal("0.0001")
                hits = sum(1 for a, w in zip(acc, want) if abs(a - w) <= tolerance)
                if len(kids) >= 2 and hits >= max(1, len(want) - 1):
                    result = (i, tuple(kids), j)
                    if hits < len(want):
                        rows[i].flags.append("sum_mismatch")
                    break
                if sum(1 for a, w in zip(acc, want) if a > w + tolerance) >= max(1, len(want) - 1):
                    break
        memo[i] = result
        return result

    forest, i = [], 0
    while i < n:
        tree = parse(i)
        forest.append(tree)
        i = tree[2]
    return forest


def _k3_label_key(label: str) -> str:
    return _STAR.sub("", squash(label))


def _k3_match(tree: tuple, template: tuple, rows: list[_K3Row], out: dict[int, tuple[str, tuple]]) -> bool:
    """Match a parsed subtree to the profile's review tree; out[index] = (label, accepted spellings)."""
    index, children, _ = tree
    label, accepted, expected = template
    if expected is None:
        if not children or any(c[1] for c in children):
            return False
    elif len(children) != len(expected):
        return False
    out[index] = (label, accepted)
    if expected:
        return all(_k3_match(c, t, rows, out) for c, t in zip(children, expected))
    return True


def _k3_place(rows: list[_K3Row], forest: list[tuple], template: tuple | None) -> None:
    def link(tree: tuple, parent: _K3Row | None) -> None:
        node = rows[tree[0]]
        node.parent = parent
        if parent is not None:
            parent.children.append(node)
        for child in tree[1]:
            link(child, node)

    for tree in forest:
        link(tree, None)
    names: dict[int, tuple[str, tuple]] = {}
    matched = template is not None and len(forest) == 1 and _k3_match(forest[0], template, rows, names)
    for i, row in enumerate(rows):
        own = row.labels[-1] if row.labels else ""
        if any("*" in lab for lab in row.labels):
            row.flags.append("label_starred")
        if matched and i in names:
            label, accepted = names[i]
            if own and _k3_label_key(own) in {squash(a) for a in accepted}:
                # a leaf printed with its own name keeps it (alias spellings such as 시군구연구산업육성)
                row.label = own if not (row.children or "계" in own) else label
            else:
                row.label = label
                row.flags.append("label_shifted")
        else:
            row.label = _STAR.sub("", own).strip()
            if not matched:
                row.flags.append("tree_unmatched")
        if len(forest) > 1 and row.parent is None:
            row.flags.append("tree_unresolved")
    for row in rows:
        chain, node = [], row
        while node is not None:
            chain.append(node.label)
            node = node.parent
        row.level = len(chain) - 1
        row.path = "/".join(reversed(chain))


def _span(period: str) -> int:
    """Years of an averaged period 'YYYY-YYYY' (the printed range), 1 for a single year."""
    start, _, end = period.partition("-")
    return int(end) - int(start) + 1 if end else 1


def _k4_years(
    report: Report, after: Table, before_line: int, width: int, span: int, words: ReviewWords
) -> dict[str, int]:
    """Label -> number of the `span` yearly target cells printed in the K4 table following a K3 table."""
    for table in report.tables:
        if table.first_line <= after.last_line or table.first_line >= before_line:
            continue
        header = [squash(c) for r in table.rows if r.role == "header" for c in r.cells]
        if not any(w in c for c in header for w in words.years_table):
            continue
        years: dict[str, int] = {}
        for row in table.rows:
            if row.role != "data":
                continue
            read = _right_aligned(row, width)
            if read is None or not read[0]:
                continue
            labels, _, window = read
            years[_k4_key(labels[-1])] = sum(1 for c in window[:span] if c.strip())
        return years
    return {}


def _k4_key(label: str) -> str:
    return re.sub(r"^\([^)]*\)", "", _k3_label_key(label))


def _k3_rows(report: Report, report_year: int | None = None) -> list[dict]:
    vocabulary = column_words(report, "review_table_columns")
    words = ReviewWords.of(report)
    tables = [(t, cols) for t in report.tables if (cols := _k3_columns(t, vocabulary))]
    template = review_tree(report) if tables else None
    out: list[dict] = []
    seen: Counter = Counter()
    for n, (table, columns) in enumerate(tables):
        indicator = _k3_indicator(table, words)
        seen[indicator] += 1
        unit = indicator_unit(indicator, report)
        rows: list[_K3Row] = []
        for row in table.rows:
            if row.role != "data" or not any(c.strip() for c in row.cells):
                continue
            read = _right_aligned(row, len(columns))
            if read is None:
                continue
            labels, label_raw, window = read
            values = [parse_value(c) for c in window]
            flags = ["label_in_values"] if any(v.flag == "text" for v in values) else []
            rows.append(
                _K3Row(
                    row.line_no, f"t{table.table_no}:L{row.line_no}", labels, label_raw, values, window, flags
                )
            )
        single = [i for i, c in enumerate(columns) if c[2] in K3_TREE_MEASURES and "-" not in c[0]]
        _k3_place(rows, _k3_tree(rows, single), template)
        following = tables[n + 1][0].first_line if n + 1 < len(tables) else len(report.lines) + 1
        span = max(_span(c[0]) for c in columns)  # the averaged block's printed range
        years = _k4_years(report, table, following, len(columns), span, words)
        for row in rows:
            parent = row.parent
            is_total = bool(row.children) or "계" in row.label
            in_main = parent is not None and any(g in name_key(parent.label) for g in words.industry_groups)
            present = years.get(_k4_key(row.label)) if not row.children else None
            for index, ((period, year, measure, column_label), value, printed) in enumerate(
                zip(columns, row.values, row.raw_values), start=1
            ):
                flags = list(row.flags)
                if "-" in period and present is not None and 0 < present < _span(period):
                    flags.append(f"years_averaged_{present}")
                if value.footnote:
                    flags.append("footnote")
                value_unit = {
                    "target": unit,
                    "outcome": unit,
                    "attainment": "%",
                    "budget": "억원",
                    "roi_target": f"{unit}/억원" if unit else None,
                    "roi_outcome": f"{unit}/억원" if unit else None,
                }[measure]
                out.append(
                    {
                        "report_id": report.report_id,
                        "row_id": f"{row.line_row_id}:c{index}",
                        "line_row_id": row.line_row_id,
                        "parent_row_id": None,
                        "parent_line_row_id": parent.line_row_id if parent is not None else None,
                        "table_no": table.table_no,
                        "source_line": row.line_no,
                        "occurrence": seen[indicator],
                        "target_table": "three_year_review",
                        "indicator": indicator,
                        "indicator_group": None,
                        "indicator_unit": unit,
                        "program": None if is_total or in_main else row.label,
                        "sub_program": None,
                        "industry": row.label if in_main and not is_total else None,
                        "label_raw": row.label_raw,
                        "label": row.label,
                        "item_path": row.path,
                        "level": row.level,
                        "is_total": bool(row.children),
                        "period": period,
                        "period_role": period_role(period, report_year),
                        "fiscal_year": year,
                        "measure": measure,
                        "column_label": column_label,
                        "value_printed": printed,
                        "value": value.number,
                        "value_unit": value_unit,
                        "value_flag": None if value.number is not None else value.flag,
                        "companion": value.companion,
                        "companion_meaning": None,
                        "note": None,
                        "flags": ",".join(dict.fromkeys(flags)) or None,
                    }
                )
    return out


def extract(report: Report) -> list[dict]:
    rows = _headline_rows(report)
    report_year = report_fiscal_year(report)
    for pt in program_tables(report):
        if pt.kind == "target":
            rows += _b_rows(report, pt, report_year)
    rows += _k3_rows(report, report_year)
    rows += target_settings.extract(report, rows, report_year)  # K4, K5, K6 (docs/report-families.md 4.6)
    return rows


EXTRACTOR = Extractor(
    table="performance_target_lines",
    description=(
        "Program performance targets (one row per printed value): B2/B3 target tables (목표 / 예산 / "
        "1억원당 per year and 증감) on the B1 program tree, the K1 headline targets with their ROI, and the K3 "
        "3-year review (목표 / 성과 / 달성율 / 예산 / 1억원당 목표·성과, its latest year and the 3-year mean). "
        "Every value carries its printed period and its period_role."
    ),
    columns=COLUMNS,
    key=("report_id", "row_id"),
    extract=extract,
)
