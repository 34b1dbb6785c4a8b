"""The gate: Great Expectations suites (expectations/*.json) as blocking asset checks per report.

One step validates every suite for the run's reports, records the verdicts in the warehouse
(`gate.check_results`, `gate.failed_rows`), builds Data Docs and writes the discrepancy report, so
the report exists even when the gate fails. Each suite is a blocking check on
`gate/validation_results`, evaluated per report partition, in the words `budget-recon run`/`status`
and the discrepancy report use (`suites.verdict_label`): PASSED; FAILED (an ERROR) keeps the
published layer of that report from being built; ACKNOWLEDGED (a WARN: the only findings are reviewed
report errors, published); NOT CHECKED (a WARN: the suite had no rows of this report, nothing passed;
publishable). (Checks sit on the gate asset rather than
on the dbt models they read because the gate itself is downstream of those models: a blocking check
there would have to wait for the step that computes it.)
"""

from dataclasses import dataclass

import dagster as dg
import pandas as pd

from ..faults import checkpoint
from ..gate.discrepancy_report import quote_line, won, write_discrepancy_report
from ..gate.results import run_gate
from ..gate.suites import ERROR, PASS, GateValidator, load_suites, verdict_label
from ..notifications import prepare_gate_notifications, send_notifications
from ..partitions import reports_partitions
from ..publication import checked_versions
from ..resources import WarehouseResource
from ..settings import EXPECTATIONS_DIR, paths
from ..serve import url_for
from .metadata import progress_log

SUITES = load_suites(EXPECTATIONS_DIR)
GATE_RESULTS = dg.AssetKey(["gate", "validation_results"])
DISCREPANCY_REPORT = dg.AssetKey(["gate", "discrepancy_report"])


@dg.multi_asset(
    name="gate",
    specs=[
        dg.AssetSpec(
            GATE_RESULTS,
            description="Every GE suite validated for the run's reports; verdicts in gate.check_results.",
            deps=[dg.AssetKey(list(a)) for a in sorted({s.asset for s in SUITES})],
            group_name="gate",
            kinds={"great_expectations", "duckdb"},
        ),
        dg.AssetSpec(
            DISCREPANCY_REPORT,
            description="Human-readable discrepancy report (HTML and Markdown) per report and run.",
            deps=[GATE_RESULTS],
            group_name="gate",
            kinds={"html"},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            name=suite.name,
            asset=GATE_RESULTS,
            description=f"{suite.definition.get('meta', {}).get('description', '')} "
            f"(Great Expectations suite expectations/{suite.path.name} on {suite.table})",
            blocking=True,
            partitions_def=reports_partitions,
        )
        for suite in SUITES
    ],
    partitions_def=reports_partitions,
    # No backfill policy: a backfill checks and publishes each report in a run of its own, tagged with
    # its partition (after one run that loads and builds them all), and Dagster links a check
    # evaluation to the partition's materialization only in such a run. (A multi_run(1) policy would
    # tag a one-partition range instead, which Dagster records like a batch.)
)
def gate(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    home = paths()
    validator = GateValidator(home.home / "gx")
    run_id = context.run.run_id
    report_ids = list(context.partition_keys)
    # GE files a validation under a folder named after the run: a few ids, well under the 255-byte name limit
    shown = ", ".join(report_ids[:3]) + (f" +{len(report_ids) - 3} more" if len(report_ids) > 3 else "")
    validator.run_name = f"{shown[:180]} (run {run_id[:8]})"
    with warehouse.locked(context), warehouse.connect(log=context.log.warning) as con:
        versions = checked_versions(con, report_ids)  # the version of the marts each verdict is about
        unversioned = [r for r, v in versions.items() if v is None]
        if unversioned:
            context.log.warning(f"no finished marts build for {', '.join(unversioned[:20])}: their verdicts cannot publish them")
        gates = run_gate(con, report_ids, run_id, EXPECTATIONS_DIR, validator,
                         log=progress_log(context.log.info, len(report_ids), "checked"), load_ids=versions)
        checkpoint("gate")
        reports = {g.report_id: write_discrepancy_report(con, g.report_id, run_id, home.discrepancy_reports) for g in gates}
        findings = findings_of_run(con, run_id, report_ids)
        # Notify gate ERRORs from this step, with their rows (run-failure sensors cannot be relied on
        # for checks); sent once the warehouse is released: a slow channel must not hold it.
        notifications = prepare_gate_notifications(con, run_id, report_ids, reports, job_name=context.job_name, log=context.log)
    send_notifications(notifications, log=context.log)
    docs = validator.build_docs()
    docs_url = url_for(docs) if docs else None
    by_suite = {name: group for name, group in findings.groupby("suite", sort=False)} if len(findings) else {}
    _add_partition_metadata(context, gates, reports, docs_url)
    yield dg.MaterializeResult(asset_key=GATE_RESULTS, metadata={"suites": len(SUITES)})
    yield dg.MaterializeResult(asset_key=DISCREPANCY_REPORT)
    # One evaluation per suite AND report. A step over ONE partition (`budget-recon run` of up to
    # cli.PER_REPORT_GATE_LIMIT reports, a backfill, the schedule, the sensor) yields AssetCheckResults:
    # Dagster records them on that partition and against this materialization, so every view of the UI
    # shows each report's state. An AssetCheckResult of a step over several partitions is recorded
    # without a partition (Dagster 1.13: the UI shows Skipped for every report), so there each report
    # gets an AssetCheckEvaluation naming its partition: its Execution history is right, but the
    # Partitions tab counts it Missing (no public API links it to the materialization). The step
    # fails on a blocking ERROR either way.
    selected = context.selected_asset_check_keys
    single = len(gates) == 1 and context.has_partition_key
    for suite in SUITES:
        key = dg.AssetCheckKey(GATE_RESULTS, suite.name)
        if key not in selected:
            continue
        if not single:
            yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(key))
        rows = by_suite.get(suite.name)
        for report_gate in gates:
            mine = rows[rows["report_id"] == report_gate.report_id] if rows is not None else None
            evaluation = _evaluation(suite, report_gate, mine, reports[report_gate.report_id], docs_url)
            if single:
                yield dg.AssetCheckResult(
                    asset_key=evaluation.asset_key, check_name=evaluation.check_name, passed=evaluation.passed,
                    severity=evaluation.severity, description=evaluation.description, metadata=evaluation.metadata,
                )
            else:
                yield evaluation


