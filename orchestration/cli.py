"""`budget-recon`: what a user does without the UI, backed by the same Dagster definitions.

    budget-recon add FILE --id ID --organization ORG --title TITLE [...]
    budget-recon run [--report ID ...]
    budget-recon status
    budget-recon sync          (register report partitions with the Dagster instance)
    budget-recon serve         (discrepancy reports and Data Docs over HTTP, for the UI's links)
    budget-recon dbt-build     (load the bundled reports into a scratch warehouse and `dbt build` it)

Exit status is non-zero when a run fails or any gate check fails with ERROR severity.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .settings import environment, paths

DAGSTER_YAML = """\
# Written by budget-recon (rewritten when budget-recon changes it; delete this line to keep your edits).
# Steps that open the DuckDB warehouse share one pool with one slot,
# so concurrent runs queue for DuckDB's single writer instead of failing on its file lock.
concurrency:
  pools:
    granularity: op
    default_limit: 1
  runs:
    max_concurrent_runs: 4
telemetry:
  enabled: false
# Dagster's SQLite storages, the event log writing a run's per-partition asset events in batches
# (orchestration/event_storage.py).
run_storage:
  module: dagster._core.storage.runs
  class: SqliteRunStorage
  config:
    base_dir: {home}/history
event_log_storage:
  module: orchestration.event_storage
  class: BatchingSqliteEventLogStorage
  config:
    base_dir: {home}/history/runs
schedule_storage:
  module: dagster._core.storage.schedules
  class: SqliteScheduleStorage
  config:
    base_dir: {home}/schedules
"""
WRITTEN_BY_US = "# Written by budget-recon"


def prepare_environment() -> Path:
    """Point Dagster at the project's home (`$BUDGET_RECON_HOME/dagster`) and write its config."""
    home = paths()
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home.dagster_home).resolve()
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    wanted = DAGSTER_YAML.format(home=dagster_home.as_posix())
    current = config.read_text(encoding="utf-8") if config.exists() else None
    if current is None or (current.startswith(WRITTEN_BY_US) and current != wanted):
        config.write_text(wanted, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    home.home.mkdir(parents=True, exist_ok=True)
    return dagster_home


def sync_partitions(instance) -> list[str]:
    """Make the dynamic partitions equal the registry's report ids, in registry order."""
    from .parsing.registry import load_registry, missing_files, unregistered_files
    from .partitions import reports_partitions

    ids = [e.report_id for e in load_registry(paths().registry)]
    for path in unregistered_files(paths().registry, paths().reports_dir):
        print(f"warning: {path} has no entry in {paths().registry}: not loaded (register it with `budget-recon add`)")
    for entry in missing_files(paths().registry, paths().reports_dir):
        print(f"warning: {entry.report_id}: registered file {paths().reports_dir / entry.file} is missing; its run will fail")
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
    published: bool = False
    failures: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class RunOutcome:
    """What `budget-recon run` did: per-report summaries and the dbt tests of the runs."""

    reports: list[RunSummary]
    dbt_tests_passed: int = 0
    dbt_tests_failed: int = 0
    log_file: Path | None = None


LARGE_RUN = 50  # reports in one run from which the CLI trims Dagster's per-report bookkeeping
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def _step_error(result) -> str | None:
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.event_specific_data.error
            while error is not None and error.cause is not None:
                error = error.cause  # the user-facing cause, not Dagster's wrapper
            return f"{event.step_key}: {error.message.strip() if error else 'step failed'}"
    return None


def _step_status(instance, run_id: str) -> dict[str, str]:
    return {s.step_key: s.status.value for s in instance.get_run_step_stats(run_id)}


def _report_summaries(result, instance, report_ids: list[str], seconds: float) -> list[RunSummary]:
    """Per-report figures from what the run recorded in the warehouse (raw loads, gate verdicts)."""
    from . import warehouse

    run_id = result.run_id
    steps = _step_status(instance, run_id)
    error = _step_error(result)
    out = []
    with warehouse.connect(paths().warehouse, read_only=True) as con:
        present = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables where table_schema in ('raw', 'gate')"
            ).fetchall()
        }
        # One query per figure for the whole run, not per report: a run may hold a thousand reports.
        loads, checks, failures = {}, {}, {}
        if "raw.report_loads" in present:
            for report_id, tables, rows in con.execute(
                "select report_id, table_count, json_extract(row_counts, '$.report_rows')::integer from raw.report_loads "
                "where run_id = ?",
                [run_id],
            ).fetchall():
                loads[report_id] = (tables or 0, rows or 0)
        if "gate.check_results" in present:
            for report_id, severity, count in con.execute(
                "select report_id, severity, count(*) from gate.check_results where run_id = ? group by all", [run_id]
            ).fetchall():
                checks.setdefault(report_id, {})[severity] = count
            for report_id, suite, message in con.execute(
                "select report_id, suite, message from gate.failed_rows where run_id = ? and severity = 'ERROR' "
                "qualify row_number() over (partition by report_id order by suite, source_line) <= 10 "
                "order by report_id, suite, source_line",
                [run_id],
            ).fetchall():
                failures.setdefault(report_id, []).append(f"{suite}: {message}")
        for report_id in report_ids:
            summary = RunSummary(report_id, result.success, run_id, seconds / max(len(report_ids), 1))
            summary.tables, summary.rows = loads.get(report_id, (0, 0))
            for severity, count in checks.get(report_id, {}).items():
                if severity == "PASS":
                    summary.checks_passed += count
                elif severity == "WARN":
                    summary.checks_warned += count
                else:
                    summary.checks_failed += count
            summary.failures = failures.get(report_id, [])
            gate_ran = summary.checks_passed + summary.checks_warned + summary.checks_failed > 0
            summary.published = steps.get("published") == "SUCCESS" and not summary.checks_failed
            report_error = error if gate_ran else (error or "the gate did not run for this report")
            if not gate_ran or not result.success or summary.checks_failed:
                summary.success = False
            if report_error and "blocking asset check" not in report_error:
                summary.error = report_error  # a real failure, not the gate's own verdict
            out.append(summary)
    return out


