"""`budget-recon`: what a user does without the UI, backed by the same Dagster definitions.

    budget-recon add FILE --id ID --organization ORG --title TITLE [...]
    budget-recon run [--report ID ...]
    budget-recon status
    budget-recon sync          (register report partitions with the Dagster instance)
    budget-recon serve         (discrepancy reports and Data Docs over HTTP, for the UI's links)
    budget-recon dbt-build     (load the bundled reports into a scratch warehouse and `dbt build` it)
    budget-recon export [--report ID ...] --to DIR [--format package|xlsx]
    budget-recon docs [--port N] [--no-serve]

Exit status is non-zero when a run fails or any gate check fails with ERROR severity.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .settings import environment, paths

DAGSTER_YAML = """\
# Written by budget-recon (rewritten when budget-recon changes it; delete this line to keep your edits).
# Runs may start together: the steps that write the DuckDB warehouse take turns on a file lock beside
# it (orchestration/warehouse.py), which the kernel releases when a run's process dies.
concurrency:
  runs:
    max_concurrent_runs: 4
telemetry:
  enabled: false
{storage}"""
# Dagster's storages (runs, event log, schedules): SQLite files in the Dagster home by default, or a
# PostgreSQL database named by $BUDGET_RECON_DAGSTER_STORAGE (docs/scale-out.md). The URL stays in the
# environment, never in the file: it may hold a password.
SQLITE_STORAGE = """\
storage:
  sqlite:
    base_dir: {home}
"""
POSTGRES_STORAGE = """\
storage:
  postgres:
    postgres_url:
      env: BUDGET_RECON_DAGSTER_STORAGE
"""
WRITTEN_BY_US = "# Written by budget-recon"


def dagster_storage(dagster_home: Path) -> str:
    """The `storage:` section of dagster.yaml for $BUDGET_RECON_DAGSTER_STORAGE (empty: SQLite files)."""
    url = os.environ.get("BUDGET_RECON_DAGSTER_STORAGE", "").strip()
    if not url:
        return SQLITE_STORAGE.format(home=dagster_home.as_posix())
    if not url.startswith(("postgresql://", "postgres://")):
        raise SystemExit(
            f"BUDGET_RECON_DAGSTER_STORAGE={url.split('@')[-1]!r}: expected a PostgreSQL URL, "
            "postgresql://user[:password]@host:port/database (or unset it for SQLite files in the Dagster home)"
        )
    return POSTGRES_STORAGE


def prepare_environment() -> Path:
    """Point Dagster at the project's home (`$BUDGET_RECON_HOME/dagster`) and write its config."""
    home = paths()
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home.dagster_home).resolve()
    check_writable(home.home, dagster_home)
    config = dagster_home / "dagster.yaml"
    wanted = DAGSTER_YAML.format(storage=dagster_storage(dagster_home))
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
    checks_not_checked: int = 0  # suites with no row to check: neither passed nor failed
    coverage: str | None = None  # what became of its tables: '7 extracted, 21 not fact tables, 1 unrecognised'
    published: bool = False
    failures: list[str] = field(default_factory=list)
    error: str | None = None
    load_id: str | None = None  # the version this run loaded
    published_load_id: str | None = None  # the version now published (maybe an older one)


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
            return f"{event.step_key}: {error_message(event.event_specific_data.error)}"
    return None


def error_message(error) -> str:
    """The project's own message from a Dagster error chain, then its root cause when that adds
    something: Dagster's wrappers ('Error occurred while executing op …') are left out."""
    chain = []
    while error is not None and len(chain) < 10:
        chain.append(error)
        error = error.cause or getattr(error, "context", None)
    if not chain:
        return "step failed"
    ours = [e for e in chain if not e.cls_name.startswith("Dagster") or e.cls_name == "DagsterAssetCheckFailedError"]
    head = ours[0] if ours else chain[0]
    text = _bare(head)
    root = chain[-1]
    if root is not head and _bare(root) not in text:
        text += f" (cause: {root.cls_name}: {_bare(root)})"
    return text


