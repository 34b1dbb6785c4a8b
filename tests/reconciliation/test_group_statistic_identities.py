"""Identities of statistics tables by group (rec_group_statistics, docs/report-families.md 4.8, 6.8) on the
bundled plan and mutated copies, one rule per test: a count against its parts (also a group of a composition
list against its members), a share against count /
total at 2 decimals, the parts' shares against their group's, a weighted group mean, a group maximum,
and a CAGR at 2 decimals (a truncated one in a half-up table is a WARN, one beyond both an ERROR)."""

from decimal import Decimal

import pytest

from .mutated_warehouse import build

PLAN = "gangwon-2025-plan"
# the 천연물바이오소재 기업 일반 현황 table: 인삼식품 제조업 row, then 기능성식품 (the group of both)
GINSENG = "(10795) 인삼식품 제조업\t10\t3.23\t5\t1.92\t95.45\t28.84"
MILK = "(10501) 액상시유 및 기타 낙농제품 제조업\t8\t2.58\t6\t11.18\t477.69\t126.77"
FOOD_MEAN = "<b>477.69</b>\t<b>75.71</b>"
# 강원 Σ 사업체수 231 -> 347 over 5 years: 8.4798% (8.48 half-up, 8.47 truncated)
FIRMS = "231\t336\t347\t8.48"

MUTATIONS = {
    "gs-count": (PLAN, [(GINSENG, GINSENG.replace("\t10\t", "\t11\t"), 0)]),
    "gs-share": (PLAN, [(MILK, MILK.replace("\t2.58\t", "\t2.68\t"), 0)]),
    "gs-mean": (PLAN, [(FOOD_MEAN, FOOD_MEAN.replace("75.71", "75.81"), 0)]),
    "gs-max": (PLAN, [(MILK, MILK.replace("477.69", "478.69"), 0)]),
    "gs-cagr-truncated": (PLAN, [(FIRMS, FIRMS.replace("8.48", "8.47"), 0)]),
    "gs-cagr-wrong": (PLAN, [(FIRMS, FIRMS.replace("8.48", "8.58"), 0)]),
    # the sentence above the 천연물바이오소재 growth table restates 강원's rates
    "gs-prose": (PLAN, [("사업체수(8.48%↑)", "사업체수(8.58%↑)", -1)]),
    # 세라믹 ③ 기준 확정 (body): `4개 (1.6%)` -> `5개 (1.6%)` (5 / 246 = 2.03%)
    "gs-pair": (PLAN, [("4개 (1.6%)", "5개 (1.6%)", 0)]),
    # 천연물바이오소재 1단계 list (body): B 26 = 기술(예비) 6 + 시장(예비) 20 -> 7
    "gs-members": (PLAN, [("B\t26\t기술(예비)\t6\n", "B\t26\t기술(예비)\t7\n", 0)]),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("group_statistics"), MUTATIONS, ["rec_group_statistics"])
    yield con
    con.close()


def checks(con, report_id: str):
    return con.execute(
        "select check_id, identity_name, row_label, measure_name, expected, found, rounding_rule, finding_level, "
        "note from reconciliation.rec_group_statistics where report_id = ? order by check_id",
        [report_id],
    ).fetchall()


def new_findings(con, report_id: str):
    known = {r[0] for r in checks(con, PLAN) if r[7]}
    return [r[1:] for r in checks(con, report_id) if r[7] and r[0] not in known]


def test_bundled_plan_checks_every_identity(warehouse):
    rows = checks(warehouse, PLAN)
    kinds = {}
    for row in rows:
        kinds[row[1]] = kinds.get(row[1], 0) + 1
    assert kinds == {
        "count_equals_sum_of_parts": 112,
        "share_equals_count_over_total": 92,
        "shares_sum_to_total": 14,
        "mean_equals_weighted_mean_of_parts": 20,
        "min_equals_least_of_parts": 20,
        "max_equals_greatest_of_parts": 20,
        "growth_rate_equals_cagr": 74,
        "prose_equals_table": 8,
    }
    # rates keep their printed decimals
    share = next(r for r in rows if r[1] == "share_equals_count_over_total" and r[2] == "기능성식품")
    assert (share[4], share[5], share[6]) == (Decimal("36.45"), Decimal("36.45"), "half_up")


