"""Target-setting identities (docs/report-families.md 4.6, 6.7) on a mutated copy of the bundled plan.

One copy changes printed numbers of the body's K4 (ROI trend), K5 (indicator setting) and K6 (self-chosen
indicator review) tables in place (no line added or removed); the new failures must be exactly the
mutated cells, identity by identity, and the bundled plan must fail only on its proven inconsistencies
(expectations/acknowledged.yaml).
"""

from decimal import Decimal

import pytest

from orchestration.gate.results import plain_decimal


GW = "gangwon-2025-plan"
MODELS = [
    "rec_performance_target_settings",
    "rec_performance_roi",
    "rec_performance_changes",
    "rec_performance_occurrences",
]
MUTATIONS = {
    "gw-settings-mut": (GW, [
        # K5 사업화매출액 총계 3-year 1억원당 2.71 -> 2.81 (521.89 / 192.40 = 2.7125); K4 prints 2.71
        ("521.89\t192.40\t2.71", "521.89\t192.40\t2.81", -1),
        # K4 사업화매출액 총계 110% column 3.52 -> 3.62 (1.1 × 3.20 = 3.52)
        ("3.20\t3.52\t3.63", "3.20\t3.62\t3.63", -1),
        # K4 신규고용 잠재기업 대비(%) 158.26 -> 168.26 (3.25 / 2.05 × 100 = 158.5, ±0.6 from rounding)
        ("3.25\t158.26", "3.25\t168.26", -1),
        # K4 신규고용 천연물바이오소재 '24 target ROI 0.95 -> 0.85 (K5 prints 0.95)
        ("0.82\t0.95\t0.89\t119.11", "0.82\t0.85\t0.89\t119.11", -1),
        # K6 사업화수출액 R&D 주력기업육성 평균 12.86 -> 12.96 ((7.64 + 17.35 + 13.59) / 3 = 12.86)
        ("13.59\t12.86", "13.59\t12.96", -1),
        # K6 사업화수출액 전체 '22 124.15 -> 125.15 (programs: 17.35 + 0.18 + 20.45 + 86.16 = 124.14)
        ("100.76\t124.15", "100.76\t125.15", -1),
        # K4 신규고용 R&D: the '24 target cell dropped (11 values under 12 columns)
        ("0.91\t1.01\t1.02\t122.85", "0.91\t1.02\t122.85", -1),
        # K5 신규고용 시군구연구산업육성 '25 1억원당 2.05 -> 2.15 (117.03 / 57.10 = 2.0496; 증감 0.35 = 2.05 - 1.70).
        # The same cells print in B3 too: the third printing of the row is the body's K5.
        ("117.03\t57.10\t2.05", "117.03\t57.10\t2.15", 2),
        # K5 신규고용 잠재기업 '24 target 56.76 -> 56.86 (B3 prints 56.76; the ROI stays 2.85, 증감 △27.51 breaks)
        ("56.76\t19.92\t2.85", "56.86\t19.92\t2.85", 2),
    ]),
}

EXPECTED = {
    "gw-settings-mut": {
        "rec_performance_target_settings": {
            "setting_mean_roi:t164:L3749:c3",
            "trend_setting:t162:L3697:c7",
            "trend_scaled:t162:L3697:c9",
            "trend_share:t160:L3642:c12",
            "trend_setting:t160:L3634:c10",
            "review_mean:t165:L3783:c4",
            "review_total:t165:L3781:c2",
            "review_mean:t165:L3781:c4",
            "cells_dropped:t160:L3632",
            "setting_program:t163:L3734:c4",
        },
        "rec_performance_roi": {"roi:t163:L3736:c9"},
        "rec_performance_changes": {"change:t163:L3736:c12", "change:t163:L3734:c10"},
        "rec_performance_occurrences": {
            "occurrence:t27:L595:c3",
            "occurrence:t25:L541:c9",
            "occurrence:t24:L518:c12",
            "occurrence:t24:L510:c10",
            "occurrence:t28:L629:c4",
            "occurrence:t28:L627:c2",
            "occurrence:t26:L580:c9",
            "occurrence:t26:L578:c4",
        },
    },
}

# The bundled plan's own findings (each acknowledged with its proof in expectations/acknowledged.yaml)
BUNDLED_FAILURES = {
    "rec_performance_target_settings": {
        "cells_dropped:t24:L508",
        "cells_dropped:t24:L509",
        "review_total:t28:L627:c1",
        "review_total:t28:L627:c4",
        "review_total:t28:L627:c6",
        "review_total:t28:L627:c8",
        "review_mean:t28:L631:c4",
        "review_total:t165:L3781:c1",
        "review_total:t165:L3781:c4",
        "review_total:t165:L3781:c6",
        "review_total:t165:L3781:c8",
        "review_mean:t165:L3785:c4",
    },
    "rec_performance_occurrences": {"occurrence:t24:L517:c12"},
}


@pytest.fixture(scope="module")
def warehouse(mutated_warehouse):
    """The session's one build of the bundled reports and every module's copies (conftest.py)."""
    return mutated_warehouse


def failing(con, model: str, report_id: str) -> set[str]:
    rows = con.execute(
        f"select check_id from reconciliation.{model} where report_id = ? and not is_consistent", [report_id]
    ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize("mutated", sorted(MUTATIONS))
def test_mutation_fails_exactly_the_mutated_cells(warehouse, mutated):
    base_id = MUTATIONS[mutated][0]
    for model in MODELS:
        new = failing(warehouse, model, mutated) - failing(warehouse, model, base_id)
        assert new == EXPECTED[mutated].get(model, set()), model


def test_bundled_plan_fails_only_on_its_proven_findings(warehouse):
    for model in MODELS:
        assert failing(warehouse, model, GW) == BUNDLED_FAILURES.get(model, set()), model


def test_identities_carry_both_sides(warehouse):
    def row(check_id, columns="expected, found, tolerance, source_line"):
        return [
            tuple(plain_decimal(v) if isinstance(v, Decimal) else str(v) for v in r)
            for r in warehouse.execute(
                f"select {columns} from reconciliation.rec_performance_target_settings "
                "where report_id = 'gw-settings-mut' and check_id = ?",
                [check_id],
            ).fetchall()
        ]

    # 1.1 × 3.20 = 3.52; allowed: half a printed unit of the column + 1.1 × half a unit of the mean
    assert row("trend_scaled:t162:L3697:c9") == [("3.52", "3.62", "0.0105", "3697")]
    # 3.25 / 2.05 × 100 = 158.5366; the printed ROIs allow 157.91 … 159.17 (+ half a printed unit)
    [(expected, found, tolerance, line)] = row("trend_share:t160:L3642:c12")
    assert (expected[:8], found, line) == ("158.5365", "168.26", "3642")
    assert Decimal("0.6") < Decimal(tolerance) < Decimal("0.7")
    # 11 value cells under 12 columns
    assert row("cells_dropped:t160:L3632") == [("12", "11", "0", "3632")]
    # K6 전체 '22 against its four program rows (±0.01 each)
    assert row("review_total:t165:L3781:c2", "expected, found, tolerance, other_lines") == [
        ("124.14", "125.15", "0.04", "3783,3785,3787,3789")
    ]
