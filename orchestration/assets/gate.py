"""The gate: Great Expectations suites (expectations/*.json) as blocking asset checks per report.

One step validates every suite for the run's reports, records the verdicts in the warehouse
(`gate.check_results`, `gate.failed_rows`), builds Data Docs and writes the discrepancy report, so
the report exists even when the gate fails. Each suite is a blocking check on
`gate/validation_results`: an ERROR keeps the published layer of that report from being built;
acknowledged discrepancies show as WARN and do not block. (Checks sit on the gate asset rather than
on the dbt models they read because the gate itself is downstream of those models: a blocking check
there would have to wait for the step that computes it.)
"""

import dagster as dg
import pandas as pd

from ..gate.discrepancy_report import write_discrepancy_report
from ..gate.results import failed_rows_of_reports, run_gate
from ..gate.suites import ERROR, NOT_CHECKED, PASS, WARN, GateValidator, load_suites, verdict_label
from ..faults import checkpoint
from ..notifications import prepare_gate_notifications, send_notifications
from ..partitions import reports_partitions
from ..publication import checked_versions
from ..resources import WarehouseResource
from ..settings import EXPECTATIONS_DIR, paths
from .metadata import LIST_LIMIT, markdown_list, progress_log

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
            group_name="reconciliation",
            kinds={"great_expectations", "duckdb"},
        ),
        dg.AssetSpec(
            DISCREPANCY_REPORT,
            description="Human-readable discrepancy report (HTML and Markdown) per report and run.",
            deps=[GATE_RESULTS],
            group_name="reconciliation",
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
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def gate(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    home = paths()
    validator = GateValidator(home.home / "gx")
    run_id = context.run.run_id
    report_ids = list(context.partition_keys)
    summaries, reports = [], []
    with warehouse.locked(context), warehouse.connect(log=context.log.warning) as con:
        versions = checked_versions(con, report_ids)  # the version of the marts each verdict is about
        unversioned = [r for r, v in versions.items() if v is None]
        if unversioned:
            context.log.warning(f"no finished marts build for {', '.join(unversioned[:20])}: their verdicts cannot publish them")
        gates = run_gate(con, report_ids, run_id, EXPECTATIONS_DIR, validator,
                         log=progress_log(context.log.info, len(report_ids), "checked"), load_ids=versions)
        checkpoint("gate")
        for report_gate in gates:
            reports.append(write_discrepancy_report(con, report_gate.report_id, run_id, home.discrepancy_reports))
            summaries.append(
                f"**{report_gate.report_id}**: {report_gate.severity} "
                f"({sum(r.severity == PASS for r in report_gate.results)}/{len(report_gate.results)} suites pass, "
                f"{sum(r.severity == NOT_CHECKED for r in report_gate.results)} not checked)"
            )
        failures = {suite.name: failed_rows_of_reports(con, run_id, report_ids, suite.name) for suite in SUITES}
        # Notify gate ERRORs from this step, with their rows (run-failure sensors cannot be relied on
        # for checks); sent once the warehouse is released: a slow channel must not hold it.
        notifications = prepare_gate_notifications(con, run_id, report_ids, reports, job_name=context.job_name, log=context.log)
    send_notifications(notifications, log=context.log)
    docs = validator.build_docs()
    docs_url = docs.as_uri() if docs else None
    # Failing reports first: they are the ones a reader of a capped list needs.
    order = sorted(range(len(gates)), key=lambda i: gates[i].severity != ERROR)
    summaries = [summaries[i] for i in order]
    report_links = [f"[{reports[i].parent.name}]({reports[i].as_uri()})" for i in order]
    yield dg.MaterializeResult(
        asset_key=GATE_RESULTS,
        metadata=_clean(
            {
                "reports": markdown_list(summaries),
                "data_docs": dg.MetadataValue.url(docs_url) if docs_url else None,
                "suites": len(SUITES),
            }
        ),
    )
    yield dg.MaterializeResult(
        asset_key=DISCREPANCY_REPORT,
        metadata=_clean(
            {
                "html": markdown_list(report_links) if reports else None,
                # the first (failing first) report's, whole when it is short: copied into every partition's event
                "markdown": dg.MetadataValue.md(_capped(reports[order[0]].with_suffix(".md").read_text(encoding="utf-8")))
                if reports
                else None,
            }
        ),
    )
    for suite in SUITES:
        yield _check_result(suite, gates, failures[suite.name], docs_url, reports)


def _capped(text: str, limit: int = 20_000) -> str:
    return text if len(text) <= limit else text[:limit] + "\n\n… (cut here: the full report is in the html files listed above)"


def _clean(metadata: dict) -> dict:
    return {k: v for k, v in metadata.items() if v is not None}


def _check_result(suite, gates, failures: pd.DataFrame, docs_url, reports) -> dg.AssetCheckResult:
    """One check per suite: ERROR if any report fails it, WARN if only acknowledged rows remain, and
    NOT CHECKED when no report had a row to check — shown as a failed WARN check (never as Passed),
    which does not block publishing."""
    severities, unchecked = [], []
    for report_gate in gates:
        result = next(r for r in report_gate.results if r.suite.name == suite.name)
        stale = [s for s in report_gate.stale if s["suite"] == suite.name]
        severities.append(ERROR if stale else result.severity)
        if severities[-1] == NOT_CHECKED:
            unchecked.append(report_gate.report_id)
    severity = (ERROR if ERROR in severities else WARN if WARN in severities else PASS if PASS in severities
                else NOT_CHECKED)
    messages = failures["message"].tolist() if len(failures) else []
    if severity == NOT_CHECKED:
        messages = [f"NOT CHECKED: {suite.table} has no rows for {', '.join(unchecked[:LIST_LIMIT])}"
                    f"{' …' if len(unchecked) > LIST_LIMIT else ''}; nothing was checked, nothing passed"]
    listing = "\n".join(f"- {m}" for m in messages[:50]) or "_none_"
    if len(messages) > 50:
        listing += f"\n- … and {len(messages) - 50} more"
    table = None
    if len(failures):
        columns = ["report_id", "severity", "gate_status", "table_name", "source_line", "row_label", "expected", "found"]
        rows = failures.rename(columns={"label": "row_label"})
        table = dg.MetadataValue.table(
            records=[
                dg.TableRecord({c: (None if pd.isna(r.get(c)) else str(r.get(c))) for c in columns})
                for r in rows.head(100).to_dict("records")
            ],
            schema=dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in columns]),
        )
    return dg.AssetCheckResult(
        asset_key=GATE_RESULTS,
        check_name=suite.name,
        passed=severity == PASS,
        severity=dg.AssetCheckSeverity.WARN if severity in (WARN, NOT_CHECKED) else dg.AssetCheckSeverity.ERROR,
        description=messages[0] if messages else None,
        metadata=_clean(
            {
                "verdict": verdict_label(severity),
                "not_checked_reports": f"{len(unchecked)}: " + ", ".join(unchecked[:LIST_LIMIT])
                + (" …" if len(unchecked) > LIST_LIMIT else "") if unchecked else None,
                "table": suite.table,
                "reports": f"{len(gates)}: " + ", ".join(g.report_id for g in gates[:LIST_LIMIT]) + (" …" if len(gates) > LIST_LIMIT else ""),
                "rows_checked": sum(
                    next(r.row_count for r in g.results if r.suite.name == suite.name) for g in gates
                ),
                "failed_rows": int((failures["severity"] == ERROR).sum()) if len(failures) else 0,
                "acknowledged_rows": int((failures["gate_status"] == "acknowledged").sum()) if len(failures) else 0,
                "failures": dg.MetadataValue.md(listing),
                "failed_rows_table": table,
                "data_docs": dg.MetadataValue.url(docs_url) if docs_url else None,
                "discrepancy_report": dg.MetadataValue.url(reports[0].as_uri()) if reports else None,
                "suite_file": f"expectations/{suite.path.name}",
            }
        ),
    )
