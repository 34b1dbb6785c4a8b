"""The two hooks: a gate that ended in ERROR (called from the gate step) and a failed run (sensor).

Gate failures need their own path: a failed asset check does not by itself fail a run in open-source
Dagster (dagster issue 29896), and where it does (Dagster 1.13 fails the step that yielded a failed
*blocking* check with DagsterAssetCheckFailedError) the failure names only the checks, not the rows.
So the gate step notifies with the failing rows, and the run-failure sensor skips runs whose only
failure is blocking gate checks, so nobody is told twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..gate.results import failed_rows
from ..settings import paths
from .channels import deliver
from .config import ConfigError, NotificationConfig, load_config
from .model import GATE_ERROR, RUN_FAILURE, FailedStep, FailingRow, Notification

_logger = logging.getLogger("budget_recon.notifications")

ERROR = "ERROR"
ACKNOWLEDGED = "acknowledged"
# The asset the gate's blocking checks sit on (orchestration/assets/gate.py; not imported: cycle).
GATE_ASSET = "gate/validation_results"
CHECK_FAILED_ERROR = "DagsterAssetCheckFailedError"


def _config(log) -> NotificationConfig:
    try:
        return load_config()
    except Exception as exc:  # noqa: BLE001 - a broken config must not fail the run; the outbox still works
        kind = "invalid notification config" if isinstance(exc, ConfigError) else "cannot read notification config"
        log.error(f"{kind}: {exc}; writing to the outbox only")
        return NotificationConfig(outbox=paths().home / "outbox" / "notifications.jsonl")


def _clean(value):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    return value


def _int(value):
    value = _clean(value)
    return None if value is None else int(value)


def _str(value):
    value = _clean(value)
    return None if value is None else str(value)


def discrepancy_link(config: NotificationConfig, report_id: str, run_id: str, path: Path | None) -> tuple[str, str]:
    """(link, local path) of the discrepancy report for one report and run."""
    path = path or paths().discrepancy_reports / report_id / f"{run_id}.html"
    if config.discrepancy_base_url:
        return f"{config.discrepancy_base_url.rstrip('/')}/{report_id}/{path.name}", str(path)
    return path.resolve().as_uri(), str(path)


def build_gate_notifications(
    con, run_id: str, report_ids: list[str], config: NotificationConfig,
    discrepancy_reports: dict[str, Path] | None = None, job_name: str | None = None,
) -> list[Notification]:
    """One notification per report whose gate has an ERROR verdict in this run (WARN/PASS: none)."""
    notifications = []
    for report_id in report_ids:
        checks = [
            suite for (suite,) in con.execute(
                "select suite from gate.check_results where run_id = ? and report_id = ? and severity = ? order by suite",
                [run_id, report_id, ERROR],
            ).fetchall()
        ]
        if not checks:
            continue
        frame = failed_rows(con, run_id, report_id)
        frame = frame[(frame["severity"] == ERROR) & (frame["gate_status"] != ACKNOWLEDGED)]
        rows = [
            FailingRow(
                suite=r["suite"], message=_str(r["message"]) or "", table_name=_str(r["table_name"]),
                table_no=_int(r["table_no"]), source_line=_int(r["source_line"]), label=_str(r["label"]),
                measure=_str(r["measure"]), expected=_str(r["expected"]), found=_str(r["found"]),
                difference=_str(r["difference"]), gate_status=_str(r["gate_status"]),
            )
            for r in frame.to_dict("records")
        ]
        link, local = discrepancy_link(config, report_id, run_id, (discrepancy_reports or {}).get(report_id))
        notifications.append(
            Notification(
                kind=GATE_ERROR, run_id=run_id, run_url=config.run_url(run_id), report_id=report_id,
                job_name=job_name, partition=report_id, checks=checks, failing_rows=rows,
                failing_row_count=len(rows), discrepancy_report=link, discrepancy_report_path=local,
            )
        )
    return notifications


@dataclass
class PendingNotifications:
    """Notifications built while the warehouse is open, to be sent once it is released."""

    notifications: list[Notification]
    config: NotificationConfig | None


def prepare_gate_notifications(
    con, run_id: str, report_ids: list[str], discrepancy_reports: list[Path] | dict[str, Path] | None = None,
    job_name: str | None = None, log=None,
) -> PendingNotifications:
    """The gate ERROR notifications of a run, read from the gate tables; never raises."""
    log = log or _logger
    try:
        config = _config(log)
        if isinstance(discrepancy_reports, list):
            discrepancy_reports = {p.parent.name: p for p in discrepancy_reports}
        return PendingNotifications(build_gate_notifications(con, run_id, report_ids, config, discrepancy_reports, job_name), config)
    except Exception as exc:  # noqa: BLE001 - never fail the run because of a notification
        log.error(f"gate notification failed: {type(exc).__name__}: {exc}")
        return PendingNotifications([], None)


def send_notifications(pending: PendingNotifications, log=None) -> list[Notification]:
    """Deliver, all within the config's total_timeout_seconds (one budget for the run); never raises.
    Call it after releasing the warehouse: a channel that never answers must not hold it."""
    log = log or _logger
    if not pending.notifications or pending.config is None:
        return []
    deadline = time.monotonic() + pending.config.total_timeout_seconds
    try:
        for notification in pending.notifications:
            outcome = deliver(notification, pending.config, log, deadline=deadline)
            log.info(
                f"{notification.kind} notification for {notification.report_id or notification.run_id}: "
                + ", ".join(f"{name} {d.status}" for name, d in outcome.items())
            )
        return pending.notifications
    except Exception as exc:  # noqa: BLE001
        log.error(f"notification failed: {type(exc).__name__}: {exc}")
        return []


def notify_gate_result(
    con, run_id: str, report_ids: list[str], discrepancy_reports: list[Path] | dict[str, Path] | None = None,
    job_name: str | None = None, log=None,
) -> list[Notification]:
    """Build and send the gate ERROR notifications of a run (prepare + send). Never raises."""
    return send_notifications(prepare_gate_notifications(con, run_id, report_ids, discrepancy_reports, job_name, log), log)


# ---------------------------------------------------------------------------- run failures
def _error_text(error, limit: int = 4000) -> str:
    """The error message and its causes, without stack traces."""
    parts, seen = [], 0
    while error is not None and seen < 10:
        message = (getattr(error, "message", None) or str(error)).strip()
        if message and message not in parts:
            parts.append(message)
        error = getattr(error, "cause", None) or getattr(error, "context", None)
        seen += 1
    text = "\n  caused by: ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def partition_of(tags: dict) -> str | None:
    if tags.get("dagster/partition"):
        return tags["dagster/partition"]
    start, end = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    if start:
        return start if start == end or not end else f"{start}…{end}"
    return None


def covered_by_gate_notification(step_failure_events) -> bool:
    """True when the run failed only because blocking gate checks failed.

    Dagster 1.13 fails the step (DagsterAssetCheckFailedError, message "N blocking asset checks failed
    with ERROR severity:" then one "asset/key: check,check" line per asset) after a blocking check
    fails inside it; the gate step has already sent the richer gate ERROR notification then.
    """
    events = list(step_failure_events or [])
    if not events:
        return False
    for event in events:
        error = getattr(getattr(event, "event_specific_data", None), "error", None)
        if error is None or getattr(error, "cls_name", None) != CHECK_FAILED_ERROR:
            return False
        assets = [line.split(":", 1)[0].strip() for line in error.message.strip().splitlines()[1:] if line.strip()]
        if not assets or any(a != GATE_ASSET for a in assets):
            return False
    return True


def build_run_failure_notification(run, failure_event, step_failure_events, config: NotificationConfig) -> Notification:
    tags = dict(run.tags or {})
    partition = partition_of(tags)
    steps = []
    for event in step_failure_events or []:
        data = getattr(event, "event_specific_data", None)
        error = getattr(data, "error", None)
        steps.append(FailedStep(step_key=event.step_key or "?", error=_error_text(error) if error else event.message or ""))
    message = getattr(failure_event, "message", None) if failure_event is not None else None
    data = getattr(failure_event, "event_specific_data", None) if failure_event is not None else None
    if getattr(data, "error", None) is not None:
        message = f"{message}\n{_error_text(data.error)}" if message else _error_text(data.error)
    return Notification(
        kind=RUN_FAILURE, run_id=run.run_id, run_url=config.run_url(run.run_id), job_name=run.job_name,
        report_id=partition if partition and "…" not in partition else None, partition=partition,
        failed_steps=steps, error=message,
    )


def notify_run_failure(context, log=None) -> Notification | None:
    """For a `RunFailureSensorContext`: build and deliver; never raises."""
    log = log or getattr(context, "log", None) or _logger
    try:
        steps = context.get_step_failure_events()
        if covered_by_gate_notification(steps):
            log.info(f"run {context.dagster_run.run_id} failed only on blocking gate checks: "
                     "the gate step already sent its gate ERROR notification")
            return None
        config = _config(log)
        notification = build_run_failure_notification(context.dagster_run, context.failure_event, steps, config)
        outcome = deliver(notification, config, log, deadline=time.monotonic() + config.total_timeout_seconds)
        log.info(f"run failure notification for {notification.run_id}: "
                 + ", ".join(f"{name} {d.status}" for name, d in outcome.items()))
        return notification
    except Exception as exc:  # noqa: BLE001
        log.error(f"run failure notification failed: {type(exc).__name__}: {exc}")
        return None
