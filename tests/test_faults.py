"""Fault injection: crashes, readers and hostile input must never publish unchecked data nor block
the next run.

One loaded home (two reports run, checked and published by the CLI) is built once per module and
copied per test. Runs are real CLI processes; `kill -9` is $BUDGET_RECON_KILL_AT (orchestration/
faults.py): the run's process sends itself SIGKILL at that point, so no cleanup code runs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration import warehouse
from orchestration.settings import PROJECT_ROOT

TP, STI = "chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1"
# The STI report's grand total line (계) of the execution table: a change there fails the gate.
CHANGED_TOTAL = ("<b>26,507,677</b>", "<b>26,517,677</b>")


def env_for(home: Path, **extra) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("BUDGET_RECON_KILL_AT", None)
    env.update(
        BUDGET_RECON_HOME=str(home / "home"),
        BUDGET_RECON_SEEDS=str(home / "seeds"),
        DAGSTER_HOME=str(home / "home" / "dagster"),
        BUDGET_RECON_NOTIFY_TOTAL_SECONDS="5",
    )
    env.update(extra)
    return env


def cli(home: Path, *args: str, timeout: float = 900, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args], cwd=PROJECT_ROOT, env=env_for(home, **extra),
        capture_output=True, text=True, timeout=timeout,
    )


def db(home: Path) -> Path:
    return home / "home" / "warehouse.duckdb"


def published(home: Path) -> dict[str, tuple]:
    """{report_id: (published load_id, its rows in every published table)}."""
    with warehouse.connect(db(home), read_only=True) as con:
        versions = dict(con.execute("select report_id, load_id from published.report_versions").fetchall())
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'published' "
            "and table_name <> 'report_versions' order by 1"
        ).fetchall()]
        out = {}
        for report_id, load_id in versions.items():
            rows = {t: con.execute(f"select * from published.{t} where report_id = ? order by all", [report_id]).fetchall() for t in tables}
            out[report_id] = (load_id, rows)
    return out


def marts_equal_published(home: Path, report_id: str) -> bool:
    """The report's published rows are exactly its rows in the marts (every column, no more, no fewer)."""
    with warehouse.connect(db(home), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'published' and table_name <> 'report_versions'"
        ).fetchall()]
        for t in tables:
            columns = ", ".join(f'"{c}"' for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?", [t]
            ).fetchall())
            differ = con.execute(
                f"select count(*) from ((select {columns} from published.{t} where report_id = $1 except all "
                f"select {columns} from marts.{t} where report_id = $1) union all (select {columns} from marts.{t} "
                f"where report_id = $1 except all select {columns} from published.{t} where report_id = $1))",
                [report_id],
            ).fetchone()[0]
            if differ:
                return False
    return True


def latest_load(home: Path, report_id: str) -> str:
    with warehouse.connect(db(home), read_only=True) as con:
        return con.execute(
            "select arg_max(load_id, loaded_at) from raw.report_loads where report_id = ?", [report_id]
        ).fetchone()[0]


