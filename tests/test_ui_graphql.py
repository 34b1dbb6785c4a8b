"""End to end through the real Dagster UI server: `dagster-webserver` + `dagster-daemon run`.

Both run as subprocesses on a free loopback port, with DAGSTER_HOME, BUDGET_RECON_HOME and the seeds
in a temporary folder (dagster.yaml written by `orchestration.cli.prepare_environment`, so the
warehouse lock is the one users get). A run of `process_reports` for one report partition is
submitted with the official GraphQL client, queued by the daemon, and must succeed with every gate
check evaluated. `dagster_servers`, `submit` and `wait_for_runs` are shared with test_concurrency.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from unittest import mock

import dagster as dg
import pytest
from dagster_graphql import DagsterGraphQLClient

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCATION = "budget_recon"
STI = "chungbuk-sti-2020-h1"
TP = "chungbuk-tp-2024-q3"
TERMINAL = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
GATE_ASSET = ["gate", "validation_results"]


@dataclass
class Servers:
    port: int
    client: DagsterGraphQLClient
    instance: dg.DagsterInstance
    home: Path
    dagster_home: Path
    seeds: Path
    logs: dict[str, Path]

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        return self.client._execute(query, variables or {})  # the client's own transport

    def log_tails(self, lines: int = 40) -> str:
        out = []
        for name, path in self.logs.items():
            text = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
            out.append(f"--- {name} ({path}) ---\n" + "\n".join(text[-lines:]))
        return "\n".join(out)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the process and everything it started (code servers, run workers): its own session."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the group (run workers), even if the leader exited
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


WORKSPACE_QUERY = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message stack errorChain { error { message stack } } } }
} } } }
"""


