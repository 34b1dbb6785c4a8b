"""Identities context tables declare by their row labels (docs/report-families.md 4.9) on the bundled plan
and a mutated copy: a total row (총 합계) breaks on a changed type row, a ratio row (도입율 (A/B %))
keeps its row's rounding convention (truncation) and rates a half-up figure WARN, a figure beyond both
ERROR; shares of one whole beyond their rounding and a yearly share that is not amount / years fail; a
table printed twice (summary and body) compares its printings cell by cell (rec_table_occurrences); an
indicator matrix's figures are found among the report's targets and in its other printing
(rec_table_restatements)."""

import pytest

from .mutated_warehouse import build

PLAN = "gangwon-2025-plan"
MUTATED = "plan-rows-mut"

MUTATIONS = {
    MUTATED: (PLAN, [
        # 강원 위기 모니터링 현황, summary printing: 산업단지 '24.1분기 사업체 1,610 -> 1,611 (총 합계 2,309)
        ("산업단지\t1,610\t18,734", "산업단지\t1,611\t18,734", 0),
        # 도입율 춘천 1.9 -> 2.0 (32 / 1,630 = 1.963%: half-up, the row truncates) and 원주 3.2 -> 3.5
        ("도입율 (A/B %)\t1.9\t3.2", "도입율 (A/B %)\t2.0\t3.5", 0),
        # 용도별 장비 수요 (body): 시험·분석 55% -> 60%: the shares add up to 104, beyond ±2
        ("수요\t55%", "수요\t60%", 1),
        # [내역2] first call: 4억원 (연 2억원) over 2년 -> 연 3억원
        ("2년\t4억원 (연 2억원)", "2년\t4억원 (연 3억원)", 0),
        # 성과지표 및 목표치 matrix, body printing: 세라믹 신규고용 '25 5.06 -> 5.07 (no target is 5.07)
        ("세라믹\t\t5.06\t\t22.87", "세라믹\t\t5.07\t\t22.87", 1),
    ]),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("table_rows"), MUTATIONS,
                ["rec_table_totals", "rec_table_rates", "rec_table_occurrences", "rec_table_restatements"])
    yield con
    con.close()


def rates(con, report_id: str):
    return con.execute(
        "select identity_name, source_line, measure_name, expected_exact, expected, found, rounding_rule, "
        "finding_level, note from reconciliation.rec_table_rates where report_id = ? order by check_id",
        [report_id],
    ).fetchall()


def test_bundled_plan_rates_and_shares(warehouse):
    rows = rates(warehouse, PLAN)
    ratios = [r for r in rows if r[0] == "ratio_row_equals_quotient"]
    yearly = [r for r in rows if r[0] == "yearly_amount_equals_amount_per_year"]
    # the 26 calls of [내역1] (연 7억원 of 14) and [내역2] (연 2억원 of 4), all consistent
    assert len(yearly) == 26 and not any(r[7] for r in yearly)
    assert {(float(r[3]), float(r[5])) for r in yearly} == {(7.0, 7.0), (2.0, 2.0)}
    shares = [r for r in rows if r[0] == "shares_sum_to_whole"]
    assert len(ratios) == 19 and len(shares) == 2  # 18 regions + 합계; the demand shares in both printings
    assert {r[6] for r in ratios} == {"truncation"}  # six cells only truncation explains, three only half-up
    warned = sorted((r[2], float(r[4]), float(r[5])) for r in ratios if r[7])
    assert warned == [("강릉", 1.0, 1.1), ("합계", 2.8, 2.9), ("홍천", 6.0, 6.1)]
    assert {r[7] for r in ratios} == {None, "WARN"}
    춘천 = next(r for r in ratios if r[2] == "춘천")
    assert (float(춘천[3]), float(춘천[4]), float(춘천[5])) == (pytest.approx(1.963190, abs=1e-6), 1.9, 1.9)
    # 55 + 13 + 17 + 14 = 99: four shares rounded to whole percents may miss 100 by 2
    assert [(float(r[4]), float(r[5]), r[7]) for r in shares] == [(100.0, 99.0, None), (100.0, 99.0, None)]


def test_changed_figures_break_their_own_identities(warehouse):
    levels = {(r[0], r[1], r[2]): (r[7], r[8]) for r in rates(warehouse, MUTATED) if r[7]}
    original = {(r[0], r[1], r[2]) for r in rates(warehouse, PLAN) if r[7]}
    new = {k: v for k, v in levels.items() if k not in original}
    assert new[("ratio_row_equals_quotient", 6083, "춘천")][0] == "WARN"
    assert "printed 2.0; 1.9632% truncates to 1.9; the figure is rounded half-up" in new[("ratio_row_equals_quotient", 6083, "춘천")][1]
    assert new[("ratio_row_equals_quotient", 6083, "원주")][0] == "ERROR"
    assert [k for k in new if k[0] == "shares_sum_to_whole"] == [("shares_sum_to_whole", 6534, "share")]
    assert new[("yearly_amount_equals_amount_per_year", 6998, "소요예산")][0] == "ERROR"
    assert len(new) == 4
    totals = warehouse.execute(
        "select source_line, measure_name, expected, found from reconciliation.rec_table_totals "
        "where report_id = ? and not is_consistent and source_line < 6000", [MUTATED]).fetchall()
    assert [(line, label, float(e), float(f)) for line, label, e, f in totals] == [(1858, "사업체", 2310.0, 2309.0)]


def test_printings_of_one_table_agree(warehouse):
    def occurrences(report_id):
        return warehouse.execute(
            "select table_no, source_line, measure_name, expected, found, other_lines, is_consistent "
            "from reconciliation.rec_table_occurrences where report_id = ?", [report_id]).fetchall()

    bundled = occurrences(PLAN)
    # the monitoring table (12 figures × 6 rows), the equipment-demand survey (48) and shares (4)
    assert len(bundled) == 124 and all(r[6] for r in bundled)
    failing = sorted((line, measure, float(e), float(f), other) for _, line, measure, e, f, other, ok
                     in occurrences(MUTATED) if not ok)
    # the summary's changed 산업단지 cell against the body's; the body's changed share against the summary's
    assert failing == [(5938, "사업체", 1611.0, 1610.0, "1853"), (6534, "시험분석", 55.0, 60.0, "2118")]


def test_an_indicator_matrix_restates_targets(warehouse):
    def restated(report_id):
        return warehouse.execute(
            "select identity_name, source_line, measure_name, found, note, is_consistent "
            "from reconciliation.rec_table_restatements where report_id = ?", [report_id]).fetchall()

    bundled = restated(PLAN)
    # 55 + 57 figures of the two printings, each a target of the program tables and printed in both
    assert len(bundled) == 224 and all(r[5] for r in bundled)
    moved = [r for r in bundled if r[0] == "restated_figure_equals_a_target" and r[4]]
    assert len(moved) == 36  # printed under a neighbouring column: noted, not a finding
    assert ("restated_figure_equals_a_target", 3535, "사업화수출액 plan_year", 24.5,
            "printed under 사업화수출액 plan_year; a target of 특허출원·등록 base_year") in [
        (i, line, m, float(f), note) for i, line, m, f, note, _ in moved]
    failing = sorted((i, line, float(f)) for i, line, _, f, _, ok in restated(MUTATED) if not ok)
    assert failing == [("restated_figure_equals_a_target", 3530, 5.07),
                       ("restated_figure_in_other_printing", 459, 5.06),
                       ("restated_figure_in_other_printing", 3530, 5.07)]
