"""Dagster sensors that turn run failures into notifications.

`notify_on_run_failure` watches every job of this code location and sends one notification per
failed run (job, run, failed steps with errors, report partition) through the configured channels
(see docs/notifications.md). Gate ERRORs are notified by the gate step itself (`notify_gate_result`,
with the failing rows); a run that failed only because blocking gate checks failed is skipped here.
It starts RUNNING, so failures reach the outbox (and any configured channel) whenever the daemon runs
(`dagster dev` starts one).
"""

import dagster as dg

from .notify import notify_run_failure


@dg.run_failure_sensor(
    name="notify_on_run_failure",
    description="Notify (outbox, and Slack / email / webhook when configured) when a run fails.",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
)
def notify_on_run_failure(context: dg.RunFailureSensorContext):
    notify_run_failure(context)


sensors: list = [notify_on_run_failure]
