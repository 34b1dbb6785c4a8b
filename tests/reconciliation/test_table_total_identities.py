"""Identities context tables declare in their header (rec_table_totals, docs/report-families.md 4.7) on the
bundled plan and a mutated copy: a changed 소계, a changed yearly figure and a combined survey column
beyond the rounding of its two parts each break exactly their own row; a combined figure within it does not."""

import pytest

PLAN = "gangwon-2025-plan"

MODELS = ["rec_table_totals"]
MUTATIONS = {
    "plan-totals-mut": (PLAN, [
        # 바이오 소계 82개 -> 83개 (the parts add up to 82)
        ("7개\t7개\t82개", "7개\t7개\t83개", 0),
        # the first indicator row's 1차년도 100 -> 90: 90 + 100 ≠ 합계 200
        ("· 지역 우수기업에 대한 지원\t100\t100\t200\t200", "· 지역 우수기업에 대한 지원\t90\t100\t200\t200", 0),
        # the survey's 천연물바이오소재 row: ④+⑤ 65.4 -> 65.9 (40.0 + 25.4 = 65.4, beyond ±0.1);
        # ①+② 13.1 -> 13.2 (5.4 + 7.7 = 13.1, within the rounding of two 1-decimal parts)
        ("130\t5.4\t7.7\t21.5\t40.0\t25.4\t13.1\t65.4", "130\t5.4\t7.7\t21.5\t40.0\t25.4\t13.2\t65.9", 0),
    ]),
}


@pytest.fixture(scope="module")
def warehouse(mutated_warehouse):
    """The session's one build of the bundled reports and every module's copies (conftest.py)."""
    return mutated_warehouse


def checks(con, report_id: str):
    return con.execute(
        "select identity_name, source_line, measure_name, expected, found, is_consistent "
        "from reconciliation.rec_table_totals where report_id = ?",
        [report_id],
    ).fetchall()


def test_bundled_plan(warehouse):
    rows = checks(warehouse, PLAN)
    kinds = {}
    for identity, *_ in rows:
        kinds[identity] = kinds.get(identity, 0) + 1
    # 소계 of 3 industries; 1차 + 2차 = 합계 on 9 + 8 indicator rows, and on the 8 of a grid inside a layout
    # table; the smart-factory grids' 합계 / 계 columns (2 + 4 rows); 2 combined columns × 8 rows × 2 printings;
    # total rows: 총 합계 of the monitoring table (12 columns × 2 printings) and the smart-factory 합 계 (7)
    # and the 유학생 table's 강원 (8) = its 8 university rows
    assert kinds == {"total_column_equals_sum_of_parts": 34, "combined_column_equals_sum_of_parts": 32,
                     "total_row_equals_sum_of_parts": 31, "group_count_equals_member_rows": 1}
    # the report's own: 지원수 (A) regions 218 for 합계 219; 2023 합 계 9 without the 7 강원형 builds,
    # its 계 219 with them (acknowledged, expectations/acknowledged.yaml)
    assert sorted((r[1], r[2], float(r[3]), float(r[4])) for r in rows if not r[5]) == [
        (6081, "합계", 218.0, 219.0), (6092, "2023년", 16.0, 9.0), (6092, "계", 212.0, 219.0)]


def test_changed_figures_break_their_own_rows(warehouse):
    original = checks(warehouse, PLAN)
    # beyond the bundled plan's own (acknowledged) inconsistencies
    own = {r for r in original if not r[5]}
    failing = sorted((r[2], float(r[3]), float(r[4])) for r in checks(warehouse, "plan-totals-mut")
                     if not r[5] and r not in own)
    assert failing == [("④+⑤필요", 65.4, 65.9), ("소계", 82.0, 83.0), ("합계", 190.0, 200.0)]
    assert len(checks(warehouse, "plan-totals-mut")) == len(original)
