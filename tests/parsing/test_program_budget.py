"""Program budget tables (B1 of regional industry plans, docs/report-families.md 4.2/4.3/6.3): fragments of the real
gangwon-2025-plan text and pins on the full bundled report."""

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.parsing import budget_plan
from orchestration.parsing.budget_plan import COLUMNS
from orchestration.parsing.program_budget import program_budget_rows
from orchestration.parsing.program_tree import clean_label, indicator_unit, program_tables
from orchestration.parsing.reader import Report, read_report, split_tables

from .gangwon_fragments import B2_BODY

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "reports"


def make_report(text: str, report_id: str = "fragment") -> Report:
    lines = text.split("\n")
    return Report(report_id=report_id, path="<fragment>", lines=lines, tables=split_tables(report_id, lines))


# Real lines (summary B1 with its shifted 성장사다리 / 기타 blocks, the body B1, and the body B2),
# shortened to the 지역특화+ and 비R&D blocks.
B1_SUMMARY = (
    '(1) 사업별, 주력산업별 예산투자계획\n'
    '\n'
    '(단위 : 억원)\n'
    '\n'
    "구 분\t사업명 (산업명)\t\t'24년도\t\t\t'25년도\t\t\t증감\t\t\t\n"
    '\t\t\t국비\t지방비\t합계\t국비\t지방비\t합계\t국비\t지방비\t합계\t\n'
    '<b>총 계</b>\t\t\t<b>111.18</b>\t<b>43.96</b>\t<b>155.14</b>\t<b>101.195</b>\t<b>44.925</b>\t<b>146.12</b>\t<b>△9.99</b>\t<b>0.96</b>\t<b>△9.02</b>\t\n'
    '<b>R&amp;D + 비R&amp;D 합계(기타 제외)</b>\t\t\t<b>106.83</b>\t<b>29.91</b>\t<b>136.74</b>\t<b>96.845</b>\t<b>30.425</b>\t<b>127.27</b>\t<b>△9.99</b>\t<b>0.52</b>\t<b>△9.47</b>\t\n'
    'R&D\t<b>R&amp;D 합계</b>\t\t<b>34.03</b>\t<b>12.77</b>\t<b>46.80</b>\t<b>23.925</b>\t<b>10.425</b>\t<b>34.35</b>\t<b>△10.11</b>\t<b>△2.35</b>\t<b>△12.45</b>\t\n'
    '\t지역 특화 산업 육성+ (R&D)\t지역주력 산업육성\t천연물바이오소재\t6.28\t3.00\t9.28\t-\t-\t-\t△6.28\t△3.00\t△9.28\n'
    '\t\t\t세라믹원료소재\t8.30\t3.00\t11.30\t-\t-\t-\t△8.30\t△3.00\t△11.30\n'
    '\t\t\t디지털헬스케어\t6.70\t3.00\t9.70\t-\t-\t-\t△6.70\t△3.00\t△9.70\n'
    '\t\t\t지역혁신 선도기업육성\t6.60\t3.00\t9.60\t6.60\t3.00\t9.60\t0.00\t0.00\t0.00\n'
    '\t\t소계\t\t27.88\t12.00\t39.88\t6.60\t3.00\t9.60\t△21.28\t△9.00\t△30.28\n'
    '지역스타기업육성\t\t6.15\t0.77\t6.92\t-\t-\t-\t△6.15\t△0.77\t△6.92\t\t\n'
    '<b>소 계</b>\t\t\t<b>34.03</b>\t<b>12.77</b>\t<b>46.80</b>\t<b>6.60</b>\t<b>3.00</b>\t<b>9.60</b>\t<b>△27.43</b>\t<b>△9.77</b>\t<b>△37.20</b>\t\n'
    '비 R&D\t<b>비R&amp;D 합계</b>\t\t<b>72.80</b>\t<b>17.14</b>\t<b>89.94</b>\t<b>72.92</b>\t<b>20.00</b>\t<b>92.92</b>\t<b>0.12</b>\t<b>2.86</b>\t<b>2.98</b>\t\n'
    '\t지역특화 프로젝트 * 괄호 : 총사업비 구분기재\t1.0(계속과제)\t8.00 (71.72)\t0.00\t8.00 (71.72)\t7.30 (160.70)\t0.00\t7.30 (160.70)\t△0.70 (88.98)\t0.00\t△0.70 (88.98)\t\n'
    '\t\t2.0(신규과제)\t-\t-\t-\t4.60 (100.30)\t0.00\t4.60 (100.30)\t4.60 (100.30)\t0.00\t4.60 (100.30)\t\n'
    '\t성장 사다리 지원\t지역혁신선도기업 (초광역선도기업포함)\t예비선도(스타)기업\t5.50\t0.50\t6.00\t4.13\t0.39\t4.52\t△1.37\t△0.11\t△1.48\n'
    '\t\t\t잠재기업\t6.14\t0.86\t7.00\t4.56\t0.44\t5.00\t△1.58\t△0.42\t△2.00\n'
    '\t\t\t자율기획\t17.49\t2.43\t19.92\t8.21\t0.79\t9.00\t△9.28\t△1.64\t△10.92\n'
    '\t\t\t소 계\t29.13\t3.79\t32.92\t17.72\t1.70\t19.42\t△11.41\t△2.09\t△13.50\n'
    '\t기타\t시군구연고산업육성\t산업기술단지 거점기능강화 (TP생산장비고도화)\t35.67\t13.35\t49.02\t41.05\t16.05\t57.10\t5.38\t2.7\t8.08\n'
    '\t\t\t기타\t-\t-\t-\t2.25\t2.25\t4.50\t2.25\t2.25\t4.50\n'
    '\t<b>기타 합계</b>\t\t\t<b>4.35</b>\t<b>14.05</b>\t<b>18.40</b>\t<b>4.35</b>\t<b>14.50</b>\t<b>18.85</b>\t<b>0.00</b>\t<b>0.45</b>\t<b>0.45</b>\n'
    '기타\t산업기술단지 거점기능강화 (정책기획, 기업지원)\t\t4.35\t13.05\t17.40\t4.35\t13.50\t17.85\t0.00\t0.45\t0.45\t\n'
    '\t지역 사업관리 지자체 기평비\t\t-\t1.00\t1.00\t-\t1.00\t1.00\t-\t0.00\t0.00\t\n'
)
B1_BODY = (
    '#### (1) 사업별, 주력산업별 예산투자계획\n'
    '\n'
    '(단위 : 억원)\n'
    '\n'
    "구분\t사업명 (산업명)\t'24년도\t\t\t'25년도\t\t\t증감\t\t\t\t\n"
    '\t\t국비\t지방비\t합계\t국비\t지방비\t합계\t국비\t지방비\t합계\t\t\n'
    '<b>총 계</b>\t\t<b>111.18</b>\t<b>43.96</b>\t<b>155.14</b>\t<b>101.195</b>\t<b>44.925</b>\t<b>146.12</b>\t<b>△9.99</b>\t<b>0.96</b>\t<b>△9.02</b>\t\t\n'
    '<b>R&amp;D + 비R&amp;D 합계(기타 제외)</b>\t\t<b>106.83</b>\t<b>29.91</b>\t<b>136.74</b>\t<b>96.845</b>\t<b>30.425</b>\t<b>127.27</b>\t<b>△9.99</b>\t<b>0.52</b>\t<b>△9.47</b>\t\t\n'
    'R&D\t<b>R&amp;D 합계</b>\t\t<b>34.03</b>\t<b>12.77</b>\t<b>46.80</b>\t<b>23.925</b>\t<b>10.425</b>\t<b>34.35</b>\t<b>△10.11</b>\t<b>△2.35</b>\t<b>△12.45</b>\t\n'
    '\t지역 특화 산업 육성+ (R&D)\t지역주력 산업육성\t천연물바이오소재\t6.28\t3.00\t9.28\t-\t-\t-\t△6.28\t△3.00\t△9.28\n'
    '\t\t\t세라믹원료·소재\t8.30\t3.00\t11.30\t-\t-\t-\t△8.30\t△3.00\t△11.30\n'
    '\t\t\t디지털헬스케어\t6.70\t3.00\t9.70\t-\t-\t-\t△6.70\t△3.00\t△9.70\n'
    '\t\t\t지역혁신 선도기업육성\t6.60\t3.00\t9.60\t6.60\t3.00\t9.60\t0.00\t0.00\t0.00\n'
    '\t\t<b>소계</b>\t27.88\t12.00\t39.88\t6.60\t3.00\t9.60\t△21.28\t△9.00\t△30.28\t\n'
    '지역스타기업육성\t\t6.15\t0.77\t6.92\t-\t-\t-\t△6.15\t△0.77\t△6.92\t\t\n'
    '<b>소 계</b>\t\t<b>34.03</b>\t<b>12.77</b>\t<b>46.80</b>\t<b>6.60</b>\t<b>3.00</b>\t<b>9.60</b>\t<b>△27.43</b>\t<b>△9.77</b>\t<b>△37.20</b>\t\t\n'
    '비 R&D\t<b>비R&amp;D 합계</b>\t\t<b>72.80</b>\t<b>17.14</b>\t<b>89.94</b>\t<b>72.92</b>\t<b>20.00</b>\t<b>92.92</b>\t<b>0.12</b>\t<b>2.86</b>\t<b>2.98</b>\t\n'
    '\t지역특화 프로젝트 * 괄호 : 총사업비 구분기재\t1.0(계속과제)\t8.00 (71.72)\t0.00\t8.00 (71.72)\t7.30 (160.70)\t0.00\t7.30 (160.70)\t△0.70 (88.98)\t0.00\t△0.70 (88.98)\t\n'
    '\t\t2.0(신규과제)\t-\t-\t-\t4.60 (100.30)\t0.00\t4.60 (100.30)\t4.60 (100.30)\t0.00\t4.60 (100.30)\t\n'
    '\t성장 사다리 지원\t지역혁신선도기업 (초광역선도기업포함) 예비선도(스타)기업 잠재기업 자율기획\t지역혁신선도기업 (초광역선도기업포함)\t5.50\t0.50\t6.00\t4.13\t0.39\t4.52\t△1.37\t△0.11\t△1.48\n'
    '\t\t\t예비선도(스타)기업\t6.14\t0.86\t7.00\t4.56\t0.44\t5.00\t△1.58\t△0.42\t△2.00\n'
    '\t\t\t잠재기업\t17.49\t2.43\t19.92\t8.21\t0.79\t9.00\t△9.28\t△1.64\t△10.92\n'
    '\t\t\t자율기획\t-\t-\t-\t0.82\t0.08\t0.90\t0.82\t0.08\t0.90\n'
    '\t<b>소 계</b>\t\t<b>29.13</b>\t<b>3.79</b>\t<b>32.92</b>\t<b>17.72</b>\t<b>1.70</b>\t<b>19.42</b>\t<b>△11.41</b>\t<b>△2.09</b>\t<b>△13.50</b>\t\n'
    '\t기타\t기타\t시군구연고산업육성\t35.67\t13.35\t49.02\t41.05\t16.05\t57.10\t5.38\t2.7\t8.08\n'
    '\t\t\t산업기술단지 거점기능강화 (TP생산장비고도화)\t-\t-\t-\t2.25\t2.25\t4.50\t2.25\t2.25\t4.50\n'
    '<b>기타 합계</b>\t\t<b>4.35</b>\t<b>14.05</b>\t<b>18.40</b>\t<b>4.35</b>\t<b>14.50</b>\t<b>18.85</b>\t<b>0.00</b>\t<b>0.45</b>\t<b>0.45</b>\t\t\n'
    '기타\t기타\t산업기술단지 거점기능강화 (정책기획, 기업지원)\t4.35\t13.05\t17.40\t4.35\t13.50\t17.85\t0.00\t0.45\t0.45\t\n'
    '\t\t지역 사업관리 지자체 기평비\t-\t1.00\t1.00\t-\t1.00\t1.00\t-\t0.00\t0.00\t\n'
)


