"""Facility identity (rec_facility_totals, docs/report-families.md 6.6) on the bundled reports and a mutated
copy: a facility block's figure changed in place breaks the total of its measure, and nothing else."""

import pytest

TP, STI = "chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1"

MODELS = ["rec_facility_totals"]
MUTATIONS = {
    "tp-facility-mut": (TP, [
        # 본부관 장비 64대 -> 65대: the headline 1,239대 ≠ 1,240
        ("분석장비 등 44종 64대", "분석장비 등 44종 65대", 0),
        # 스마트IT융합관 부지 29,752㎡ -> 29,753㎡: 121,539.9 rounds to 121,540 ≠ the printed 121,539
        ("부지 29,752㎡", "부지 29,753㎡", 0),
    ]),
}


@pytest.fixture(scope="module")
def warehouse(mutated_warehouse):
    """The session's one build of the bundled reports and every module's copies (conftest.py)."""
    return mutated_warehouse


def checks(con, report_id: str) -> dict[str, tuple]:
    rows = con.execute(
        "select check_id, expected_exact, expected, found, is_consistent from reconciliation.rec_facility_totals "
        "where report_id = ?",
        [report_id],
    ).fetchall()
    return {r[0]: (float(r[1]), float(r[2]), float(r[3]), r[4]) for r in rows}


def test_bundled_reports(warehouse):
    # site area: the blocks print one decimal, the total none (121,538.9 is printed 121,539: half-up);
    # floor area: 18 blocks add up to 77,395.78 against the printed 80,977.32 (acknowledged);
    # buildings (21개동) are not checked: no block prints a building count
    assert checks(warehouse, TP) == {
        "facility_total:L152:site_area": (121538.9, 121539, 121539, True),
        "facility_total:L152:floor_area": (77395.78, 77395.78, 80977.32, False),
        "facility_total:L153:equipment_kinds": (829, 829, 829, True),
        "facility_total:L153:equipment_units": (1239, 1239, 1239, True),
    }
    # the STI facility blocks print areas, but no total: nothing to check
    assert checks(warehouse, STI) == {}


def test_a_changed_block_figure_breaks_its_total(warehouse):
    failing = {k: v[1:3] for k, v in checks(warehouse, "tp-facility-mut").items() if not v[3]}
    assert failing == {
        "facility_total:L152:floor_area": (77395.78, 80977.32),
        "facility_total:L152:site_area": (121540, 121539),
        "facility_total:L153:equipment_units": (1240, 1239),
    }
