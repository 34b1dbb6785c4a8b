"""Program tables of regional industry plans (docs/report-families.md 4.2, 4.3, 6.3): the B1 budget table
(`(1) 사업별, 주력산업별 예산투자계획`, '24 / '25 / 증감 × 국비 지방비 합계) and the B2/B3 target tables
(`① 사업화매출액`, `② 신규고용`, '24 / '25 / 증감 × 목표 예산 1억원당) share one row tree.

Tables are found by their header (year blocks `'24년도 '25년도 증감` × the measure words), never by
position. Rows are read right-aligned (the last 9 cells are values, the non-empty cells before them
labels) and placed on the tree:

- `총 계` is the root; `R&D + 비R&D 합계(기타 제외)` sits under it; `R&D 합계` / `비R&D 합계` under that,
  `기타 합계` under the root. These totals are printed BEFORE their children and are assigned by label
  (also when `기타 합계` is printed inside the 비R&D block).
- `소계` / `소 계` rows are printed AFTER their children: a subtotal takes the shortest run of the
  preceding open rows (≥ 2 when possible) whose additive columns add up to it; when no run adds up,
  the rows since the last row that prints a group label, flagged `sum_mismatch`.
- Group names come from the labels printed on the group's first row (label columns are filled down
  and shift between printings, so names are taken by depth, not by column).

Label/number offsets: every printed row is compared, by identity (section, group, label), with the
budget printed for that identity in the other program tables of the report (B1 합계 = B2/B3 예산, and
the summary and body printings). When a row's budget disagrees with its label's consensus but equals
the consensus of a label printed on the row itself or on a neighbouring row, the row is re-labelled
with that identity and flagged `label_shifted` (the printed label stays in `label_raw`). Other
disagreements are flagged `identity_mismatch`; nothing is silently re-assigned.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from .periods import full_year
from .profiles import column_words, profile
from .reader import Report, Row, Table, value_window
from .values import Value, clean_name, parse_value, squash, strip_markup

_YEAR_TOKEN = re.compile(r"^'?(\d{2}|\d{4})\s*년도?$")
_NEW_BLOCK = re.compile(r"(\d{4})\s*년도?\s*신규\s*편성")
_NOTE = re.compile(r"\s+\*\s+.*$")  # '지역특화 프로젝트 * 괄호 : 총사업비 구분기재'
_CIRCLED = re.compile(r"^[①-⑳]\s*")

# The measure words of a year block come from the family profile: `program_budget_columns` (B1:
# national / local / total) and `program_target_columns` (B2/B3: target / budget / roi).
_KIND_COLUMNS = (("budget", "program_budget_columns"), ("target", "program_target_columns"))


def indicator_unit(indicator: str | None, report: Report | None = None) -> str | None:
    """Unit of an indicator's targets from the family profile's `indicator_units` (a target table's unit
    line is the budget's unit: docs/report-families.md "Units")."""
    key = squash(indicator or "")
    return next((unit for word, unit in profile(report).get("indicator_units") or () if word in key), None)


@dataclass
class Column:
    index: int  # 1..9
    label: str  # "'24년도 국비" | '증감 국비' (the canonical change word, whichever synonym is printed)
    year_label: str  # "'24년도" | '증감'
    word: str  # the profile's canonical word: 국비 | 지방비 | 합계 | 목표 | 예산 | 1억원당
    measure: str  # national | local | total (B1); target | budget | roi (B2/B3)
    fiscal_year: int | None
    period: str  # the printed year ('YYYY') or 'change'
    is_change: bool


@dataclass
class Node:
    row: Row
    line_row_id: str
    kind: str  # grand_total | combined_total | section_total | subtotal | item
    labels: list[str]  # cleaned non-empty label cells, in printed order (own label may be re-assigned)
    label_raw: str
    values: list[Value]
    raw_values: list[str]
    flags: list[str] = field(default_factory=list)
    section: str | None = None
    own: str = ""  # the row's own label (cleaned)
    own_index: int = -1  # position of `own` in `labels`
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)
    name: str | None = None  # group name of a subtotal
    chain: list[str] = field(default_factory=list)  # names below the section, ending with this row
    path: str = ""
    level: int = 0
    upper_filled: list[str] = field(default_factory=list)
    printed_labels: list[str] = field(default_factory=list)  # as read, never re-assigned

    @property
    def line_no(self) -> int:
        return self.row.line_no