def _bare(error) -> str:
    """'<qualified exception class>: text' -> 'text', on one line (Dagster prefixes the class path)."""
    message = error.message.strip()
    first, _, rest = message.partition(": ")
    if rest and (first == error.cls_name or first.endswith("." + error.cls_name)):
        message = rest
    return " ".join(message.split("\n")).strip()


def _stop_if_interrupted(result) -> None:
    """Ctrl-C during a step fails that run (Dagster stops the step); stop the CLI too, not only the run."""
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None) if event.event_type_value == "STEP_FAILURE" else None
        while error is not None:
            if error.cls_name in ("DagsterExecutionInterruptedError", "KeyboardInterrupt"):
                raise KeyboardInterrupt
            error = error.cause


def _step_status(instance, run_id: str) -> dict[str, str]:
    return {s.step_key: s.status.value for s in instance.get_run_step_stats(run_id)}


def _report_summaries(result, instance, report_ids: list[str], seconds: float, load_run_id: str | None = None) -> list[RunSummary]:
    """Per-report figures from what the run recorded in the warehouse (raw loads, gate verdicts);
    the loads are those of `load_run_id` when an earlier run loaded the reports."""
    from . import warehouse
    from .publication import published_versions

    run_id = result.run_id
    load_run_id = load_run_id or run_id
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
        loads, checks, failures, coverage = {}, {}, {}, {}
        if "raw.table_coverage" in present:
            coverage = _coverage_by_report(con, report_ids)
        if "raw.report_loads" in present:
            for report_id, tables, rows in con.execute(
                "select report_id, table_count, (row_counts ->> 'report_rows')::integer from raw.report_loads "
                "where run_id = ?",
                [load_run_id],
            ).fetchall():
                loads[report_id] = (tables or 0, rows or 0)
        if "raw.report_loads" in present and "load_id" in {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' and table_name = 'report_loads'"
        ).fetchall()}:
            versions = dict(con.execute("select report_id, load_id from raw.report_loads where run_id = ?", [load_run_id]).fetchall())
        else:
            versions = {}
        published = {r: v["load_id"] for r, v in published_versions(con, report_ids).items()}
        if "gate.check_results" in present:
            for report_id, severity, count in con.execute(
                "select report_id, severity, count(*) from gate.check_results where run_id = ? group by report_id, severity", [run_id]
            ).fetchall():
                checks.setdefault(report_id, {})[severity] = count
            for report_id, suite, message in con.execute(
                "select report_id, suite, message from (select report_id, suite, message, source_line, "
                "row_number() over (partition by report_id order by suite, source_line) as n "
                "from gate.failed_rows where run_id = ? and severity = 'ERROR') as failed where n <= 10 "
                "order by report_id, suite, source_line",
                [run_id],
            ).fetchall():
                failures.setdefault(report_id, []).append(f"{suite}: {message}")
        for report_id in report_ids:
            summary = RunSummary(report_id, result.success, run_id, seconds / max(len(report_ids), 1))
            summary.tables, summary.rows = loads.get(report_id, (0, 0))
            summary.coverage = coverage.get(report_id)
            for severity, count in checks.get(report_id, {}).items():
                if severity == "PASS":
                    summary.checks_passed += count
                elif severity == "WARN":
                    summary.checks_warned += count
                elif severity == "NOT_CHECKED":
                    summary.checks_not_checked += count
                else:
                    summary.checks_failed += count
            summary.failures = failures.get(report_id, [])
            gate_ran = summary.checks_passed + summary.checks_warned + summary.checks_failed + summary.checks_not_checked > 0
            summary.load_id = versions.get(report_id)
            summary.published_load_id = published.get(report_id)
            summary.published = summary.load_id is not None and summary.published_load_id == summary.load_id
            report_error = error if gate_ran else (error or "the gate did not run for this report")
            if not gate_ran or not result.success or summary.checks_failed:
                summary.success = False
            if report_error and "blocking asset check" not in report_error:
                summary.error = report_error  # a real failure, not the gate's own verdict
            out.append(summary)
    return out


