"""Staffing identities (rec_staffing, docs/report-families.md 6.5) on the bundled reports and on mutated copies:
a department head count changed in place breaks its row total and its column against the 현원 row,
and nothing else; a changed prose figure breaks only the prose check."""

import pytest

TP, STI = "chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1"

MODELS = ["rec_staffing"]
MUTATIONS = {
    "tp-staff-mut": (TP, [
        # 정책기획단 3급 3 -> 4: its row 16 ≠ 17 and the 3급 column 36 ≠ 37
        ("정책기획단\t16\t-\t1\t-\t1\t3\t3", "정책기획단\t16\t-\t1\t-\t1\t4\t3", 0),
    ]),
    "sti-staff-mut": (STI, [
        # prose 현원 37 -> 38; 정원 외 10 -> 11 (parts 7 + 3)
        ("53명 / 37명", "53명 / 38명", 0),
        ("정원 외 10명", "정원 외 11명", 0),
        # grade row 5급 17 -> 16: 3 + 11 + 16 + 3 ≠ 현원 일반직 34
        ("-\t-\t3\t11\t17\t3", "-\t-\t3\t11\t16\t3", 0),
    ]),
}


@pytest.fixture(scope="module")
def warehouse(mutated_warehouse):
    """The session's one build of the bundled reports and every module's copies (conftest.py)."""
    return mutated_warehouse


def failing(con, report_id: str) -> dict[str, tuple]:
    rows = con.execute(
        "select check_id, expected, found from reconciliation.rec_staffing where report_id = ? and not is_consistent",
        [report_id],
    ).fetchall()
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def test_bundled_reports(warehouse):
    counts = dict(warehouse.execute(
        "select report_id || ':' || identity_name, count(*) from reconciliation.rec_staffing "
        f"where report_id in ('{TP}', '{STI}') group by all"
    ).fetchall())
    assert counts == {
        f"{TP}:row_total_equals_sum_of_cells": 15,  # 정원, 현원, 원장, 11 departments, 파견
        f"{TP}:total_row_equals_sum_of_departments": 13,  # 계, 원장 … 전문, 비고
        f"{TP}:prose_total_equals_table_total": 3,  # 총 원; 정·현원 (정원, 현원)
        f"{STI}:row_total_equals_sum_of_cells": 2,
        f"{STI}:cell_equals_sum_of_breakdown": 1,
        f"{STI}:prose_total_equals_table_total": 2,
        f"{STI}:outside_quota_equals_sum_of_parts": 1,
    }
    # the merged 정원 row prints 205 = 경영진 9 + 직원 178 = 187 (acknowledged: 205 is also the prose figure)
    assert failing(warehouse, TP) == {"staff_row:t2:L46": (187, 205)}
    assert failing(warehouse, STI) == {}


def test_a_changed_department_count_breaks_its_row_and_column(warehouse):
    assert failing(warehouse, "tp-staff-mut") == {
        "staff_row:t2:L46": (187, 205),
        "staff_row:t2:L49": (17, 16),
        "staff_column:t2:L47:c6": (37, 36),
    }


def test_changed_prose_and_breakdown_figures(warehouse):
    assert failing(warehouse, "sti-staff-mut") == {
        "staff_prose:L39:actual": (37, 38),
        "staff_outside_quota:L49": (10, 11),
        "staff_breakdown:t2:L46:c6": (33, 34),
    }
