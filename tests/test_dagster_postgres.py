"""Dagster's instance on PostgreSQL ($BUDGET_RECON_DAGSTER_STORAGE), against a real server.

The three bundled reports run end to end once with the instance on PostgreSQL and once on the default
SQLite files: the run, asset check and materialization records are in PostgreSQL (and none in SQLite
files), the same records as the SQLite instance holds, and the published tables are equal.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.settings import environment

# Columns that differ between two runs of the same data by construction: when and by which run.
RUN_SPECIFIC = ("_at", "run_id", "load_id")


def run_bundled(home: Path, storage_url: str) -> dict:
    """`budget-recon run` of the bundled reports in `home`; what the Dagster instance recorded."""
    env = {"BUDGET_RECON_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"), "BUDGET_RECON_DAGSTER_STORAGE": storage_url}
    with environment(env):
        from orchestration.cli import run_reports

        outcome = run_reports()
    return recorded(home, storage_url, outcome)


def recorded(home: Path, storage_url: str, outcome) -> dict:
    """What the Dagster instance of `home` recorded about the runs of `outcome`, and its published tables."""
    env = {"BUDGET_RECON_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"), "BUDGET_RECON_DAGSTER_STORAGE": storage_url}
    with environment(env):
        run_ids = sorted({s.run_id for s in outcome.reports})
        with dg.DagsterInstance.get() as instance:
            storages = tuple(
                type(s).__name__ for s in (instance.run_storage, instance.event_log_storage, instance.schedule_storage)
            )
            runs = [instance.get_run_by_id(r) for r in run_ids]
            events = {}
            for run_id in run_ids:
                for kind in (dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION):
                    for entry in instance.all_logs(run_id, of_type=kind):
                        event = entry.dagster_event
                        key = event.asset_key if kind == dg.DagsterEventType.ASSET_MATERIALIZATION else event.event_specific_data.asset_check_key
                        events.setdefault(kind.value, []).append((key.to_user_string() if hasattr(key, "to_user_string") else str(key), event.partition))
            published = {
                key.to_user_string(): sorted(instance.get_materialized_partitions(key))
                for key in (dg.AssetKey(["published", "fct_budget_plan"]), dg.AssetKey(["marts", "fct_budget_plan"]))
            }
    return {
        "outcome": outcome,
        "storages": storages,
        "runs": runs,
        "events": {k: sorted(v) for k, v in events.items()},
        "materialized": published,
        "tables": published_tables(home / "warehouse.duckdb"),
    }


def published_tables(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        out = {}
        for (table,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'published' order by 1"
        ).fetchall():
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'published' and table_name = ? "
                    "order by ordinal_position",
                    [table],
                ).fetchall()
                if not any(mark in c for mark in RUN_SPECIFIC)
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            out[table] = con.execute(f"select {listed} from published.{table} order by all").fetchall()
        return out


@pytest.fixture(scope="module")
def both_instances(postgres_server, bundled_home, tmp_path_factory):
    url = postgres_server.create_database("dagster_instance")
    root = tmp_path_factory.mktemp("instances")
    on_postgres = run_bundled(root / "postgres", url)
    # The SQLite instance: the session's run of the bundled reports (read only).
    on_sqlite = recorded(bundled_home.home, "", bundled_home.outcome)
    return postgres_server, on_postgres, on_sqlite


@pytest.mark.slow
def test_bundled_reports_run_with_the_dagster_instance_on_postgresql(both_instances):
    server, on_postgres, _ = both_instances
    reports = on_postgres["outcome"].reports
    assert len(reports) == 3 and all(r.success and r.published for r in reports), [(r.report_id, r.error) for r in reports]
    assert on_postgres["storages"] == ("PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage")
    assert all(run is not None and run.is_success for run in on_postgres["runs"])
    home = Path(on_postgres["outcome"].log_file).parents[1]
    assert not list((home / "dagster").rglob("*.db")), "a SQLite storage file was written beside the PostgreSQL instance"

    # The records are rows of the server's database, not only what the instance API answers.
    con = server.connect("dagster_instance")
    try:
        with con.cursor() as cur:
            run_ids = [r.run_id for r in on_postgres["runs"]]
            cur.execute("select count(*) from runs where run_id = any(%s) and status = 'SUCCESS'", [run_ids])
            assert cur.fetchone()[0] == len(run_ids)
            cur.execute(
                "select dagster_event_type, count(*) from event_logs where run_id = any(%s) group by 1", [run_ids]
            )
            counts = dict(cur.fetchall())
            cur.execute("select count(*) from asset_check_executions where run_id = any(%s)", [run_ids])
            checks = cur.fetchone()[0]
    finally:
        con.close()
    assert counts["ASSET_MATERIALIZATION"] == len(on_postgres["events"]["ASSET_MATERIALIZATION"]) > 0
    assert counts["ASSET_CHECK_EVALUATION"] == len(on_postgres["events"]["ASSET_CHECK_EVALUATION"]) > 0
    assert checks >= counts["ASSET_CHECK_EVALUATION"]
    assert on_postgres["materialized"]["published/fct_budget_plan"] == sorted(r.report_id for r in reports)


@pytest.mark.slow
def test_postgresql_and_sqlite_instances_record_the_same_and_publish_the_same(both_instances):
    _, on_postgres, on_sqlite = both_instances
    assert on_sqlite["storages"] == ("SqliteRunStorage", "SqliteEventLogStorage", "SqliteScheduleStorage")
    assert on_postgres["events"] == on_sqlite["events"]
    assert on_postgres["materialized"] == on_sqlite["materialized"]
    assert set(on_postgres["tables"]) == set(on_sqlite["tables"]) and on_postgres["tables"]
    for table, rows in on_sqlite["tables"].items():
        assert rows, f"published.{table} is empty"
        assert on_postgres["tables"][table] == rows, f"published.{table} differs between the two runs"


def test_storage_variable_must_be_a_postgresql_url_and_stays_out_of_dagster_yaml(tmp_path, monkeypatch):
    from orchestration.cli import prepare_environment

    monkeypatch.setenv("BUDGET_RECON_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    monkeypatch.setenv("BUDGET_RECON_DAGSTER_STORAGE", "mysql://someone:s3cret@db/dagster")
    with pytest.raises(SystemExit, match="expected a PostgreSQL URL") as error:
        prepare_environment()
    assert "s3cret" not in str(error.value)

    monkeypatch.setenv("BUDGET_RECON_DAGSTER_STORAGE", "postgresql://someone:s3cret@db:5432/dagster")
    config = (prepare_environment() / "dagster.yaml").read_text(encoding="utf-8")
    assert "env: BUDGET_RECON_DAGSTER_STORAGE" in config and "s3cret" not in config and "sqlite" not in config

    monkeypatch.delenv("BUDGET_RECON_DAGSTER_STORAGE")
    config = (prepare_environment() / "dagster.yaml").read_text(encoding="utf-8")
    assert "sqlite:" in config and "postgres" not in config
