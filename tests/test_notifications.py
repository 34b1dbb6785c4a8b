"""Notifications delivered for real on loopback: a tiny SMTP server (plain, STARTTLS, implicit TLS,
AUTH PLAIN), an HTTP server for Slack-format and generic webhooks, retries against a refused port,
the outbox, and the run-failure sensor on a run that really fails."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest

from orchestration.gate.results import GATE_DDL, _insert_failed
from orchestration.notifications import (
    DELIVERED,
    FAILED,
    Notification,
    build_gate_notifications,
    deliver,
    load_config,
    notify_gate_result,
)
from orchestration.notifications.config import ConfigError, RetryPolicy
from orchestration.notifications.sensors import notify_on_run_failure, sensors

REPORT = "chungbuk-tp-2024-q3"
WARN_REPORT = "gangwon-sti-2024"
RUN_ID = "0f3c5d1e-7a2b-4c9d-8e6f-1a2b3c4d5e6f"
SUITE = "rec_parent_totals"


# ----------------------------------------------------------------------------- loopback servers
class _SMTPHandler(socketserver.StreamRequestHandler):
    def _send(self, line: str) -> None:
        self.connection.sendall((line + "\r\n").encode())

    def handle(self):
        server = self.server
        tls = server.implicit_tls
        authed = False
        sender, recipients = None, []
        self._send("220 localhost loopback SMTP")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            arg = command[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                caps = ["localhost"]
                if server.tls_context and not tls and not server.implicit_tls:
                    caps.append("STARTTLS")
                caps += ["AUTH PLAIN", "8BITMIME", "SMTPUTF8"]
                for cap in caps[:-1]:
                    self._send(f"250-{cap}")
                self._send(f"250 {caps[-1]}")
            elif verb == "STARTTLS":
                self._send("220 ready for TLS")
                self.connection = server.tls_context.wrap_socket(self.connection, server_side=True)
                self.rfile = self.connection.makefile("rb")
                tls = True
            elif verb == "AUTH":
                mechanism, _, initial = arg.partition(" ")
                _, user, password = base64.b64decode(initial).decode().split("\0")
                server.logins.append((user, password, tls))
                if server.credentials and (user, password) != server.credentials:
                    self._send("535 5.7.8 authentication failed")
                else:
                    authed = True
                    self._send("235 2.7.0 authenticated")
            elif verb == "MAIL":
                if server.credentials and not authed:
                    self._send("530 5.7.0 authentication required")
                    continue
                sender, recipients = arg.split(":", 1)[1].split()[0].strip("<>"), []
                self._send("250 ok")
            elif verb == "RCPT":
                recipients.append(arg.split(":", 1)[1].strip().strip("<>"))
                self._send("250 ok")
            elif verb == "DATA":
                self._send("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if line in (b".\r\n", b""):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                server.messages.append({"from": sender, "to": recipients, "message": message, "tls": tls})
                self._send("250 queued")
            elif verb == "QUIT":
                self._send("221 bye")
                return
            else:  # RSET, NOOP, …
                self._send("250 ok")


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls_context=None, implicit_tls=False, credentials=None):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.tls_context, self.implicit_tls, self.credentials = tls_context, implicit_tls, credentials
        self.messages, self.logins = [], []

    def get_request(self):
        sock, address = super().get_request()
        if self.implicit_tls:
            sock = self.tls_context.wrap_socket(sock, server_side=True)
        return sock, address


class _HTTPHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.server.requests.append(
            {"path": self.path, "headers": dict(self.headers), "json": json.loads(body), "status": status}
        )
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"server error")

    def log_message(self, *args):
        pass


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HTTPHandler)
    server.requests, server.statuses = [], []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield _serve(server)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def _tls_context(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def smtp_server(certificate):
    server = _serve(_SMTPServer(_tls_context(certificate), credentials=("recon-bot", "s3cret")))
    server.port = server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------- environment and data
@pytest.fixture
def home(tmp_path, monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith(("BUDGET_RECON_", "DAGSTER_WEBSERVER_URL")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BUDGET_RECON_HOME", str(tmp_path))
    monkeypatch.setenv("BUDGET_RECON_NOTIFY_BACKOFF_SECONDS", "0")
    return tmp_path


def _write_config(home: Path, text: str) -> None:
    (home / "notifications.yaml").write_text(text, encoding="utf-8")


def _outbox(home: Path) -> list[dict]:
    path = home / "outbox" / "notifications.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def gate_db():
    """gate.check_results / gate.failed_rows as run_gate records them: one report with an
    unacknowledged discrepancy (ERROR) and one with only an acknowledged one (WARN)."""
    con = duckdb.connect()
    con.execute(GATE_DDL)
    suite = SimpleNamespace(name=SUITE, key=["report_id", "check_id"], model="rec_parent_totals")
    for report_id, severity in ((REPORT, "ERROR"), (WARN_REPORT, "WARN")):
        con.execute(
            "insert into gate.check_results values (?, ?, ?, 'marts/rec_parent_totals', 'reconciliation', ?, 120, ?, ?, "
            "'[]', now()::timestamp, true, null)",
            [RUN_ID, report_id, SUITE, severity, 1 if severity == "ERROR" else 0, 0 if severity == "ERROR" else 1],
        )
        con.execute(
            "insert into gate.check_results values (?, ?, 'fct_budget_execution', 'marts/fct_budget_execution', "
            "'table', 'PASS', 300, 0, 0, '[]', now()::timestamp, true, null)",
            [RUN_ID, report_id],
        )
    _insert_failed(con, RUN_ID, REPORT, suite, {
        "check_id": "t29:L1863", "severity": "ERROR", "gate_status": "discrepancy", "table_name": "수탁사업비",
        "table_no": 29, "source_line": 1863, "row_label": "계", "measure_name": "budget",
        "expected": "1520000000", "found": "1519000000", "difference": "1000000", "tolerance": "0",
        "other_lines": "1864-1870",
    })
    _insert_failed(con, RUN_ID, REPORT, suite, {
        "check_id": "t12:L455", "severity": "WARN", "gate_status": "acknowledged", "table_name": "총괄",
        "table_no": 12, "source_line": 455, "row_label": "합계", "measure_name": "budget",
        "expected": "10", "found": "11", "acknowledgement": "printed total off by rounding",
    })
    _insert_failed(con, RUN_ID, WARN_REPORT, suite, {
        "check_id": "t3:L77", "severity": "WARN", "gate_status": "acknowledged", "table_name": "전략목표",
        "table_no": 3, "source_line": 77, "row_label": "소계", "measure_name": "budget",
        "expected": "5", "found": "6", "acknowledgement": "known misprint",
    })
    yield con
    con.close()


# ----------------------------------------------------------------------------- tests
def test_gate_error_is_delivered_to_slack_webhook_and_email(home, gate_db, http_server, smtp_server, certificate, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD_FOR_TEST", "s3cret")
    monkeypatch.setenv("DAGSTER_WEBSERVER_URL", "http://dagster.internal:3000/")
    _write_config(home, f"""