def _coverage_by_report(con, report_ids: list[str]) -> dict[str, str]:
    """Per report, what became of its tables (raw.table_coverage of its latest load)."""
    counts: dict[str, dict[str, int]] = {}
    for report_id, classification, count in con.execute(
        "select report_id, classification, count(*) from raw.table_coverage "
        "where report_id in (select unnest(?::varchar[])) group by report_id, classification",
        [report_ids],
    ).fetchall():
        counts.setdefault(report_id, {})[classification] = count
    from .parsing.coverage import coverage_summary

    return {r: coverage_summary(c) for r, c in counts.items()}




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


# Reports in one `budget-recon run` up to which the gate and publishing run once per report after the
# batch's load and dbt build: Dagster links a check evaluation to the materialization it checked only
# in a run over one partition, so this is what makes the UI's Partitions tab show each report's state.
# Each such run costs a few seconds (docs/operations.md); above this, the whole batch is one run and its
# checks read Missing in the Partitions tab (their Execution history still names each report's verdict).
# $BUDGET_RECON_PER_REPORT_GATE_LIMIT changes it.
PER_REPORT_GATE_LIMIT = 20


def per_report_gate_limit() -> int:
    return int(os.environ.get("BUDGET_RECON_PER_REPORT_GATE_LIMIT", PER_REPORT_GATE_LIMIT))


def run_reports(report_ids: list[str] | None = None, log_level: str = "WARNING") -> RunOutcome:
    """Run the pipeline in-process for the selected reports (default: all registered).

    Several reports that are contiguous in the registry load and build in ONE run over the partition
    range (one parse step, one dbt build); then, up to per_report_gate_limit() reports, the gate and
    publishing run once per report (each report's checks are Dagster's checks of its own partition,
    and a report whose gate fails stops only its own publishing). Larger batches run the gate in the
    same run too, and publish the passing reports in a follow-up run. If a report cannot even be
    loaded, the batch falls back to one run per report so the bad one fails alone.
    """
    prepare_environment()
    import dagster as dg

    log_file = paths().home / "logs" / f"run-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    outcome = RunOutcome(reports=[], log_file=log_file)
    with dg.DagsterInstance.get() as instance:
        registered = sync_partitions(instance)
        selected = report_ids or registered
        unknown = [r for r in selected if r not in registered]
        if unknown:
            raise SystemExit(f"not in the registry ({paths().registry}): {', '.join(unknown)}")
        positions = [registered.index(r) for r in selected]
        contiguous = positions == list(range(positions[0], positions[0] + len(positions))) if positions else False
        runner = _Runner(instance, outcome, log_file, log_level)
        if len(selected) == 1 or not contiguous:
            for report_id in selected:
                runner.single(report_id)
        elif len(selected) <= per_report_gate_limit():
            runner.batch_then_gate_per_report(selected)
        else:
            runner.batch(selected, registered)
    return outcome


