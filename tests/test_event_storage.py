"""The batching event log records exactly what Dagster's own SQLite event log records, in batches."""

import dagster as dg
import pytest

from orchestration.event_storage import BatchingSqliteEventLogStorage

PARTITIONS = dg.StaticPartitionsDefinition([f"report-{i:02d}" for i in range(12)])


@dg.asset(partitions_def=PARTITIONS, backfill_policy=dg.BackfillPolicy.single_run())
def loaded(context: dg.AssetExecutionContext):
    return dg.MaterializeResult(metadata={"dagster/row_count": len(context.partition_keys)})


@dg.asset(
    partitions_def=PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[loaded],
    check_specs=[dg.AssetCheckSpec("adds_up", asset="built", partitions_def=PARTITIONS)],
)
def built(context: dg.AssetExecutionContext):
    yield dg.MaterializeResult(metadata={"reports": ", ".join(context.partition_keys)})
    yield dg.AssetCheckResult(check_name="adds_up", passed=True)


def run_range(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    job = dg.Definitions(assets=[loaded, built], jobs=[dg.define_asset_job("all", partitions_def=PARTITIONS)]).resolve_job_def("all")
    keys = PARTITIONS.get_partition_keys()
    return job.execute_in_process(
        instance=instance,
        tags={"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]},
    )


def recorded(instance: dg.DagsterInstance, run_id: str, index_db) -> dict:
    import sqlite3

    from dagster._serdes import deserialize_value

    with sqlite3.connect(index_db) as con:
        rows = con.execute("select partition, execution_status, evaluation_event from asset_check_executions").fetchall()
    checks = sorted(((p, status, deserialize_value(e).dagster_event_type.value) for p, status, e in rows), key=repr)
    out = {"check_executions": checks}
    for key in (dg.AssetKey("loaded"), dg.AssetKey("built")):
        out[key.to_user_string()] = {
            "materialized": sorted(instance.get_materialized_partitions(key)),
            "events": sorted(
                (r.partition_key, r.asset_materialization.metadata["dagster/row_count"].value if key.path == ["loaded"] else "")
                for r in instance.fetch_materializations(key, limit=100).records
            ),
            "run_events": sum(
                1
                for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
                if e.dagster_event.asset_key == key
            ),
        }
    return out


def test_batched_partition_events_equal_dagsters_own_storage(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "5")  # 12 partitions: batches of 5, 5 and 2
    batches = []
    original = BatchingSqliteEventLogStorage.store_event_batch

    def spy(self, events):
        batches.append(len(events))
        return original(self, events)

    monkeypatch.setattr(BatchingSqliteEventLogStorage, "store_event_batch", spy)
    results = {}
    for name, storage in (("dagster", "dagster._core.storage.event_log"), ("batching", "orchestration.event_storage")):
        home = tmp_path / name
        home.mkdir()
        cls = "SqliteEventLogStorage" if name == "dagster" else "BatchingSqliteEventLogStorage"
        (home / "dagster.yaml").write_text(
            f"event_log_storage:\n  module: {storage}\n  class: {cls}\n  config:\n    base_dir: {home}/history/runs\n"
            f"run_storage:\n  module: dagster._core.storage.runs\n  class: SqliteRunStorage\n  config:\n    base_dir: {home}/history\n"
            f"schedule_storage:\n  module: dagster._core.storage.schedules\n  class: SqliteScheduleStorage\n"
            f"  config:\n    base_dir: {home}/schedules\n"
        )
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert type(instance.event_log_storage).__name__ == cls
            result = run_range(instance)
            assert result.success
            results[name] = recorded(instance, result.run_id, home / "history" / "runs" / "index.db")
    # the batching storage got Dagster's batches and wrote them: planned and materialized, 2 assets × 12
    assert sum(batches) >= 48 and max(batches) == 5
    assert results["batching"] == results["dagster"]
    assert results["batching"]["loaded"]["materialized"] == PARTITIONS.get_partition_keys()
    assert results["batching"]["built"]["run_events"] == 12
    planned = [c for c in results["batching"]["check_executions"] if c[2] == "ASSET_CHECK_EVALUATION_PLANNED"]
    assert [c[0] for c in planned] == PARTITIONS.get_partition_keys()  # one planned check row per partition


def test_the_pipeline_instance_uses_the_batching_storage(tmp_path, monkeypatch):
    from orchestration.cli import prepare_environment

    monkeypatch.setenv("BUDGET_RECON_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    with dg.DagsterInstance.from_config(str(prepare_environment())) as instance:
        assert isinstance(instance.event_log_storage, BatchingSqliteEventLogStorage)
