"""Budget plan cells by org unit (수입예산 / 지출예산 by department): fragments and full-report pins."""

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.parsing import budget_plan
from orchestration.parsing.budget_plan import (
    COLUMNS,
    EXTRACTOR,
    extract,
    org_unit_budget_rows,
    report_fiscal_year,
)
from orchestration.parsing.reader import Report, read_report, split_tables

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "reports"


def make_report(text: str, report_id: str = "fragment") -> Report:
    lines = text.split("\n")
    return Report(report_id=report_id, path="<fragment>", lines=lines, tables=split_tables(report_id, lines))


# The TOC part that numbers the departments (충북테크노파크, shortened to the departments used below).
TOC = """\
2024년도 주요업무 추진상황

||| 목 차 |||

I. 일반현황\t1
II. 2024년도 비전과 추진전략\t11
III. 전략목표별 추진계획\t12
1. 정책기획단\t12
2. 기업지원단\t16
3. 반도체·IT센터\t20
9. 경영지원본부\t42
IV. 주요 현안사업\t53
"""

# 수입예산 with the first three departments and 경영 지원 본부 (real rows, columns cut; 계 recomputed
# where a cut column carried a value is not needed: the parser does not check sums).
INCOME = """
3 예산규모

○ 수입예산 : 168,017백만원

(단위 : 백만원)

예산과목\t계\t정책 기획단\t기업 지원단\t반도체 IT센터\t경영 지원 본부
계\t168,017\t3,546\t18,230\t24,047\t38,287
사업수입\t141,226\t3,546\t18,230\t24,047\t11,496
운영수입\t4,775\t0\t0\t0\t4,775
출연금\t1,275\t0\t0\t0\t1,275
간접비\t3,500\t0\t0\t0\t3,500
수익사업\t6,721\t0\t0\t0\t6,721
기타\t872\t0\t0\t0\t872
목적사업\t129,730\t3,546\t18,230\t24,047\t0
당해연도\t82,066\t2,887\t11,860\t17,022\t0
자기자본사업\t0\t0\t0\t0\t0
사업외\t30,291\t0\t0\t0\t30,291
예금이자\t2,000\t0\t0\t0\t2,000
내부전입제거\t△3,500\t0\t0\t0\t△3,500
"""

EXPENSE = """
○ 지출예산 : 168,017백만원

(단위 : 백만원)

예산과목\t계\t정책 기획단\t기업 지원단\t반도체 IT센터\t경영 지원 본부
계\t168,017\t3,854\t18,460\t24,556\t32,902
사업비\t153,164\t3,851\t18,355\t24,553\t18,190
일반운영비\t14,549\t305\t126\t436\t9,983
인건비\t6,060\t74\t50\t350\t3,146
운영비\t8,489\t232\t76\t86\t6,837
수익사업비\t8,885\t0\t0\t70\t8,207
인건비\t736\t0\t0\t0\t736
운영비\t7,998\t0\t0\t70\t7,471
기타\t152\t0\t0\t0\t0
사업외지출\t14,853\t3\t105\t3\t14,712
적립금\t13,912\t0\t0\t0\t13,912
반환금\t141\t3\t105\t3\t0
"""


def cells_by_id(rows):
    return {r["row_id"]: r for r in rows}