class _Runner:
    """The in-process runs of one `budget-recon run` and what they add to its outcome."""

    def __init__(self, instance, outcome: RunOutcome, log_file: Path, log_level: str):
        from .definitions import defs

        _freeze_loaded_objects()
        self.instance, self.outcome, self.log_file, self.log_level = instance, outcome, log_file, log_level
        self.defs = defs
        self.job = defs.resolve_job_def("process_reports")
        # Dagster's step lines (INFO) go to the run log file; -v shows them on the terminal (DEBUG).
        self.loggers = {"loggers": {"console": {"config": {"log_level": "DEBUG" if log_level == "DEBUG" else "INFO"}}}}

    def execute(self, **options):
        with _captured(self.log_file, self.log_level):
            result = self.job.execute_in_process(instance=self.instance, raise_on_error=False, run_config=self.loggers, **options)
        _stop_if_interrupted(result)
        return result

    def range_run(self, ids: list[str], **options):
        # A large run: one "planned" event per asset instead of one per asset and report (55 000 for a
        # thousand reports). Dagster's documented cost: a failed run does not mark its partitions failed
        # in the UI; the gate's checks, `budget-recon status` and the published layer still tell.
        planned = {"DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true"} if len(ids) > LARGE_RUN else {}
        with environment(planned):
            return self.execute(tags={RANGE_START: ids[0], RANGE_END: ids[-1]}, **options)

    def count_dbt_tests(self, result) -> None:
        passed, failed = _dbt_test_counts(result)
        self.outcome.dbt_tests_passed += passed
        self.outcome.dbt_tests_failed += failed

    def report(self, summaries: list[RunSummary], quiet: bool = False) -> None:
        """Add to the outcome and print (a large run lists its failures only; `status` lists every report)."""
        for summary in summaries:
            self.outcome.reports.append(summary)
            if not quiet or not summary.success or summary.checks_failed:
                print(_line(summary), flush=True)
        if quiet:
            print(f"  ok     {sum(s.success and not s.checks_failed for s in summaries)} other reports", flush=True)

    def single(self, report_id: str) -> None:
        started = time.perf_counter()
        print(f"▶ {report_id}: parsing, loading, building and checking…", flush=True)
        result = self.execute(partition_key=report_id)
        self.count_dbt_tests(result)
        (summary,) = _report_summaries(result, self.instance, [report_id], time.perf_counter() - started)
        _notify_failed_run(result, self.log_file)
        self.report([summary])

    def load_and_build(self, selected: list[str], **options):
        """The batch's load (and dbt build) in one run; None when a report could not be loaded (each
        report then runs alone, so that the bad one fails alone)."""
        result = self.range_run(selected, **options)
        if _step_status(self.instance, result.run_id).get("raw_report") != "SUCCESS":
            print(f"  batch run stopped ({_step_error(result)}); running the reports one by one", flush=True)
            for report_id in selected:
                self.single(report_id)
            return None
        self.count_dbt_tests(result)
        return result

    def batch_then_gate_per_report(self, selected: list[str]) -> None:
        started = time.perf_counter()
        print(f"▶ {len(selected)} reports: parsing, loading and dbt build in one run, then the gate and publishing "
              f"per report… (details: {self.log_file})", flush=True)
        built = self.load_and_build(selected, asset_selection=_keys(self.defs, exclude=CHECKED_LAYERS))
        if built is None:
            return
        build_seconds = (time.perf_counter() - started) / len(selected)
        if not built.success:  # dbt failed: nothing to check; each report says so
            _notify_failed_run(built, self.log_file)
            self.report(_report_summaries(built, self.instance, selected, time.perf_counter() - started))
            return
        checked = _keys(self.defs, include=CHECKED_LAYERS)
        for report_id in selected:
            gate_started = time.perf_counter()
            result = self.execute(partition_key=report_id, asset_selection=checked)
            seconds = build_seconds + time.perf_counter() - gate_started
            (summary,) = _report_summaries(result, self.instance, [report_id], seconds, load_run_id=built.run_id)
            _notify_failed_run(result, self.log_file)
            self.report([summary])

    def batch(self, selected: list[str], registered: list[str]) -> None:
        started = time.perf_counter()
        print(f"▶ {len(selected)} reports in one run: parsing, loading, dbt build, gate, publishing… (details: {self.log_file})", flush=True)
        result = self.load_and_build(selected)
        if result is None:
            return
        summaries = _report_summaries(result, self.instance, selected, time.perf_counter() - started)
        steps = _step_status(self.instance, result.run_id)
        passing = [s for s in summaries if not s.checks_failed and s.checks_passed + s.checks_warned]
        if steps.get("published") != "SUCCESS" and steps.get("gate") in ("SUCCESS", "FAILURE") and passing:
            self.publish_passing(passing, selected, registered)
        _notify_failed_run(result, self.log_file)
        self.report(summaries, quiet=len(summaries) > LARGE_RUN)

    def publish_passing(self, passing: list[RunSummary], selected: list[str], registered: list[str]) -> None:
        """The gate's blocking checks stopped publishing for the whole batch; publish exactly the
        reports whose gate passed, in one more run per contiguous range of them (a range over a
        refused report would fail, and would mark it published in the UI). The step itself publishes
        only a report whose latest verdict is for the version its marts hold (publication.py)."""
        refusals = []
        for ids in contiguous_ranges([s.report_id for s in passing], registered):
            refusals.append(_step_error(self.range_run(ids, asset_selection=_published_keys(self.defs))) or "")
        refusal = "; ".join(r for r in refusals if r)
        now = _published_now(selected)
        for summary in passing:
            summary.published_load_id = now.get(summary.report_id)
            summary.published = summary.load_id is not None and summary.published_load_id == summary.load_id
            summary.success = summary.published
            if not summary.published:
                summary.error = refusal or "publishing failed"