slack:
  webhook_url: {http_server.url}/services/T000/B000/XXXX
  channel: "#budget-recon"
webhook:
  url: {http_server.url}/hooks/budget
  headers: {{X-Token: abc}}
email:
  host: 127.0.0.1
  port: {smtp_server.port}
  security: starttls
  ca_file: {certificate[0]}
  username: recon-bot
  password: ${{SMTP_PASSWORD_FOR_TEST}}
  from: recon-bot@example.org
  to: [ops@example.org, finance@example.org]
""")
    report_html = home / "discrepancies" / REPORT / f"{RUN_ID}.html"
    notifications = notify_gate_result(gate_db, RUN_ID, [REPORT, WARN_REPORT], [report_html], job_name="process_reports")

    assert [n.report_id for n in notifications] == [REPORT]  # the WARN-only report sends nothing
    run_url = f"http://dagster.internal:3000/runs/{RUN_ID}"
    expected_bits = [REPORT, SUITE, "line 1863", "수탁사업비", "expected 1520000000", "found 1519000000", run_url,
                     report_html.as_uri()]

    slack = next(r for r in http_server.requests if r["path"].startswith("/services/"))
    assert slack["json"]["channel"] == "#budget-recon"
    slack_text = json.dumps(slack["json"], ensure_ascii=False)
    for bit in expected_bits:
        assert bit in slack_text
    assert slack["json"]["blocks"][0]["type"] == "header"
    assert "t12" not in slack_text and "line 455" not in slack_text  # acknowledged rows are not news

    hook = next(r for r in http_server.requests if r["path"] == "/hooks/budget")
    assert hook["headers"]["X-Token"] == "abc"
    body = hook["json"]
    assert body["kind"] == "gate_error" and body["report_id"] == REPORT and body["run_id"] == RUN_ID
    assert body["checks"] == [SUITE] and body["run_url"] == run_url
    assert body["discrepancy_report"] == report_html.as_uri()
    [row] = body["failing_rows"]
    assert (row["table_name"], row["source_line"], row["expected"], row["found"]) == ("수탁사업비", 1863, "1520000000", "1519000000")
    assert "line 1863" in row["message"] and "expected 1520000000, found 1519000000" in row["message"]

    [mail] = smtp_server.messages
    assert mail["tls"] and smtp_server.logins == [("recon-bot", "s3cret", True)]
    assert mail["to"] == ["ops@example.org", "finance@example.org"]
    message = mail["message"]
    assert message["Subject"].startswith(f"[budget-recon] Gate ERROR: {REPORT}")
    text = message.get_body(("plain",)).get_content()
    for bit in expected_bits:
        assert bit in text
    assert "수탁사업비 (table 29), line 1863" in message.get_body(("html",)).get_content()

    [record] = _outbox(home)
    assert record["kind"] == "gate_error" and record["report_id"] == REPORT
    assert {k: v["status"] for k, v in record["deliveries"].items()} == {
        "outbox": DELIVERED, "slack": DELIVERED, "email": DELIVERED, "webhook": DELIVERED
    }
    assert "XXXX" not in json.dumps(record["deliveries"])  # webhook secrets stay out of the outbox
    assert record["notification"]["failing_rows"][0]["source_line"] == 1863


def test_warn_only_sends_nothing(home, gate_db, http_server):
    _write_config(home, f"slack: {{webhook_url: {http_server.url}/s}}\nwebhook: {{url: {http_server.url}/w}}\n")
    assert notify_gate_result(gate_db, RUN_ID, [WARN_REPORT]) == []
    assert http_server.requests == [] and _outbox(home) == []


def test_pass_and_unknown_run_send_nothing(home, gate_db):
    config = load_config()
    assert build_gate_notifications(gate_db, "another-run", [REPORT], config) == []


def test_email_over_implicit_tls_from_environment(home, gate_db, certificate, monkeypatch):
    server = _serve(_SMTPServer(_tls_context(certificate), implicit_tls=True))
    try:
        monkeypatch.setenv("BUDGET_RECON_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("BUDGET_RECON_SMTP_PORT", str(server.server_address[1]))
        monkeypatch.setenv("BUDGET_RECON_SMTP_SECURITY", "ssl")
        monkeypatch.setenv("BUDGET_RECON_SMTP_CA_FILE", str(certificate[0]))
        monkeypatch.setenv("BUDGET_RECON_EMAIL_FROM", "recon@example.org")
        monkeypatch.setenv("BUDGET_RECON_EMAIL_TO", "a@example.org, b@example.org")
        assert load_config().channels == ["outbox", "email"]
        notify_gate_result(gate_db, RUN_ID, [REPORT])
        [mail] = server.messages
        assert mail["tls"] and mail["to"] == ["a@example.org", "b@example.org"] and server.logins == []
        assert "line 1863" in mail["message"].get_body(("plain",)).get_content()
    finally:
        server.shutdown()
        server.server_close()


def test_untrusted_certificate_and_bad_password_fail_without_retry(home, gate_db, smtp_server, certificate):
    _write_config(home, f"""