def _dbt_test_counts(result) -> tuple[int, int]:
    passed = failed = 0
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.asset_key.path[0] == "gate":
            continue  # GE suites are counted per report from the gate tables
        if evaluation.passed:
            passed += 1
        else:
            failed += 1
    return passed, failed


def run_reports(report_ids: list[str] | None = None, log_level: str = "WARNING") -> RunOutcome:
    """Run the pipeline in-process for the selected reports (default: all registered).

    Several reports that are contiguous in the registry run as ONE run over the partition range
    (one dbt build, one gate): fast. Each report's gate verdict is its own: if some fail, the
    published step of the batch is blocked, and the reports whose gate passed are then published in a
    follow-up run. If a report cannot even be loaded, the batch falls back to one run per report so
    the bad one fails alone.
    """
    prepare_environment()
    import dagster as dg

    from .definitions import defs

    job = defs.resolve_job_def("process_reports")
    # Dagster's step lines (INFO) go to the run log file; -v shows them on the terminal (DEBUG).
    loggers = {"loggers": {"console": {"config": {"log_level": "DEBUG" if log_level == "DEBUG" else "INFO"}}}}
    outcome = RunOutcome(reports=[])
    log_file = paths().home / "logs" / f"run-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    outcome.log_file = log_file
    with dg.DagsterInstance.get() as instance:
        registered = sync_partitions(instance)
        selected = report_ids or registered
        unknown = [r for r in selected if r not in registered]
        if unknown:
            raise SystemExit(f"not in the registry ({paths().registry}): {', '.join(unknown)}")
        positions = [registered.index(r) for r in selected]
        contiguous = positions == list(range(positions[0], positions[0] + len(positions))) if positions else False

        def single(report_id: str) -> None:
            started = time.perf_counter()
            print(f"▶ {report_id}: parsing, loading, building and checking…", flush=True)
            with _captured(log_file, log_level):
                result = job.execute_in_process(
                    instance=instance, partition_key=report_id, raise_on_error=False, run_config=loggers
                )
            passed, failed = _dbt_test_counts(result)
            outcome.dbt_tests_passed += passed
            outcome.dbt_tests_failed += failed
            (summary,) = _report_summaries(result, instance, [report_id], time.perf_counter() - started)
            outcome.reports.append(summary)
            print(_line(summary), flush=True)

        if len(selected) == 1 or not contiguous:
            for report_id in selected:
                single(report_id)
            return outcome

        def range_run(**options):
            # A large run: one "planned" event per asset instead of one per asset and report (55 000 for a
            # thousand reports). Dagster's documented cost: a failed run does not mark its partitions failed
            # in the UI; the gate's checks, `budget-recon status` and the published layer still tell.
            planned = {"DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true"} if len(selected) > LARGE_RUN else {}
            with _captured(log_file, log_level), environment(planned):
                return job.execute_in_process(
                    instance=instance,
                    tags={RANGE_START: selected[0], RANGE_END: selected[-1]},
                    raise_on_error=False,
                    run_config=loggers,
                    **options,
                )

        started = time.perf_counter()
        print(f"▶ {len(selected)} reports in one run: parsing, loading, dbt build, gate, publishing… (details: {log_file})", flush=True)
        result = range_run()
        steps = _step_status(instance, result.run_id)
        if steps.get("raw_report") != "SUCCESS":
            # A report that cannot be loaded must fail alone: isolate it with one run per report.
            print(f"  batch run stopped ({_step_error(result)}); running the reports one by one", flush=True)
            for report_id in selected:
                single(report_id)
            return outcome
        passed, failed = _dbt_test_counts(result)
        outcome.dbt_tests_passed += passed
        outcome.dbt_tests_failed += failed
        summaries = _report_summaries(result, instance, selected, time.perf_counter() - started)
        if steps.get("published") != "SUCCESS" and any(not s.checks_failed for s in summaries):
            # The gate's blocking checks stopped publishing for the whole batch; publish the reports
            # whose gate passed in one more run over the range (the step refuses the others).
            follow_up = range_run(asset_selection=_published_keys(defs))
            refusal = _step_error(follow_up) or ""
            for summary in summaries:
                if summary.checks_failed:
                    continue
                summary.published = f"{summary.report_id}:" not in refusal and (
                    follow_up.success or "not published" in refusal
                )
                summary.success = summary.published
                if not summary.published:
                    summary.error = refusal or "publishing failed"
        quiet = len(summaries) > LARGE_RUN  # a large run lists its failures only; `status` lists every report
        for summary in summaries:
            outcome.reports.append(summary)
            if not quiet or not summary.success or summary.checks_failed:
                print(_line(summary), flush=True)
        if quiet:
            print(f"  ok     {sum(s.success and not s.checks_failed for s in summaries)} other reports", flush=True)
    return outcome