@dataclass
class ProgramTable:
    table: Table
    kind: str  # 'budget' (B1) | 'target' (B2/B3)
    indicator: str | None
    occurrence: int
    columns: list[Column]
    nodes: list[Node]

    def additive(self) -> list[int]:
        """Value positions (0-based) that add up on the tree."""
        return [i for i, c in enumerate(self.columns) if c.measure != "roi"]

    def budget_positions(self) -> tuple[int, int] | None:
        """Positions of the '24 and '25 budget totals (B1 합계, B2/B3 예산) used as row identity."""
        measure = "total" if self.kind == "budget" else "budget"
        found = [i for i, c in enumerate(self.columns) if c.measure == measure and not c.is_change]
        return (found[0], found[1]) if len(found) >= 2 else None


# ---------------------------------------------------------------------------------------------
# Finding the tables


def _year(token: str) -> int | None:
    match = _YEAR_TOKEN.match(token.replace(" ", ""))
    if not match:
        return None
    year = int(match.group(1))
    return full_year(year)


def _columns(
    table: Table, change_words: tuple[str, ...], kinds: dict[str, dict[str, tuple[str, str]]]
) -> tuple[str, list[Column]] | None:
    """(kind, columns) when the header has the year blocks and the measure words of B1 or B2/B3: one
    column per measure word of each block (docs/report-families.md 4.3: the value window's width is
    the number of year blocks times the measure words of a block). `kinds`: kind -> the profile's
    words of its columns (profiles.column_words)."""
    rows = [r for r in table.rows if r.role == "header"]
    row_cells = [[strip_markup(c) for c in row.cells] for row in rows]
    if not any("사업명" in squash(c) for cells in row_cells for c in cells):
        return None
    known = {w for words in kinds.values() for w in words}
    year_tokens: list[str] = []
    measures: list[list[str]] = []
    for cells in row_cells:
        years = [c for c in cells if _year(c) or squash(c) in change_words]
        if len(years) >= 2:
            year_tokens = years
        measures.append([squash(c) for c in cells if squash(c) in known])
    if not year_tokens:
        return None
    for kind, vocabulary in kinds.items():
        block = len({measure for measure, _ in vocabulary.values()})
        width = len(year_tokens) * block
        words = next((m[-width:] for m in reversed(measures) if len(m) >= width), [])
        if len(words) == width and all(w in vocabulary for w in words):
            break
    else:
        return None
    years = [_year(t) for t in year_tokens]
    latest = max((y for y in years if y), default=None)
    columns = []
    for i, word in enumerate(words):
        token = year_tokens[i // block]
        year = _year(token)
        is_change = year is None
        measure, canonical = vocabulary[word]
        # labels print the profile's canonical words (a change column: the first of change_headers),
        # whichever synonym is printed: labels are keys (acknowledgements match on them)
        label_token = change_words[0] if is_change else token
        columns.append(
            Column(
                index=i + 1,
                label=f"{label_token} {canonical}",
                year_label=label_token,
                word=canonical,
                measure=measure,
                fiscal_year=year if year else latest,
                period=str(year) if year else "change",
                is_change=is_change,
            )
        )
    return kind, columns


def _indicator(report: Report, table: Table) -> str | None:
    """The indicator of a target table: its title ('① 사업화매출액'), else the nearest ①/② line above."""
    candidates = [table.title or ""]
    for number in range(table.first_line - 1, max(0, table.first_line - 12), -1):
        candidates.append(report.line(number))
    for text in candidates:
        text = strip_markup(text)
        if _CIRCLED.match(text):
            return clean_name(_CIRCLED.sub("", text))
    return None


# ---------------------------------------------------------------------------------------------
# Rows


@dataclass(frozen=True)
class TreeWords:
    """The labels that place a program-table row on the tree, from the family profile's
    `program_tree_rows` (compared squashed)."""

    grand_total: tuple[str, ...]  # the root: 총계
    combined_total: tuple[str, ...]  # a label containing one: R&D + 비R&D 합계(기타 제외)
    sections: dict[str, str]  # squashed section total label ('R&D합계') -> section ('R&D')
    outside_combined: frozenset[str]  # sections whose total hangs under the root (기타)
    subtotal: tuple[str, ...]  # 소계

    @classmethod
    def of(cls, report: Report | None) -> "TreeWords":
        spec = profile(report).get("program_tree_rows") or {}
        total_word = squash(spec.get("section_total_word") or "")
        return cls(
            grand_total=tuple(squash(w) for w in spec.get("grand_total") or ()),
            combined_total=tuple(squash(w) for w in spec.get("combined_total") or ()),
            sections={squash(s) + total_word: s for s in spec.get("sections") or ()},
            outside_combined=frozenset(spec.get("sections_outside_combined") or ()),
            subtotal=tuple(squash(w) for w in spec.get("subtotal") or ()),
        )


def _classify(label: str, words: TreeWords) -> tuple[str, str | None]:
    key = squash(label)
    if key in words.grand_total:
        return "grand_total", None
    if any(w in key for w in words.combined_total):
        return "combined_total", None
    if key in words.sections:
        return "section_total", words.sections[key]
    if key in words.subtotal:
        return "subtotal", None
    return "item", None


def clean_label(text: str) -> str:
    return _NOTE.sub("", clean_name(text)).strip()


def _read_row(row: Row, line_row_id: str, width: int, words: TreeWords) -> Node:
    read = value_window(row, width)
    flags: list[str] = ["cells_missing"] if read.missing else []
    label_cells, window, raw_labels, raw_window = read.label_cells, read.values, read.raw_labels, read.raw_values
    values = []
    in_new_block = False
    for cell in window:
        if "편성" in cell and _NEW_BLOCK.search(cell):
            in_new_block = True
            flags.append("new_program_block")
            values.append(parse_value(cell))
            continue
        value = parse_value(cell)
        if value.flag == "text":
            flags.append("label_in_values")
        if in_new_block and value.flag != "blank":
            in_new_block = False
        values.append(value)
    labels = [clean_label(c) for c in label_cells if c.strip()]
    labels = [lab for lab in labels if lab]
    label_raw = " | ".join(c.strip() for c in raw_labels if c.strip())
    node = Node(
        row=row,
        line_row_id=line_row_id,
        kind="item",
        labels=labels,
        label_raw=label_raw,
        values=values,
        raw_values=raw_window,
        flags=flags,
        printed_labels=list(labels),
    )
    if labels:
        node.kind, node.section = _classify(labels[-1], words)
        node.own, node.own_index = labels[-1], len(labels) - 1
    else:
        node.flags.append("label_missing")
    return node


def _number(value: Value) -> Decimal | None:
    if value.number is not None:
        return value.number
    if value.flag in ("dash", "blank"):
        return Decimal(0)
    return None


def _adds_up(total: Node, parts: list[Node], positions: list[int]) -> bool:
    tolerance = Decimal("0.011") * max(1, len(parts))
    for i in positions:
        want = _number(total.values[i])
        got = [_number(p.values[i]) for p in parts]
        if want is None or any(g is None for g in got):
            continue
        if abs(sum(got) - want) > tolerance:
            return False
    return True


def _upper(node: Node) -> list[str]:
    """Group labels printed on the row before its own label: section names of its own section, a
    merged cell holding its own label (children's labels concatenated) and repeats dropped."""
    own = squash(node.own)
    out: list[str] = []
    for label in node.labels[: node.own_index]:
        key = squash(label)
        if node.section and key == squash(node.section):
            continue
        if own and own in key:
            continue
        if out and squash(out[-1]) == key:
            continue
        out.append(label)
    return out


def _first_leaf(node: Node) -> tuple[Node, int]:
    depth = 0
    while node.children and node.kind == "subtotal":
        node = node.children[0]
        depth += 1
    return node, depth


def _build(pt: ProgramTable, words: TreeWords) -> None:
    positions = pt.additive()
    root = combined = section = None
    pending: list[Node] = []

    def close_section() -> None:
        owner = section or root
        for n in pending:
            n.parent = owner
        pending.clear()

    for node in pt.nodes:
        if node.kind == "grand_total":
            close_section()
            root, section = node, None
        elif node.kind == "combined_total":
            close_section()
            node.parent, combined, section = root, node, None
        elif node.kind == "section_total":
            close_section()
            node.parent = combined if (combined and node.section not in words.outside_combined) else root
            section = node
        elif node.kind == "subtotal":
            node.section = section.section if section else None
            matches = [k for k in range(1, len(pending) + 1) if _adds_up(node, pending[-k:], positions)]
            multi = [k for k in matches if k >= 2]
            if multi or matches:
                k = (multi or matches)[0]
            else:
                starts = [i for i, n in enumerate(pending) if n.kind == "item" and _upper(n)]
                k = len(pending) - starts[-1] if starts else len(pending)
                node.flags.append("sum_mismatch")
            if k == 0:
                node.flags.append("subtotal_without_rows")
            group = pending[len(pending) - k :]
            del pending[len(pending) - k :]
            for child in group:
                child.parent = node
            pending.append(node)
        else:
            node.section = section.section if section else None
            pending.append(node)
    close_section()
    for node in pt.nodes:  # children in printed order
        if node.parent is not None:
            node.parent.children.append(node)


def _name(pt: ProgramTable) -> None:
    """Group names, chains (program / sub-program / industry), paths and levels."""
    fill: list[str] = []
    previous_parent = None
    for node in pt.nodes:
        if node.kind == "item":
            up = _upper(node)
            if node.parent is not None and node.parent.kind != "subtotal":
                if up:
                    fill = up
                elif previous_parent is not node.parent:
                    fill = []
                node.upper_filled = up or fill
            previous_parent = node.parent
        else:
            previous_parent = None
            fill = []
    for node in pt.nodes:
        if node.kind == "subtotal":
            leaf, depth = _first_leaf(node)
            up = _upper(leaf)
            node.name = up[-depth] if 0 < depth <= len(up) else None

    def chain(node: Node) -> list[str]:
        if node.kind in ("grand_total", "combined_total", "section_total"):
            return []
        own = node.name or "소계" if node.kind == "subtotal" else node.own
        parent = node.parent
        if parent is None or parent.kind != "subtotal":
            return [*node.upper_filled[:1], own] if node.kind == "item" else [own]
        return [*chain(parent), own]

    for node in pt.nodes:
        node.chain = chain(node)
        level, parent, path = 0, node.parent, []
        while parent is not None:
            level += 1
            path.append(parent)
            parent = parent.parent
        node.level = level
        names = [_node_name(p) for p in reversed(path)] + [_node_name(node)]
        node.path = "/".join(names)


def _node_name(node: Node) -> str:
    if node.kind == "subtotal":
        return node.name or "소계"
    if node.kind == "item" and node.parent is not None and node.parent.kind != "subtotal":
        return "/".join([*node.upper_filled[:1], node.own])
    return node.own


# ---------------------------------------------------------------------------------------------
# Identities across printings


def _identity(node: Node) -> tuple[str, str, str]:
    group = ""
    if node.parent is not None and node.parent.kind == "subtotal":
        group = squash(node.parent.name or "")
    elif node.kind == "item":
        group = squash(node.upper_filled[0]) if node.upper_filled else ""
    return (node.section or "", group, squash(node.own))


def _pair(pt: ProgramTable, node: Node) -> tuple[Decimal, Decimal] | None:
    positions = pt.budget_positions()
    if not positions:
        return None
    got = tuple(_number(node.values[i]) for i in positions)
    return None if any(g is None for g in got) else got  # type: ignore[return-value]


def _consensus(votes: Counter) -> tuple | None:
    ranked = votes.most_common(2)
    if not ranked or ranked[0][1] < 2 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]