def _add_partition_metadata(context: dg.AssetExecutionContext, gates, reports: dict, docs_url: str | None) -> None:
    """Each report's verdict on its own partition of both gate assets (Dagster would copy run-level
    metadata into every partition's event)."""
    for report_gate in gates:
        report_id = report_gate.report_id
        verdicts = [suite_verdict(result, report_gate) for result in report_gate.results]
        report_url = url_for(reports[report_id])
        context.add_asset_metadata(
            _clean(
                {
                    "verdict": verdict_label(report_gate.severity),
                    "suites": dg.MetadataValue.md(_suites_table(report_gate, verdicts)),
                    "rows_checked": sum(r.row_count for r in report_gate.results),
                    "failed_rows": sum(v.failed for v in verdicts),
                    "acknowledged_rows": sum(v.acknowledged for v in verdicts),
                    "discrepancy_report": dg.MetadataValue.url(report_url) if report_url else None,
                    "data_docs": dg.MetadataValue.url(docs_url) if docs_url else None,
                }
            ),
            asset_key=GATE_RESULTS,
            partition_key=report_id,
        )
        context.add_asset_metadata(
            _clean(
                {
                    "html": dg.MetadataValue.url(report_url) if report_url else None,
                    "file": dg.MetadataValue.path(str(reports[report_id])),
                    "markdown": dg.MetadataValue.md(_capped(reports[report_id].with_suffix(".md").read_text(encoding="utf-8"))),
                }
            ),
            asset_key=DISCREPANCY_REPORT,
            partition_key=report_id,
        )


FINDINGS_LIMIT = 100  # rows of a findings table in one check's metadata; the discrepancy report has all


@dataclass(frozen=True)
class SuiteVerdict:
    """One suite for one report, in the words the CLI and the discrepancy report use too
    (`verdict_label`): PASSED; FAILED (blocks publishing); ACKNOWLEDGED (only reviewed report errors:
    a WARN, published); NOT CHECKED (no rows of this report to check: a WARN, never a pass, publishable)."""

    severity_code: str  # PASS, WARN, ERROR, NOT_CHECKED as gate.check_results stores it
    rows: int
    failed: int
    acknowledged: int

    @property
    def text(self) -> str:
        return verdict_label(self.severity_code)

    @property
    def passed(self) -> bool:
        return self.severity_code == PASS

    @property
    def severity(self) -> dg.AssetCheckSeverity:
        return dg.AssetCheckSeverity.ERROR if self.severity_code == ERROR else dg.AssetCheckSeverity.WARN


