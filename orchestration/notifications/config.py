"""Which channels are on, read from the environment and an untracked YAML file.

The file is `$BUDGET_RECON_NOTIFICATIONS` or `$BUDGET_RECON_HOME/notifications.yaml` (git ignores
`notifications.yaml`); string values may reference the environment as `${NAME}`. Environment
variables override the file. The outbox (`$BUDGET_RECON_HOME/outbox/notifications.jsonl`) is always
on. Read afresh on every notification, so a change takes effect without a restart.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..settings import paths
from ..yaml_files import read_yaml

DEFAULT_DAGSTER_URL = "http://127.0.0.1:3000"


class ConfigError(ValueError):
    pass


@dataclass
class RetryPolicy:
    attempts: int = 3
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based): 1, 2, 4 … capped."""
        return min(self.backoff_seconds * (2 ** (attempt - 1)), self.max_backoff_seconds)


@dataclass
class SlackConfig:
    webhook_url: str
    channel: str | None = None
    username: str | None = None
    max_rows: int = 20
    name: str = "slack"


@dataclass
class EmailConfig:
    host: str
    to: list[str]
    sender: str
    port: int | None = None
    security: str = "starttls"  # starttls | ssl | none
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    subject_prefix: str | None = None
    max_rows: int = 200
    name: str = "email"

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587}.get(self.security, 25)


@dataclass
class WebhookConfig:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    max_rows: int | None = None
    name: str = "webhook"


