"""Printed rates and ratios at their printed precision, under the rounding convention of their own
table (issue 14; docs/report-families.md 6.4): one rule per test, on real report lines changed in place.

- half-up table: the 수탁사업비 annex of chungbuk-tp-2024-q3 is inferred half-up from its own rows;
- truncation row: its `99` for 99.81% is a WARN finding with the words of the finding;
- 1-decimal and 2-decimal rates: the STI execution table, a rate reprinted at 2 decimals;
- beyond both conventions: 9.9% for a computed 9.57% is an ERROR (±1 point used to pass it);
- 1억원당 ROI: a 2-decimal ROI truncated in a half-up table is a WARN finding;
- KPI rates printed with a decimal: `(12건) : 10건, 83.3%` is consistent, `83.4%` is not.
"""

from decimal import Decimal

import pandas as pd
import pytest

from orchestration.gate.acknowledgements import ACKNOWLEDGED, DISCREPANCY, WARNING, Acknowledgement, classify


TP, STI, GW = "chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1", "gangwon-2025-plan"
MODELS = ["rec_execution_rows", "rec_kpi_rates", "rec_performance_roi"]

MUTATIONS = {
    "sti-rates": (STI, [
        # S W 융합클러스터 2.0: 200,307 / 2,094,000 = 9.5657% -> printed at 2 decimals
        ("1,893,693\t9.6%", "1,893,693\t9.57%", 0),
        # 연구개발지원단지지원사업: 36,504 / 380,000 = 9.6063% -> truncation and half-up say 9.6; 9.9 is neither
        ("343,496\t9.6%", "343,496\t9.9%", 0),
    ]),
    "sti-truncated": (STI, [
        # 9.5657% printed 9.5: truncated, in a table whose rows round half-up
        ("1,893,693\t9.6%", "1,893,693\t9.5%", 0),
    ]),
    "tp-kpi-decimals": (TP, [
        # 10 / 12 = 83.333%: printed at 1 decimal
        ("(12건) : 10건, 83%", "(12건) : 10건, 83.3%", 0),
        # 9 / 12 = 75%: printed at 2 decimals
        ("(12건) : 9건, 75%", "(12건) : 9건, 75.00%", 0),
        # 7 / 8 = 87.5%: printed 87.6 is neither rounding
        ("(8건) : 7건, 88%", "(8건) : 7건, 87.6%", 0),
    ]),
    "gw-roi-truncated": (GW, [
        # body B3 세라믹원료·소재 '25 (`- - - | 3.93 5.25 0.75 | 3.93 5.25 0.75`): 3.93 / 5.25 = 0.7486,
        # 0.75 half-up; printed 0.74 instead
        ("-\t3.93\t5.25\t0.75\t3.93", "-\t3.93\t5.25\t0.74\t3.93", -1),
    ]),
}


@pytest.fixture(scope="module")
def warehouse(mutated_warehouse):
    """The session's one build of the bundled reports and every module's copies (conftest.py)."""
    return mutated_warehouse