def suite_verdict(result, report_gate) -> SuiteVerdict:
    """The verdict gate.check_results records for this suite and report (results._record)."""
    stale = sum(s["suite"] == result.suite.name for s in report_gate.stale)
    failing = result.failing_records if result.failing_records is not None else result.failing_rows.to_dict("records")
    acknowledged = sum(r.get("gate_status") == "acknowledged" for r in failing)
    severity = ERROR if stale else result.severity
    return SuiteVerdict(severity, result.row_count, len(failing) - acknowledged + stale, acknowledged)


def findings_of_run(con, run_id: str, report_ids: list[str]) -> pd.DataFrame:
    """Every failed or acknowledged row of the run's reports, with the text of its source line."""
    return con.execute(
        """
        select f.report_id, f.suite, f.gate_status, f.severity, f.table_name, f.source_line, f.other_lines, f.label,
               f.measure, f.expected, f.found, f.difference, f.message, f.acknowledgement, f.label_path, f.column_label,
               l.text as source_text
        from gate.failed_rows f
        left join raw.report_lines l on l.report_id = f.report_id and l.line_no = f.source_line
        where f.run_id = ? and f.report_id in (select unnest(?::varchar[]))
        order by f.suite, f.report_id,
                 case f.gate_status when 'discrepancy' then 0 when 'stale_acknowledgement' then 1 else 2 end, f.source_line
        """,
        [run_id, report_ids],
    ).df()


FINDING_COLUMNS = ["status", "table", "line", "row", "column", "measure", "expected", "found", "difference", "source line"]


def _findings_table(rows: pd.DataFrame) -> dg.MetadataValue:
    records = []
    for r in rows.head(FINDINGS_LIMIT).to_dict("records"):
        values = {
            "status": r["gate_status"],
            "table": r["table_name"],
            "line": r["source_line"],
            "row": r["label_path"] if isinstance(r["label_path"], str) and r["label_path"] else r["label"],
            "column": r["column_label"],
            "measure": r["measure"],
            "expected": won(r["expected"]),
            "found": won(r["found"]),
            "difference": won(r["difference"]),
            "source line": quote_line(r["source_text"]),
        }
        records.append(dg.TableRecord({k: (None if v is None or pd.isna(v) else str(v)) for k, v in values.items()}))
    return dg.MetadataValue.table(
        records=records, schema=dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in FINDING_COLUMNS])
    )


def _evaluation(suite, report_gate, rows: pd.DataFrame | None, report_file, docs_url) -> dg.AssetCheckEvaluation:
    result = next(r for r in report_gate.results if r.suite.name == suite.name)
    verdict = suite_verdict(result, report_gate)
    rows = rows if rows is not None and len(rows) else None
    first = rows["message"].iloc[0] if rows is not None else None
    summary = (f"{report_gate.report_id}: {verdict.text}, {verdict.rows} rows checked, {verdict.failed} failed, "
               f"{verdict.acknowledged} acknowledged")
    report_url = url_for(report_file, fragment=suite.name)
    return dg.AssetCheckEvaluation(
        asset_key=GATE_RESULTS,
        check_name=suite.name,
        passed=verdict.passed,
        severity=verdict.severity,
        blocking=True,
        partition=report_gate.report_id,
        description=summary + (f". First: {first}" if first else ""),
        metadata=_clean(
            {
                "verdict": verdict.text,
                "table": suite.table,
                "rows_checked": verdict.rows,
                "failed_rows": verdict.failed,
                "acknowledged_rows": verdict.acknowledged,
                "findings": _findings_table(rows) if rows is not None else None,
                "findings_shown": f"{min(len(rows), FINDINGS_LIMIT)} of {len(rows)}" if rows is not None else None,
                "discrepancy_report": dg.MetadataValue.url(report_url) if report_url else None,
                "data_docs": dg.MetadataValue.url(docs_url) if docs_url else None,
                "suite_file": f"expectations/{suite.path.name}",
            }
        ),
    )


def _suites_table(report_gate, verdicts: list[SuiteVerdict]) -> str:
    lines = ["| suite | verdict | rows checked | failed | acknowledged |", "|---|---|---:|---:|---:|"]
    for result, verdict in sorted(zip(report_gate.results, verdicts), key=lambda p: (p[1].passed, p[0].suite.name)):
        lines.append(f"| {result.suite.name} | {verdict.text} | {verdict.rows} | {verdict.failed} | {verdict.acknowledged} |")
    return "\n".join(lines)


def _capped(text: str, limit: int = 20_000) -> str:
    return text if len(text) <= limit else text[:limit] + "\n\n… (cut here: the full report is at the html link)"


def _clean(metadata: dict) -> dict:
    return {k: v for k, v in metadata.items() if v is not None}