def fragment_report(*parts: str) -> Report:
    return make_report("\n".join(parts))


def head(text: str, lines: int) -> str:
    return "".join(text.splitlines(keepends=True)[:lines])


def by_id(rows):
    return {r["row_id"]: r for r in rows}


def test_columns_contract_and_cells():
    report = fragment_report(B1_BODY)
    rows = program_budget_rows(report)
    assert all(set(r) == set(COLUMNS) for r in rows)
    assert len({r["row_id"] for r in rows}) == len(rows)
    cells = by_id(rows)
    total = cells["t1:L7:c6"]  # 총 계, '25 합계
    assert total["amount_printed"] == "<b>146.12</b>" and total["amount"] == Decimal("146.12")
    assert total["amount_won"] == Decimal("14612000000") and total["unit"] == "억원"
    assert (total["fiscal_year"], total["funding_source"], total["measure"]) == (2025, "합계", "budget")
    assert total["is_column_total"] and total["is_total"] and total["parent_row_id"] is None
    assert cells["t1:L7:c4"]["amount_won"] == Decimal("10119500000")  # 101.195 억원, 3 decimals exact
    change = cells["t1:L7:c7"]
    assert change["measure"] == "change" and change["fiscal_year"] == 2025 and change["amount"] == Decimal("-9.99")
    assert change["column_label"] == "증감 국비"


