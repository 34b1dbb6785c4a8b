"""Runs launched at the same time through the daemon's queued run coordinator share DuckDB safely.

DuckDB allows one writing process per file. Every step that writes the warehouse holds a file lock
beside it (warehouse.warehouse_lock: an flock, released by the kernel if the run dies), so concurrent
runs take turns instead of failing on DuckDB's lock. Two phases on the real webserver + daemon (see
test_ui_graphql.py):

1. two different reports at the same time, 2. the same report twice at the same time.

Both phases must succeed; the steps' turns holding the warehouse lock (from their log lines) must
never overlap in time; raw row counts must equal a direct parse of each report, and after
the same report ran twice at once, its raw and mart row counts must equal those of its single run in
phase 1 (nothing lost, nothing doubled), with the other report untouched.

The runs use `full_refresh` (the job the monthly schedule launches, one run per report at the same
moment), whose executor is in-process; the lock holds for the multiprocess executor as well
(test_ui_graphql.py runs `process_reports` with it).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from unittest import mock

import dagster as dg
import pytest

from orchestration import warehouse
from orchestration.ingest import ingest
from orchestration.parsing.registry import load_registry
from tests.test_ui_graphql import STI, TP, assert_succeeded, dagster_servers, submit, wait_for_runs

SCHEMAS = ("raw", "marts", "reconciliation", "published")
LOCK_WORDS = ("could not set lock", "conflicting lock", "database is locked", "lock on file")


def row_counts(db: Path) -> dict[tuple[str, str, str], int]:
    """{(schema, table, report_id): rows} for every table with a report_id column (loads excluded)."""
    counts = {}
    with warehouse.connect(db, read_only=True) as con:
        tables = con.execute(
            """
            select t.table_schema, t.table_name from information_schema.tables t
            join information_schema.columns c using (table_schema, table_name)
            where t.table_type = 'BASE TABLE' and c.column_name = 'report_id'
              and t.table_schema in ({})
            """.format(", ".join(f"'{s}'" for s in SCHEMAS))
        ).fetchall()
        for schema, table in tables:
            if (schema, table) == ("raw", "report_loads"):
                continue
            for report_id, n in con.execute(f'select report_id, count(*) from {schema}."{table}" group by 1').fetchall():
                counts[(schema, table, report_id)] = n
    return counts


def duplicate_keys(db: Path) -> dict[str, int]:
    """Tables keyed by (report_id, row_id) that hold a key more than once."""
    out = {}
    with warehouse.connect(db, read_only=True) as con:
        tables = con.execute(
            """
            select table_schema, table_name from information_schema.columns
            where column_name = 'row_id' and table_schema in ('raw', 'marts', 'published')
              and table_name in (select table_name from information_schema.tables where table_type = 'BASE TABLE')
            """
        ).fetchall()
        for schema, table in tables:
            n = con.execute(
                f'select count(*) - count(distinct (report_id, row_id)) from {schema}."{table}"'
            ).fetchone()[0]
            if n:
                out[f"{schema}.{table}"] = n
    return out


def loads(db: Path) -> dict[str, int]:
    with warehouse.connect(db, read_only=True) as con:
        return dict(con.execute("select report_id, count(*) from raw.report_loads group by 1").fetchall())


def parsed_raw_counts(seeds: Path, tmp: Path, report_ids: list[str]) -> dict[tuple[str, str, str], int]:
    """The raw row counts of one plain load of each report into a scratch warehouse (no Dagster)."""
    db = tmp / "baseline.duckdb"
    entries = {e.report_id: e for e in load_registry(seeds / "reports.yaml")}
    with warehouse.connect(db) as con:
        for report_id in report_ids:
            ingest(con, entries[report_id], seeds / "reports")
    return {k: v for k, v in row_counts(db).items() if k[0] == "raw"}


def lock_intervals(instance: dg.DagsterInstance, run_ids: list[str]) -> list[tuple[float, float, str]]:
    """(acquired, released, who) of every turn a step held the warehouse lock, from the steps' logs."""
    intervals = []
    for run_id in run_ids:
        acquired: dict[str, float] = {}
        for record in instance.all_logs(run_id):
            message = record.user_message or ""
            if message.startswith("warehouse lock acquired by "):
                acquired[message.removeprefix("warehouse lock acquired by ")] = record.timestamp
            elif message.startswith("warehouse lock released by "):
                who = message.removeprefix("warehouse lock released by ")
                intervals.append((acquired.pop(who), record.timestamp, who))
        assert not acquired, f"{run_id[:8]}: lock never released by {acquired}"
    return sorted(intervals)


def lock_errors(instance: dg.DagsterInstance, run_ids: list[str]) -> list[str]:
    found = []
    for run_id in run_ids:
        for record in instance.all_logs(run_id):
            text = (record.user_message or "").lower()
            event = record.dagster_event
            error = getattr(event.event_specific_data, "error", None) if event else None
            if error is not None:
                text += " " + error.to_string().lower()
            if any(word in text for word in LOCK_WORDS):
                found.append(f"{run_id[:8]}: {record.user_message[:300]}")
    return found


