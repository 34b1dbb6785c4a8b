"""The gate catches a changed number: one printed number of a bundled report is changed in a copy,
the copy goes through load + dbt + gate, and the gate must fail on that row (its line, the total it
feeds, or a cross-table check naming the line) with no unrelated new failures versus an unmutated
copy. One pipeline build covers every mutation (each copy is its own report id).

Covered printed tables (reader table numbers; None = prose lines):
- chungbuk-tp-2024-q3: execution tables 25 (총괄), 26, 27, 28, 29 (수탁사업비); budget plan table 6;
  KPI lines (target, actual).
- chungbuk-sti-2020-h1: execution table 22 (amount and a text-in-number cell); project funding
  table 21 and a funding-source prose line (국비); KPI lines.
- gangwon-2025-plan: budget plan tables 119 and 307; performance target tables 120 and 121.
"""

from __future__ import annotations

import pytest

from tests.mutation import MutationPlan, candidates

# (bundled report, fact table, reader table_no or None for prose, measure, replacement or None = bump a digit)
TARGETS = [
    ("chungbuk-tp-2024-q3", "budget_execution_lines", 25, "budget", None),
    ("chungbuk-tp-2024-q3", "budget_execution_lines", 26, "executed", None),
    ("chungbuk-tp-2024-q3", "budget_execution_lines", 27, "rate", None),
    ("chungbuk-tp-2024-q3", "budget_execution_lines", 28, "budget", None),
    ("chungbuk-tp-2024-q3", "budget_execution_lines", 29, "executed", None),
    ("chungbuk-tp-2024-q3", "budget_plan_lines", 6, "budget", None),
    ("chungbuk-tp-2024-q3", "kpi_lines", None, "target", None),
    ("chungbuk-tp-2024-q3", "kpi_lines", None, "actual", None),
    ("chungbuk-sti-2020-h1", "budget_execution_lines", 22, "budget", None),
    ("chungbuk-sti-2020-h1", "budget_execution_lines", 22, "executed", "미정산"),  # a number column holding text
    ("chungbuk-sti-2020-h1", "project_funding_lines", 21, "amount", None),
    ("chungbuk-sti-2020-h1", "project_funding_lines", None, "amount", None),  # 국비 funding source in prose
    ("chungbuk-sti-2020-h1", "kpi_lines", None, "actual", None),
    ("gangwon-2025-plan", "budget_plan_lines", 119, "budget", None),
    ("gangwon-2025-plan", "budget_plan_lines", 307, "change", None),
    ("gangwon-2025-plan", "performance_target_lines", 120, "budget", None),
    ("gangwon-2025-plan", "performance_target_lines", 121, "target", None),
]


def _pick(report: str, fact_table: str, table_no, measure: str) -> dict:
    for candidate in candidates(report, fact_table):
        if candidate["table_no"] == table_no and candidate["measure"] == measure and candidate["parent_line"]:
            return candidate
    raise LookupError(f"no mutation target in {report} {fact_table} table {table_no} measure {measure}")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    plan = MutationPlan(tmp_path_factory.mktemp("mutations"))
    for report, fact_table, table_no, measure, replacement in TARGETS:
        target = _pick(report, fact_table, table_no, measure)
        plan.mutate(
            report, target["line"], target["old"], replacement, fact_table=fact_table, table_no=table_no,
            measure=measure, parent_line=target["parent_line"], label=target["label"],
        )
    return plan.run()


def test_unmutated_copies_pass_the_gate(results):
    for base in results.baselines.values():
        failed = results.failures(base)
        errors = failed[failed.severity == "ERROR"]
        assert errors.empty, errors.message.tolist()[:5]


@pytest.mark.parametrize("index", range(len(TARGETS)), ids=[f"{t[0]}:{t[1]}:t{t[2]}:{t[3]}" for t in TARGETS])
def test_gate_fails_exactly_on_the_mutated_row(results, index):
    mutation = results.mutations[index]
    caught, explained, unrelated = results.verdict(mutation)
    where = f"{mutation.report_id} line {mutation.line} {mutation.old!r} -> {mutation.new!r} (total on line {mutation.parent_line})"
    assert explained, f"the gate did not notice {where}"
    assert not unrelated, f"{where} caused unrelated failures: {unrelated[:3]}"
    new = results.new_failures(mutation)
    assert (new.severity == "ERROR").all(), new.message.tolist()  # blocking, not acknowledged


def test_mutations_cover_ten_tables_across_three_reports(results):
    tables = {(m.source_report, m.fact_table, m.table_no) for m in results.mutations}
    assert len(tables) >= 10
    assert len({m.source_report for m in results.mutations}) == 3