def test_tree_totals_before_children_subtotals_after():
    rows = by_id(program_budget_rows(fragment_report(B1_BODY)))
    # line numbers inside the fragment: 7 총 계, 8 R&D+비R&D, 9 R&D 합계, 10-13 industries, 14 소계, 15 스타, 16 소 계
    assert rows["t1:L8:c3"]["parent_row_id"] == "t1:L7:c3"
    assert rows["t1:L9:c3"]["parent_row_id"] == "t1:L8:c3"
    assert rows["t1:L10:c3"]["parent_row_id"] == "t1:L14:c3"  # industry -> 지역주력 산업육성 소계
    assert rows["t1:L14:c3"]["parent_row_id"] == "t1:L16:c3"  # 소계 -> 지역특화+ 소 계
    assert rows["t1:L15:c3"]["parent_row_id"] == "t1:L16:c3"  # 지역스타기업육성 (label in the section column)
    assert rows["t1:L16:c3"]["parent_row_id"] == "t1:L9:c3"
    industry = rows["t1:L13:c6"]
    assert (industry["program"], industry["sub_program"], industry["industry"]) == (
        "지역 특화 산업 육성+ (R&D)",
        "지역주력 산업육성",
        "지역혁신 선도기업육성",
    )
    star = rows["t1:L15:c3"]
    assert (star["program"], star["sub_program"], star["industry"]) == ("지역 특화 산업 육성+ (R&D)", "지역스타기업육성", None)
    # 비R&D: 1.0 / 2.0 directly under 비R&D 합계, the merged label cell of 성장사다리 is not a name
    assert rows["t1:L18:c3"]["parent_row_id"] == "t1:L17:c3"
    assert rows["t1:L19:c6"]["program"] == "지역특화 프로젝트" and rows["t1:L19:c6"]["sub_program"] == "2.0(신규과제)"
    assert rows["t1:L20:c6"]["program"] == "성장 사다리 지원"
    assert rows["t1:L20:c6"]["parent_row_id"] == "t1:L24:c6"
    # the sub-group 기타 inside 비R&D rolls up into 비R&D; 기타 합계 is a child of 총 계
    assert rows["t1:L25:c6"]["parent_row_id"] == "t1:L17:c6"
    assert rows["t1:L25:c6"]["program"] == "기타" and rows["t1:L25:c6"]["sub_program"] == "시군구연고산업육성"
    assert rows["t1:L27:c6"]["parent_row_id"] == "t1:L7:c6"
    assert rows["t1:L28:c6"]["parent_row_id"] == "t1:L27:c6"
    assert rows["t1:L28:c6"]["program"] == "산업기술단지 거점기능강화 (정책기획, 기업지원)"