def launch_together(servers, report_ids: list[str], timeout: float) -> list[str]:
    run_ids = [submit(servers, r, job="full_refresh") for r in report_ids]
    statuses = wait_for_runs(servers, run_ids, timeout=timeout)
    assert_succeeded(servers, statuses)
    return run_ids


def assert_runs_competed_but_steps_did_not_overlap(instance: dg.DagsterInstance, run_ids: list[str]) -> None:
    stats = [instance.get_run_stats(r) for r in run_ids]
    # the runs really competed: all were queued before the first one finished. The lock is taken
    # per step, so runs can interleave step by step; no two steps hold the warehouse at once.
    assert max(s.enqueued_time for s in stats) < min(s.end_time for s in stats), [
        (s.enqueued_time, s.start_time, s.end_time) for s in stats
    ]
    intervals = lock_intervals(instance, run_ids)
    assert len(intervals) >= 2 * len(run_ids)
    for (start_a, end_a, a), (start_b, end_b, b) in zip(intervals, intervals[1:]):
        assert end_a <= start_b, f"{a} ({start_a:.2f}-{end_a:.2f}) overlaps {b} ({start_b:.2f}-{end_b:.2f})"


@pytest.mark.slow
def test_concurrent_runs_queue_for_the_warehouse_without_losing_or_doubling_rows(tmp_path):
    started = time.monotonic()
    with dagster_servers(tmp_path) as servers:
        expected_raw = parsed_raw_counts(servers.seeds, tmp_path, [STI, TP])
        assert expected_raw, "the baseline parse produced no raw rows"

        # 1. two different reports at the same time
        phase1 = launch_together(servers, [STI, TP], timeout=600)
        assert_runs_competed_but_steps_did_not_overlap(servers.instance, phase1)
        after1 = row_counts(servers.warehouse)
        assert {k: v for k, v in after1.items() if k[0] == "raw"} == expected_raw
        assert any(k[0] == "marts" and k[2] == STI for k in after1)
        assert any(k[0] == "marts" and k[2] == TP for k in after1)
        assert duplicate_keys(servers.warehouse) == {}
        assert loads(servers.warehouse) == {STI: 1, TP: 1}
        after_phase1 = time.monotonic()

        # 2. the same report twice at the same time
        phase2 = launch_together(servers, [STI, STI], timeout=600)
        assert_runs_competed_but_steps_did_not_overlap(servers.instance, phase2)
        after2 = row_counts(servers.warehouse)
        assert after2 == after1  # same raw, mart, reconciliation and published counts as one run
        assert duplicate_keys(servers.warehouse) == {}
        assert loads(servers.warehouse) == {STI: 3, TP: 1}

        assert lock_errors(servers.instance, phase1 + phase2) == []
    print(
        f"concurrency: phase 1 {after_phase1 - started:.0f}s (incl. server start), "
        f"phase 2 {time.monotonic() - after_phase1:.0f}s"
    )


@pytest.mark.slow
def test_concurrent_runs_for_different_reports_both_finish_on_postgresql(tmp_path, postgres_server):
    """The same two runs launched together with the warehouse AND Dagster's instance on PostgreSQL
    (docs/scale-out.md): both succeed, their loads overlap freely, dbt, the gate and publishing take
    turns on the pipeline's advisory lock, no row is lost or doubled and both reports are published."""
    env = {
        "BUDGET_RECON_WAREHOUSE": postgres_server.create_database("concurrent_warehouse"),
        "BUDGET_RECON_DAGSTER_STORAGE": postgres_server.create_database("concurrent_instance"),
    }
    url = env["BUDGET_RECON_WAREHOUSE"]
    with mock.patch.dict(os.environ, env), dagster_servers(tmp_path) as servers:
        assert type(servers.instance.run_storage).__name__ == "PostgresRunStorage"
        expected_raw = parsed_raw_counts(servers.seeds, tmp_path, [STI, TP])
        run_ids = launch_together(servers, [STI, TP], timeout=900)
        assert_runs_competed_but_steps_did_not_overlap(servers.instance, run_ids)
        assert lock_errors(servers.instance, run_ids) == []
        assert not any("deadlock" in (r.user_message or "").lower() for i in run_ids for r in servers.instance.all_logs(i))
    counts = row_counts(url)
    assert {k: v for k, v in counts.items() if k[0] == "raw"} == expected_raw
    for report_id in (STI, TP):
        assert any(k[0] == "marts" and k[2] == report_id for k in counts), report_id
        assert any(k[0] == "published" and k[2] == report_id for k in counts), f"{report_id} not published"
    assert duplicate_keys(url) == {}
    assert loads(url) == {STI: 1, TP: 1}


def test_dagster_yaml_is_valid_for_this_dagster_and_claims_no_pool(tmp_path, monkeypatch):
    """The dagster.yaml written by prepare_environment loads, queues runs, and declares no pool: a
    pool slot claimed by a run that died would stay claimed (the warehouse lock is a kernel lock)."""
    from orchestration.cli import prepare_environment
    from orchestration.definitions import defs

    monkeypatch.setenv("BUDGET_RECON_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    dagster_home = prepare_environment()
    assert "pools" not in (dagster_home / "dagster.yaml").read_text(encoding="utf-8")
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    graph = defs.resolve_asset_graph()
    assert [k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable and graph.get(k).pools] == []