def test_income_fragment_tree_and_columns():
    report = make_report(TOC + INCOME)
    rows = org_unit_budget_rows(report)
    assert len(rows) == 13 * 5
    cell = cells_by_id(rows)
    table_no = rows[0]["table_no"]
    t = f"t{table_no}"
    # Root 계 row, 계 column.
    root = next(r for r in rows if r["label"] == "계" and r["is_column_total"])
    assert root["parent_row_id"] is None and root["level"] == 0 and root["item_path"] == "수입 계"
    assert root["plan_table"] == "income_budget" and root["fiscal_year"] == 2024 and root["is_total"]
    assert root["amount_won"] == Decimal("168017000000") and root["unit"] == "백만원"
    # 기타 sits under 수익사업 (tree key (수익사업, 기타)), same column as its parent.
    other = next(r for r in rows if r["label"] == "기타" and r["org_unit"] == "경영지원본부")
    assert other["item_path"] == "수입 계/사업수입/수익사업/기타" and other["level"] == 3
    parent = cell[other["parent_row_id"]]
    assert parent["label"] == "수익사업" and parent["org_unit"] == "경영지원본부"
    assert other["row_id"].endswith(":c5") and other["parent_row_id"].endswith(":c5")
    # 자기자본사업 closes 목적사업's children and is a leaf under 사업수입.
    own = next(r for r in rows if r["label"] == "자기자본사업" and r["is_column_total"])
    assert cell[own["parent_row_id"]]["label"] == "사업수입" and not own["is_total"]
    # △ is kept as a negative; 내부전입제거 is a direct child of 계.
    elim = next(r for r in rows if r["label"] == "내부전입제거" and r["is_column_total"])
    assert elim["amount"] == Decimal("-3500") and elim["amount_printed"] == "△3,500"
    assert elim["amount_won"] == Decimal("-3500000000")
    assert cell[elim["parent_row_id"]] is root
    # Department columns: TOC spelling, header as printed.
    depts = {(r["column_label"], r["org_unit"]) for r in rows if not r["is_column_total"]}
    assert depts == {
        ("정책 기획단", "정책기획단"),
        ("기업 지원단", "기업지원단"),
        ("반도체 IT센터", "반도체·IT센터"),
        ("경영 지원 본부", "경영지원본부"),
    }
    assert all(r["org_unit"] is None for r in rows if r["is_column_total"])
    assert {r["flags"] for r in rows} == {None}
    assert root["row_id"] == f"{t}:L{root['source_line']}:c1"


def test_expense_fragment_repeated_items_go_under_their_own_parent():
    report = make_report(TOC + EXPENSE)
    rows = [r for r in org_unit_budget_rows(report) if r["is_column_total"]]
    paths = [r["item_path"] for r in rows]
    assert paths == [
        "지출 계",
        "지출 계/사업비",
        "지출 계/사업비/일반운영비",
        "지출 계/사업비/일반운영비/인건비",
        "지출 계/사업비/일반운영비/운영비",
        "지출 계/사업비/수익사업비",
        "지출 계/사업비/수익사업비/인건비",
        "지출 계/사업비/수익사업비/운영비",
        "지출 계/사업비/수익사업비/기타",
        "지출 계/사업외지출",
        "지출 계/사업외지출/적립금",
        "지출 계/사업외지출/반환금",
    ]
    assert [r["level"] for r in rows] == [0, 1, 2, 3, 3, 2, 3, 3, 3, 1, 2, 2]
    assert all(r["plan_table"] == "expense_budget" for r in rows)
    assert {r["flags"] for r in rows} == {None}
    by_line = {r["line_row_id"]: r for r in rows}
    # Every child's parent is the nearest open row whose tree children include it.
    for r in rows[1:]:
        parent_line = r["parent_row_id"].rsplit(":", 1)[0]
        assert r["item_path"].rsplit("/", 1)[0] == by_line[parent_line]["item_path"]


def test_table_kind_from_labels_when_title_is_missing():
    text = TOC + "\n(단위 : 백만원)\n\n" + "\n".join(EXPENSE.strip().split("\n")[4:])
    rows = org_unit_budget_rows(make_report(text))
    assert rows and {r["plan_table"] for r in rows} == {"expense_budget"}


def test_unknown_item_dash_and_unmatched_department_are_flagged():
    text = TOC + (
        "\n○ 지출예산 : 10백만원\n\n(단위 : 백만원)\n\n"
        "예산과목\t계\t정책 기획단\t홍보 센터\n"
        "계\t10\t4\t6\n"
        "사업비\t10\t4\t6\n"
        "일반운영비\t10\t4\t6\n"
        "인건비\t7\t-\t7\n"
        "여비\t3\t4\t△1\n"
        "사업외지출\t0\t0\t0"
    )
    rows = org_unit_budget_rows(make_report(text))
    cell = cells_by_id(rows)
    dash = next(r for r in rows if r["label"] == "인건비" and r["column_label"] == "정책 기획단")
    assert dash["amount"] is None and dash["amount_won"] is None and dash["value_flag"] == "dash"
    trip = next(r for r in rows if r["label"] == "여비" and r["is_column_total"])
    assert "item_not_in_tree" in trip["flags"]
    # placed beside the previous row (under 일반운영비), never silently as a root
    assert cell[trip["parent_row_id"]]["label"] == "일반운영비"
    after = next(r for r in rows if r["label"] == "사업외지출" and r["is_column_total"])
    assert after["item_path"] == "지출 계/사업외지출" and after["flags"] is None
    pr = next(r for r in rows if r["column_label"] == "홍보 센터" and r["label"] == "계")
    assert pr["org_unit"] == "홍보 센터" and pr["flags"] == "org_unit_not_in_toc"


