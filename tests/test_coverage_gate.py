"""Coverage and verdicts end to end, through the real Dagster job:

- a suite that had no row to check reads NOT CHECKED (CLI summary, gate tables, the Dagster check —
  a failed WARN, never Passed — and the discrepancy report), and does not block publishing;
- a report whose family profile requires a fact type it does not yield fails the gate with an ERROR
  naming the candidate tables it could not read;
- a re-export of the technopark report with four lines added at the top, re-added under its own id,
  gets the same acknowledgements applied and is published as before.
"""

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.settings import environment
from tests.test_gate import query

ROOT = Path(__file__).resolve().parents[1]
TP = "chungbuk-tp-2024-q3"
RENAMED = "chungbuk-sti-2020-h1-renamed"
# Execution headers in words no profile knows: the execution table is no longer recognised.
ORIGINAL_HEADER, RENAMED_HEADER = "\t예산액\t집행액\t", "\t배정금\t사용금\t"
ADDED_LINES = ["충북테크노파크", "2024년도 주요업무 추진상황 (재배포본)", "", "※ 본 자료는 재배포용입니다."]

pytestmark = pytest.mark.slow


def _registry_entry(report_id: str) -> dict:
    registry = yaml.safe_load((ROOT / "seeds" / "reports.yaml").read_text(encoding="utf-8"))
    return next(e for e in registry["reports"] if e["report_id"] == report_id)


def _acknowledged(home: Path, run_id: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "select suite, label, measure, expected, found, source_line, gate_status from gate.failed_rows "
            "where run_id = ? and report_id = ? order by suite, label, measure, expected", [run_id, TP]
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("coverage")
    seeds, home = base / "seeds", base / "home"
    (seeds / "reports").mkdir(parents=True)
    tp, sti = _registry_entry(TP), _registry_entry("chungbuk-sti-2020-h1")
    shutil.copyfile(ROOT / "seeds" / "reports" / tp["file"], seeds / "reports" / tp["file"])
    text = (ROOT / "seeds" / "reports" / sti["file"]).read_text(encoding="utf-8")
    assert text.count(ORIGINAL_HEADER) >= 1
    (seeds / "reports" / f"{RENAMED}.txt").write_text(text.replace(ORIGINAL_HEADER, RENAMED_HEADER), encoding="utf-8")
    renamed = dict(sti, report_id=RENAMED, file=f"{RENAMED}.txt")
    (seeds / "reports.yaml").write_text(yaml.safe_dump({"reports": [tp, renamed]}, allow_unicode=True), encoding="utf-8")
    env = {"BUDGET_RECON_HOME": str(home), "BUDGET_RECON_SEEDS": str(seeds), "DAGSTER_HOME": str(home / "dagster")}
    with environment(env):
        from orchestration.cli import run_reports

        first = {s.report_id: s for s in run_reports([TP, RENAMED]).reports}
        first_acks = _acknowledged(home, first[TP].run_id)
        # The re-export: four lines more at the top, re-added under the same id.
        original = (seeds / "reports" / tp["file"]).read_text(encoding="utf-8")
        (seeds / "reports" / tp["file"]).write_text("\n".join(ADDED_LINES) + "\n" + original, encoding="utf-8")
        (second,) = run_reports([TP]).reports
    return {"first": first, "second": second, "first_acks": first_acks, "home": home}


def test_a_suite_without_rows_is_not_checked_and_does_not_block(runs):
    tp = runs["first"][TP]
    # acknowledged: rec_parent_totals, rec_execution_rows and rec_kpi_rates (rounding), rec_staffing,
    # rec_facility_totals (the headline 연면적)
    assert tp.success and tp.published and tp.checks_failed == 0 and tp.checks_warned == 5
    unchecked = query(runs["home"], "select suite from gate.check_results where run_id = ? and report_id = ? "
                      "and severity = 'NOT_CHECKED' order by suite", [tp.run_id, TP])
    assert tp.checks_not_checked == len(unchecked) > 0
    assert ("rec_performance_roi",) in unchecked
    # Every suite that passed checked rows; every suite without rows reads NOT CHECKED.
    assert query(runs["home"], "select count(*) from gate.check_results where run_id = ? and "
                 "((severity = 'PASS' and row_count = 0) or (severity = 'NOT_CHECKED' and row_count > 0))", [tp.run_id]) == [(0,)]
    from orchestration.cli import _line

    assert f"{tp.checks_not_checked} not checked" in _line(tp)
    page = (runs["home"] / "discrepancies" / TP / "latest.md").read_text(encoding="utf-8")
    assert "| rec_performance_roi | NOT CHECKED | 0 |" in page and "## Table coverage" in page


def test_the_dagster_check_of_an_unchecked_suite_is_a_warning_not_a_pass(runs):
    import dagster as dg

    second = runs["second"]
    with environment({"DAGSTER_HOME": str(runs["home"] / "dagster")}), dg.DagsterInstance.get() as instance:
        records = instance.get_records_for_run(second.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
        evaluations = {r.event_log_entry.dagster_event.event_specific_data.check_name: r.event_log_entry.dagster_event.event_specific_data
                       for r in records}
        steps = {s.step_key: s.status.value for s in instance.get_run_step_stats(second.run_id)}
    roi = evaluations["rec_performance_roi"]
    assert not roi.passed and roi.severity == dg.AssetCheckSeverity.WARN
    assert roi.metadata["verdict"].value == "NOT CHECKED"
    assert evaluations["rec_cross_table_budget"].passed  # (rec_execution_rows: acknowledged rounding findings)
    assert steps.get("published") == "SUCCESS"  # a WARN does not block: the report is published


def test_coverage_is_stored_and_shown(runs):
    tp = runs["first"][TP]
    assert tp.coverage and "unrecognised" in tp.coverage
    rows = query(runs["home"], "select classification, count(*) from raw.table_coverage where report_id = ? group by all", [TP])
    counts = dict(rows)
    assert sum(counts.values()) == tp.tables and counts["extracted"] >= 5
    assert f"{counts['extracted']} extracted" in tp.coverage


def test_a_required_fact_type_without_rows_fails_naming_the_table(runs):
    renamed = runs["first"][RENAMED]
    assert not renamed.published and renamed.checks_failed >= 1
    failure = next(f for f in renamed.failures if f.startswith("fact_coverage"))
    table_no, first_line = query(
        runs["home"], "select table_no, first_line from raw.report_tables where report_id = ? and first_line = "
        "(select min(line_no) from raw.report_lines where report_id = ? and text like '%배정금%')", [RENAMED, RENAMED]
    )[0]
    assert "budget_execution" in failure and f"table {table_no} (lines {first_line}-" in failure
    assert query(runs["home"], "select classification from raw.table_coverage where report_id = ? and table_no = ?",
                 [RENAMED, table_no]) == [("unrecognised",)]
    # The report with the execution facts is not blocked by the other report's missing ones.
    assert runs["first"][TP].published


def test_a_re_export_with_lines_added_keeps_its_acknowledgements(runs):
    second = runs["second"]
    assert second.success and second.published and second.checks_failed == 0
    assert second.checks_warned == runs["first"][TP].checks_warned == 5
    before, after = runs["first_acks"], _acknowledged(runs["home"], second.run_id)
    # 3 parent totals, 3 execution rates and 1 KPI rate (rounding convention), 1 staffing row, 1 facility total
    assert [r[6] for r in after] == ["acknowledged"] * 9
    assert [r[:5] for r in after] == [r[:5] for r in before]  # same rows, labels, measures and amounts
    assert [r[5] for r in after] == [r[5] + len(ADDED_LINES) for r in before]  # only the lines moved