retry: {{attempts: 4, backoff_seconds: 0}}
email:
  - {{host: 127.0.0.1, port: {smtp_server.port}, to: ops@example.org, username: recon-bot, password: wrong, ca_file: {certificate[0]}}}
  - {{host: 127.0.0.1, port: {smtp_server.port}, to: ops@example.org}}
""")
    notify_gate_result(gate_db, RUN_ID, [REPORT])
    [record] = _outbox(home)
    wrong_password, untrusted = record["deliveries"]["email"], record["deliveries"]["email[1]"]
    assert wrong_password["status"] == FAILED and wrong_password["attempts"] == 1 and "535" in wrong_password["error"]
    assert untrusted["status"] == FAILED and untrusted["attempts"] == 1 and "certificate" in untrusted["error"]
    assert smtp_server.messages == []


def test_refused_port_is_retried_with_backoff_then_recorded_as_failed(home, gate_db, monkeypatch):
    port = _refused_port()
    monkeypatch.setenv("BUDGET_RECON_WEBHOOK_URL", f"http://127.0.0.1:{port}/hook/secret-token")
    monkeypatch.setenv("BUDGET_RECON_NOTIFY_ATTEMPTS", "3")
    monkeypatch.setenv("BUDGET_RECON_NOTIFY_BACKOFF_SECONDS", "0.5")
    config = load_config()
    [notification] = build_gate_notifications(gate_db, RUN_ID, [REPORT], config)
    sleeps = []
    outcome = deliver(notification, config, sleep=sleeps.append)  # must not raise
    assert outcome["webhook"].status == FAILED and outcome["webhook"].attempts == 3
    assert "refused" in outcome["webhook"].error.lower()
    assert sleeps == [0.5, 1.0]  # exponential backoff between the three attempts
    [record] = _outbox(home)
    assert record["deliveries"]["webhook"]["status"] == FAILED
    assert record["deliveries"]["webhook"]["target"] == f"http://127.0.0.1:{port}/…"
    assert record["deliveries"]["outbox"]["status"] == DELIVERED


def test_server_error_is_retried_until_delivered_and_client_error_is_not(home, gate_db, http_server, monkeypatch):
    monkeypatch.setenv("BUDGET_RECON_SLACK_WEBHOOK_URL", f"{http_server.url}/slack")
    monkeypatch.setenv("BUDGET_RECON_WEBHOOK_URL", f"{http_server.url}/hook")
    http_server.statuses[:] = [500, 503, 200, 404]
    notify_gate_result(gate_db, RUN_ID, [REPORT])
    [record] = _outbox(home)
    assert record["deliveries"]["slack"] | {"at": None} == {
        "status": DELIVERED, "attempts": 3, "error": None, "target": f"{http_server.url}/…", "at": None
    }
    assert record["deliveries"]["webhook"]["status"] == FAILED
    assert record["deliveries"]["webhook"]["attempts"] == 1 and "HTTP 404" in record["deliveries"]["webhook"]["error"]


def test_broken_config_still_writes_the_outbox(home, gate_db):
    _write_config(home, "email: {host: 127.0.0.1}\n")  # no recipients
    with pytest.raises(ConfigError):
        load_config()
    [notification] = notify_gate_result(gate_db, RUN_ID, [REPORT])
    assert [r["report_id"] for r in _outbox(home)] == [REPORT]
    assert notification.run_url == f"http://127.0.0.1:3000/runs/{RUN_ID}"


def test_gate_notification_never_raises(home):
    con = duckdb.connect()  # no gate schema at all
    assert notify_gate_result(con, RUN_ID, [REPORT]) == []


def test_config_from_yaml_and_environment(home, monkeypatch):
    monkeypatch.setenv("BUDGET_RECON_NOTIFICATIONS", str(home / "elsewhere.yaml"))
    (home / "elsewhere.yaml").write_text(
        "dagster_url: https://dagster.example.org\n"
        "discrepancy_base_url: https://reports.example.org/discrepancies/\n"
        "slack: {webhook_url: 'https://hooks.slack.com/services/A/B/C', enabled: false}\n"
        "email: {host: smtp.example.org, to: 'x@example.org', security: ssl}\n",
        encoding="utf-8",
    )
    config = load_config()
    assert config.channels == ["outbox", "email"]
    assert config.email[0].effective_port == 465
    assert config.run_url("r1") == "https://dagster.example.org/runs/r1"
    assert config.outbox == home / "outbox" / "notifications.jsonl"
    monkeypatch.setenv("BUDGET_RECON_SMTP_PASSWORD", "from-env")
    assert load_config().email[0].password == "from-env"
    assert RetryPolicy(attempts=5, backoff_seconds=1, max_backoff_seconds=3).delay(4) == 3


def test_slack_payload_stays_within_block_limits():
    rows = [
        SimpleNamespace(suite=SUITE, message=f"{REPORT}, 수탁사업비 (table 29), line {1000 + i} \"계\" budget: "
                        f"expected {i}, found {i + 1} (difference 1, tolerance 0)")
        for i in range(300)
    ]
    notification = Notification(kind="gate_error", run_id=RUN_ID, run_url="http://x/runs/1", report_id=REPORT,
                                checks=[SUITE], failing_rows=rows, failing_row_count=300)
    payload = notification.slack_payload(max_rows=100)
    assert len(payload["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in payload["blocks"] if b["type"] == "section" and "text" in b)
    assert "… and 200 more" in json.dumps(payload, ensure_ascii=False)
    assert "… and 250 more" in notification.text(max_rows=50)


def test_run_failure_sensor_notifies(home, http_server, monkeypatch):
    monkeypatch.setenv("BUDGET_RECON_WEBHOOK_URL", f"{http_server.url}/hook")
    monkeypatch.setenv("BUDGET_RECON_SLACK_WEBHOOK_URL", f"{http_server.url}/slack")

    @dg.op
    def parse_report():
        raise ValueError("no 단위 line above table 29 (line 1850)")

    @dg.job(partitions_def=dg.StaticPartitionsDefinition([REPORT]))
    def process_reports():
        parse_report()

    with dg.instance_for_test() as instance:
        result = process_reports.execute_in_process(instance=instance, partition_key=REPORT, raise_on_error=False)
        assert not result.success
        context = dg.build_run_status_sensor_context(
            sensor_name="notify_on_run_failure",
            dagster_event=result.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(result.run_id),
        ).for_run_failure()
        notify_on_run_failure(context)

    hook = next(r for r in http_server.requests if r["path"] == "/hook")["json"]
    assert hook["kind"] == "run_failure" and hook["job_name"] == "process_reports"
    assert hook["run_id"] == result.run_id and hook["partition"] == REPORT and hook["report_id"] == REPORT
    assert hook["run_url"] == f"http://127.0.0.1:3000/runs/{result.run_id}"
    [step] = hook["failed_steps"]
    assert step["step_key"] == "parse_report" and "no 단위 line above table 29 (line 1850)" in step["error"]
    slack = json.dumps(next(r for r in http_server.requests if r["path"] == "/slack")["json"], ensure_ascii=False)
    assert "parse_report" in slack and "line 1850" in slack and REPORT in slack
    [record] = _outbox(home)
    assert record["kind"] == "run_failure" and record["deliveries"]["webhook"]["status"] == DELIVERED


def test_sensor_is_registered_and_running_by_default():
    from orchestration.definitions import defs

    assert notify_on_run_failure in sensors
    sensor = defs.resolve_sensor_def("notify_on_run_failure")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def _failed_run_context(instance, job, partition=None):
    result = job.execute_in_process(instance=instance, partition_key=partition, raise_on_error=False)
    assert not result.success
    return dg.build_run_status_sensor_context(
        sensor_name="notify_on_run_failure",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
    ).for_run_failure()


@pytest.mark.parametrize("key, notified", [(["gate", "validation_results"], False), (["marts", "other"], True)])
def test_sensor_skips_runs_failed_only_by_blocking_gate_checks(home, http_server, monkeypatch, key, notified):
    """Dagster 1.13 fails the step of a failed blocking check; for the gate, the gate step already told."""
    monkeypatch.setenv("BUDGET_RECON_WEBHOOK_URL", f"{http_server.url}/hook")

    @dg.multi_asset(
        specs=[dg.AssetSpec(dg.AssetKey(key))],
        check_specs=[dg.AssetCheckSpec(SUITE, asset=dg.AssetKey(key), blocking=True)],
    )
    def checked():
        yield dg.MaterializeResult(asset_key=dg.AssetKey(key))
        yield dg.AssetCheckResult(asset_key=dg.AssetKey(key), check_name=SUITE, passed=False)

    with dg.instance_for_test() as instance:
        # Resolved under this instance: an instance closed by an earlier test may linger as the
        # current defs-state storage otherwise.
        job = dg.Definitions(assets=[checked], jobs=[dg.define_asset_job("process_reports")]).resolve_job_def(
            "process_reports"
        )
        notify_on_run_failure(_failed_run_context(instance, job))
    assert bool(http_server.requests) is notified
    assert len(_outbox(home)) == int(notified)
    if notified:
        assert "1 blocking asset check failed" in http_server.requests[0]["json"]["failed_steps"][0]["error"]