def test_cell_count_variants_are_right_aligned_and_flagged():
    text = TOC + (
        "\n○ 수입예산 : 10백만원\n\n(단위 : 백만원)\n\n"
        "예산과목\t계\t정책 기획단\t기업 지원단\n"
        "계\t10\t4\t6\t\t\n"  # trailing empty cells: fine
        "사업수입\t10\t6\n"  # a dropped cell: values right-aligned, flagged
        "사업외\t외\t0\t0\t0"  # an extra label cell: realigned, flagged
    )
    rows = org_unit_budget_rows(make_report(text))
    total = [r for r in rows if r["label"] == "계"]
    assert [r["amount"] for r in total] == [Decimal(10), Decimal(4), Decimal(6)]
    assert {r["flags"] for r in total} == {None}
    dropped = [r for r in rows if r["label"] == "사업수입"]
    assert [r["value_flag"] for r in dropped] == ["blank", None, None]
    assert {r["flags"] for r in dropped} == {"cells_missing"}
    extra = [r for r in rows if r["label"] == "사업외 외"]
    assert len(extra) == 3 and {r["flags"] for r in extra} == {"realigned,item_not_in_tree"}


def test_annex_and_tables_without_departments_are_not_plan_tables():
    annex = TOC + (
        "\n□ 항목별 세부내역\n\n(2024.9.30.현재, 단위 : 천원, %)\n\n"
        "예산과목\t예산액\t집행액\t잔액\t집행률 (%)\t비고\n"
        "계\t14,548,624\t8,905,245\t5,643,379\t61\t"
    )
    assert org_unit_budget_rows(make_report(annex)) == []
    no_dept = TOC + "\n○ 수입예산 : 1백만원\n\n(단위 : 백만원)\n\n예산과목\t계\t합계\n계\t1\t1"
    assert org_unit_budget_rows(make_report(no_dept)) == []


def test_fiscal_year_from_title_or_as_of():
    assert report_fiscal_year(make_report("\n\n# 2020년도 상반기 주요업무 추진상황\n")) == 2020
    assert report_fiscal_year(make_report("「2025년도 강원특별자치도 지역산업진흥계획」  \n")) == 2025
    assert report_fiscal_year(make_report("주요업무\n\n(2023.9.30.현재, 단위 : 천원)\n\n구분\t예산액\n계\t1")) == 2023
    assert report_fiscal_year(make_report("주요업무 추진상황")) is None


def test_columns_contract():
    assert EXTRACTOR.table == "budget_plan_lines" and EXTRACTOR.columns is COLUMNS
    assert list(COLUMNS)[:3] == ["report_id", "row_id", "line_row_id"]
    assert COLUMNS["amount"] == "DECIMAL(38,4)" and COLUMNS["amount_won"] == "DECIMAL(38,0)"
    assert list(COLUMNS) == [
        "report_id", "row_id", "line_row_id", "parent_row_id", "table_no", "source_line", "occurrence",
        "plan_table", "label_raw", "label", "item_path", "level", "is_total", "org_unit", "column_label",
        "is_column_total", "program", "sub_program", "industry", "fiscal_year", "funding_source", "measure",
        "amount_printed", "amount", "unit", "amount_won", "value_flag", "flags", "org_unit_no",
    ]  # fmt: skip


# ------------------------------------------------------------------------------------------------
# Full bundled reports


@pytest.fixture(scope="module")
def tp_rows():
    report = read_report("chungbuk-tp-2024-q3", SEEDS / "chungbuk-tp-2024-q3.txt")
    return extract(report)