def test_a_changed_count_breaks_its_group_and_its_share(warehouse):
    found = sorted((r[0], r[1], float(r[3]), float(r[4])) for r in new_findings(warehouse, "gs-count"))
    assert found == [("count_equals_sum_of_parts", "기능성식품", 114.0, 113.0),
                     ("share_equals_count_over_total", "(10795)인삼식품제조업", 3.55, 3.23)]


def test_a_changed_share_breaks_its_rate_and_its_groups_sum(warehouse):
    found = sorted((r[0], r[1], float(r[3]), float(r[4])) for r in new_findings(warehouse, "gs-share"))
    assert found == [("share_equals_count_over_total", "(10501)액상시유및기타낙농제품제조업", 2.58, 2.68),
                     ("shares_sum_to_total", "기능성식품", 36.55, 36.45)]


def test_a_group_mean_is_its_parts_weighted_mean(warehouse):
    found = sorted((r[0], r[1], r[2], round(float(r[3]), 2), float(r[4])) for r in new_findings(warehouse, "gs-mean"))
    # the group against its members, and the TOTAL against its groups (46 x 75.81 + 104 x 118.11) / 150
    assert found == [("mean_equals_weighted_mean_of_parts", "TOTAL", "평균값", 105.14, 105.11),
                     ("mean_equals_weighted_mean_of_parts", "기능성식품", "평균값", 75.71, 75.81)]


def test_a_group_maximum_is_its_parts_greatest(warehouse):
    found = sorted((r[0], r[1]) for r in new_findings(warehouse, "gs-max"))
    # the group's and the TOTAL's maximum of the 매출액 block stay 477.69 and 943.41: the group breaks
    assert found == [("max_equals_greatest_of_parts", "기능성식품")]


def growth_findings(con, report_id: str):
    """The growth-rate finding of a mutated CAGR cell, after checking that the sentence above the table,
    which still prints the original rate, is the other finding."""
    found = new_findings(con, report_id)
    assert sorted(r[0] for r in found) == ["growth_rate_equals_cagr", "prose_equals_table"]
    return next(r for r in found if r[0] == "growth_rate_equals_cagr")


def test_a_truncated_growth_rate_in_a_half_up_table_is_a_warning(warehouse):
    only = growth_findings(warehouse, "gs-cagr-truncated")
    assert (only[0], only[5], only[6]) == ("growth_rate_equals_cagr", "half_up", "WARN")
    assert (float(only[3]), float(only[4])) == (8.48, 8.47)


def test_a_growth_rate_beyond_both_roundings_is_an_error(warehouse):
    only = growth_findings(warehouse, "gs-cagr-wrong")
    assert (only[0], only[6]) == ("growth_rate_equals_cagr", "ERROR")
    assert only[7] == "printed 8.58; levels 231 -> 347 over 5 years: 8.4785% is 8.48 rounded half-up, 8.47 truncated"


def test_a_group_of_a_composition_list_is_the_sum_of_its_members(warehouse):
    (only,) = new_findings(warehouse, "gs-members")
    assert (only[0], only[1], only[2], float(only[3]), float(only[4])) == ("count_equals_sum_of_parts", "B", "count", 27.0, 26.0)


def test_a_share_row_is_of_the_base_its_table_prints(warehouse):
    (only,) = new_findings(warehouse, "gs-pair")
    assert (only[0], only[3], only[4], only[5], only[6]) == (
        "share_equals_count_over_total", Decimal("2.0"), Decimal("1.6"), "half_up", "ERROR")


def test_a_rate_restated_in_prose_equals_the_tables(warehouse):
    (only,) = new_findings(warehouse, "gs-prose")
    assert (only[0], only[1], only[2], float(only[3]), float(only[4])) == ("prose_equals_table", "Σ", "사업체수", 8.48, 8.58)