@pytest.fixture(scope="module")
def loaded_base(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("faults-base")
    seeds = base / "seeds"
    (seeds / "reports").mkdir(parents=True)
    registry = (PROJECT_ROOT / "seeds" / "reports.yaml").read_text(encoding="utf-8")
    # Keep the first two entries (TP, STI: contiguous, so the CLI runs them as one range run).
    head, _, rest = registry.partition("  - report_id: gangwon")
    (seeds / "reports.yaml").write_text(head, encoding="utf-8")
    for report_id in (TP, STI):
        shutil.copy(PROJECT_ROOT / "seeds" / "reports" / f"{report_id}.txt", seeds / "reports")
    done = cli(base, "run")
    assert done.returncode == 0, done.stdout + done.stderr
    return base


@pytest.fixture()
def home(loaded_base, tmp_path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(loaded_base, copy, ignore=shutil.ignore_patterns("*.lock"))
    return copy


def change_sti_total(home: Path) -> None:
    path = home / "seeds" / "reports" / f"{STI}.txt"
    text = path.read_text(encoding="utf-8")
    assert CHANGED_TOTAL[0] in text
    path.write_text(text.replace(CHANGED_TOTAL[0], CHANGED_TOTAL[1], 1), encoding="utf-8")


def outbox(home: Path) -> list[dict]:
    path = home / "home" / "outbox" / "notifications.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


# ------------------------------------------------------------------------------------ kill -9
@pytest.mark.slow
def test_kill_9_at_every_step_then_the_next_run_completes_and_publishes_the_last_passed_version(home):
    before = published(home)
    assert set(before) == {TP, STI}
    for point in ("load", "dbt", "gate", "published"):
        started = time.monotonic()
        killed = cli(home, "run", "--report", STI, BUDGET_RECON_KILL_AT=point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stdout, killed.stderr)
        # nothing half-done is published: the published rows and version are those of the last passed run
        assert published(home) == before, point
        print(f"killed at {point} after {time.monotonic() - started:.0f}s")
    started = time.monotonic()
    done = cli(home, "run", "--report", STI)
    assert done.returncode == 0, done.stdout + done.stderr
    print(f"recovery run: {time.monotonic() - started:.0f}s")
    after = published(home)
    assert after[STI][0] == latest_load(home, STI) != before[STI][0]
    assert after[TP] == before[TP]
    assert marts_equal_published(home, STI)


# ------------------------------------------------------------------------- publication paths
@pytest.fixture()
def silent_webhook(home):
    """A Slack webhook that never answers in time; on each request it records whether the
    warehouse lock was free (notifications must be sent after the run released it)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading

    seen: list[bool] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                with warehouse.warehouse_lock(db(home), "webhook probe", timeout_s=0):
                    seen.append(True)
            except warehouse.WarehouseBusy:
                seen.append(False)
            time.sleep(20)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", seen
    finally:
        server.shutdown()


@pytest.mark.slow
def test_dbt_dying_mid_build_fails_the_run_and_nothing_unchecked_is_published(home, silent_webhook):
    url, lock_was_free = silent_webhook
    notify = {"BUDGET_RECON_SLACK_WEBHOOK_URL": url, "BUDGET_RECON_NOTIFY_TOTAL_SECONDS": "3"}
    before = published(home)
    change_sti_total(home)
    died = cli(home, "run", "--report", TP, "--report", STI, **{"BUDGET_RECON_KILL_AT": "dbt-child"}, **notify)
    out = died.stdout + died.stderr
    assert died.returncode == 1, out
    assert "dbt build was killed" in out
    assert out.count("NOT published") == 2 and "0 published;" in out, out
    assert published(home) == before
    kinds = [n["kind"] for n in outbox(home)]
    assert "run_failure" in kinds, kinds
    failure = next(n for n in outbox(home) if n["kind"] == "run_failure")
    assert "dbt build was killed" in failure["text"]

    # a clean rerun: the changed total fails the gate, so STI keeps its published version; TP is published
    rerun = cli(home, "run", "--report", TP, "--report", STI, **notify)
    assert rerun.returncode == 1, rerun.stdout + rerun.stderr
    gate_errors = [n for n in outbox(home) if n["kind"] == "gate_error"]
    assert [n["report_id"] for n in gate_errors] == [STI]
    # the webhook never answered: each run's deliveries stopped within its 3 s budget, sent with the warehouse free
    assert lock_was_free and all(lock_was_free), lock_was_free
    for record in outbox(home):
        assert record["deliveries"]["slack"]["status"] == "failed"
    after = published(home)
    assert after[STI] == before[STI]
    assert after[TP][0] == latest_load(home, TP) != before[TP][0]
    status = cli(home, "status").stdout
    sti_status = status.split(STI, 1)[1].splitlines()[1]
    assert "FAILED the gate" in sti_status and before[STI][0] in sti_status, status


@pytest.mark.slow
def test_ui_selection_of_marts_then_published_alone_cannot_publish_unchecked_data(home):
    """Materialize reports → marts for a partition, then `group:published` alone: refused."""
    before = published(home)
    change_sti_total(home)
    script = f"""
import dagster as dg
from orchestration.cli import prepare_environment
prepare_environment()
from orchestration.definitions import defs
job = defs.resolve_job_def("process_reports")
groups = dg.AssetSelection.groups("reports", "staging", "intermediate", "marts")
with dg.DagsterInstance.get() as instance:
    first = job.execute_in_process(instance=instance, partition_key="{STI}", asset_selection=list(groups.resolve(defs.resolve_asset_graph())), raise_on_error=False)
    print("marts run", first.success)
    second = job.execute_in_process(instance=instance, partition_key="{STI}", asset_selection=list(dg.AssetSelection.groups("published").resolve(defs.resolve_asset_graph())), raise_on_error=False)
    print("published run", second.success)
    for event in second.all_events:
        if event.event_type_value == "STEP_FAILURE":
            print("REFUSED", event.event_specific_data.error.message)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env_for(home), capture_output=True, text=True, timeout=900)
    assert "marts run True" in done.stdout, done.stdout + done.stderr
    assert "published run False" in done.stdout, done.stdout + done.stderr
    assert "the gate has not checked version" in done.stdout or "latest gate verdict is for version" in done.stdout, done.stdout
    assert published(home) == before


# ------------------------------------------------------------------------------- a reader
def hold_reader(path: Path) -> subprocess.Popen:
    """A DuckDB shell-like reader: a read-only connection held by another process."""
    reader = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys,time; c=duckdb.connect({str(path)!r}, read_only=True); print('open', flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True,
    )
    assert reader.stdout.readline().strip() == "open"
    return reader


@pytest.mark.slow
def test_a_reader_holding_the_warehouse_makes_dbt_wait_then_fail_clearly(home):
    before = published(home)
    script = f"""
import dagster as dg
from orchestration.cli import prepare_environment, error_message
prepare_environment()
from orchestration.definitions import defs
job = defs.resolve_job_def("process_reports")
models = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] in ("staging", "intermediate", "marts", "reconciliation")]
with dg.DagsterInstance.get() as instance:
    result = job.execute_in_process(instance=instance, partition_key="{STI}", asset_selection=models, raise_on_error=False)
    print("success", result.success)
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            print("FAILED", error_message(event.event_specific_data.error))
"""
    reader = hold_reader(db(home))
    try:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
                              env=env_for(home, BUDGET_RECON_READER_TIMEOUT_SECONDS="3"))
    finally:
        reader.kill()
        reader.wait()
    out = done.stdout + done.stderr
    assert "success False" in out, out
    failed = next(line for line in done.stdout.splitlines() if line.startswith("FAILED"))
    assert str(db(home)) in failed and "held by another process" in failed and "Conflicting lock" in failed, failed
    assert "waiting up to 3s" in out
    assert published(home) == before
    print(f"reader: failed after {time.monotonic() - started:.0f}s: {failed}")


