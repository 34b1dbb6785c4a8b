"""Schedules and sensors that run the pipeline without anyone watching.

- `refresh_all_reports_schedule`: re-materializes every registered report, monthly by default
  (1st of the month, 06:00 Asia/Seoul; override the cron with `BUDGET_RECON_SCHEDULE_CRON`), one
  `full_refresh` run per report partition.
- `new_report_sensor`: notices a report file in `seeds/reports/` that is new or whose content
  changed (sha256 kept in the sensor cursor, never mtime) and that has a registry entry, adds its
  report partition and launches `process_reports` for it.

Both are RUNNING by default (they only act while the Dagster daemon runs, i.e. under `make ui` /
`dagster dev`). See docs/operations.md.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import dagster as dg

from .parsing.registry import ReportEntry, file_sha256
from .partitions import reports_partitions
from .resources import ReportRegistryResource

DEFAULT_SCHEDULE_CRON = "0 6 1 * *"  # 06:00 on the 1st of every month
SCHEDULE_TIMEZONE = "Asia/Seoul"
FULL_REFRESH_JOB = "full_refresh"
PROCESS_REPORTS_JOB = "process_reports"
REPORT_TAG = "budget_recon/report"
TRIGGER_TAG = "budget_recon/trigger"
# Files in seeds/reports/ that are never reports (editor and copy leftovers, registry temp files).
IGNORED_SUFFIXES = (".tmp", ".swp", ".part", "~")


def schedule_cron() -> str:
    return os.environ.get("BUDGET_RECON_SCHEDULE_CRON", "").strip() or DEFAULT_SCHEDULE_CRON


def _entry_fingerprint(entry: ReportEntry) -> str:
    """Hash of the registry entry: a corrected encoding or title re-runs the report too."""
    return hashlib.sha256(json.dumps(asdict(entry), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _ensure_partitions(instance: dg.DagsterInstance, report_ids: list[str]) -> list[str]:
    existing = set(instance.get_dynamic_partitions(reports_partitions.name))
    missing = [r for r in report_ids if r not in existing]
    if missing:
        instance.add_dynamic_partitions(reports_partitions.name, missing)
    return missing


# --------------------------------------------------------------------------------------------
# Schedule


@dg.schedule(
    name="refresh_all_reports_schedule",
    cron_schedule=schedule_cron(),
    execution_timezone=SCHEDULE_TIMEZONE,
    job_name=FULL_REFRESH_JOB,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Re-materializes every registered report (one run per report partition). "
    "Cron from BUDGET_RECON_SCHEDULE_CRON (default: 06:00 on the 1st of each month, Asia/Seoul).",
)
def refresh_all_reports_schedule(context: dg.ScheduleEvaluationContext, registry: ReportRegistryResource):
    try:
        entries = registry.entries()
    except Exception as exc:  # a broken registry must not break the daemon
        context.log.error(f"report registry {registry.registry_file} cannot be read: {exc}")
        return dg.SkipReason(f"report registry cannot be read: {exc}")
    if not entries:
        return dg.SkipReason(f"no reports registered in {registry.registry_file}")
    added = _ensure_partitions(context.instance, [e.report_id for e in entries])
    if added:
        context.log.info(f"registered report partitions: {', '.join(added)}")
    tick = context.scheduled_execution_time.isoformat() if context.scheduled_execution_time else "manual"
    return [
        dg.RunRequest(
            run_key=f"{entry.report_id}@{tick}",
            partition_key=entry.report_id,
            tags={REPORT_TAG: entry.report_id, TRIGGER_TAG: "schedule"},
        )
        for entry in entries
    ]


# --------------------------------------------------------------------------------------------
# Sensor


def _load_cursor(raw: str | None) -> dict | None:
    if not raw:
        return None
    try:
        cursor = json.loads(raw)
    except ValueError:
        return None
    return cursor if isinstance(cursor, dict) and isinstance(cursor.get("reports"), dict) else None


def _scan_entries(context, entries: list, reports_dir: Path, known: dict, first: bool, partitions: set[str]):
    """Each registered report's state for the cursor (file sha256, registry entry, run count) and a
    run request when it is new or changed; on the first evaluation a report that has a partition
    already is adopted without a run. Returns (state, run requests, new partitions, adopted, notes)."""
    state: dict[str, dict] = {}
    run_requests, new_partitions, adopted, notes = [], [], [], []
    for entry in entries:
        path = entry.path(reports_dir)
        try:
            sha = file_sha256(path)
        except FileNotFoundError:
            notes.append(f"{entry.report_id}: registered but {path} does not exist; skipped")
            continue
        except OSError as exc:
            notes.append(f"{entry.report_id}: cannot read {path} ({exc}); skipped")
            continue
        fingerprint = _entry_fingerprint(entry)
        before = known.get(entry.report_id)
        runs = int(before.get("runs", 0)) if before else 0
        state[entry.report_id] = {"sha256": sha, "entry": fingerprint, "runs": runs}
        if before is None and first and entry.report_id in partitions:
            adopted.append(entry.report_id)
            continue
        if before is not None and before.get("sha256") == sha and before.get("entry") == fingerprint:
            continue
        reason = "new" if before is None else "changed" if before.get("sha256") != sha else "registry entry changed"
        runs += 1
        state[entry.report_id]["runs"] = runs
        if entry.report_id not in partitions:
            new_partitions.append(entry.report_id)
        context.log.info(f"{entry.report_id}: {reason} ({entry.file}, sha256 {sha[:12]}…): launching process_reports")
        run_requests.append(
            dg.RunRequest(
                run_key=f"{entry.report_id}@{sha[:16]}.{fingerprint[:8]}#{runs}",
                partition_key=entry.report_id,
                tags={REPORT_TAG: entry.report_id, TRIGGER_TAG: f"sensor:{reason}"},
            )
        )
    return state, run_requests, new_partitions, adopted, notes


def _unregistered_files(reports_dir: Path, registered_files: set[str]) -> set[str]:
    """Files in the reports folder that no registry entry names (hidden and ignored files aside)."""
    unregistered = set()
    if reports_dir.is_dir():
        for path in sorted(reports_dir.iterdir()):
            if path.is_file() and not path.name.startswith(".") and not path.name.endswith(IGNORED_SUFFIXES):
                if path.name not in registered_files:
                    unregistered.add(path.name)
    return unregistered


@dg.sensor(
    name="new_report_sensor",
    job_name=PROCESS_REPORTS_JOB,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs process_reports for a report file in seeds/reports/ that is new or changed "
    "(sha256 of its content) and has an entry in seeds/reports.yaml; adds its report partition.",
)
def new_report_sensor(context: dg.SensorEvaluationContext, registry: ReportRegistryResource):
    """Cursor: {"reports": {report_id: {"sha256", "entry", "runs"}}, "unregistered": [file, ...]}.

    The first evaluation (no cursor) adopts the reports that already have a partition (registered
    by `budget-recon run`/`sync` or an earlier sensor) without running them again; every other
    registered report with a file is new. After that, a report runs when its file's sha256 or its
    registry entry changes. Problems (unreadable registry, missing file, file without entry) are
    logged and skipped; the sensor never raises.
    """
    previous = _load_cursor(context.cursor)
    first = previous is None
    known: dict[str, dict] = dict((previous or {}).get("reports", {}))
    seen_unregistered = set((previous or {}).get("unregistered", []))

    try:
        entries = registry.entries()
    except Exception as exc:
        context.log.error(f"report registry {registry.registry_file} cannot be read, nothing launched: {exc}")
        return dg.SkipReason(f"report registry cannot be read: {exc}")

    try:
        partitions = set(context.instance.get_dynamic_partitions(reports_partitions.name))
    except Exception as exc:  # pragma: no cover - instance storage trouble
        context.log.error(f"cannot read report partitions: {exc}")
        return dg.SkipReason(f"cannot read report partitions: {exc}")

    reports_dir = registry.reports_dir
    state, run_requests, new_partitions, adopted, notes = _scan_entries(
        context, entries, reports_dir, known, first, partitions
    )

    removed = sorted(set(known) - {e.report_id for e in entries})
    for report_id in removed:
        notes.append(f"{report_id}: no longer in the registry; forgotten (its partition and data are kept)")

    unregistered = _unregistered_files(reports_dir, {e.file for e in entries})
    for name in sorted(unregistered - seen_unregistered):  # log each stray file once, not every tick
        notes.append(f"{reports_dir / name} has no entry in {registry.registry_file}; skipped "
                     f"(register it with `budget-recon add` or an entry in the registry)")

    for note in notes:
        context.log.warning(note)
    if adopted:
        context.log.info(f"first evaluation: adopted already registered reports without re-running: {', '.join(adopted)}")

    cursor = json.dumps({"reports": state, "unregistered": sorted(unregistered)}, sort_keys=True)
    if not run_requests:
        message = "no new or changed report files"
        if adopted:
            message = f"baseline taken of {len(adopted)} registered report(s)"
        return dg.SensorResult(skip_reason=dg.SkipReason(message), cursor=cursor)
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[reports_partitions.build_add_request(new_partitions)] if new_partitions else [],
        cursor=cursor,
    )


schedules: list = [refresh_all_reports_schedule]
sensors: list = [new_report_sensor]