def _check_identities(tables: list[ProgramTable]) -> None:
    exact: dict[tuple, Counter] = {}
    loose: dict[tuple, Counter] = {}
    for pt in tables:
        for node in pt.nodes:
            if node.kind != "item":
                continue
            pair = _pair(pt, node)
            if pair is None:
                continue
            ident = _identity(node)
            exact.setdefault(ident, Counter())[pair] += 1
            loose.setdefault((ident[0], ident[2]), Counter())[pair] += 1

    def expected(section: str, group: str, own: str) -> tuple | None:
        found = _consensus(exact.get((section, group, own), Counter()))
        return found if found is not None else _consensus(loose.get((section, own), Counter()))

    for pt in tables:
        items = [n for n in pt.nodes if n.kind == "item"]
        for i, node in enumerate(items):
            pair = _pair(pt, node)
            if pair is None:
                continue
            section, group, own = _identity(node)
            want = expected(section, group, own)
            if want == pair:
                continue
            # Labels printed on this row and its neighbours: which one do the numbers belong to?
            nearby: list[tuple[Node, int, str]] = [(node, j, lab) for j, lab in enumerate(node.labels)]
            for other in items[max(0, i - 1) : i] + items[i + 1 : i + 2]:
                if other.parent is node.parent:
                    nearby += [(other, -1, lab) for lab in other.printed_labels]
            hits = []
            for owner, j, label in nearby:
                if squash(label) == own:
                    continue
                if expected(section, group, squash(label)) == pair:
                    hits.append((owner, j, label))
            labels = {squash(h[2]) for h in hits}
            if len(labels) == 1:
                owner, j, label = hits[0]
                node.own = label
                if owner is node:
                    node.own_index = j
                    if j < len(node.labels) - 1:
                        node.flags.append("extra_labels")
                else:
                    node.labels = [*node.labels[: node.own_index], label]
                    node.own_index = len(node.labels) - 1
                node.flags.append("label_shifted")
            elif want is not None:
                node.flags.append("identity_mismatch")


# ---------------------------------------------------------------------------------------------


def program_tables(report: Report) -> list[ProgramTable]:
    """Every B1 / B2 / B3 table of the report, rows placed on the tree, identities checked."""
    found: list[ProgramTable] = []
    seen: Counter = Counter()
    change_words = tuple(squash(w) for w in profile(report).get("change_headers") or ())
    kinds = {kind: column_words(report, key) for kind, key in _KIND_COLUMNS}
    words = TreeWords.of(report)
    for table in report.tables:
        shape = _columns(table, change_words, kinds)
        if shape is None:
            continue
        kind, columns = shape
        indicator = _indicator(report, table) if kind == "target" else None
        seen[(kind, indicator)] += 1
        nodes = [
            _read_row(row, f"t{table.table_no}:L{row.line_no}", len(columns), words)
            for row in table.rows
            if row.role == "data" and any(c.strip() for c in row.cells)
        ]
        found.append(ProgramTable(table, kind, indicator, seen[(kind, indicator)], columns, nodes))
    for pt in found:
        _build(pt, words)
        _name(pt)
    _check_identities(found)
    for pt in found:  # names again: a re-labelled first row renames its group
        _name(pt)
    return found