def test_companion_total_project_cost_rows():
    rows = by_id(program_budget_rows(fragment_report(B1_BODY)))
    budget, tpc = rows["t1:L18:c1"], rows["t1:L18:c1p"]  # 1.0(계속과제) '24 국비 '8.00 (71.72)'
    assert budget["measure"] == "budget" and budget["amount"] == Decimal("8.00")
    assert tpc["measure"] == "total_project_cost" and tpc["amount"] == Decimal("71.72")
    assert tpc["amount_printed"] == "8.00 (71.72)" and tpc["parent_row_id"] is None
    change = rows["t1:L18:c9p"]
    assert change["measure"] == "total_project_cost_change" and change["amount"] == Decimal("88.98")
    assert rows["t1:L18:c9"]["amount"] == Decimal("-0.70")
    dash = rows["t1:L19:c1"]  # 2.0 '24: '-'
    assert dash["amount"] is None and dash["value_flag"] == "dash"


def test_label_offsets_are_detected_through_identities_and_flagged():
    report = fragment_report(B1_SUMMARY, B1_BODY, B2_BODY)
    rows = [r for r in program_budget_rows(report) if r["occurrence"] == 1]
    line = {r["source_line"]: r for r in rows if r["column_label"] == "'25년도 합계" and r["measure"] == "budget"}
    # summary: '성장 사다리 지원 | 지역혁신선도기업 (초광역선도기업포함) | 예비선도(스타)기업 | 5.50 …'
    first = line[20]
    assert first["label"] == "지역혁신선도기업 (초광역선도기업포함)" and first["amount"] == Decimal("4.52")
    assert "label_shifted" in first["flags"] and "예비선도" in first["label_raw"]
    assert line[21]["label"] == "예비선도(스타)기업" and line[21]["label_raw"] == "잠재기업"
    assert line[22]["label"] == "잠재기업" and line[22]["label_raw"] == "자율기획"
    assert "label_shifted" in line[22]["flags"]
    # the 자율기획 row is missing from the summary: its 소 계 does not add up and says so
    assert "sum_mismatch" in line[23]["flags"] and line[23]["amount"] == Decimal("19.42")
    # '기타 | 시군구연고산업육성 | 산업기술단지 거점기능강화 (TP생산장비고도화) | 35.67 …' = 시군구 numbers
    assert line[24]["sub_program"] == "시군구연고산업육성" and line[24]["amount"] == Decimal("57.10")
    assert line[25]["sub_program"] == "산업기술단지 거점기능강화 (TP생산장비고도화)" and line[25]["label_raw"] == "기타"
    assert "label_shifted" in line[25]["flags"]
    # the body printing is consistent: nothing flagged there
    body = [r for r in program_budget_rows(report) if r["occurrence"] == 2]
    assert not [r for r in body if r["flags"]]