# ------------------------------------------------------------------------------ the lock
HOLD = """
import sys, time
from pathlib import Path
from orchestration.warehouse import warehouse_lock
with warehouse_lock(Path(sys.argv[1]), "test holder"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_the_warehouse_lock_dies_with_its_holder(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        said = []
        with pytest.raises(warehouse.WarehouseBusy) as busy:
            with warehouse.warehouse_lock(path, "second", log=said.append, timeout_s=0.5):
                pass
        assert "test holder" in str(busy.value) and str(path) in str(busy.value)
        assert said and "waiting for the warehouse" in said[0] and "test holder" in said[0]
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        started = time.monotonic()
        with warehouse.warehouse_lock(path, "third", timeout_s=5):
            pass
        assert time.monotonic() - started < 1
    finally:
        holder.kill()


def test_ctrl_c_stops_a_cli_run_waiting_for_the_warehouse(home):
    path = db(home)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        run = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "run", "--report", STI, "--verbose"], cwd=PROJECT_ROOT,
            env=env_for(home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        seen = []
        deadline = time.monotonic() + 300
        for line in run.stdout:
            seen.append(line)
            if "waiting for the warehouse" in line:
                break
            assert time.monotonic() < deadline, "".join(seen)
        assert "test holder" in seen[-1]
        run.send_signal(signal.SIGINT)
        started = time.monotonic()
        rest = run.communicate(timeout=60)[0]
        assert time.monotonic() - started < 30
        assert run.returncode != 0, rest
    finally:
        holder.kill()
        holder.wait()
    # the next run is not blocked by anything the interrupted one left
    with warehouse.warehouse_lock(path, "after", timeout_s=1):
        pass


# ---------------------------------------------------------------------------- hostile `add`
HOSTILE = [
    (["--id", "../../x"], "report_id"),
    (["--id", "a'; drop table x; --"], "report_id"),
    (["--id", "Upper Case"], "report_id"),
    (["--id", "a" * 71], "71 characters"),
    (["--id", ""], "report_id is empty"),
    (["--id", "ok-id", "--file-name", "../../f.txt"], "inside the reports folder"),
    (["--id", "ok-id", "--file-name", "/etc/passwd"], "inside the reports folder"),
    (["--id", "ok-id", "--file-name", "sub/../../f.txt"], "inside the reports folder"),
    (["--id", "ok-id", "--encoding", "klingon"], "unknown encoding"),
]


@pytest.fixture()
def seeds(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    (seeds / "reports").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "seeds" / "reports.yaml", seeds / "reports.yaml")
    monkeypatch.setenv("BUDGET_RECON_SEEDS", str(seeds))
    monkeypatch.setenv("BUDGET_RECON_HOME", str(tmp_path / "home"))
    return seeds


def _add(args: list[str], source: Path):
    from orchestration.cli import main

    return main(["add", str(source), "--organization", "o", "--title", "t", *args])


@pytest.mark.parametrize("args,message", HOSTILE, ids=[" ".join(a) for a, _ in HOSTILE])
def test_add_refuses_hostile_ids_and_file_names_and_writes_nothing(seeds, tmp_path, capsys, args, message):
    before = (seeds / "reports.yaml").read_bytes()
    source = PROJECT_ROOT / "seeds" / "reports" / f"{STI}.txt"
    assert _add(args, source) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1, err
    assert (seeds / "reports.yaml").read_bytes() == before
    assert list((seeds / "reports").iterdir()) == []
    assert not list(tmp_path.glob("**/f.txt")) and not (tmp_path / "x").exists()


def _cut_utf8(path: Path) -> bytes:
    data = (PROJECT_ROOT / "seeds" / "reports" / f"{STI}.txt").read_bytes()
    at = next(i for i in range(2000, len(data)) if data[i] >= 0xE0)
    return data[: at + 1]


BAD_FILES = [
    ("empty", lambda p: b"", [], "the file is empty", None),
    ("binary", lambda p: b"\x00\x01\x02 not text", [], "binary", None),
    ("cp949 without --encoding", lambda p: p.read_text(encoding="utf-8").encode("cp949", "replace"), [], "looks like cp949", "line "),
    ("utf-8 cut inside a character", _cut_utf8, ["--encoding", "auto"], "cut short", "line "),
    ("utf-8 declared cp949", lambda p: p.read_bytes(), ["--encoding", "cp949"], "declare utf-8", "line "),
]


@pytest.mark.parametrize("name,make,args,message,line", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_add_checks_the_file_before_registering(seeds, tmp_path, capsys, name, make, args, message, line):
    source = tmp_path / "incoming.txt"
    source.write_bytes(make(PROJECT_ROOT / "seeds" / "reports" / f"{STI}.txt"))
    before = (seeds / "reports.yaml").read_bytes()
    assert _add(["--id", "new-report", *args], source) == 2
    err = capsys.readouterr().err
    assert message in err and str(source) in err and "Traceback" not in err, err
    if line:
        assert line in err
    assert (seeds / "reports.yaml").read_bytes() == before
    assert list((seeds / "reports").iterdir()) == []


def test_add_registers_a_good_report(seeds, capsys):
    source = PROJECT_ROOT / "seeds" / "reports" / f"{STI}.txt"
    assert _add(["--id", "sti-copy.v2"], source) == 0
    from orchestration.parsing.registry import load_registry

    assert "sti-copy.v2" in [e.report_id for e in load_registry(seeds / "reports.yaml")]
    assert (seeds / "reports" / "sti-copy.v2.txt").read_bytes() == source.read_bytes()


def test_registry_errors_name_file_and_line_without_traceback(seeds, capsys):
    from orchestration.cli import main

    (seeds / "reports.yaml").write_text("reports:\n  - report_id: a\n    title: [x\n", encoding="utf-8")
    assert main(["status"]) in (0, 2)  # status needs no registry
    assert main(["sync"]) == 2
    err = capsys.readouterr().err
    assert f"{seeds / 'reports.yaml'}, line 4" in err and "Traceback" not in err, err


def test_read_only_home_names_the_path(tmp_path, monkeypatch, capsys):
    """A read-only home (EROFS; simulated at the OS layer: root ignores permission bits and an
    unprivileged test cannot mount) fails before Dagster opens its storages, naming the folder."""
    import errno

    from orchestration import cli

    real_open = open

    def read_only(path, *args, **kwargs):
        if ".write-check-" in str(path):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setenv("BUDGET_RECON_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr("builtins.open", read_only)
    assert cli.main(["sync"]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "home") in err and "read-only" in err and "Traceback" not in err, err


def test_a_full_disk_names_the_path(tmp_path, monkeypatch, capsys):
    """A 1 MiB tmpfs is not available to an unprivileged test; a failing write is simulated at the OS layer."""
    import errno

    from orchestration import cli

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setenv("BUDGET_RECON_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(cli.os, "fsync", full)
    assert cli.main(["sync"]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "home") in err and "disk full" in err and "Traceback" not in err, err


# ------------------------------------------------------------------------- dbt failure text
def test_a_failed_dbt_build_names_the_failing_tests_with_rows_and_the_models(tmp_path):
    from orchestration.assets.warehouse_models import dbt_failure

    target = tmp_path / "dbt" / "target"
    target.mkdir(parents=True)
    started = time.time()
    (target / "run_results.json").write_text(json.dumps({"results": [
        {"unique_id": "model.budget_recon.stg_kpi_lines", "status": "success", "message": "OK"},
        {"unique_id": "test.budget_recon.not_null_dim_report_report_id.1a2b", "status": "fail", "failures": 3,
         "message": "Got 3 results, configured to fail if != 0"},
        {"unique_id": "model.budget_recon.fct_budget_plan", "status": "error",
         "message": "Runtime Error in model fct_budget_plan\n  Binder Error: column x not found"},
    ]}), encoding="utf-8")
    text = dbt_failure(1, target, started, tmp_path / "w.duckdb")
    assert "dbt test not_null_dim_report_report_id failed on 3 rows (Got 3 results" in text
    assert "dbt model fct_budget_plan: Runtime Error in model fct_budget_plan" in text
    assert "stg_kpi_lines" not in text
    # a reader took the file between the wait and dbt's start
    (target / "run_results.json").write_text(json.dumps({"results": [
        {"unique_id": "model.budget_recon.stg_kpi_lines", "status": "error",
         "message": 'IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held in duckdb (PID 7)'},
    ]}), encoding="utf-8")
    assert "another process (a reader such as a DuckDB shell or BI tool) opened it" in dbt_failure(1, target, started, tmp_path / "w.duckdb")
    # a killed dbt leaves the previous build's results: they are not reported as this build's
    assert dbt_failure(-9, target, time.time() + 60, tmp_path / "w.duckdb").startswith("dbt build was killed (signal 9)")


def test_the_cli_shows_the_projects_message_and_the_root_cause_not_dagsters_wrapper():
    from types import SimpleNamespace as E

    from orchestration.cli import error_message

    root = E(cls_name="UnicodeDecodeError", message="UnicodeDecodeError: 'utf-8' codec can't decode byte 0xb1 in position 20\n",
             cause=None, context=None)
    ours = E(cls_name="ReportFormatError", message="orchestration.parsing.reader.ReportFormatError: /s/r.txt, line 7: not valid "
             "utf-8 (byte 20) (it looks like cp949); declare the right encoding in the registry\n", cause=root, context=None)
    failure = E(cls_name="Failure", message="dagster._core.definitions.events.Failure: Report r: /s/r.txt, line 7: not valid "
                "utf-8 (byte 20) (it looks like cp949); declare the right encoding in the registry\n", cause=ours, context=None)
    wrapper = E(cls_name="DagsterExecutionStepExecutionError", message='Error occurred while executing op "raw_report":',
                cause=failure, context=None)
    text = error_message(wrapper)
    assert text.startswith("Report r: /s/r.txt, line 7: not valid utf-8 (byte 20) (it looks like cp949)")
    assert text.endswith("(cause: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xb1 in position 20)")
    assert "executing op" not in text and "dagster._core" not in text