CHECKED_LAYERS = ("gate", "published")  # the assets a per-report run checks and publishes


def _keys(defs, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> list:
    """The asset keys `process_reports` materializes (not the exports) whose first path element is in
    `include` (or not in `exclude`)."""
    keys = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] != "export"]
    return sorted((k for k in keys if (k.path[0] in include if include else k.path[0] not in exclude)), key=lambda k: k.path)


_FROZEN = False


def _freeze_loaded_objects() -> None:
    """Leave the objects loaded so far (modules, the Dagster definitions, dbt's manifest) out of the
    garbage collector's full passes: they live as long as the process, and scanning them again and
    again cost ~10 % of a one-report run. Once per process, so a later run's garbage stays collectable."""
    global _FROZEN
    if not _FROZEN:
        import gc

        gc.freeze()
        _FROZEN = True


def contiguous_ranges(report_ids: list[str], registered: list[str]) -> list[list[str]]:
    """`report_ids` as runs of neighbours in the registry's order (each one partition range)."""
    positions = {r: i for i, r in enumerate(registered)}
    ranges: list[list[str]] = []
    for position in sorted(positions[r] for r in report_ids):
        if ranges and positions[ranges[-1][-1]] == position - 1:
            ranges[-1].append(registered[position])
        else:
            ranges.append([registered[position]])
    return ranges


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


def _published_now(report_ids: list[str]) -> dict[str, str]:
    from . import warehouse
    from .publication import published_versions

    with warehouse.connect(paths().warehouse, read_only=True) as con:
        return {r: v["load_id"] for r, v in published_versions(con, report_ids).items()}


