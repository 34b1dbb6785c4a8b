"""`budget-recon`: what a user does without the UI, backed by the same Dagster definitions.

    budget-recon add FILE --id ID --organization ORG --title TITLE [...]
    budget-recon run [--report ID ...]
    budget-recon status
    budget-recon sync          (register report partitions with the Dagster instance)
    budget-recon dbt-build     (load the bundled reports into a scratch warehouse and `dbt build` it)

Exit status is non-zero when a run fails or any gate check fails with ERROR severity.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .settings import paths

DAGSTER_YAML = """\
# Written by budget-recon. Steps that open the DuckDB warehouse share one pool with one slot,
# so concurrent runs queue for DuckDB's single writer instead of failing on its file lock.
concurrency:
  pools:
    granularity: op
    default_limit: 1
  runs:
    max_concurrent_runs: 4
telemetry:
  enabled: false
"""


def prepare_environment() -> Path:
    """Point Dagster at the project's home (`$BUDGET_RECON_HOME/dagster`) and write its config once."""
    home = paths()
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home.dagster_home)
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    home.home.mkdir(parents=True, exist_ok=True)
    return dagster_home


def sync_partitions(instance) -> list[str]:
    """Make the dynamic partitions equal the registry's report ids, in registry order."""
    from .parsing.registry import load_registry
    from .partitions import reports_partitions

    ids = [e.report_id for e in load_registry(paths().registry)]
    name = reports_partitions.name
    existing = instance.get_dynamic_partitions(name)
    stale = [p for p in existing if p not in ids]
    if stale:
        for key in stale:
            instance.delete_dynamic_partition(name, key)
    missing = [i for i in ids if i not in existing]
    if missing:
        instance.add_dynamic_partitions(name, missing)
    return ids


@dataclass
class RunSummary:
    report_id: str
    success: bool
    run_id: str
    seconds: float
    tables: int = 0
    rows: int = 0
    checks_passed: int = 0
    checks_warned: int = 0
    checks_failed: int = 0
    failures: list[str] = field(default_factory=list)
    error: str | None = None


def _summarize(report_id: str, result, seconds: float) -> RunSummary:
    import dagster as dg

    summary = RunSummary(report_id, result.success, result.run_id, seconds)
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        key = materialization.asset_key.path
        count = materialization.metadata.get("dagster/row_count")
        if key == ["raw", "report_tables"] and count is not None:
            summary.tables = int(count.value)
        elif key == ["raw", "report_rows"] and count is not None:
            summary.rows = int(count.value)
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            summary.checks_passed += 1
        elif evaluation.severity == dg.AssetCheckSeverity.WARN:
            summary.checks_warned += 1
        else:
            summary.checks_failed += 1
            summary.failures.append(f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}")
    if not result.success:
        for event in result.all_events:
            if event.event_type_value == "STEP_FAILURE":
                error = event.event_specific_data.error
                while error is not None and error.cause is not None:
                    error = error.cause  # the user-facing cause, not Dagster's wrapper
                summary.error = error.message.strip() if error else "step failed"
                break
    return summary


def run_reports(report_ids: list[str] | None = None, log_level: str = "WARNING") -> list[RunSummary]:
    """One in-process run per report partition, so a bad report fails only its own partition."""
    prepare_environment()
    import dagster as dg

    from .definitions import defs

    job = defs.resolve_job_def("process_reports")
    summaries = []
    with dg.DagsterInstance.get() as instance:
        registered = sync_partitions(instance)
        selected = report_ids or registered
        unknown = [r for r in selected if r not in registered]
        if unknown:
            raise SystemExit(f"not in the registry ({paths().registry}): {', '.join(unknown)}")
        for report_id in selected:
            started = time.perf_counter()
            print(f"▶ {report_id}: parsing, loading, building and checking…", flush=True)
            result = job.execute_in_process(
                instance=instance,
                partition_key=report_id,
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            )
            summary = _summarize(report_id, result, time.perf_counter() - started)
            summaries.append(summary)
            print(_line(summary), flush=True)
    return summaries


def _line(s: RunSummary) -> str:
    state = "ok" if s.success and not s.checks_failed else "FAILED"
    text = (
        f"  {state:6} {s.report_id}: {s.tables} tables, {s.rows} rows; checks {s.checks_passed} passed, "
        f"{s.checks_warned} acknowledged, {s.checks_failed} failed ({s.seconds:.1f}s, run {s.run_id[:8]})"
    )
    for failure in s.failures[:10]:
        text += f"\n         ✗ {failure}"
    if s.error:
        text += f"\n         ✗ {s.error}"
    return text


def cmd_run(args) -> int:
    summaries = run_reports(args.report or None, log_level="DEBUG" if args.verbose else "WARNING")
    total_checks = sum(s.checks_passed + s.checks_warned + s.checks_failed for s in summaries)
    failed = [s for s in summaries if not s.success or s.checks_failed]
    print(
        f"\n{len(summaries)} reports, {sum(s.tables for s in summaries)} tables, {sum(s.rows for s in summaries)} rows; "
        f"{total_checks} checks: {sum(s.checks_passed for s in summaries)} passed, "
        f"{sum(s.checks_warned for s in summaries)} acknowledged, {sum(s.checks_failed for s in summaries)} failed. "
        f"Warehouse: {paths().warehouse}"
    )
    return 1 if failed else 0