def rows(con, model: str, report_id: str, where: str = "true") -> list[dict]:
    cursor = con.execute(
        f"select * from reconciliation.{model} where report_id = ? and ({where}) order by source_line, check_id",
        [report_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]  # values exact (Decimal), not float


def at(con, model: str, report_id: str, line: int) -> dict:
    (row,) = rows(con, model, report_id, f"source_line = {line} and measure_name not like 'balance%'")
    return row


def test_half_up_table_and_its_truncated_rows(warehouse):
    annex = rows(warehouse, "rec_execution_rows", TP, "measure_name = 'rate_pct' and table_no = 29")
    assert {r["rounding_rule"] for r in annex} == {"half_up"}
    findings = [r for r in annex if not r["is_consistent"]]
    assert [(r["source_line"], r["finding_level"]) for r in findings] == [(1875, "WARN"), (1991, "WARN"), (1993, "WARN")]
    first = findings[0]
    assert (first["expected"], first["found"], first["tolerance"], first["printed_scale"]) == (100, 99, 0, 0)
    assert Decimal("99.812375") <= first["expected_exact"] < Decimal("99.812376")  # 50,006 / 50,100, unrounded
    assert first["note"].startswith("printed 99; 99.8124% rounds to 100; the figure is truncated")


def test_rates_keep_their_printed_decimals(warehouse):
    # the bundled STI total: printed 15.7 for 15.76%, neither stored as 16
    total = at(warehouse, "rec_execution_rows", STI, 1060)
    assert (total["expected"], total["found"], total["printed_scale"]) == (Decimal("15.8"), Decimal("15.7"), 1)
    assert total["finding_level"] == "WARN" and "the figure is truncated" in total["note"]
    two = at(warehouse, "rec_execution_rows", "sti-rates", 1061)
    assert two["printed_scale"] == 2 and two["found"] == Decimal("9.57") and two["expected"] == Decimal("9.57")
    assert two["is_consistent"]
    wrong = at(warehouse, "rec_execution_rows", "sti-rates", 1081)
    assert (wrong["expected"], wrong["found"], wrong["finding_level"]) == (Decimal("9.6"), Decimal("9.9"), "ERROR")
    assert "9.6 rounded half-up, 9.6 truncated" in wrong["note"]


def test_truncated_row_in_a_half_up_table_is_a_warn_finding(warehouse):
    row = at(warehouse, "rec_execution_rows", "sti-truncated", 1061)
    assert (row["expected"], row["found"], row["rounding_rule"], row["finding_level"]) == (
        Decimal("9.6"), Decimal("9.5"), "half_up", "WARN")
    assert row["note"].startswith("printed 9.5; 9.5658% rounds to 9.6; the figure is truncated")


def test_roi_per_100_million_won_at_two_decimals(warehouse):
    bundled = rows(warehouse, "rec_performance_roi", GW)
    assert bundled and all(r["is_consistent"] and r["rounding_rule"] == "half_up" for r in bundled)
    assert {r["printed_scale"] for r in bundled} == {2}
    (finding,) = [r for r in rows(warehouse, "rec_performance_roi", "gw-roi-truncated") if not r["is_consistent"]]
    assert (finding["expected"], finding["found"], finding["finding_level"]) == (Decimal("0.75"), Decimal("0.74"), "WARN")
    assert finding["note"].startswith("printed 0.74; 0.7486 rounds to 0.75; the figure is truncated")


def test_kpi_rates_printed_with_decimals(warehouse):
    one = at(warehouse, "rec_kpi_rates", "tp-kpi-decimals", 1156)
    assert (one["expected"], one["found"], one["printed_scale"], one["is_consistent"]) == (
        Decimal("83.3"), Decimal("83.3"), 1, True)
    assert Decimal("83.333333") <= one["expected_exact"] < Decimal("83.333334")
    two = at(warehouse, "rec_kpi_rates", "tp-kpi-decimals", 1165)
    assert (two["expected"], two["printed_scale"], two["is_consistent"]) == (Decimal("75"), 2, True)
    wrong = at(warehouse, "rec_kpi_rates", "tp-kpi-decimals", 1136)
    assert (wrong["expected"], wrong["found"], wrong["finding_level"]) == (Decimal("87.5"), Decimal("87.6"), "ERROR")


def test_gate_shows_a_warn_finding_as_a_warning_until_acknowledged():
    def row(check, expected, found, level, path):
        return {"report_id": "r", "check_id": check, "is_consistent": False, "expected": expected, "found": found,
                "finding_level": level, "identity_name": "reported_rate_matches_computed", "label_path": path,
                "column_label": None, "measure_name": "rate_pct"}

    frame = pd.DataFrame([
        row("a", "100", "99", "WARN", "t: 계 > a"),
        row("b", "100", "97", "ERROR", "t: 계 > b"),
        row("c", "15.8", "15.7", "WARN", "t: 계"),
    ])
    ack = Acknowledgement("rec_x", "r", "reported_rate_matches_computed", "t: 계", None, "rate_pct",
                          Decimal("15.8"), Decimal("15.7"), "the 계 row is truncated")
    classified, stale = classify(frame, "rec_x", [ack], ["r"])
    assert list(classified["gate_status"]) == [WARNING, DISCREPANCY, ACKNOWLEDGED]
    assert not stale
