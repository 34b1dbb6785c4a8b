"""Delivery: the local outbox (always), Slack incoming webhooks, SMTP email, generic JSON webhooks.

Every channel is tried with bounded retries and exponential backoff; permanent errors (HTTP 4xx
other than 408/429, SMTP authentication or recipient refusals) are not retried. Nothing here raises:
the outcome per channel (delivered / failed, attempts, last error) is logged and written with the
notification as one JSON line to the outbox.
"""

from __future__ import annotations

import fcntl
import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .config import EmailConfig, NotificationConfig, SlackConfig, WebhookConfig
from .model import Notification

DELIVERED, FAILED = "delivered", "failed"
USER_AGENT = "budget-recon-notifications/1"

_logger = logging.getLogger("budget_recon.notifications")


class PermanentError(Exception):
    """A failure that retrying cannot fix."""


@dataclass
class Delivery:
    channel: str
    status: str
    attempts: int
    error: str | None = None
    target: str | None = None
    at: str = ""

    def to_dict(self) -> dict:
        return {"status": self.status, "attempts": self.attempts, "error": self.error, "target": self.target,
                "at": self.at}


# ---------------------------------------------------------------------------- transports
def post_json(url: str, payload: dict, headers: dict[str, str] | None, timeout: float) -> str:
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            return response.read(2_000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        message = f"HTTP {exc.code} {exc.reason}: {detail}".strip()
        if 400 <= exc.code < 500 and exc.code not in (408, 429):
            raise PermanentError(message) from exc
        raise RuntimeError(message) from exc


def send_slack(cfg: SlackConfig, notification: Notification, timeout: float) -> None:
    post_json(cfg.webhook_url, notification.slack_payload(cfg.max_rows, cfg.channel, cfg.username), None, timeout)


def send_webhook(cfg: WebhookConfig, notification: Notification, timeout: float) -> None:
    payload = notification.to_dict(max_rows=cfg.max_rows)
    payload["text"] = notification.text()
    post_json(cfg.url, payload, cfg.headers, timeout)


def send_email(cfg: EmailConfig, notification: Notification, timeout: float) -> None:
    message = notification.email_message(cfg.sender, cfg.to, cfg.subject_prefix, cfg.max_rows)
    context = ssl.create_default_context(cafile=cfg.ca_file) if cfg.security != "none" else None
    try:
        if cfg.security == "ssl":
            smtp = smtplib.SMTP_SSL(cfg.host, cfg.effective_port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.effective_port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if cfg.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
            smtp.send_message(message)
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
            smtplib.SMTPNotSupportedError) as exc:
        raise PermanentError(f"{type(exc).__name__}: {exc}") from exc
    except ssl.SSLCertVerificationError as exc:
        raise PermanentError(f"TLS certificate not trusted: {exc}") from exc


# ---------------------------------------------------------------------------- delivery
def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _redact(url: str) -> str:
    """Webhook URLs carry their secret in the path: keep scheme and host only."""
    parts = url.split("/")
    return "/".join(parts[:3]) + ("/…" if len(parts) > 3 else "")


def _attempt(name: str, target: str, send, config: NotificationConfig, log, sleep=time.sleep, deadline=None) -> Delivery:
    policy = config.retry
    error = None
    for attempt in range(1, policy.attempts + 1):
        if deadline is not None and time.monotonic() >= deadline:
            error = f"{error + '; ' if error else ''}the run's notification time budget ({config.total_timeout_seconds:g}s) is spent"
            log.error(f"notification via {name} ({target}) not sent: {error}")
            return Delivery(name, FAILED, attempt - 1, error, target, _now())
        try:
            send()
            log.info(f"notification delivered via {name} ({target}) on attempt {attempt}")
            return Delivery(name, DELIVERED, attempt, None, target, _now())
        except PermanentError as exc:
            error = str(exc)
            log.warning(f"notification via {name} ({target}) failed permanently: {error}")
            return Delivery(name, FAILED, attempt, error, target, _now())
        except Exception as exc:  # noqa: BLE001 - a notification must never fail the run
            error = f"{type(exc).__name__}: {exc}"
            if attempt < policy.attempts:
                delay = policy.delay(attempt)
                if deadline is not None:
                    delay = max(0.0, min(delay, deadline - time.monotonic()))
                log.warning(f"notification via {name} ({target}) failed (attempt {attempt}/{policy.attempts}): "
                            f"{error}; retrying in {delay:g}s")
                sleep(delay)
    log.error(f"notification via {name} ({target}) failed after {policy.attempts} attempts: {error}")
    return Delivery(name, FAILED, policy.attempts, error, target, _now())


def write_outbox(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # concurrent runs append whole lines
        try:
            handle.write(line)
            handle.flush()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def deliver(
    notification: Notification, config: NotificationConfig, log=None, sleep=time.sleep, deadline: float | None = None
) -> dict[str, Delivery]:
    """Send through every enabled channel, then append the notification and outcomes to the outbox.
    `deadline` (time.monotonic()) bounds all of it, each network timeout included: one budget per run."""
    log = log or _logger

    def timeout() -> float:  # each attempt's network timeout ends by the deadline
        if deadline is None:
            return config.timeout_seconds
        return max(0.1, min(config.timeout_seconds, deadline - time.monotonic()))
    deliveries: dict[str, Delivery] = {}
    plan = (
        [(c.name, _redact(c.webhook_url), (lambda c=c: send_slack(c, notification, timeout()))) for c in config.slack]
        + [(c.name, f"{c.host}:{c.effective_port} → {', '.join(c.to)}",
            (lambda c=c: send_email(c, notification, timeout()))) for c in config.email]
        + [(c.name, _redact(c.url), (lambda c=c: send_webhook(c, notification, timeout()))) for c in config.webhooks]
    )
    for name, target, send in plan:
        try:
            deliveries[name] = _attempt(name, target, send, config, log, sleep, deadline)
        except Exception as exc:  # noqa: BLE001 - belt and braces (e.g. a logger that raises)
            deliveries[name] = Delivery(name, FAILED, 0, f"{type(exc).__name__}: {exc}", target, _now())
    outbox = Delivery("outbox", DELIVERED, 1, None, str(config.outbox), _now())
    record = {
        "id": notification.id,
        "created_at": notification.created_at,
        "kind": notification.kind,
        "report_id": notification.report_id,
        "run_id": notification.run_id,
        "subject": notification.subject,
        "deliveries": {"outbox": outbox.to_dict(), **{k: v.to_dict() for k, v in deliveries.items()}},
        "notification": notification.to_dict(),
        "text": notification.text(),
    }
    try:
        write_outbox(config.outbox, record)
        log.info(f"notification {notification.id} written to {config.outbox}")
    except Exception as exc:  # noqa: BLE001
        outbox = Delivery("outbox", FAILED, 1, f"{type(exc).__name__}: {exc}", str(config.outbox), _now())
        log.error(f"could not write the notification outbox {config.outbox}: {exc}")
    return {"outbox": outbox, **deliveries}