def _wait_until_loaded(servers: Servers, procs: dict[str, subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{servers.port}/server_info"
    last = None
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}\n{servers.log_tails()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    data = servers.graphql(WORKSPACE_QUERY)
                    entries = data["workspaceOrError"]["locationEntries"]
                    entry = next((e for e in entries if e["name"] == LOCATION), None)
                    if entry and entry["loadStatus"] == "LOADED":
                        error = entry["locationOrLoadError"]
                        if error and error["__typename"] == "PythonError":
                            causes = "\n".join(c["error"]["message"] + "".join(c["error"]["stack"][-3:]) for c in error["errorChain"])
                            raise RuntimeError(f"code location failed to load: {error['message']}\n{causes}")
                        return
        except RuntimeError:
            raise
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(1)
    raise TimeoutError(f"the Dagster webserver did not come up in {timeout}s ({last})\n{servers.log_tails()}")


@contextlib.contextmanager
def dagster_servers(tmp: Path, startup_timeout: float = 240, seeds: Path | None = None) -> Iterator[Servers]:
    """A temporary project home with the real webserver and daemon serving workspace.yaml (over a
    copy of the bundled seeds, or the `seeds` folder given)."""
    from orchestration.cli import prepare_environment, sync_partitions

    home = tmp / "home"
    if seeds is None:
        seeds = tmp / "seeds"
        shutil.copytree(ROOT / "seeds", seeds)
    env = {
        "BUDGET_RECON_HOME": str(home),
        "BUDGET_RECON_SEEDS": str(seeds),
        "DAGSTER_HOME": str(home / "dagster"),
    }
    with mock.patch.dict(os.environ, env):
        dagster_home = prepare_environment()  # writes dagster.yaml as `make ui` does
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            sync_partitions(instance)  # as `make ui` (budget-recon sync) does before starting the UI
    child_env = dict(os.environ, **env, PYTHONPATH=str(ROOT), DAGSTER_DISABLE_TELEMETRY="1", PYTHONUNBUFFERED="1")
    port = free_port()
    logs = {"daemon": tmp / "daemon.log", "webserver": tmp / "webserver.log"}
    workspace = str(ROOT / "workspace.yaml")
    commands = {
        "daemon": [str(BIN / "dagster-daemon"), "run", "-w", workspace],
        "webserver": [str(BIN / "dagster-webserver"), "-w", workspace, "-h", "127.0.0.1", "-p", str(port)],
    }
    procs: dict[str, subprocess.Popen] = {}
    instance = None
    try:
        for name, command in commands.items():
            with open(logs[name], "wb") as log:
                procs[name] = subprocess.Popen(
                    command, cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
        instance = dg.DagsterInstance.from_config(str(dagster_home))
        servers = Servers(
            port=port,
            client=DagsterGraphQLClient("127.0.0.1", port_number=port, timeout=120),
            instance=instance,
            home=home,
            dagster_home=dagster_home,
            seeds=seeds,
            logs=logs,
        )
        _wait_until_loaded(servers, procs, startup_timeout)
        yield servers
    finally:
        for proc in procs.values():
            _stop(proc)
        if instance is not None:
            instance.dispose()


def submit(servers: Servers, report_id: str, job: str = "process_reports") -> str:
    return servers.client.submit_job_execution(
        job,
        repository_location_name=LOCATION,
        repository_name="__repository__",
        tags={"dagster/partition": report_id},
    )


def run_failure_messages(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    messages = []
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event and event.event_type_value in ("STEP_FAILURE", "RUN_FAILURE", "ENGINE_EVENT") and (
            event.event_type_value != "ENGINE_EVENT" or "error" in (record.user_message or "").lower()
        ):
            error = getattr(event.event_specific_data, "error", None)
            messages.append(f"{event.event_type_value} {event.step_key or ''}: {record.user_message} "
                            f"{error.to_string() if error else ''}")
    return messages


def wait_for_runs(servers: Servers, run_ids: list[str], timeout: float) -> dict[str, dg.DagsterRunStatus]:
    deadline = time.monotonic() + timeout
    statuses: dict[str, dg.DagsterRunStatus] = {}
    while time.monotonic() < deadline:
        statuses = {run_id: servers.client.get_run_status(run_id) for run_id in run_ids}
        if all(s in TERMINAL for s in statuses.values()):
            return statuses
        time.sleep(2)
    raise TimeoutError(f"runs not finished after {timeout}s: {statuses}\n{servers.log_tails()}")


def assert_succeeded(servers: Servers, statuses: dict[str, dg.DagsterRunStatus]) -> None:
    failed = {r: s for r, s in statuses.items() if s != dg.DagsterRunStatus.SUCCESS}
    if failed:
        details = "\n".join(m for r in failed for m in run_failure_messages(servers.instance, r))
        pytest.fail(f"runs did not succeed: {failed}\n{details}\n{servers.log_tails()}")


CHECKS_QUERY = """
query Checks($path: [String!]!) {
  assetNodes(assetKeys: [{path: $path}]) {
    assetChecksOrError { __typename ... on AssetChecks { checks { name blocking } } }
  }
}
"""

EXECUTIONS_QUERY = """
query Executions($path: [String!]!, $check: String!, $partition: String) {
  assetCheckExecutions(assetKey: {path: $path}, checkName: $check, limit: 5, partition: $partition) {
    runId status partition
    evaluation { checkName success severity partition description }
  }
}
"""

REPOSITORY_QUERY = """
{ repositoriesOrError { ... on RepositoryConnection { nodes { name
    jobs { name }
    schedules { name cronSchedule executionTimezone scheduleState { status } }
    sensors { name sensorState { status } }
} } } }
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with dagster_servers(tmp_path_factory.mktemp("ui")) as s:
        yield s


@pytest.mark.slow
def test_ui_lists_the_jobs_schedule_and_sensor(servers):
    (repo,) = servers.graphql(REPOSITORY_QUERY)["repositoriesOrError"]["nodes"]
    assert {"process_reports", "full_refresh"} <= {j["name"] for j in repo["jobs"]}
    (schedule,) = [s for s in repo["schedules"] if s["name"] == "refresh_all_reports_schedule"]
    assert schedule["executionTimezone"] == "Asia/Seoul"
    from orchestration.automation import schedule_cron

    assert schedule["cronSchedule"] == schedule_cron()  # "0 6 1 * *" unless BUDGET_RECON_SCHEDULE_CRON is set
    assert schedule["scheduleState"]["status"] == "RUNNING"
    (sensor,) = [s for s in repo["sensors"] if s["name"] == "new_report_sensor"]
    assert sensor["sensorState"]["status"] == "RUNNING"


@pytest.mark.slow
def test_process_reports_for_one_partition_through_the_ui_server(servers):
    started = time.monotonic()
    run_id = submit(servers, STI)
    statuses = wait_for_runs(servers, [run_id], timeout=300)
    assert_succeeded(servers, statuses)
    elapsed = time.monotonic() - started

    run = servers.instance.get_run_by_id(run_id)
    assert run.tags["dagster/partition"] == STI
    materialized = {
        tuple(r.event_log_entry.dagster_event.asset_key.path)
        for r in servers.instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    }
    assert ("raw", "report_loads") in materialized
    assert tuple(GATE_ASSET) in materialized
    assert any(key[0] == "marts" for key in materialized)
    assert any(key[0] == "published" for key in materialized), "the gate passed, so the report is published"

    # the gate's checks, as the UI shows them: one per GE suite, all evaluated in this run, none failing
    nodes = servers.graphql(CHECKS_QUERY, {"path": GATE_ASSET})["assetNodes"]
    checks = nodes[0]["assetChecksOrError"]["checks"]
    assert len(checks) >= 1 and all(c["blocking"] for c in checks)
    for check in checks:
        executions = servers.graphql(EXECUTIONS_QUERY, {"path": GATE_ASSET, "check": check["name"]})[
            "assetCheckExecutions"
        ]
        mine = [e for e in executions if e["runId"] == run_id]
        assert mine, f"check {check['name']} was not evaluated in run {run_id}"
        evaluation = mine[0]["evaluation"]
        assert mine[0]["status"] == "SUCCEEDED" or (
            mine[0]["status"] == "FAILED" and evaluation["severity"] == "WARN"
        ), f"{check['name']}: {mine[0]}"

    # the same verdicts through the instance API
    evaluations = [
        r.event_log_entry.dagster_event.event_specific_data
        for r in servers.instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    ]
    gate_evaluations = [e for e in evaluations if e.asset_key.path == GATE_ASSET]
    assert {e.check_name for e in gate_evaluations} == {c["name"] for c in checks}
    assert all(e.passed or e.severity == dg.AssetCheckSeverity.WARN for e in gate_evaluations)
    # one report's run: each evaluation on its partition, linked to the materialization it checked
    # (what the Partitions tab needs to show it as current rather than Missing or Skipped)
    assert all(e.partition == STI and e.target_materialization_data is not None for e in gate_evaluations)
    print(f"UI run of {STI}: {elapsed:.1f}s, {len(gate_evaluations)} gate checks, {len(evaluations)} checks in all")
