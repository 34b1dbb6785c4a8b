"""Target-setting tables of regional industry plans (docs/report-families.md 4.6): the ROI trend (K4), the
indicator setting (K5) and the self-chosen indicator review (K6), on fragments of the real gangwon-2025-plan
text, and pins on the full report."""

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.parsing.performance_targets import COLUMNS, extract
from orchestration.parsing.reader import Report, read_report, split_tables

from .gangwon_setting_fragments import HEADLINE, K4_EMPLOYMENT, K5_EMPLOYMENT, K6_EXPORTS_PATENTS

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "reports"
SETTING_TABLES = ("roi_trend", "indicator_setting", "self_indicator_review")


def rows_of(text: str, target_table: str) -> list[dict]:
    lines = (HEADLINE + "\n" + text).split("\n")
    report = Report(report_id="fragment", path="<fragment>", lines=lines, tables=split_tables("fragment", lines))
    return [r for r in extract(report) if r["target_table"] == target_table]


def cell(rows: list[dict], label: str, measure: str, role: str) -> dict:
    [row] = [r for r in rows if r["label"] == label and r["measure"] == measure and r["period_role"] == role]
    return row


def test_roi_trend_columns_roles_and_the_indicator_of_the_heading():
    rows = rows_of(K4_EMPLOYMENT, "roi_trend")
    assert all(set(r) == set(COLUMNS) for r in rows)
    assert {r["indicator"] for r in rows} == {"신규고용"}  # from `□ 공통지표(신규고용)`, named by the headline
    assert len(rows) == 12 * 12
    total = {(r["measure"], r["period_role"]): r["value"] for r in rows if r["label"] == "총계"}
    # no report year in the fragment: periods are anchored on the table's own latest year ('25)
    assert total == {
        ("roi_target", "year_-4"): Decimal("1.12"),
        ("roi_target", "year_-3"): Decimal("1.29"),
        ("roi_target", "year_-2"): Decimal("1.44"),
        ("roi_outcome", "year_-4"): Decimal("1.45"),
        ("roi_outcome", "year_-3"): Decimal("1.14"),
        ("roi_outcome", "year_-2"): Decimal("1.39"),
        ("roi_target", "mean_3y"): Decimal("1.29"),
        ("roi_outcome", "mean_3y"): Decimal("1.33"),
        ("roi_outcome_scaled", "mean_3y"): Decimal("1.46"),
        ("roi_target", "base_year"): Decimal("1.67"),
        ("roi_target", "plan_year"): Decimal("1.80"),
        ("roi_target_share", "plan_year"): Decimal("135.78"),
    }
    scaled = cell(rows, "총계", "roi_outcome_scaled", "mean_3y")
    assert (scaled["column_label"], scaled["value_unit"]) == ("3개년 평균 성과 (110%)", "명/억원")
    assert cell(rows, "총계", "roi_target_share", "plan_year")["value_unit"] == "%"
    # a program run in '23 only: blank years stay blank, '-' is a dash
    new = cell(rows, "혁신선도기업육성", "roi_target", "year_-4")
    assert (new["value"], new["value_flag"]) == (None, "blank")
    assert cell(rows, "혁신선도기업육성", "roi_target_share", "plan_year")["value_flag"] == "dash"


def test_roi_trend_rows_that_dropped_a_cell_are_flagged_not_guessed():
    rows = rows_of(K4_EMPLOYMENT, "roi_trend")
    # `R & D | 합계 | …` prints 11 values under 12 columns: the section's total, not placed
    rnd = [r for r in rows if r["label"] == "R&D"]
    assert len(rnd) == 12
    assert {(r["value"], r["value_flag"], r["flags"]) for r in rnd} == {(None, "unaligned", "cells_dropped")}
    assert rnd[0]["note"] == "11 value cells printed under 12 columns"
    assert rnd[0]["label_raw"] == "R & D | 합계"
    assert {r["label"] for r in rows if r["flags"] == "cells_dropped"} == {"R&D", "(주력) 소계"}