def test_cells_missing_new_program_block_and_labels():
    text = head(B1_BODY, 9) + (
        "\t기타\t지역스타기업육성\t2024년도 신규 편성\t\t\t3.00\t1.00\t4.00\t3.00\t1.00\t4.00\n"
        "\t기타\t잠재기업\t1.00\t1.00\n"
    )
    rows = program_budget_rows(make_report(text))
    new = [r for r in rows if r["source_line"] == 10]
    assert len(new) == 9 and all("new_program_block" in r["flags"] for r in new)
    assert [r["value_flag"] for r in new[:3]] == ["text", "blank", "blank"]
    short = [r for r in rows if r["source_line"] == 11]
    assert "cells_missing" in short[0]["flags"] and short[-1]["amount"] == Decimal("1.00")
    assert short[0]["value_flag"] == "blank"
    assert clean_label("지역특화 프로젝트 * 괄호 : 총사업비 구분기재") == "지역특화 프로젝트"
    assert indicator_unit("② 신규고용") == "명" and indicator_unit("사업화매출액") == "억원"
    assert indicator_unit("특허출원·등록") == "건"


def test_tables_without_year_blocks_are_not_program_tables():
    text = "(단위 : 억원)\n\n구분\t사업명\t예산\n총 계\t\t146.12\n"
    assert program_tables(make_report(text)) == []


# ---------------------------------------------------------------------------------------------
# Full bundled reports


@pytest.fixture(scope="module")
def gangwon():
    return read_report("gangwon-2025-plan", SEEDS / "gangwon-2025-plan.txt")


@pytest.fixture(scope="module")
def gangwon_rows(gangwon):
    return program_budget_rows(gangwon)


