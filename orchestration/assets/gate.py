"""The gate: Great Expectations suites (expectations/*.json) as blocking asset checks per report.

`gate/validation_results` runs every suite for the run's reports and records the verdict in the
warehouse; `gate/discrepancy_report` is written by the same step, so it exists even when the gate
fails. Each suite then surfaces as a blocking asset check on the model it covers: an ERROR stops the
published layer of that report; acknowledged discrepancies show as WARN and do not block.
"""

import dagster as dg

from ..gate.discrepancy_report import write_discrepancy_report
from ..gate.results import failed_rows, latest_results, run_gate
from ..gate.suites import ERROR, PASS, WARN, GateValidator, load_suites
from ..partitions import WAREHOUSE_POOL, reports_partitions
from ..resources import WarehouseResource
from ..settings import EXPECTATIONS_DIR, paths

SUITES = load_suites(EXPECTATIONS_DIR)
GATE_RESULTS = dg.AssetKey(["gate", "validation_results"])
DISCREPANCY_REPORT = dg.AssetKey(["gate", "discrepancy_report"])


@dg.multi_asset(
    name="gate",
    specs=[
        dg.AssetSpec(
            GATE_RESULTS,
            description="Every GE suite validated for the run's reports; verdicts in gate.check_results.",
            deps=sorted({s.asset for s in SUITES}),
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
    partitions_def=reports_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def gate(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    home = paths()
    validator = GateValidator(home.home / "gx")
    run_id = context.run.run_id
    summaries, reports = [], []
    with warehouse.connect() as con:
        gates = run_gate(con, list(context.partition_keys), run_id, EXPECTATIONS_DIR, validator, log=context.log.info)
        for report_gate in gates:
            path = write_discrepancy_report(con, report_gate.report_id, run_id, home.discrepancy_reports)
            reports.append(path)
            summaries.append(
                f"- **{report_gate.report_id}**: {report_gate.severity} "
                f"({sum(r.severity == PASS for r in report_gate.results)}/{len(report_gate.results)} suites pass)"
            )
    docs = validator.build_docs()
    yield dg.MaterializeResult(
        asset_key=GATE_RESULTS,
        metadata={
            "reports": dg.MetadataValue.md("\n".join(summaries)),
            "data_docs": dg.MetadataValue.url(docs.as_uri()) if docs else None,
            "suites": len(SUITES),
        },
    )
    yield dg.MaterializeResult(
        asset_key=DISCREPANCY_REPORT,
        metadata={
            "html": dg.MetadataValue.path(str(reports[0].with_suffix(".html"))) if reports else None,
            "markdown": dg.MetadataValue.md(reports[0].with_suffix(".md").read_text(encoding="utf-8")) if reports else None,
        },
    )


def _check_specs():
    return [
        dg.AssetCheckSpec(
            name=f"ge_{suite.name}",
            asset=dg.AssetKey(list(suite.asset)),
            description=f"Great Expectations suite {suite.path.name} ({suite.kind}) for this report.",
            blocking=True,
            additional_deps=[GATE_RESULTS],
            partitions_def=reports_partitions,
        )
        for suite in SUITES
    ]


@dg.multi_asset_check(specs=_check_specs(), name="gate_checks", pool=WAREHOUSE_POOL)
def gate_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Surface each suite's recorded verdict: ERROR blocks, acknowledged-only is WARN."""
    home = paths()
    run_id = context.run.run_id
    report_ids = list(context.partition_keys) if context.has_partition_key_range or context.has_partition_key else []
    with warehouse.connect(read_only=True) as con:
        by_suite: dict[str, list] = {}
        for report_id in report_ids:
            for row in latest_results(con, run_id, report_id).to_dict("records"):
                by_suite.setdefault(row["suite"], []).append((report_id, row))
        for suite in SUITES:
            entries = by_suite.get(suite.name, [])
            severities = [row["severity"] for _, row in entries]
            severity = ERROR if ERROR in severities or not entries else WARN if WARN in severities else PASS
            failed = []
            for report_id, _ in entries:
                failed.append(failed_rows(con, run_id, report_id, suite.name))
            import pandas as pd

            failures = pd.concat(failed) if failed else pd.DataFrame()
            messages = failures["message"].tolist() if len(failures) else []
            table_md = "\n".join(f"- `{m}`" for m in messages[:50]) or "_none_"
            if len(messages) > 50:
                table_md += f"\n- … {len(messages) - 50} more"
            reports = [
                home.discrepancy_reports / report_id / "latest.html" for report_id in report_ids
            ]
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(list(suite.asset)),
                check_name=f"ge_{suite.name}",
                passed=severity == PASS,
                severity=dg.AssetCheckSeverity.WARN if severity == WARN else dg.AssetCheckSeverity.ERROR,
                description=(messages[0] if messages else None),
                metadata={
                    "reports": ", ".join(report_ids),
                    "rows_checked": int(sum(row["row_count"] for _, row in entries)),
                    "failed_rows": int(sum(row["failed_count"] for _, row in entries)),
                    "acknowledged_rows": int(sum(row["acknowledged_count"] for _, row in entries)),
                    "failures": dg.MetadataValue.md(table_md),
                    "data_docs": dg.MetadataValue.url((home.home / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").as_uri()),
                    "discrepancy_report": dg.MetadataValue.url(reports[0].as_uri()) if reports else None,
                    "suite_file": str(suite.path.relative_to(EXPECTATIONS_DIR.parent)),
                },
            )