@contextlib.contextmanager
def _captured(log_file: Path, log_level: str):
    """dbt's and Dagster's step output goes to the run log file, unless the user asked for it."""
    if log_level == "DEBUG":
        yield
        return
    # A file gets dbt's output without terminal colour codes.
    with open(log_file, "a", encoding="utf-8") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            environment({"DBT_USE_COLORS": "false"}):
        yield


def _published_keys(defs) -> list:
    return [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "published"]


def _line(s: RunSummary) -> str:
    state = "ok" if s.success and not s.checks_failed else "FAILED"
    text = (
        f"  {state:6} {s.report_id}: {s.tables} tables, {s.rows} rows; gate suites {s.checks_passed + s.checks_warned} passed "
        f"({s.checks_warned} with acknowledged findings), {s.checks_failed} failed; "
        f"{'published' if s.published else 'NOT published'} (run {s.run_id[:8]})"
    )
    for failure in s.failures[:10]:
        text += f"\n         ✗ {failure}"
    if s.error:
        text += f"\n         ✗ {s.error}"
    return text


def cmd_run(args) -> int:
    started = time.perf_counter()
    outcome = run_reports(args.report or None, log_level="DEBUG" if args.verbose else "WARNING")
    reports = outcome.reports
    suites = sum(s.checks_passed + s.checks_warned + s.checks_failed for s in reports)
    failed = [s for s in reports if not s.success or s.checks_failed]
    print(
        f"\n{len(reports)} reports, {sum(s.tables for s in reports)} tables, {sum(s.rows for s in reports)} rows; "
        f"gate: {suites} suite checks, {sum(s.checks_passed + s.checks_warned for s in reports)} passed "
        f"({sum(s.checks_warned for s in reports)} with acknowledged findings), {sum(s.checks_failed for s in reports)} failed; "
        f"dbt tests: {outcome.dbt_tests_passed} passed, {outcome.dbt_tests_failed} failed; "
        f"{sum(s.published for s in reports)} published; {time.perf_counter() - started:.1f}s.\n"
        f"Warehouse: {paths().warehouse}\nDiscrepancy reports: {paths().discrepancy_reports}/<report>/latest.html\n"
        f"Log: {outcome.log_file}"
    )
    return 1 if failed or outcome.dbt_tests_failed else 0


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
                "select report_id, severity, count(*) from gate.check_results where is_latest group by all"
            ).fetchall():
                gate.setdefault(report_id, {})[status] = count
        zone = con.execute("select current_setting('TimeZone')").fetchone()[0]
    # The gate's words, as in `run` and the UI: acknowledged findings do not fail a suite.
    words = {"PASS": "passed", "WARN": "passed with acknowledged findings", "ERROR": "FAILED"}
    print(f"{'report':28} {'last loaded (' + zone + ')':26} {'tables':>6} {'loads':>5}  gate suites")
    for report_id, loaded_at, sha, tables, loads in rows:
        counts = gate.get(report_id, {})
        checks = ", ".join(f"{counts[k]} {words.get(k, k)}" for k in sorted(counts, key=lambda k: list(words).index(k) if k in words else 9)) or "-"
        print(f"{report_id:28} {str(loaded_at)[:19]:26} {tables:>6} {loads:>5}  {checks}")
    print(f"\nDiscrepancy reports: {paths().discrepancy_reports}/<report>/latest.html (`budget-recon serve` serves them)")
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