@dataclass
class NotificationConfig:
    outbox: Path
    dagster_url: str = DEFAULT_DAGSTER_URL
    discrepancy_base_url: str | None = None
    timeout_seconds: float = 10.0
    # All deliveries of one run together (every channel, attempt and backoff) stop after this long.
    total_timeout_seconds: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    slack: list[SlackConfig] = field(default_factory=list)
    email: list[EmailConfig] = field(default_factory=list)
    webhooks: list[WebhookConfig] = field(default_factory=list)
    source: Path | None = None

    def run_url(self, run_id: str) -> str:
        return f"{self.dagster_url.rstrip('/')}/runs/{run_id}"

    @property
    def channels(self) -> list[str]:
        return ["outbox"] + [c.name for c in self.slack + self.email + self.webhooks]


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(value):
    if isinstance(value, str):
        return _ENV_REF.sub(lambda m: os.environ.get(m.group(1), ""), value)
    if isinstance(value, list):
        return [_expand(v) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    return value


def _as_list(value) -> list[dict]:
    if value is None or value is False:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ConfigError(f"expected a mapping, got {item!r}")
        if item.get("enabled", True) in (False, "false", "no", 0):
            continue
        out.append(item)
    return out


def _recipients(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if v and v.strip()]


def config_path() -> Path:
    explicit = os.environ.get("BUDGET_RECON_NOTIFICATIONS")
    return Path(explicit) if explicit else paths().home / "notifications.yaml"


def _pick(env, key: str, yaml_value=None):
    """The environment's value of `key` when set and not empty, else the file's."""
    value = env.get(key)
    return value if value not in (None, "") else yaml_value


def load_config(env: dict | None = None) -> NotificationConfig:
    """Merge the YAML file (if any) and the environment (which wins)."""
    env = os.environ if env is None else env
    path = config_path()
    raw: dict = {}
    if path.is_file():
        raw = read_yaml(path) or {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level")
        raw = _expand(raw)

    home = paths().home
    outbox_cfg = raw.get("outbox") or {}
    outbox = Path(_pick(env, "BUDGET_RECON_OUTBOX", outbox_cfg.get("path")) or home / "outbox" / "notifications.jsonl")
    retry_cfg = raw.get("retry") or {}
    retry = RetryPolicy(
        attempts=max(1, int(_pick(env, "BUDGET_RECON_NOTIFY_ATTEMPTS", retry_cfg.get("attempts", 3)))),
        backoff_seconds=float(_pick(env, "BUDGET_RECON_NOTIFY_BACKOFF_SECONDS", retry_cfg.get("backoff_seconds", 1.0))),
        max_backoff_seconds=float(retry_cfg.get("max_backoff_seconds", 30.0)),
    )
    return NotificationConfig(
        outbox=outbox,
        dagster_url=_pick(env, "DAGSTER_WEBSERVER_URL", raw.get("dagster_url")) or DEFAULT_DAGSTER_URL,
        discrepancy_base_url=_pick(env, "BUDGET_RECON_DISCREPANCY_BASE_URL", raw.get("discrepancy_base_url")),
        timeout_seconds=float(_pick(env, "BUDGET_RECON_NOTIFY_TIMEOUT_SECONDS", raw.get("timeout_seconds", 10.0))),
        total_timeout_seconds=float(
            _pick(env, "BUDGET_RECON_NOTIFY_TOTAL_SECONDS", raw.get("total_timeout_seconds", 60.0))
        ),
        retry=retry,
        slack=_slack_channels(raw, env),
        email=_email_channels(raw, env),
        webhooks=_webhook_channels(raw, env),
        source=path if path.is_file() else None,
    )


def _slack_channels(raw: dict, env) -> list[SlackConfig]:
    """Slack incoming webhooks: the file's `slack` entries, the first one's URL and channel from the
    environment when set there."""
    slack_items = _as_list(raw.get("slack"))
    if env.get("BUDGET_RECON_SLACK_WEBHOOK_URL"):
        base = slack_items[0] if slack_items else {}
        slack_items = [dict(base, webhook_url=env["BUDGET_RECON_SLACK_WEBHOOK_URL"])] + slack_items[1:]
    channels = []
    for i, item in enumerate(slack_items):
        if not item.get("webhook_url"):
            raise ConfigError("slack: webhook_url is required")
        channels.append(
            SlackConfig(
                webhook_url=item["webhook_url"],
                channel=(
                    _pick(env, "BUDGET_RECON_SLACK_CHANNEL", item.get("channel")) if i == 0 else item.get("channel")
                ),
                username=item.get("username"),
                max_rows=int(item.get("max_rows", 20)),
                name="slack" if i == 0 else f"slack[{i}]",
            )
        )
    return channels


def _email_channels(raw: dict, env) -> list[EmailConfig]:
    """Email (SMTP): the file's `email` entries, the first one's server, account and recipients
    overridden by the environment."""
    email_items = _as_list(raw.get("email"))
    if env.get("BUDGET_RECON_SMTP_HOST") or (email_items and any(
        env.get(k) for k in ("BUDGET_RECON_SMTP_USER", "BUDGET_RECON_SMTP_PASSWORD", "BUDGET_RECON_EMAIL_TO")
    )):
        base = dict(email_items[0]) if email_items else {}
        overrides = {
            "host": env.get("BUDGET_RECON_SMTP_HOST"),
            "port": env.get("BUDGET_RECON_SMTP_PORT"),
            "security": env.get("BUDGET_RECON_SMTP_SECURITY"),
            "username": env.get("BUDGET_RECON_SMTP_USER"),
            "password": env.get("BUDGET_RECON_SMTP_PASSWORD"),
            "from": env.get("BUDGET_RECON_EMAIL_FROM"),
            "to": env.get("BUDGET_RECON_EMAIL_TO"),
            "ca_file": env.get("BUDGET_RECON_SMTP_CA_FILE"),
        }
        base.update({k: v for k, v in overrides.items() if v})
        email_items = [base] + email_items[1:]
    channels = []
    for i, item in enumerate(email_items):
        security = str(item.get("security", "starttls")).lower()
        if security not in ("starttls", "ssl", "none"):
            raise ConfigError(f"email: security must be starttls, ssl or none, not {security!r}")
        to = _recipients(item.get("to"))
        if not item.get("host") or not to:
            raise ConfigError("email: host and to are required")
        password = item.get("password")
        if not password and item.get("password_env"):
            password = env.get(item["password_env"])
        channels.append(
            EmailConfig(
                host=item["host"],
                port=int(item["port"]) if item.get("port") else None,
                security=security,
                username=item.get("username"),
                password=password,
                sender=item.get("from") or item.get("username") or f"budget-recon@{item['host']}",
                to=to,
                ca_file=item.get("ca_file"),
                subject_prefix=item.get("subject_prefix"),
                max_rows=int(item.get("max_rows", 200)),
                name="email" if i == 0 else f"email[{i}]",
            )
        )
    return channels


def _webhook_channels(raw: dict, env) -> list[WebhookConfig]:
    """Generic JSON webhooks: the file's `webhook` entries, the first one's URL and bearer token from
    the environment when set there."""
    hook_items = _as_list(raw.get("webhook"))
    if env.get("BUDGET_RECON_WEBHOOK_URL"):
        base = hook_items[0] if hook_items else {}
        hook_items = [dict(base, url=env["BUDGET_RECON_WEBHOOK_URL"])] + hook_items[1:]
    channels = []
    for i, item in enumerate(hook_items):
        if not item.get("url"):
            raise ConfigError("webhook: url is required")
        headers = {str(k): str(v) for k, v in (item.get("headers") or {}).items()}
        token = env.get("BUDGET_RECON_WEBHOOK_TOKEN") if i == 0 else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        channels.append(
            WebhookConfig(
                url=item["url"],
                headers=headers,
                max_rows=int(item["max_rows"]) if item.get("max_rows") is not None else None,
                name="webhook" if i == 0 else f"webhook[{i}]",
            )
        )
    return channels