def cmd_add(args) -> int:
    from .parsing.registry import ReportEntry, RegistryError, add_report

    source = Path(args.file)
    if not source.is_file():
        print(f"error: {source}: no such file", file=sys.stderr)
        return 2
    entry = ReportEntry(
        report_id=args.id,
        organization=args.organization,
        organization_en=args.organization_en,
        title=args.title,
        family=args.family,
        period=args.period,
        as_of=args.as_of,
        file=args.file_name or f"{args.id}{source.suffix or '.txt'}",
        encoding=args.encoding,
    )
    try:
        add_report(paths().registry, paths().reports_dir, source, entry, replace=args.replace)
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"registered {entry.report_id} -> {paths().reports_dir / entry.file}; run `budget-recon run --report {entry.report_id}`")
    return 0


def cmd_status(args) -> int:
    from . import warehouse

    db = paths().warehouse
    if not db.exists():
        print(f"no warehouse yet at {db}: run `budget-recon run` first")
        return 0
    with warehouse.connect(db, read_only=True) as con:
        rows = con.execute(
            """
            select report_id, max(loaded_at) as loaded_at, arg_max(file_sha256, loaded_at) as sha,
                   arg_max(table_count, loaded_at) as tables, count(*) as loads
            from raw.report_loads group by report_id order by report_id
            """
        ).fetchall()
        gate = {}
        if con.execute(
            "select count(*) from information_schema.tables where table_schema = 'gate' and table_name = 'check_results'"
        ).fetchone()[0]:
            for report_id, status, count in con.execute(
                "select report_id, status, count(*) from gate.check_results where is_latest group by all"
            ).fetchall():
                gate.setdefault(report_id, {})[status] = count
    print(f"{'report':28} {'last loaded':20} {'tables':>6} {'loads':>5}  gate")
    for report_id, loaded_at, sha, tables, loads in rows:
        checks = ", ".join(f"{k} {v}" for k, v in sorted(gate.get(report_id, {}).items())) or "-"
        print(f"{report_id:28} {str(loaded_at)[:19]:20} {tables:>6} {loads:>5}  {checks}")
    return 0


def cmd_sync(args) -> int:
    prepare_environment()
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        ids = sync_partitions(instance)
    print(f"{len(ids)} report partitions: {', '.join(ids)}")
    return 0


def cmd_dbt_build(args) -> int:
    """Load the bundled reports into a scratch warehouse and run a full `dbt build` on it."""
    import subprocess

    from . import warehouse
    from .ingest import ingest
    from .parsing.registry import load_registry

    scratch = paths().home / "dbt_build"
    scratch.mkdir(parents=True, exist_ok=True)
    db = scratch / "warehouse.duckdb"
    db.unlink(missing_ok=True)
    with warehouse.connect(db) as con:
        for entry in load_registry(paths().registry):
            ingest(con, entry, paths().reports_dir)
    from .settings import DBT_PROJECT_DIR

    env = dict(os.environ, BUDGET_RECON_WAREHOUSE=str(db), DBT_TARGET_PATH=str(scratch / "target"),
               DBT_LOG_PATH=str(scratch / "logs"))
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.call([str(dbt), "build", "--profiles-dir", str(DBT_PROJECT_DIR)], cwd=DBT_PROJECT_DIR, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="budget-recon", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    add = sub.add_parser("add", help="copy a report into seeds/reports/ and register it")
    add.add_argument("file")
    add.add_argument("--id", required=True, help="report id, e.g. chungbuk-tp-2025-q2")
    add.add_argument("--organization", required=True, help="issuing organization as printed")
    add.add_argument("--organization-en")
    add.add_argument("--title", required=True)
    add.add_argument("--family", default="agency_status_report", choices=["agency_status_report", "regional_industry_plan"])
    add.add_argument("--period")
    add.add_argument("--as-of", help="ISO date the figures refer to")
    add.add_argument("--encoding", default="utf-8", help="utf-8, utf-8-sig, cp949, euc-kr …")
    add.add_argument("--file-name", help="name inside seeds/reports/ (default: ID + the file's suffix)")
    add.add_argument("--replace", action="store_true", help="replace an already registered report")
    add.set_defaults(func=cmd_add)

    run = sub.add_parser("run", help="materialize everything (or one report) in-process and print a summary")
    run.add_argument("--report", action="append", help="report id (repeatable); default: all registered")
    run.add_argument("--verbose", "-v", action="store_true", help="show Dagster's step logs")
    run.set_defaults(func=cmd_run)

    sub.add_parser("status", help="last load and gate results per report").set_defaults(func=cmd_status)
    sub.add_parser("sync", help="register report partitions with the Dagster instance").set_defaults(func=cmd_sync)
    sub.add_parser("dbt-build", help="dbt build of all models on a scratch warehouse").set_defaults(func=cmd_dbt_build)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