def cmd_serve(args) -> int:
    from .serve import serve

    serve(args.host, args.port)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="budget-recon",
        description=__doc__.split("\n\n")[0],
        epilog="Everything a command writes goes under $BUDGET_RECON_HOME (default var/). "
        "`budget-recon COMMAND --help` describes each command.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)

    add = command(
        "add",
        "copy a report into seeds/reports/ and register it",
        "Copy a report file (tab-separated text) into seeds/reports/ and add its entry to seeds/reports.yaml.\n"
        "The new-report sensor runs it within ~30 s while the UI's daemon runs; or run it with\n"
        "`budget-recon run --report ID`.",
    )
    add.add_argument("file", help="the report file to register (plain text, tables tab-separated)")
    add.add_argument("--id", required=True, help="report id: lower-case words joined by '-', e.g. chungbuk-tp-2025-q2")
    add.add_argument("--organization", required=True, help="issuing organization as printed, e.g. 충북테크노파크")
    add.add_argument("--organization-en", help="English name of the organization (optional)")
    add.add_argument("--title", required=True, help="report title as printed")
    add.add_argument(
        "--family",
        default="agency_status_report",
        choices=["agency_status_report", "regional_industry_plan"],
        help="kind of report, which decides what is extracted (default: %(default)s)",
    )
    add.add_argument("--period", help="period the report covers as printed, e.g. 2025 Q2 or 2025-2027 (optional)")
    add.add_argument("--as-of", help="ISO date the figures refer to, e.g. 2025-06-30")
    add.add_argument("--encoding", default="utf-8", help="text encoding of the file: utf-8, utf-8-sig, cp949, euc-kr … (default: %(default)s)")
    add.add_argument("--file-name", help="name inside seeds/reports/ (default: ID + the file's suffix)")
    add.add_argument("--replace", action="store_true", help="replace an already registered report with this file and entry")
    add.set_defaults(func=cmd_add)

    run = command(
        "run",
        "parse, load, build, check and publish reports in-process; print one line per report",
        "Run the pipeline (the Dagster job process_reports) in-process for every registered report, or\n"
        "the ones named: parse and load the raw tables, dbt build, the Great Expectations gate, and\n"
        "publish each report whose gate passed. Prints one line per report and a summary; Dagster's\n"
        "and dbt's step logs go to the log file named (-v shows them). Exits non-zero when a run fails\n"
        "or a gate check FAILED.",
    )
    run.add_argument("--report", action="append", metavar="ID", help="report id (repeatable); default: every registered report")
    run.add_argument("--verbose", "-v", action="store_true", help="print Dagster's and dbt's step logs instead of writing them to the log file")
    run.set_defaults(func=cmd_run)

    command(
        "status",
        "last load and gate verdicts per report",
        "Per report: when it was last loaded, its tables, how many times it was loaded, and the gate's\n"
        "latest verdicts (suites PASSED, PASSED with acknowledged findings, FAILED), with the path of\n"
        "its discrepancy report.",
    ).set_defaults(func=cmd_status)
    command(
        "sync",
        "register report partitions with the Dagster instance",
        "Make the Dagster instance's report partitions equal the registry's report ids (adds the new,\n"
        "removes the stale) and write $DAGSTER_HOME/dagster.yaml on first use. `make ui` runs it.",
    ).set_defaults(func=cmd_sync)
    command(
        "dbt-build",
        "dbt build of all models on a scratch warehouse",
        "Load the bundled reports into a scratch warehouse ($BUDGET_RECON_HOME/dbt_build) and run a full\n"
        "`dbt build` (every model and test) on it. `make test` runs it.",
    ).set_defaults(func=cmd_dbt_build)
    serve = command(
        "serve",
        "serve the discrepancy reports and Data Docs over HTTP on loopback",
        "Serve $BUDGET_RECON_HOME/discrepancies and the Great Expectations Data Docs at\n"
        "http://HOST:PORT/ so that the links in the Dagster UI open (browsers do not open file:// links\n"
        "from a web page). The gate writes links starting with $BUDGET_RECON_REPORTS_URL\n"
        "(default http://127.0.0.1:8765); `make ui` starts this server beside the UI.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s, this machine only)")
    serve.add_argument("--port", type=int, default=8765, help="port to listen on (default: %(default)s)")
    serve.set_defaults(func=cmd_serve)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
