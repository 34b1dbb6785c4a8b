"""What a notification says, independent of the channel that carries it.

Two kinds:
- `gate_error`: a report's gate ended in ERROR (an unacknowledged discrepancy blocks publishing).
  Names the report, the failing checks (suites), every failing row (table, source line, expected vs
  found, from `gate.failed_rows`), the run, and links to the run in the Dagster UI and to the
  discrepancy report.
- `run_failure`: a Dagster run failed (job, run, failed steps with their errors, report partition).

Renderers (`text`, `to_dict`, `slack_payload`, `email_message`) are pure, so tests can pin them.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage

GATE_ERROR = "gate_error"
RUN_FAILURE = "run_failure"


@dataclass
class FailingRow:
    """One row of `gate.failed_rows` that blocks publishing."""

    suite: str
    message: str
    table_name: str | None = None
    table_no: int | None = None
    source_line: int | None = None
    label: str | None = None
    measure: str | None = None
    expected: str | None = None
    found: str | None = None
    difference: str | None = None
    gate_status: str | None = None


@dataclass
class FailedStep:
    step_key: str
    error: str


@dataclass
class Notification:
    kind: str
    run_id: str
    run_url: str
    report_id: str | None = None
    job_name: str | None = None
    partition: str | None = None
    checks: list[str] = field(default_factory=list)
    failing_rows: list[FailingRow] = field(default_factory=list)
    failing_row_count: int = 0
    discrepancy_report: str | None = None
    discrepancy_report_path: str | None = None
    failed_steps: list[FailedStep] = field(default_factory=list)
    error: str | None = None
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    # ------------------------------------------------------------------ rendering
    @property
    def subject(self) -> str:
        if self.kind == GATE_ERROR:
            checks = ", ".join(self.checks) or "gate"
            return (
                f"[budget-recon] Gate ERROR: {self.report_id} — {self.failing_row_count} unacknowledged "
                f"discrepanc{'y' if self.failing_row_count == 1 else 'ies'} ({checks})"
            )
        where = f" ({self.partition})" if self.partition else ""
        step = f" at {self.failed_steps[0].step_key}" if self.failed_steps else ""
        return f"[budget-recon] Run failed: {self.job_name}{where}{step}"

    def text(self, max_rows: int = 50) -> str:
        lines = [self.subject, ""]
        if self.kind == GATE_ERROR:
            lines += [
                f"Report: {self.report_id}",
                f"Failing checks: {', '.join(self.checks) or '-'}",
                f"Run: {self.run_id}" + (f" (job {self.job_name})" if self.job_name else ""),
                f"Run in Dagster: {self.run_url}",
                f"Discrepancy report: {self.discrepancy_report or '-'}",
                "",
                f"Failing rows ({self.failing_row_count}; publishing of this report is blocked):",
            ]
            lines += [f"- [{r.suite}] {r.message}" for r in self.failing_rows[:max_rows]]
            if self.failing_row_count > min(max_rows, len(self.failing_rows)):
                lines.append(f"- … and {self.failing_row_count - min(max_rows, len(self.failing_rows))} more "
                             "(see the discrepancy report)")
            if not self.failing_rows:
                lines.append("- (no row-level detail: see the check results in Dagster)")
        else:
            lines += [
                f"Job: {self.job_name}",
                f"Report / partition: {self.partition or '-'}",
                f"Run: {self.run_id}",
                f"Run in Dagster: {self.run_url}",
            ]
            if self.error:
                lines += ["", f"Error: {self.error}"]
            for step in self.failed_steps:
                lines += ["", f"Failed step {step.step_key}:", step.error]
        return "\n".join(lines).rstrip() + "\n"

    def to_dict(self, max_rows: int | None = None) -> dict:
        data = asdict(self)
        if max_rows is not None:
            data["failing_rows"] = data["failing_rows"][:max_rows]
        data["subject"] = self.subject
        return data

    def slack_payload(self, max_rows: int = 20, channel: str | None = None, username: str | None = None) -> dict:
        """Incoming-webhook payload: `text` (fallback, notifications) plus Block Kit blocks."""

        def section(markdown: str) -> dict:
            return {"type": "section", "text": {"type": "mrkdwn", "text": markdown[:2900]}}

        blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": self.subject[:150]}}]
        if self.kind == GATE_ERROR:
            blocks.append(
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": f"*Report*\n{self.report_id}"},
                        {"type": "mrkdwn", "text": f"*Failing checks*\n{', '.join(self.checks) or '-'}"},
                        {"type": "mrkdwn", "text": f"*Run*\n<{self.run_url}|{self.run_id[:8]}>"},
                        {"type": "mrkdwn", "text": "*Discrepancy report*\n"
                         + (f"<{self.discrepancy_report}|open>" if self.discrepancy_report else "-")},
                    ],
                }
            )
            chunk = ""
            shown = self.failing_rows[:max_rows]
            for row in shown:
                item = f"• `{row.suite}` {_slack_escape(row.message)}\n"
                if len(chunk) + len(item) > 2800:
                    blocks.append(section(chunk))
                    chunk = ""
                chunk += item
            rest = self.failing_row_count - len(shown)
            if rest > 0:
                chunk += f"… and {rest} more (see the discrepancy report)\n"
            if chunk:
                blocks.append(section(chunk))
        else:
            blocks.append(
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": f"*Job*\n{self.job_name}"},
                        {"type": "mrkdwn", "text": f"*Report / partition*\n{self.partition or '-'}"},
                        {"type": "mrkdwn", "text": f"*Run*\n<{self.run_url}|{self.run_id[:8]}>"},
                        {"type": "mrkdwn", "text": "*Failed steps*\n"
                         + (", ".join(s.step_key for s in self.failed_steps) or "-")},
                    ],
                }
            )
            for step in self.failed_steps[:5]:
                blocks.append(section(f"*{step.step_key}*\n```{_slack_escape(step.error[:2500])}```"))
            if self.error and not self.failed_steps:
                blocks.append(section(f"```{_slack_escape(self.error[:2500])}```"))
        payload: dict = {"text": self.text(max_rows=max_rows)[:3500], "blocks": blocks[:50]}
        if channel:
            payload["channel"] = channel
        if username:
            payload["username"] = username
        return payload

    def email_message(self, sender: str, recipients: list[str], subject_prefix: str | None = None,
                      max_rows: int = 200) -> EmailMessage:
        message = EmailMessage()
        subject = self.subject
        if subject_prefix is not None:
            subject = subject.replace("[budget-recon]", subject_prefix, 1).strip()
        message["Subject"] = subject
        message["From"] = sender
        message["To"] = ", ".join(recipients)
        message["X-Budget-Recon-Notification"] = self.id
        message.set_content(self.text(max_rows=max_rows))
        message.add_alternative(self.html(max_rows=max_rows), subtype="html")
        return message

    def html(self, max_rows: int = 200) -> str:
        e = html.escape
        out = [f"<h2>{e(self.subject)}</h2>", "<ul>"]
        if self.kind == GATE_ERROR:
            out += [
                f"<li>Report: <b>{e(self.report_id or '')}</b></li>",
                f"<li>Failing checks: {e(', '.join(self.checks))}</li>",
                f'<li>Run: <a href="{e(self.run_url)}">{e(self.run_id)}</a></li>',
            ]
            if self.discrepancy_report:
                out.append(f'<li>Discrepancy report: <a href="{e(self.discrepancy_report)}">{e(self.discrepancy_report)}</a></li>')
            out.append("</ul>")
            out.append("<table border=1 cellpadding=4 cellspacing=0><tr><th>check</th><th>table</th><th>line</th>"
                       "<th>label</th><th>expected</th><th>found</th><th>message</th></tr>")
            for r in self.failing_rows[:max_rows]:
                cells = [r.suite, r.table_name, r.source_line, r.label, r.expected, r.found, r.message]
                out.append("<tr>" + "".join(f"<td>{e('' if c is None else str(c))}</td>" for c in cells) + "</tr>")
            out.append("</table>")
            if self.failing_row_count > min(max_rows, len(self.failing_rows)):
                out.append(f"<p>… and {self.failing_row_count - min(max_rows, len(self.failing_rows))} more.</p>")
        else:
            out += [
                f"<li>Job: {e(self.job_name or '')}</li>",
                f"<li>Report / partition: {e(self.partition or '-')}</li>",
                f'<li>Run: <a href="{e(self.run_url)}">{e(self.run_id)}</a></li>',
                "</ul>",
            ]
            if self.error:
                out.append(f"<pre>{e(self.error)}</pre>")
            for step in self.failed_steps:
                out.append(f"<h3>{e(step.step_key)}</h3><pre>{e(step.error)}</pre>")
        return "\n".join(out)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