def test_indicator_setting_blocks_changes_and_new_program_rows():
    rows = rows_of(K5_EMPLOYMENT, "indicator_setting")
    assert {r["indicator"] for r in rows} == {"신규고용"}  # `◆ 신규고용 성과 목표: …`
    assert len(rows) == 14 * 12
    total = {(r["measure"], r["period_role"]): r["value"] for r in rows if r["label"] == "총계"}
    assert total == {
        ("target", "mean_3y"): Decimal("248.00"),
        ("budget", "mean_3y"): Decimal("192.40"),
        ("roi", "mean_3y"): Decimal("1.29"),
        ("target", "base_year"): Decimal("228.00"),
        ("budget", "base_year"): Decimal("136.74"),
        ("roi", "base_year"): Decimal("1.67"),
        ("target", "plan_year"): Decimal("229.18"),
        ("budget", "plan_year"): Decimal("127.27"),
        ("roi", "plan_year"): Decimal("1.80"),
        ("target", "change"): Decimal("1.18"),
        ("budget", "change"): Decimal("-9.47"),
        ("roi", "change"): Decimal("0.13"),
    }
    rnd = cell(rows, "R&D", "roi", "plan_year")
    assert (rnd["value_unit"], rnd["column_label"], rnd["period"]) == ("명/억원", "2025년 1억원당 목표", "2025")
    assert cell(rows, "총계", "budget", "mean_3y")["column_label"] == "3년 평균(21~23년) 예산"
    # `2025년도 신규 편성` stands for the merged empty blocks before the program existed
    opened = cell(rows, "지역특화(2.0)", "target", "mean_3y")
    assert (opened["value"], opened["value_flag"], opened["flags"]) == (None, "text", "new_program_block")
    assert cell(rows, "지역특화(2.0)", "target", "base_year")["value_flag"] == "blank"
    assert cell(rows, "지역특화(2.0)", "target", "change")["value"] == Decimal("11.50")
    assert cell(rows, "혁신선도기업육성", "roi", "change")["value_flag"] == "dash"


def test_self_indicator_review_amount_and_roi_rows():
    rows = rows_of(K6_EXPORTS_PATENTS, "self_indicator_review")
    assert Counter(r["indicator"] for r in rows) == {"사업화수출액": 60, "특허출원·등록": 12}
    total = [r for r in rows if r["source_line"] == rows[0]["source_line"]]
    assert [(r["measure"], r["period"], r["value"]) for r in total] == [
        ("outcome", "2021", Decimal("100.76")),
        ("outcome", "2022", Decimal("124.15")),
        ("outcome", "2023", Decimal("84.56")),
        ("outcome", "2021-2023", Decimal("103.16")),
        ("roi_target", "2024", Decimal("0.58")),
        ("target", "2024", Decimal("51.50")),
        ("roi_target", "2025", Decimal("0.60")),
        ("target", "2025", Decimal("39.40")),
    ]
    assert total[0]["is_total"] and total[0]["label"] == "전체" and total[0]["item_path"] == "사업화수출액/전체"
    # the ROI row under an amount row: its years and mean only, the same program
    roi = [r for r in rows if r["measure"] == "roi_outcome" and r["item_path"] == "사업화수출액/R&D/주력기업육성"]
    assert [r["value"] for r in roi] == [Decimal("0.10"), Decimal("0.19"), Decimal("0.15"), Decimal("0.15")]
    assert roi[0]["value_unit"] == "억원/억원"
    # `비 R&D | 주력기업육성 | 금액` lost its leading empty cell: the section is still read as a section
    assert {r["label"] for r in rows if r["indicator"] == "사업화수출액" and not r["is_total"]} == {
        "R&D 주력기업육성", "R&D 지역스타기업 (혁신선도기업)", "비R&D 주력기업육성", "비R&D 성장사다리지원",
    }
    # the patent row has no kind cell (an amount row); its ROI row prints the mean outside the ROI columns
    patents = [r for r in rows if r["indicator"] == "특허출원·등록"]
    assert [r["value"] for r in patents if r["measure"] == "outcome"] == [
        Decimal("49"), Decimal("61"), Decimal("75"), Decimal("61.67"),
    ]
    assert {r["flags"] for r in patents if r["measure"] == "roi_outcome"} == {"value_outside_columns"}
    assert patents[0]["value_unit"] == "건"


@pytest.fixture(scope="module")
def report_rows():
    report = read_report("gangwon-2025-plan", SEEDS / "gangwon-2025-plan.txt", family="regional_industry_plan")
    return [r for r in extract(report) if r["target_table"] in SETTING_TABLES]


def test_pins_on_the_full_report(report_rows):
    tables = Counter((r["target_table"], r["indicator"], r["occurrence"]) for r in report_rows)
    assert tables == {
        ("roi_trend", "신규고용", 1): 144,
        ("roi_trend", "사업화매출액", 1): 144,
        ("roi_trend", "신규고용", 2): 144,
        ("roi_trend", "사업화매출액", 2): 144,
        ("indicator_setting", "신규고용", 1): 168,
        ("indicator_setting", "사업화매출액", 1): 168,
        ("indicator_setting", "신규고용", 2): 168,
        ("indicator_setting", "사업화매출액", 2): 168,
        ("self_indicator_review", "사업화수출액", 1): 60,
        ("self_indicator_review", "사업화수출액", 2): 60,
        ("self_indicator_review", "특허출원·등록", 1): 12,
        ("self_indicator_review", "특허출원·등록", 2): 12,
    }
    # periods by role from the report's year: the plan year and the year before it
    assert {r["period_role"] for r in report_rows} == {
        "year_-4", "year_-3", "year_-2", "mean_3y", "base_year", "plan_year", "change",
    }
    # only the two summary rows of the 신규고용 trend dropped a cell; the body prints them in full
    assert {(r["source_line"], r["label"]) for r in report_rows if r["flags"] == "cells_dropped"} == {
        (508, "R&D"), (509, "(주력) 소계"),
    }