@pytest.mark.parametrize(
    "report_id, expected",
    [("chungbuk-tp-2024-q3", 416), ("chungbuk-sti-2020-h1", 0), ("gangwon-2025-plan", 0)],
)
def test_org_unit_row_counts(report_id, expected):
    report = read_report(report_id, SEEDS / f"{report_id}.txt")
    rows = org_unit_budget_rows(report)
    assert len(rows) == expected
    assert all(set(r) == set(COLUMNS) for r in rows)


def test_tp_tables_and_pins(tp_rows):
    assert len(tp_rows) == 416  # 20 income rows x 10 columns + 18 expense rows x 12 columns
    kinds = defaultdict(set)
    for r in tp_rows:
        kinds[r["plan_table"]].add(r["line_row_id"])
    assert {k: len(v) for k, v in kinds.items()} == {"income_budget": 20, "expense_budget": 18}
    assert {r["fiscal_year"] for r in tp_rows} == {2024}
    assert {r["flags"] for r in tp_rows} == {None} and {r["value_flag"] for r in tp_rows} == {None}
    assert len({r["row_id"] for r in tp_rows}) == 416
    cell = cells_by_id(tp_rows)

    def pick(line, column_label):
        return next(r for r in tp_rows if r["source_line"] == line and r["column_label"] == column_label)

    elim = pick(124, "경영 지원 본부")
    assert (elim["label"], elim["amount_won"], elim["org_unit"]) == ("내부전입제거", Decimal("-3500000000"), "경영지원본부")
    assert cell[elim["parent_row_id"]]["source_line"] == 105
    staff = pick(137, "경영 지원 본부")
    assert staff["item_path"] == "지출 계/사업비/수익사업비/인건비" and staff["amount_won"] == Decimal("736000000")
    assert cell[staff["parent_row_id"]]["source_line"] == 136
    ops = pick(135, "감사실")
    assert ops["item_path"] == "지출 계/사업비/일반운영비/운영비" and ops["amount_won"] == Decimal("53000000")
    assert ops["org_unit"] == "감사실" and cell[ops["parent_row_id"]]["label"] == "일반운영비"
    semi = pick(141, "반도체 IT센터")
    assert semi["org_unit"] == "반도체·IT센터" and semi["amount_won"] == Decimal("17022000000")
    assert semi["item_path"] == "지출 계/사업비/목적사업비/당해연도"
    root = pick(131, "계")
    assert root["parent_row_id"] is None and root["amount_won"] == Decimal("168017000000") and root["is_column_total"]


def test_tp_sums_reconcile_within_rounding_except_the_printed_inconsistency(tp_rows):
    """Parent = Σ children per column, within ±ceil(n/2) 백만원 (cells rounded from 천원). The three cells
    of 수익사업비 (line 136) whose children (lines 137-139) differ by 10 / 20 백만원 are printed so."""
    cell = cells_by_id(tp_rows)
    children = defaultdict(list)
    for r in tp_rows:
        if r["parent_row_id"]:
            children[r["parent_row_id"]].append(r["amount"])
    off = {}
    for parent_id, amounts in children.items():
        diff = cell[parent_id]["amount"] - sum(amounts)
        if abs(diff) > (len(amounts) + 1) // 2:
            off[(cell[parent_id]["source_line"], cell[parent_id]["column_label"])] = diff
    assert off == {
        (136, "차세대 에너지 센터"): Decimal(10),
        (136, "바이오 센터"): Decimal(-20),
        (136, "수송기계 부품센터"): Decimal(10),
    }
    # 계 column = Σ department columns, within rounding.
    lines = defaultdict(list)
    for r in tp_rows:
        lines[r["line_row_id"]].append(r)
    for line_cells in lines.values():
        total = next(r["amount"] for r in line_cells if r["is_column_total"])
        depts = [r["amount"] for r in line_cells if not r["is_column_total"]]
        assert abs(total - sum(depts)) <= (len(depts) + 1) // 2


def test_extract_appends_program_budget_rows_when_present():
    report = read_report("gangwon-2025-plan", SEEDS / "gangwon-2025-plan.txt")
    rows = extract(report)
    try:
        from orchestration.parsing.program_budget import program_budget_rows
    except ModuleNotFoundError:
        assert rows == []
        return
    assert len(rows) == len(program_budget_rows(report))
    assert all(set(r) <= set(budget_plan.COLUMNS) for r in rows)
