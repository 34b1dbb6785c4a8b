"""The gate end to end: a changed amount blocks its report's published layer, names the row, and
leaves other reports publishing; acknowledgements turn a proven discrepancy into a WARN, and a
stale acknowledgement is an error."""

import os
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.gate.results import run_gate
from orchestration.gate.suites import GateValidator

ROOT = Path(__file__).resolve().parents[1]
CLEAN = "chungbuk-sti-2020-h1"
MUTATED = "chungbuk-sti-2020-h1-mutated"
# The first project of the execution table: executed 200,307 천원; we print 200,308 instead.
ORIGINAL_ROW = "S W 융 합 클 러 스 터 2 . 0\t2,094,000\t200,307\t1,893,693\t9.6%"
MUTATED_ROW = "S W 융 합 클 러 스 터 2 . 0\t2,094,000\t200,308\t1,893,693\t9.6%"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Two reports run through the real Dagster job: the bundled one and a copy with one amount changed."""
    base = tmp_path_factory.mktemp("gate")
    seeds, home = base / "seeds", base / "home"
    (seeds / "reports").mkdir(parents=True)
    registry = yaml.safe_load((ROOT / "seeds" / "reports.yaml").read_text(encoding="utf-8"))
    entry = next(e for e in registry["reports"] if e["report_id"] == CLEAN)
    shutil.copyfile(ROOT / "seeds" / "reports" / entry["file"], seeds / "reports" / entry["file"])
    text = (ROOT / "seeds" / "reports" / entry["file"]).read_text(encoding="utf-8")
    assert text.count(ORIGINAL_ROW) == 1
    (seeds / "reports" / f"{MUTATED}.txt").write_text(text.replace(ORIGINAL_ROW, MUTATED_ROW), encoding="utf-8")
    mutated_line = text[: text.index(ORIGINAL_ROW)].count("\n") + 1
    registry["reports"] = [entry, dict(entry, report_id=MUTATED, file=f"{MUTATED}.txt")]
    (seeds / "reports.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")

    saved = {k: os.environ.get(k) for k in ("BUDGET_RECON_HOME", "BUDGET_RECON_SEEDS", "DAGSTER_HOME")}
    os.environ.update(BUDGET_RECON_HOME=str(home), BUDGET_RECON_SEEDS=str(seeds), DAGSTER_HOME=str(home / "dagster"))
    try:
        from orchestration.cli import run_reports

        summaries = {s.report_id: s for s in run_reports([CLEAN, MUTATED]).reports}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {"summaries": summaries, "home": home, "line": mutated_line}


def query(home: Path, sql: str, params=()):
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_clean_report_passes_and_is_published(pipeline):
    clean = pipeline["summaries"][CLEAN]
    assert clean.success and clean.checks_failed == 0
    rows = query(pipeline["home"], "select count(*) from published.fct_budget_execution where report_id = ?", [CLEAN])
    assert rows == [(53,)]


def test_changed_amount_fails_the_gate_on_that_row_and_its_total(pipeline):
    mutated = pipeline["summaries"][MUTATED]
    assert mutated.checks_failed >= 1
    assert any("rec_execution_rows" in f for f in mutated.failures)
    assert any("rec_parent_totals" in f for f in mutated.failures)
    line = pipeline["line"]
    failed = query(
        pipeline["home"],
        "select suite, source_line, expected, found, message from gate.failed_rows "
        "where report_id = ? and severity = 'ERROR' and run_id = ? order by suite",
        [MUTATED, mutated.run_id],
    )
    balance = [f for f in failed if f[0] == "rec_execution_rows" and f[1] == line]
    assert balance, failed
    suite, _, expected, found, message = balance[0]
    assert (expected, found) == ("1893692000", "1893693000")
    assert MUTATED in message and f"line {line}" in message and "expected 1893692000" in message
    total = [f for f in failed if f[0] == "rec_parent_totals"]
    assert len(total) == 1 and str(line) in (total[0][4])
    assert total[0][2:4] == ("4178058000", "4178057000")
    # Nothing else fails: the gate names that row and the total it feeds, no unrelated rows.
    assert {f[1] for f in failed} == {line, total[0][1]}


def test_blocked_report_stays_unpublished(pipeline):
    home = pipeline["home"]
    assert query(home, "select count(*) from published.fct_budget_execution where report_id = ?", [MUTATED]) == [(0,)]
    assert query(home, "select count(*) from published.dim_report where report_id = ?", [MUTATED]) == [(0,)]
    # The marts were built (the analyst can inspect them); only publishing is refused.
    assert query(home, "select count(*) from marts.fct_budget_execution where report_id = ?", [MUTATED]) == [(53,)]
    # The Dagster run skipped the published step for that partition.
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    try:
        with dg.DagsterInstance.get() as instance:
            stats = {s.step_key: s.status.value for s in instance.get_run_step_stats(pipeline["summaries"][MUTATED].run_id)}
    finally:
        os.environ.pop("DAGSTER_HOME", None)
    # The gate ran and recorded its verdict (its step fails because a blocking check failed).
    assert stats.get("gate") in ("SUCCESS", "FAILURE")
    assert stats.get("published") in (None, "SKIPPED")


def test_discrepancy_report_quotes_the_line(pipeline):
    report = pipeline["home"] / "discrepancies" / MUTATED / "latest.html"
    page = report.read_text(encoding="utf-8")
    assert "BLOCKED" in page and "200,308" in page and f"{pipeline['line']:>5}" in page
    assert "<svg" in page


def test_acknowledged_discrepancy_warns_and_stale_acknowledgement_errors(pipeline, tmp_path):
    home = pipeline["home"]
    expectations = tmp_path / "expectations"
    shutil.copytree(ROOT / "expectations", expectations)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        failing = con.execute(
            "select check_id, expected, found, source_line from reconciliation.rec_execution_rows "
            "where report_id = ? and not is_consistent", [MUTATED]
        ).fetchall()
        assert len(failing) == 1
        check_id, expected, found, line = failing[0]
        ack = {"model": "rec_execution_rows", "report_id": MUTATED, "check_id": check_id, "source_line": line,
               "expected": str(expected), "found": str(found), "reason": "test: printed balance does not match"}
        (expectations / "acknowledged.yaml").write_text(yaml.safe_dump({"acknowledged": [ack]}, allow_unicode=True))
        validator = GateValidator(tmp_path / "gx")
        (gate,) = run_gate(con, [MUTATED], "ack-run", expectations, validator)
        by_suite = {r.suite.name: r.severity for r in gate.results}
        assert by_suite["rec_execution_rows"] == "WARN"
        assert by_suite["rec_parent_totals"] == "ERROR"  # the total is a separate, unacknowledged finding

        ack["found"] = str(found + 1)  # amounts no longer match the data: the acknowledgement is stale
        (expectations / "acknowledged.yaml").write_text(yaml.safe_dump({"acknowledged": [ack]}, allow_unicode=True))
        (gate,) = run_gate(con, [MUTATED], "stale-run", expectations, validator)
        assert {r.suite.name: r.severity for r in gate.results}["rec_execution_rows"] == "ERROR"
        status = con.execute(
            "select gate_status from gate.failed_rows where run_id = 'stale-run' and suite = 'rec_execution_rows'"
        ).fetchall()
        assert status == [("stale_acknowledgement",)]
    finally:
        con.close()