@pytest.mark.parametrize("report_id", ["chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1"])
def test_other_families_have_no_program_budget(report_id):
    assert program_budget_rows(read_report(report_id, SEEDS / f"{report_id}.txt")) == []


def test_row_counts(gangwon_rows):
    assert len(gangwon_rows) == 587
    assert Counter(r["occurrence"] for r in gangwon_rows) == {1: 289, 2: 298}
    assert Counter(r["measure"] for r in gangwon_rows) == {
        "budget": 378,
        "change": 189,
        "total_project_cost": 12,
        "total_project_cost_change": 8,
    }
    assert len({r["row_id"] for r in gangwon_rows}) == len(gangwon_rows)


def test_pins(gangwon_rows):
    cells = by_id(gangwon_rows)
    total = cells["t307:L6844:c6"]
    assert (total["label"], total["amount_won"], total["occurrence"], total["level"]) == (
        "총계",
        Decimal("14612000000"),
        2,
        0,
    )
    subtotal = cells["t307:L6855:c6"]
    assert subtotal["amount_printed"] == "24.750" and subtotal["amount_won"] == Decimal("2475000000")
    assert subtotal["parent_row_id"] == "t307:L6846:c6" and subtotal["program"] == "지역 혁신 선도 기업 육성 (R&D)"
    assert subtotal["item_path"] == "총계/R&D + 비R&D 합계(기타 제외)/R&D 합계/지역 혁신 선도 기업 육성 (R&D)"
    jayul = cells["t307:L6869:c6"]
    assert (jayul["label"], jayul["amount_won"], jayul["parent_row_id"]) == ("자율기획", Decimal("90000000"), "t307:L6870:c6")
    assert cells["t119:L2381:c6"]["label"] == "잠재기업" and "label_shifted" in cells["t119:L2381:c6"]["flags"]
    assert "sum_mismatch" in cells["t119:L2382:c6"]["flags"]
    kipyung = cells["t119:L2387:c3"]
    assert kipyung["parent_row_id"] == "t119:L2385:c3" and kipyung["funding_source"] == "합계"


def test_sums_reconcile_except_the_missing_summary_row(gangwon_rows):
    def num(r):
        return r["amount"] if r["amount"] is not None else Decimal(0)

    cells = by_id(gangwon_rows)
    children: dict[str, list] = {}
    for r in gangwon_rows:
        if r["parent_row_id"]:
            children.setdefault(r["parent_row_id"], []).append(r)
    bad = set()
    for parent_id, kids in children.items():
        diff = num(cells[parent_id]) - sum(num(k) for k in kids)
        if abs(diff) > Decimal("0.01") * len(kids):
            bad.add(cells[parent_id]["source_line"])
    assert bad == {2382}  # summary 성장사다리 소 계: the 자율기획 row (0.90) is not printed there
    # 합계 = 국비 + 지방비 in every year block and measure
    by_row: dict[tuple, dict] = {}
    for r in gangwon_rows:
        by_row.setdefault((r["line_row_id"], r["column_label"].split()[0], r["measure"]), {})[r["funding_source"]] = num(r)
    sums = [v for v in by_row.values() if len(v) == 3]
    assert all(abs(v["합계"] - v["국비"] - v["지방비"]) <= Decimal("0.01") for v in sums)  # 증감 totals: rounding
    assert sum(v["합계"] != v["국비"] + v["지방비"] for v in sums) == 6  # all in 증감 cells of totals


def test_both_occurrences_agree_by_identity(gangwon_rows):
    def key(r):
        return (r["item_path"].replace(" ", "").replace("·", ""), r["column_label"], r["measure"])

    first = {key(r): r["amount"] for r in gangwon_rows if r["occurrence"] == 1}
    second = {key(r): r["amount"] for r in gangwon_rows if r["occurrence"] == 2}
    assert {k for k in second if k not in first or first[k] != second[k]} == {
        k for k in second if k[0].endswith("성장사다리지원/자율기획")
    }
    assert set(first) <= set(second)


def test_budget_plan_extract_appends_these_rows(gangwon, gangwon_rows):
    rows = budget_plan.extract(gangwon)
    assert [r for r in rows if r["plan_table"] == "program_budget"] == gangwon_rows
