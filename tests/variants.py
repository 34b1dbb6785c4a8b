"""Variant corpus: the ways the next report of a family differs from the bundled one, made from
each bundled report, with what is needed to compare the variant's results to the original's.

    corpus = VariantCorpus(workdir)
    corpus.add_all()                    # every variant of every bundled report (see VARIANTS)
    results = corpus.run()              # ONE `budget-recon run` over originals and variants
    results.fact_diff(variant)          # facts that differ once ids, lines and years are mapped back
    results.verdict_diff(variant)       # identities flagged differently on corresponding rows

A variant is the original's lines after edits that keep track of where each original line went
(`Variant.line_map`), so a variant's row (`t7:L140:c3`, line 140) maps back to the original's row.
Each edit keeps every identity of the report: amounts are only moved, renamed or rescaled exactly.

| variant | what changes |
|---|---|
| years+1, years+2 | every year form the reports print (2024, '24, 24년, 21~23, '21~'23, 2024.9.30, '20. 6. 30, 20.04.13.) and the registry's period, as-of date and title move on |
| blank-prose | blank lines and a prose line at the top and before every part heading |
| header-synonyms | table headers 예산액→예산, 집행액→집행실적, 증감→전년대비, 잔액→잔여액 |
| toc-title | the contents title 목차 → 차례 |
| sections-swapped | two parts of the report change places |
| department-renamed | a department's name changes everywhere it is printed (spacing kept) |
| department-added | a new department column in the 수입/지출 budget tables takes half of another's leaf amounts (parents re-summed), listed in the contents |
| units | 천원 ↔ 백만원 / 억원 → 백만원 where every rescaled amount stays exact |
| reexport | four lines added at the top, registered under the bundled report's OWN id (acknowledgements apply) |

The originals run as `<id>--base` with the bundled acknowledgements copied to them; the re-export
runs as `<id>`, so `expectations/acknowledged.yaml` applies to it unchanged.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from bench.generate_corpus import _shift_year, run_pipeline
from orchestration.parsing.reader import read_report
from orchestration.parsing.registry import ReportEntry, load_registry
from orchestration.settings import EXPECTATIONS_DIR, PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"

# A document under edit: (original line number or None for an inserted line, text).
Doc = list[tuple[int | None, str]]


# ---------------------------------------------------------------------------------------------
# Years


@dataclass(frozen=True)
class YearShift:
    """Moves every printed year of a report by `years`. `base` is the report's own year: two-digit
    forms without an apostrophe (`24년`, `21~23`, `20.04.13.`) count as years only within
    base-9 .. base+5, so durations (`10년 이상`) stay; marked ones ('31) and four-digit years within
    base-30 .. base+10 and base-40 .. base+10."""

    years: int
    base: int

    def _in2(self, yy: str, wide: bool = False) -> bool:
        low, high = (30, 10) if wide else (9, 5)
        return self.base - low <= 2000 + int(yy) <= self.base + high

    def _in4(self, yyyy: str) -> bool:
        return self.base - 40 <= int(yyyy) <= self.base + 10

    def _y2(self, yy: str) -> str:
        return f"{(int(yy) + self.years) % 100:02d}"

    def _y4(self, yyyy: str) -> str:
        return str(int(yyyy) + self.years)

    def text(self, line: str) -> str:
        """The line with every year form moved, in one pass (a token is never moved twice)."""

        def repl(m: re.Match) -> str:
            kind = m.lastgroup
            if kind == "y4":  # 2024 / 2024년 / 2024.9.30 / 2022. 1. / (2024)
                y = m["y4"]
                return self._y4(y) if self._in4(y) else y
            if kind == "marked":  # '24 / '24. / '24년 / '21~'23 / `23년
                y = m["my"]
                return m["q"] + self._y2(y) if self._in2(y, wide=True) else m[0]
            if kind == "date2":  # 20.04.13. / 24.7.23. (grant and event dates)
                return (self._y2(m["dy"]) if self._in2(m["dy"]) else m["dy"]) + m["drest"]
            if kind == "range2":  # 21~23 / 21년~23년
                a, b = m["ra"], m["rb"]
                if self._in2(a) and self._in2(b) and int(a) < int(b):
                    return f"{self._y2(a)}{m['rsep']}{self._y2(b)}"
                return m[0]
            if kind == "half":  # 21~'23: the marked end is moved by its own match
                return self._y2(m["ha"]) if self._in2(m["ha"]) else m["ha"]
            y = m["ny"]  # 24년 / 24년도
            return self._y2(y) if self._in2(y) else y

        return _YEARS.sub(repl, line)

    def inverse(self) -> "YearShift":
        return YearShift(-self.years, self.base + self.years)

    def date(self, value):
        """A date (or ISO date string) moved by the shift; None stays None."""
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value[:10])
            except ValueError:
                return self.text(value)
        try:
            return value.replace(year=value.year + self.years)
        except ValueError:  # 29 February
            return value.replace(year=value.year + self.years, day=28)


# One alternation, tried left to right at each position. Not inside a number (1,2024 / 12024 /
# 2024,5) and not a decimal amount (2024.5 with no further dot).
_YEARS = re.compile(
    r"(?P<y4>(?<![\d,.])(?:19|20)\d\d(?!\d|,\d|\.\d+(?![\d.])))"
    r"|(?P<marked>(?P<q>['’‘`])(?P<my>\d\d)(?!\d|,\d|\.\d\d))"
    r"|(?P<date2>(?<![\d,.'’‘`~])(?P<dy>\d\d)(?P<drest>\.(?:0?[1-9]|1[0-2])\.\d\d?\.))"
    r"|(?P<range2>(?<![\d,.'’‘`])(?P<ra>\d\d)(?P<rsep>년?\s*~\s*)(?P<rb>\d\d)(?![\d,.]|\s*page))"  # not '본문 25~30 page'
    r"|(?P<half>(?<![\d,.'’‘`])(?P<ha>\d\d)(?=년?\s*~\s*['’‘`]\d\d))"
    r"|(?P<nen>(?<![\d,.'’‘`])(?P<ny>\d\d)(?=\s?년))"
)


# ---------------------------------------------------------------------------------------------
# Edits of a document


def _lines(doc: Doc) -> list[str]:
    return [text for _, text in doc]


def insert_before(doc: Doc, where: Callable[[int, str], bool], block: list[str]) -> Doc:
    out: Doc = []
    for number, text in doc:
        if number is not None and where(number, text):
            out.extend((None, b) for b in block)
        out.append((number, text))
    return out


def swap_blocks(doc: Doc, first: tuple[int, int], second: tuple[int, int]) -> Doc:
    """Exchange two disjoint runs of original lines [a, b) and [c, d), a < c."""
    (a, b), (c, d) = first, second
    assert a < b <= c < d, (first, second)
    index = {number: i for i, (number, _) in enumerate(doc) if number is not None}
    ia, ib, ic, id_ = index[a], index[b], index[c], index[d] if d in index else len(doc)
    return doc[:ia] + doc[ic:id_] + doc[ib:ic] + doc[ia:ib] + doc[id_:]


def _heading_lines(lines: list[str]) -> list[int]:
    """Part headings (`I. 일반현황`, `## IV. 주요 현안사업`, `[별첨]`), not the contents' entries."""
    out = []
    for i, text in enumerate(lines):
        stripped = re.sub(r"^#+\s*|\*\*|</?b>", "", text).strip()
        if "\t" in text or not _PART.match(stripped):
            continue
        following = [t for t in lines[i + 1 : i + 6] if t.strip()]
        if following and ("\t" in following[0] or _PART.match(re.sub(r"^#+\s*|\*\*|</?b>", "", following[0]).strip())):
            continue  # a contents entry: another entry or a page number follows
        out.append(i + 1)
    return out


_PART = re.compile(r"^(?:(?:[IVX]+|[Ⅰ-Ⅻ])\s*\.(?:\s+\S.*)?|\[별첨\]|##?\s*붙임.*|\d{4}년도 .*현황)$")


# ---------------------------------------------------------------------------------------------
# Variants


@dataclass
class Variant:
    name: str  # 'years+1'
    source_report: str  # bundled report id
    report_id: str  # id the variant is registered under
    doc: Doc
    year_shift: YearShift | None = None
    renames: tuple[tuple[str, str], ...] = ()  # (original text, variant text), undone before comparing
    rescaled: bool = False  # printed amounts and units differ; won amounts must not
    same_id: bool = False  # registered under the bundled report's own id
    split: dict = field(default_factory=dict)  # {"old"|"new": {(original line, cell): amount moved}}
    note: str = ""

    @property
    def text(self) -> str:
        return "\n".join(_lines(self.doc))

    @functools.cached_property
    def line_map(self) -> dict[int, int]:
        """Original line -> variant line."""
        return {number: i for i, (number, _) in enumerate(self.doc, start=1) if number is not None}

    @functools.cached_property
    def back(self) -> dict[int, int]:
        """Variant line -> original line (inserted lines have none)."""
        return {i: number for i, (number, _) in enumerate(self.doc, start=1) if number is not None}

    def unshift_text(self, value: str) -> str:
        """A string of the variant's facts as the original would print it."""
        for original, changed in self.renames:
            value = value.replace(changed, original)
        if self.year_shift:
            value = self._unshift.text(value)
        return value

    @functools.cached_property
    def _unshift(self) -> YearShift:
        return self.year_shift.inverse()


def _bundled() -> dict[str, ReportEntry]:
    return {e.report_id: e for e in load_registry(SEEDS / "reports.yaml")}


def original_doc(report_id: str) -> Doc:
    entry = _bundled()[report_id]
    text = entry.path(SEEDS / "reports").read_text(encoding=entry.encoding if entry.encoding != "auto" else "utf-8")
    return list(enumerate(text.split("\n"), start=1))


def report_year(entry: ReportEntry) -> int:
    return int(re.match(r"\d{4}", entry.period or entry.as_of).group(0))


def years(report_id: str, n: int) -> Variant:
    shift = YearShift(n, report_year(_bundled()[report_id]))
    doc = [(number, shift.text(text)) for number, text in original_doc(report_id)]
    return Variant(f"years+{n}", report_id, f"{report_id}--years{n}", doc, year_shift=shift)


PROSE = "이 장의 내용은 담당 부서의 검토를 거쳐 작성하였음"


def blank_prose(report_id: str) -> Variant:
    doc = original_doc(report_id)
    headings = set(_heading_lines(_lines(doc)))
    doc = insert_before(doc, lambda n, _: n in headings, ["", PROSE, " ", "\u00a0"])
    doc = [(None, "본 자료는 공개용으로 일부 내용을 요약하였음"), (None, "")] + doc
    return Variant("blank-prose", report_id, f"{report_id}--prose", doc, note=f"{len(headings)} part headings")


HEADER_SYNONYMS = {"예산액": "예산", "집행액": "집행실적", "증감": "전년대비", "잔액": "잔여액"}


def header_synonyms(report_id: str) -> Variant:
    """Header cells of every table renamed to a synonym (letter spacing ignored, markup kept)."""
    entry = _bundled()[report_id]
    report = read_report(report_id, entry.path(SEEDS / "reports"), entry.encoding)
    header_lines = {r.line_no for t in report.tables for r in t.rows if r.role in ("header", "repeated_header")}
    pattern = re.compile(
        "|".join("(?P<w%d>%s)" % (i, r"\s*".join(map(re.escape, word))) for i, word in enumerate(HEADER_SYNONYMS))
    )
    words = list(HEADER_SYNONYMS.values())

    def cell(text: str) -> str:
        bare = re.sub(r"<[^>]*>|\*\*|\s", "", text)
        for word, synonym in HEADER_SYNONYMS.items():
            if bare == word:
                return pattern.sub(lambda m: words[int(m.lastgroup[1:])], text)
        return text

    doc = [
        (number, "\t".join(map(cell, text.split("\t"))) if number in header_lines else text)
        for number, text in original_doc(report_id)
    ]
    changed = sum(a != b for (_, a), (_, b) in zip(doc, original_doc(report_id)))
    return Variant("header-synonyms", report_id, f"{report_id}--headers", doc, note=f"{changed} header lines")


def toc_title(report_id: str) -> Variant:
    title = re.compile(r"^(\W*(?:요약본)? *)목( *)차(\W*)$")
    doc = [(n, title.sub(r"\1차\2례\3", t)) for n, t in original_doc(report_id)]
    return Variant("toc-title", report_id, f"{report_id}--toc", doc)


# Two parts of each report that change places: (first part's heading, second part's heading, end of
# the second part or None for the end of the file) as patterns of the heading lines.
SWAPS = {
    "chungbuk-tp-2024-q3": (r"^IV\. 주요 현안사업$", r"^\[별첨\]$", None),
    "chungbuk-sti-2020-h1": (r"^## 2020년도 신규사업 확보현황$", r"^## 2020년도 상반기 예산집행 현황$", None),
    "gangwon-2025-plan": (r"^## Ⅷ-1 기본방향", r"^## VIII-2 예산투자대비", r"^## 붙임자료|^# 붙임|^붙임자료"),
}


def sections_swapped(report_id: str) -> Variant:
    doc = original_doc(report_id)
    first, second, end = SWAPS[report_id]
    lines = _lines(doc)
    a = next(i for i, t in enumerate(lines, 1) if re.search(first, t))
    c = next(i for i, t in enumerate(lines, 1) if i > a and re.search(second, t))
    d = next((i for i, t in enumerate(lines, 1) if i > c and end and re.search(end, t)), len(lines) + 1)
    # keep the blank line before the second part where it is
    b = c
    while b > a and not lines[b - 2].strip():
        b -= 1
    doc = swap_blocks(doc, (a, b), (c, d))
    if d == len(lines) + 1:  # the first part now ends the file: separate it from the part before it
        index = next(i for i, (n, _) in enumerate(doc) if n == a)
        doc = doc[:index] + [(None, "")] + doc[index:]
    return Variant("sections-swapped", report_id, f"{report_id}--swap", doc, note=f"lines {a}-{b - 1} <-> {c}-{d - 1}")


# A department renamed with the same number of characters, so letter-spaced spellings keep their spacing.
RENAMES = {
    "chungbuk-tp-2024-q3": ("감사실", "감찰실"),
    "chungbuk-sti-2020-h1": ("융합사업부", "융합혁신부"),
}


def department_renamed(report_id: str) -> Variant:
    old, new = RENAMES[report_id]
    doc = original_doc(report_id)
    assert not any(re.search(r"\s*".join(new), t) for _, t in doc), f"{new} already printed in {report_id}"
    spellings = [(old, new), (" ".join(old), " ".join(new))]  # as printed and letter-spaced
    pattern = re.compile("|".join(re.escape(a) for a, _ in spellings))
    to_new = dict(spellings)
    doc = [(n, pattern.sub(lambda m: to_new[m[0]], t)) for n, t in doc]
    count = sum(bool(pattern.search(t)) for _, t in original_doc(report_id))
    return Variant("department-renamed", report_id, f"{report_id}--dept", doc, renames=tuple(spellings),
                   note=f"{old} -> {new} on {count} lines")


# A department added to the 수입/지출 budget tables: the new last column takes half of each leaf
# amount of an existing department (parents are the sums of their children), the old department
# keeps the rest, so 계 = Σ departments, every parent = Σ children (residuals unchanged), and the
# income 목적사업 block = the expense 목적사업비 block still hold. The contents list it as well.
ADDED = {"chungbuk-tp-2024-q3": ("스마트제조혁신센터", "디지털 전환 센터")}


def department_added(report_id: str) -> Variant:
    from orchestration.parsing.budget_plan import org_unit_budget_rows

    old_unit, new_name = ADDED[report_id]
    entry = _bundled()[report_id]
    report = read_report(report_id, entry.path(SEEDS / "reports"), entry.encoding)
    cells = [r for r in org_unit_budget_rows(report) if r["org_unit"] == old_unit]
    children: dict[str, list[dict]] = {}
    for row in cells:
        children.setdefault(row["parent_row_id"], []).append(row)
    moved: dict[str, int] = {}

    def half(row: dict) -> int:
        if row["row_id"] not in moved:
            kids = children.get(row["row_id"])
            moved[row["row_id"]] = sum(map(half, kids)) if kids else int(row["amount"] or 0) // 2
        return moved[row["row_id"]]

    for row in cells:
        half(row)
    doc = original_doc(report_id)
    by_line = {row["source_line"]: row for row in cells}
    tables = {row["table_no"] for row in cells}
    header_lines = {r.line_no for t in report.tables if t.table_no in tables for r in t.rows if r.role == "header"}
    split: dict = {"old": {}, "new": {}, "name": new_name.replace(" ", "")}  # (original line, cell) -> amount moved

    def printed(value: int) -> str:
        return ("△" if value < 0 else "") + f"{abs(value):,}"

    out: Doc = []
    for number, text in doc:
        if number in header_lines:
            text = text.rstrip("\t") + "\t" + new_name
        elif number in by_line:
            row = by_line[number]
            raw = text.rstrip("\t").split("\t")
            col = int(row["row_id"].rsplit(":c", 1)[1])
            value = moved[row["row_id"]]
            raw[col] = printed(int(row["amount"] or 0) - value)
            split["old"][(number, col)] = value
            split["new"][(number, len(raw))] = value
            text = "\t".join(raw + [printed(value)])
        elif re.match(r"^11\.\s*감사실\t", text):
            out.append((number, text))
            number, text = None, "12. " + new_name.replace(" ", "") + "\t52"
        out.append((number, text))
    listed = ((f" + {new_name}", ""), (f"{new_name} + ", ""))  # its name in labels listing the departments
    return Variant("department-added", report_id, f"{report_id}--newdept", out, split=split,
                   renames=tuple((original, changed) for changed, original in listed),
                   note=f"{new_name} takes {sum(split['new'].values()):,} 백만원 of {old_unit}'s cells")


def reexport(report_id: str) -> Variant:
    doc = [(None, ""), (None, "(재배포본)"), (None, ""), (None, "")] + original_doc(report_id)
    return Variant("reexport", report_id, report_id, doc, same_id=True)


# ---------------------------------------------------------------------------------------------
# Units


_AMOUNT = re.compile(r"(?<![\d,.])(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?(?!\d|,\d|\.\d)")


def _rescale_number(token: str, factor_num: int, factor_den: int) -> str:
    """A printed amount times factor_num / factor_den, with thousands separators; ValueError when
    the result is not a whole number (the generator only rescales where that is exact)."""
    m = _AMOUNT.fullmatch(token)
    digits, dec = m["num"], m["dec"] or ""
    value = int(digits.replace(",", "") + dec) * factor_num
    scale = 10 ** len(dec) * factor_den
    if value % scale:
        raise ValueError(f"{token} * {factor_num}/{factor_den} is not exact")
    return f"{value // scale:,}"


def units(report_id: str) -> Variant:
    """천원 → 백만원 for the sti report's project tables (every amount a whole number of 백만원);
    억원 → 백만원 for the technopark's project funding lines (IV: `280억원(국비 140, …)`)."""
    doc = original_doc(report_id)
    if report_id == "chungbuk-sti-2020-h1":
        lines = _lines(doc)
        start = next(i for i, t in enumerate(lines) if t.startswith("## ") and "신규사업 확보현황" in t)
        end = next(i for i, t in enumerate(lines) if i > start and t.startswith("## "))
        out = list(doc)
        for i in range(start, end):
            number, text = doc[i]
            if "단위" in text or "사업비(천원)" in text:
                text = text.replace("천원", "백만원")
            elif "\t" in text:
                cells = text.split("\t")
                for j, c in enumerate(cells):
                    bare = re.sub(r"</?b>", "", c).strip()
                    if j and re.fullmatch(r"\d{1,3}(?:,\d{3})+", bare) and int(bare.replace(",", "")) >= 10000:
                        cells[j] = c.replace(bare, _rescale_number(bare, 1, 1000))
                text = "\t".join(cells)
            out[i] = (number, text)
        return Variant("units", report_id, f"{report_id}--units", out, rescaled=True, note="천원 -> 백만원, 붙임 1")
    if report_id == "chungbuk-tp-2024-q3":
        funding = re.compile(r"(?P<total>\d[\d,.]*)억원\((?P<parts>[^)]*)\)")

        def line(text: str) -> str:
            if "사업비" not in text:
                return text

            def repl(m: re.Match) -> str:
                parts = _AMOUNT.sub(lambda a: _rescale_number(a[0], 100, 1), m["parts"])
                return f"{_rescale_number(m['total'], 100, 1)}백만원({parts})"

            return funding.sub(repl, text)

        out = [(n, line(t)) for n, t in doc]
        return Variant("units", report_id, f"{report_id}--units", out, rescaled=True, note="억원 -> 백만원, IV 사업비")
    raise KeyError(report_id)


VARIANTS: dict[str, Callable[[str], Variant]] = {
    "years+1": lambda r: years(r, 1),
    "years+2": lambda r: years(r, 2),
    "blank-prose": blank_prose,
    "header-synonyms": header_synonyms,
    "toc-title": toc_title,
    "sections-swapped": sections_swapped,
    "department-renamed": department_renamed,
    "department-added": department_added,
    "units": units,
    "reexport": reexport,
}
APPLIES = {"department-renamed": set(RENAMES), "department-added": set(ADDED),
           "units": {"chungbuk-sti-2020-h1", "chungbuk-tp-2024-q3"}}


def all_variants() -> list[Variant]:
    out = []
    for report_id in _bundled():
        for name, make in VARIANTS.items():
            if report_id in APPLIES.get(name, {report_id}):
                out.append(make(report_id))
    return out


# ---------------------------------------------------------------------------------------------
# One pipeline run over originals and variants


def base_id(report_id: str) -> str:
    return f"{report_id}--base"


class VariantCorpus:
    """A temporary seeds folder (reports, registry, acknowledgements) holding each bundled report
    as `<id>--base` and every added variant, and a temporary home for the run."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.seeds = self.workdir / "seeds"
        self.home = self.workdir / "home"
        self.variants: list[Variant] = []

    def add(self, variant: Variant) -> Variant:
        assert variant.report_id not in {v.report_id for v in self.variants}, variant.report_id
        self.variants.append(variant)
        return variant

    def add_all(self) -> "VariantCorpus":
        for variant in all_variants():
            self.add(variant)
        return self

    def _entry(self, source: ReportEntry, report_id: str, shift: YearShift | None) -> dict:
        entry = dict(source.__dict__, report_id=report_id, file=f"{report_id}.txt", encoding="utf-8")
        if shift:
            entry.update(period=_shift_year(source.period, shift.years), as_of=_shift_year(source.as_of, shift.years),
                         title=shift.text(source.title))
        return {k: v for k, v in entry.items() if v is not None}

    def write(self) -> None:
        reports = self.seeds / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        bundled = _bundled()
        sources = sorted({v.source_report for v in self.variants})
        entries = []
        for report_id in sources:
            text = "\n".join(_lines(original_doc(report_id)))
            (reports / f"{base_id(report_id)}.txt").write_text(text, encoding="utf-8")
            entries.append(self._entry(bundled[report_id], base_id(report_id), None))
        for variant in self.variants:
            (reports / f"{variant.report_id}.txt").write_text(variant.text, encoding="utf-8")
            entries.append(self._entry(bundled[variant.source_report], variant.report_id, variant.year_shift))
        (self.seeds / "reports.yaml").write_text(
            json.dumps({"reports": entries}, ensure_ascii=False, indent=1), encoding="utf-8"  # YAML is a JSON superset
        )
        # The bundled acknowledgements: copied to each `--base` copy; a re-export under the bundled id
        # gets them unchanged (that is the point of it); other variants get none.
        source = yaml.safe_load((EXPECTATIONS_DIR / "acknowledged.yaml").read_text(encoding="utf-8")) or {}
        items = source.get("acknowledged") or []
        same_ids = {v.report_id for v in self.variants if v.same_id}
        acknowledged = [dict(item, report_id=base_id(item["report_id"])) for item in items if item["report_id"] in sources]
        acknowledged += [item for item in items if item["report_id"] in same_ids]
        self.acknowledged = self.workdir / "acknowledged.yaml"
        self.acknowledged.write_text(yaml.safe_dump({"acknowledged": acknowledged}, allow_unicode=True), encoding="utf-8")

    def run(self) -> "VariantResults":
        self.write()
        result = run_pipeline(self.seeds, self.home, self.acknowledged)
        (self.workdir / "run.log").write_text(result.stdout + result.stderr, encoding="utf-8")
        return VariantResults.read(self, result)


# ---------------------------------------------------------------------------------------------
# Reading and comparing


# What is compared: every fact table of the parsers (raw.*_lines but the text's own lines), the marts
# built on them (fct_*, dim_* but dim_report, which describes the file), and every reconciliation row
# (consistent or not: the same identities must be checked, with the same expected and found). Found in
# the warehouse, so a new extraction is compared as soon as it exists.
def compared_tables(existing: set[str]) -> list[str]:
    return sorted(
        t for t in existing
        if (t.startswith("raw.") and t.endswith("_lines") and t != "raw.report_lines")
        or (t.startswith("marts.") and (t.startswith("marts.fct_") or t.startswith("marts.dim_")) and t != "marts.dim_report")
        or t.startswith("reconciliation.rec_")
    )


SPLIT_TABLES = ("raw.budget_plan_lines", "marts.fct_budget_plan")  # where an added department's cells sit
# Columns that name where a value was printed: mapped back through the variant's line and table maps.
_LINE_COLUMNS = ("source_line", "line_no", "first_line", "last_line", "title_line", "heading_line", "unit_line")
_ID_TOKEN = re.compile(r"(?<![A-Za-z0-9])(?P<kind>t|L)(?P<n>\d+)(?![\d])")
# Columns whose values are in the printed unit (differ after a unit change; their won twin must not).
# (A tolerance follows the printed unit's rounding convention: informational, not a verdict.)
_PRINTED_UNIT = re.compile(
    r"(_printed|^line_text|^unit|_unit|_scale|^amount|_amount|^value|_value|^target|^actual|^budget$|^tolerance$)")


@dataclass
class Mapping:
    """How to read one report's results as the original's: line and table numbers back to the
    original's, years back, renames undone, printed units ignored."""

    report_id: str
    variant: Variant | None = None
    tables: dict[int, int] = field(default_factory=dict)  # variant table_no -> original table_no

    def line(self, value):
        if value is None or self.variant is None or (isinstance(value, float) and value != value):
            return value
        return self.variant.back.get(int(value), f"inserted:{int(value)}")

    def table(self, value):
        if value is None or self.variant is None or (isinstance(value, float) and value != value):
            return value
        return self.tables.get(int(value), f"new:{int(value)}")

    def text(self, value: str) -> str:
        memo = self.__dict__.setdefault("_memo", {})
        if value not in memo:
            memo[value] = self._text(value)
        return memo[value]

    def _text(self, value: str) -> str:
        if self.variant is None:
            return value.replace(self.report_id, "<id>")
        value = value.replace(self.report_id, "<id>")
        parts, last = [], 0
        for m in _ID_TOKEN.finditer(value):
            parts.append(self.variant.unshift_text(value[last : m.start()]))
            number = int(m["n"])
            mapped = self.line(number) if m["kind"] == "L" else self.table(number)
            parts.append(f"{m['kind']}{mapped}")
            last = m.end()
        parts.append(self.variant.unshift_text(value[last:]))
        return "".join(parts)

    def value(self, column: str, value):
        if value is None or (isinstance(value, float) and value != value):
            return None
        if column in _LINE_COLUMNS or column.endswith("_line"):
            return self.line(value)
        if column.endswith("table_no"):  # table_no, logical_table_no
            return self.table(value)
        if column == "other_lines":
            return re.sub(r"\d+", lambda m: str(self.line(int(m[0]))), str(value))
        if isinstance(value, (dt.date, dt.datetime)) and self.variant is not None and self.variant.year_shift:
            return self.variant.year_shift.inverse().date(value)
        if isinstance(value, str):
            return self.text(value)
        if self.variant is not None and self.variant.year_shift and "year" in column and isinstance(value, int):
            return value - self.variant.year_shift.years
        return value

    def ignored(self, column: str) -> bool:
        if column in ("report_id", "load_id") or column.endswith("_at"):  # which load, when: not what was read
            return True
        return bool(self.variant and self.variant.rescaled and _PRINTED_UNIT.search(column))


_DATE_MEASURE = re.compile(r"period|date", re.I)


def _frame_rows(frame, mapping: Mapping, columns: list[str]) -> list[dict]:
    rows = [{c: mapping.value(c, row[c]) for c in columns} for row in frame.to_dict("records")]
    shift = mapping.variant.year_shift if mapping.variant is not None else None
    if shift:  # reconciliations compare dates as yyyymmdd numbers (rec_funding_across_tables)
        for row in rows:
            if _DATE_MEASURE.search(str(row.get("measure_name") or "")):
                for c in ("expected_exact", "expected", "found"):
                    v = row.get(c)
                    if isinstance(v, (int, float)) and 19000101 <= v <= 21001231:
                        row[c] = type(v)(v - shift.years * 10000)
    return rows


def _key(row: dict) -> str:
    for column in ("check_id", "row_key", "row_id"):
        if row.get(column) is not None:
            return str(row[column])
    return json.dumps(row, default=str, ensure_ascii=False, sort_keys=True)


def diff_rows(original: list[dict], variant: list[dict], columns: list[str], limit: int = 12) -> list[str]:
    """Lines describing rows only in one side and rows whose values differ (same key)."""
    def canon(row):
        return json.dumps([str(row.get(c)) for c in columns], ensure_ascii=False)

    a, b = Counter(map(canon, original)), Counter(map(canon, variant))
    if a == b:
        return []
    only_a = [r for r in original if a[canon(r)] > b[canon(r)]]
    only_b = [r for r in variant if b[canon(r)] > a[canon(r)]]
    by_key_b = {_key(r): r for r in only_b}
    out, paired = [], set()
    for row in only_a:
        other = by_key_b.get(_key(row))
        if other is not None:
            paired.add(_key(row))
            changed = {c: (row.get(c), other.get(c)) for c in columns if str(row.get(c)) != str(other.get(c))}
            out.append(f"    ~ {_key(row)}: " + ", ".join(f"{c}: {x!r} -> {y!r}" for c, (x, y) in changed.items()))
        else:
            out.append(f"    - only in original: {_brief(row)}")
    out += [f"    + only in variant:  {_brief(r)}" for r in only_b if _key(r) not in paired]
    head = f"  {len(original)} rows in the original, {len(variant)} in the variant; {len(out)} differ"
    return [head] + out[:limit] + ([f"    … {len(out) - limit} more"] if len(out) > limit else [])


_UNIT_WON = {"원": 1, "천원": 10**3, "백만원": 10**6, "억원": 10**8}


def _merge_split(rows: list[dict], split: dict) -> tuple[list[dict], list[str]]:
    """The added department's cells folded back into the department they were taken from (rows
    already mapped to original lines), and the ways the added cells were not what was printed."""
    problems, out, seen = [], [], set()
    for row in rows:
        m = re.match(r"t[^:]+:L(\d+):c(\d+)$", str(row.get("row_id")))
        where = (int(m[1]), int(m[2])) if m else None
        factor = _UNIT_WON.get(str(row.get("unit")), 10**6)
        if where in split["new"]:
            seen.add(where)
            if row.get("amount_won") is None or int(row["amount_won"]) != split["new"][where] * factor:
                problems.append(f"added column cell L{where[0]} c{where[1]}: amount_won {row.get('amount_won')}, printed {split['new'][where]}")
            continue
        if where in split["old"]:
            moved = split["old"][where] * factor
            row = dict(row, **{c: type(v)(v + moved) for c, v in row.items()
                               if c.startswith("amount_won") and v is not None})
        out.append(row)
    missing = sorted(set(split["new"]) - seen)
    if missing:
        problems.append(f"{len(missing)} cells of the added department not extracted (first: line {missing[0][0]} cell {missing[0][1]})")
    return out, problems


def _drop_added(rows: list[dict], split: dict) -> list[dict]:
    """Rows about the added department itself (its cells' checks, its dim_org_unit row)."""
    cells = {f"L{line}:c{cell}" for line, cell in split["new"]}
    name = split.get("name")
    return [r for r in rows if not any(c in str(r.get("check_id") or r.get("row_id") or "") for c in cells)
            and not (name and r.get("org_unit") == name)]


def _brief(row: dict) -> str:
    keep = {k: v for k, v in row.items() if v is not None and k not in ("row_key",)}
    return json.dumps(keep, default=str, ensure_ascii=False)[:300]


VERDICT_COLUMNS = ("suite", "row_key", "status", "table_no", "source_line", "other_lines", "label", "measure",
                   "expected", "found")


@dataclass
class VariantResults:
    corpus: VariantCorpus
    returncode: int
    stdout: str
    facts: dict[str, "object"]  # fact table -> DataFrame of every report
    tables: "object"  # raw.report_tables
    failed: "object"  # gate.failed_rows of the run
    checks: "object"  # gate.check_results of the run

    @classmethod
    def read(cls, corpus: VariantCorpus, result) -> "VariantResults":
        import duckdb

        con = duckdb.connect(str(corpus.home / "warehouse.duckdb"), read_only=True)
        try:
            existing = {f"{s}.{t}" for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables").fetchall()}
            facts = {t: con.execute(f"select * from {t}").df() for t in compared_tables(existing)}
            tables = con.execute("select report_id, table_no, first_line from raw.report_tables").df()
            run_id = con.execute("select run_id from gate.check_results order by checked_at desc limit 1").fetchone()[0]
            failed = con.execute("select * from gate.failed_rows where run_id = ?", [run_id]).df()
            checks = con.execute("select * from gate.check_results where run_id = ?", [run_id]).df()
        finally:
            con.close()
        return cls(corpus, result.returncode, result.stdout + result.stderr, facts, tables, failed, checks)

    def mapping(self, variant: Variant | None, source_report: str) -> Mapping:
        if variant is None:
            return Mapping(base_id(source_report))
        first = self.tables[self.tables.report_id == base_id(source_report)]
        original_by_line = dict(zip(first.first_line, first.table_no))
        mine = self.tables[self.tables.report_id == variant.report_id]
        back = variant.back
        tables = {int(t): int(original_by_line[back[f]]) for t, f in zip(mine.table_no, mine.first_line)
                  if back.get(f) in original_by_line}
        return Mapping(variant.report_id, variant, tables)

    def _rows(self, table: str, mapping: Mapping, columns: list[str]) -> list[dict]:
        """One report's rows of a table, mapped; an original's are mapped once for all its variants."""
        cache = self.__dict__.setdefault("_cache", {})
        if table not in cache:
            cache[table] = {r: f for r, f in self.facts[table].groupby("report_id")}
        key = (table, mapping.report_id, tuple(columns))
        if mapping.variant is not None or key not in cache:
            frame = cache[table].get(mapping.report_id, self.facts[table].iloc[0:0])
            rows = _frame_rows(frame, mapping, columns)
            if mapping.variant is not None:
                return rows
            cache[key] = rows
        return [dict(r) for r in cache[key]]

    def _pair(self, variant: Variant):
        return self.mapping(None, variant.source_report), self.mapping(variant, variant.source_report)

    def fact_diff(self, variant: Variant) -> list[str]:
        """Per fact table, the rows that differ between the original and the variant once mapped."""
        original, mine = self._pair(variant)
        out = []
        for table, frame in self.facts.items():
            columns = [c for c in frame.columns if not mine.ignored(c)]
            if variant.split:
                columns = [c for c in columns if c not in ("amount", "amount_printed", "cell_count")]
                if table.startswith("reconciliation."):  # amounts of the split department changed by design
                    columns = [c for c in columns if c not in ("expected_exact", "expected", "found", "difference", "tolerance", "child_count")]
            a = self._rows(table, original, columns)
            b = self._rows(table, mine, columns)
            if variant.split and table in SPLIT_TABLES:
                b, problems = _merge_split(b, variant.split)
                out += [f"{table}: {p}" for p in problems]
            elif variant.split:
                b = _drop_added(b, variant.split)
            lines = diff_rows(a, b, columns)
            if lines:
                out += [f"{table}:"] + lines
        return out

    def _verdict_rows(self, mapping: Mapping, acknowledged_as_flagged: bool) -> list[dict]:
        frame = self.failed[self.failed.report_id == mapping.report_id]
        rows = []
        for row in frame.to_dict("records"):
            status = row["gate_status"]
            # a WARN finding (rounding convention) is `warning` until acknowledged: flagged all the same
            if acknowledged_as_flagged and status in ("discrepancy", "acknowledged", "warning"):
                status = "flagged"
            row = dict(row, status=status)
            rows.append({c: mapping.value(c, row.get(c)) for c in VERDICT_COLUMNS})
        return rows

    def verdict_diff(self, variant: Variant) -> list[str]:
        """The gate's failing rows (identities flagged, acknowledged, stale) and per-suite counts of
        checked rows that differ between the original and the variant."""
        original, mine = self._pair(variant)
        with_acks = variant.same_id
        columns = list(VERDICT_COLUMNS)
        out = []
        lines = diff_rows(self._verdict_rows(original, not with_acks), self._verdict_rows(mine, not with_acks), columns)
        if lines:
            out += ["gate.failed_rows:"] + lines
        counts = []
        for mapping in (original, mine):
            frame = self.checks[self.checks.report_id == mapping.report_id]
            counts.append({
                r["suite"]: (
                    None if variant.split else int(r["row_count"]),  # an added department adds checks
                    (int(r["failed_count"]), int(r["acknowledged_count"])) if with_acks
                    else int(r["failed_count"]) + int(r["acknowledged_count"]),
                    r["severity"] if with_acks else r["severity"].replace("WARN", "ERROR"),
                )
                for r in frame.to_dict("records")
            })
        for suite in sorted(set(counts[0]) | set(counts[1])):
            a, b = counts[0].get(suite), counts[1].get(suite)
            if a != b:
                out.append(f"gate.check_results {suite}: (rows checked, failed, severity) original {a}, variant {b}")
        return out