def _notify_failed_run(result, log_file: Path) -> None:
    """A failed in-process run notifies as a daemon run does through the run-failure sensor
    (which watches only runs the daemon launched); a failure that is only blocking gate checks was
    notified by the gate step. Sent after the run, so the warehouse is free; never raises."""
    if result.success:
        return
    from .notifications.notify import _config, build_run_failure_notification, covered_by_gate_notification
    from .notifications.notify import PendingNotifications, send_notifications

    steps = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    if covered_by_gate_notification(steps):
        return
    import logging

    log = logging.getLogger("budget_recon.notifications")
    failure = next((e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE"), None)
    with _captured(log_file, "WARNING"):
        config = _config(log)
        notification = build_run_failure_notification(result.dagster_run, failure, steps, config)
        send_notifications(PendingNotifications([notification], config), log)


def _published_keys(defs) -> list:
    return [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "published"]


def _line(s: RunSummary) -> str:
    state = "ok" if s.success and not s.checks_failed else "FAILED"
    text = (
        f"  {state:6} {s.report_id}: {s.tables} tables{f' ({s.coverage})' if s.coverage else ''}, {s.rows} rows; "
        f"gate suites {s.checks_passed} passed, "
        f"{s.checks_warned} acknowledged, {s.checks_failed} failed, {s.checks_not_checked} not checked; "
        f"{'published' if s.published else 'NOT published'} (run {s.run_id[:8]})"
    )
    if not s.published and s.published_load_id:
        text += f"\n         published version stays {s.published_load_id}"
    for failure in s.failures[:10]:
        text += f"\n         ✗ {failure}"
    if s.error:
        text += f"\n         ✗ {s.error}"
    return text


def cmd_run(args) -> int:
    started = time.perf_counter()
    outcome = run_reports(args.report or None, log_level="DEBUG" if args.verbose else "WARNING")
    reports = outcome.reports
    suites = sum(s.checks_passed + s.checks_warned + s.checks_failed + s.checks_not_checked for s in reports)
    failed = [s for s in reports if not s.success or s.checks_failed]
    print(
        f"\n{len(reports)} reports, {sum(s.tables for s in reports)} tables, {sum(s.rows for s in reports)} rows; "
        f"gate: {suites} suite checks, {sum(s.checks_passed for s in reports)} passed, "
        f"{sum(s.checks_warned for s in reports)} acknowledged, {sum(s.checks_failed for s in reports)} failed, "
        f"{sum(s.checks_not_checked for s in reports)} not checked; "
        f"dbt tests: {outcome.dbt_tests_passed} passed, {outcome.dbt_tests_failed} failed; "
        f"{sum(s.published for s in reports)} published; {time.perf_counter() - started:.1f}s.\n"
        f"Warehouse: {_warehouse_shown()}\nDiscrepancy reports: {paths().discrepancy_reports}/<report>/latest.html\n"
        f"Log: {outcome.log_file}"
    )
    return 1 if failed or outcome.dbt_tests_failed else 0


def _warehouse_shown() -> str:
    from .warehouse import describe_target

    return describe_target(paths().warehouse)


def cmd_add(args) -> int:
    from .parsing.reader import ReportFormatError
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
    except (RegistryError, ReportFormatError) as exc:
        print(f"error: {exc}; nothing registered", file=sys.stderr)
        return 2
    print(f"registered {entry.report_id} -> {paths().reports_dir / entry.file}; run `budget-recon run --report {entry.report_id}`")
    return 0


def cmd_status(args) -> int:
    from . import warehouse
    from .publication import report_status

    db = paths().warehouse
    if not warehouse.exists(db):
        print(f"no warehouse yet at {db}: run `budget-recon run` first")
        return 0
    with warehouse.connect(db, read_only=True) as con:
        rows = report_status(con)
        coverage = _coverage_by_report(con, [row["report_id"] for row in rows]) if rows and con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'table_coverage'"
        ).fetchone()[0] else {}
        zone = con.execute("select current_setting('TimeZone')").fetchone()[0]
    print(f"{'report':28} {'last loaded (' + zone + ')':26} {'tables':>6} {'loads':>5}  {'version':30} gate suites")
    for row in rows:
        print(f"{row['report_id']:28} {str(row['loaded_at'])[:19]:26} {row['tables'] or 0:>6} {row['loads']:>5}  "
              f"{str(row['load_id']):30} {row['gate']}")
        print(f"{'':28} {row['status']}")
        print(f"{'':28} tables: {coverage.get(row['report_id'], '-')}")
    if rows:
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

    env = dict(os.environ, **warehouse.dbt_target_env(db), DBT_TARGET_PATH=str(scratch / "target"),
               DBT_LOG_PATH=str(scratch / "logs"))
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.call([str(dbt), "build", "--profiles-dir", str(DBT_PROJECT_DIR)], cwd=DBT_PROJECT_DIR, env=env)


def cmd_export(args) -> int:
    """Export published (verified) reports; a report never verified is refused and named."""
    from . import warehouse
    from .export import export_reports
    from .export.versions import published_report_ids

    db = paths().warehouse
    if not warehouse.exists(db):
        print(f"error: no warehouse yet at {db}: run `budget-recon run` first", file=sys.stderr)
        return 2
    with warehouse.connect(db, read_only=True) as con:
        report_ids = args.report or published_report_ids(con)
        if not report_ids:
            print("error: no report has been verified and published yet: nothing to export", file=sys.stderr)
            return 1
        result = export_reports(con, report_ids, Path(args.to), args.format)
    for report_id, done in result.exported.items():
        version = done["version"]
        rows = sum(done["rows"].values())
        which = "current data" if version.is_latest else "LAST VERIFIED version (newer data not verified)"
        print(f"  exported {report_id}: {rows} rows, gate {version.verdict}, load {version.load_id} ({which}) -> {done['path']}")
        if not version.is_latest:
            print(f"           {version.status_note()}")
    for report_id, reason in result.refused.items():
        print(f"  NOT exported {reason}", file=sys.stderr)
    return 1 if result.refused else 0


def cmd_docs(args) -> int:
    """Generate dbt's documentation site and serve it on 127.0.0.1."""
    from .export import docs

    print("generating dbt docs (dbt docs generate)…", flush=True)
    target = docs.generate()
    missing = docs.undocumented(target)
    if missing:
        print(f"warning: {len(missing)} models or columns have no description: {', '.join(missing[:20])}"
              f"{' …' if len(missing) > 20 else ''}")
    print(f"site: {target / 'index.html'}")
    if not args.no_serve:
        docs.serve(target, port=args.port)
    return 0


def cmd_serve(args) -> int:
    from .serve import serve

    serve(args.host, args.port)
    return 0


def _command(sub, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=summary, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)


def _add_command_options(command) -> None:
    from .parsing.profiles import family_names

    add = command(
        "add",
        "copy a report into seeds/reports/ and register it",
        "Copy a report file (tab-separated text) into seeds/reports/ and add its entry to seeds/reports.yaml.\n"
        "The new-report sensor runs it within ~30 s while the UI's daemon runs; or run it with\n"
        "`budget-recon run --report ID`.",
    )
    add.add_argument("file", help="the report file to register (plain text, tables tab-separated)")
    add.add_argument("--id", required=True, help="report id: lower-case words joined by '-': organization, period, e.g. ORG-YYYY-qN")
    add.add_argument("--organization", required=True, help="issuing organization as printed on the report (Korean name)")
    add.add_argument("--organization-en", help="English name of the organization (optional)")
    add.add_argument("--title", required=True, help="report title as printed")
    add.add_argument(
        "--family",
        default="agency_status_report",
        choices=family_names(),
        help="report family, which decides what is extracted: a profile in seeds/families/ (the bundled ones "
        "or $BUDGET_RECON_SEEDS's) (default: %(default)s)",
    )
    add.add_argument("--period", help="period the report covers as printed, e.g. YYYY Q2 or YYYY-YYYY (optional)")
    add.add_argument("--as-of", help="ISO date the figures refer to (YYYY-MM-DD)")
    add.add_argument("--encoding", default="utf-8", help="text encoding of the file: utf-8, utf-8-sig, cp949, euc-kr … (default: %(default)s)")
    add.add_argument("--file-name", help="name inside seeds/reports/ (default: ID + the file's suffix)")
    add.add_argument("--replace", action="store_true", help="replace an already registered report with this file and entry")
    add.set_defaults(func=cmd_add)


def _run_command_options(command) -> None:
    run = command(
        "run",
        "parse, load, build, check and publish reports in-process; print one line per report",
        "Run the pipeline (the Dagster job process_reports) in-process for every registered report, or\n"
        "the ones named: parse and load the raw tables, dbt build, the Great Expectations gate, and\n"
        "publish each report whose gate passed. Several reports load and build in one run; up to 20\n"
        "($BUDGET_RECON_PER_REPORT_GATE_LIMIT) are then checked and published in a run of their own\n"
        "each, so that the Dagster UI shows every report's checks. Prints one line per report and a\n"
        "summary; Dagster's and dbt's step logs go to the log file named (-v shows them). Exits\n"
        "non-zero when a run fails or a gate check FAILED.",
    )
    run.add_argument("--report", action="append", metavar="ID", help="report id (repeatable); default: every registered report")
    run.add_argument("--verbose", "-v", action="store_true", help="print Dagster's and dbt's step logs instead of writing them to the log file")
    run.set_defaults(func=cmd_run)


def _other_commands(command) -> None:
    """status, sync, dbt-build, serve, export and docs."""
    command(
        "status",
        "last load and gate verdicts per report",
        "Per report: when it was last loaded (with the time zone), its tables, how many times it was\n"
        "loaded, its current version, the gate's latest verdicts (suites PASSED, ACKNOWLEDGED, FAILED,\n"
        "NOT CHECKED), where it stands (published, or why not) and its table coverage; then the path of\n"
        "the discrepancy reports.",
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

    export = command(
        "export",
        "write published (verified) reports as data packages or Excel workbooks",
        "Write each published report, in the version its gate passed, as a Frictionless data package\n"
        "(CSV + Parquet, Table Schemas) or a workbook for reviewers. A report never published is refused\n"
        "and named.",
    )
    export.add_argument("--report", action="append", help="report id (repeatable); default: every published report")
    export.add_argument("--to", required=True, help="output folder (one package folder or workbook per report)")
    export.add_argument("--format", default="package", choices=["package", "xlsx"],
                        help="package: Frictionless data package (CSV + Parquet); xlsx: a workbook for reviewers")
    export.set_defaults(func=cmd_export)

    docs = command(
        "docs",
        "generate dbt's documentation site and serve it on 127.0.0.1",
        "Run `dbt docs generate`, warn about models and columns without a description, and serve the\n"
        "site on 127.0.0.1 (`make docs`).",
    )
    docs.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080; 0 = any free port)")
    docs.add_argument("--no-serve", action="store_true", help="only generate the site")
    docs.set_defaults(func=cmd_docs)


def _parser() -> argparse.ArgumentParser:
    """The command line: one sub-command a task (add, run, status, sync, dbt-build, serve, export, docs)."""
    parser = argparse.ArgumentParser(
        prog="budget-recon",
        description=__doc__.split("\n\n")[0],
        epilog="Everything a command writes goes under $BUDGET_RECON_HOME (default var/). "
        "`budget-recon COMMAND --help` describes each command.",
    )
    parser.add_argument(
        "--warehouse", metavar="FILE_OR_URL",
        help="the warehouse: a DuckDB file, or postgresql://user[:password]@host:port/database "
        "(default: $BUDGET_RECON_WAREHOUSE, else warehouse.duckdb in the home; docs/scale-out.md)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    command = functools.partial(_command, sub)
    _add_command_options(command)
    _run_command_options(command)
    _other_commands(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.warehouse:  # read through settings.paths() by every part of the run, dbt's profile included
        os.environ["BUDGET_RECON_WAREHOUSE"] = args.warehouse
    status = _guarded(args.func, args)
    if argv is None:
        # The console script: the process ends now. Python's shutdown runs full garbage collections over
        # everything a run loaded (~7 s after a one-report run); frozen objects are skipped, and
        # exit handlers still run.
        import gc

        gc.freeze()
    return status


def _guarded(func, args) -> int:
    """Run a command; expected failures print one line naming the file and the cause, no traceback.
    Ctrl-C and SIGTERM stop it: the warehouse lock is a kernel lock, released with the process."""
    import signal

    from .parsing.reader import ReportFormatError
    from .parsing.registry import RegistryError
    from .warehouse import WarehouseBusy

    def terminate(signum, frame):  # noqa: ARG001 - SIGTERM as Ctrl-C: Dagster stops the step at a safe point
        signal.raise_signal(signal.SIGINT)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        return func(args)
    except KeyboardInterrupt:
        print("\ninterrupted: the run stopped; the warehouse keeps its last committed state "
              "(published data is unchanged unless a publication committed)", file=sys.stderr)
        return 130
    except (RegistryError, ReportFormatError, WarehouseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {describe_os_error(exc)}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)


def describe_os_error(exc: OSError) -> str:
    """'cannot write /path: No space left on device (disk full)' rather than a bare errno."""
    import errno

    hint = {errno.ENOSPC: "disk full", errno.EROFS: "read-only file system", errno.EACCES: "permission denied"}.get(exc.errno)
    reason = exc.strerror or str(exc)
    text = f"{exc.filename}: {reason}" if exc.filename else reason
    return f"{text} ({hint})" if hint and hint not in reason.lower() else text


def check_writable(*folders: Path) -> None:
    """Fail early, naming the folder, when the home cannot be written (read-only, full, no permission):
    otherwise Dagster's storages fail later with tracebacks that name no path."""
    import errno

    for folder in folders:
        probe = folder / f".write-check-{os.getpid()}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(probe, "wb") as handle:
                handle.write(b"x" * 4096)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            why = {errno.ENOSPC: "disk full", errno.EROFS: "read-only file system", errno.EACCES: "permission denied"}
            raise OSError(exc.errno, f"cannot write to {folder}: {why.get(exc.errno, exc.strerror)} "
                          "(set BUDGET_RECON_HOME to a writable folder)") from exc
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()


if __name__ == "__main__":
    sys.exit(main())
