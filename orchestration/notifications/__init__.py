"""Notifications for gate ERRORs and failed runs: a local outbox (always), Slack, email, webhooks.

Configuration: docs/notifications.md. Public entry points:
- `notify_gate_result(con, run_id, report_ids, discrepancy_reports, job_name, log)`: called by the
  gate step after the verdicts are recorded; sends only for reports with an ERROR verdict.
  The gate step itself uses its two halves: `prepare_gate_notifications` while the warehouse is
  open, `send_notifications` once it is released (one total time budget per run).
- `notify_run_failure(context)`: used by the run-failure sensor in `sensors.py`.
"""

from .channels import DELIVERED, FAILED, Delivery, deliver
from .config import NotificationConfig, load_config
from .model import GATE_ERROR, RUN_FAILURE, FailedStep, FailingRow, Notification
from .notify import (
    PendingNotifications, build_gate_notifications, build_run_failure_notification, notify_gate_result,
    notify_run_failure, prepare_gate_notifications, send_notifications,
)

__all__ = [
    "DELIVERED", "FAILED", "Delivery", "deliver", "NotificationConfig", "load_config", "GATE_ERROR",
    "RUN_FAILURE", "FailedStep", "FailingRow", "Notification", "build_gate_notifications",
    "build_run_failure_notification", "notify_gate_result", "notify_run_failure", "PendingNotifications",
    "prepare_gate_notifications", "send_notifications",
]
