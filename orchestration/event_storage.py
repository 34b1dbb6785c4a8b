"""Dagster's SQLite event log, writing a batch of asset events in one transaction per database.

A run over many report partitions records one materialization per asset and partition: 56 assets ×
1000 reports is 56 000 events. Dagster hands such fan-outs to `store_event_batch` when
$DAGSTER_EVENT_BATCH_SIZE is set, but its SQLite storage then still writes them one by one, each
with a new engine, connection and commit (~10 ms): minutes for a national corpus, during which the
dbt process blocks on the pipe Dagster reads its events from. This storage writes each batch in one
transaction on the run's database and one on the index database, exactly as `store_event` does per
event. It also serializes a partitioned check's "planned" event once rather than once per partition
(16 checks × 1000 reports re-serialized a 1000-key event 16 000 times: ~15 s before a run could
start). Configured in dagster.yaml (`event_log_storage`, see orchestration/cli.py).
"""

from __future__ import annotations

from typing import Sequence

from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlalchemy_compat import db_result
from dagster._serdes import serialize_value

# Events per batch; set for every process that loads the code location (orchestration/definitions.py).
EVENT_BATCH_SIZE = "1000"


def _batchable(events: Sequence[EventLogEntry]) -> bool:
    return len({e.run_id for e in events}) == 1 and all(
        e.is_dagster_event and e.dagster_event_type in ASSET_EVENTS and e.dagster_event.asset_key for e in events
    )


class BatchingSqliteEventLogStorage(SqliteEventLogStorage):
    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if len(events) < 2 or not _batchable(events):
            super().store_event_batch(events)
            return
        statements = [self.prepare_insert_event(e) for e in events]
        with self.run_connection(events[0].run_id) as conn:
            for statement in statements:
                conn.execute(statement)
        # Mirrored in the cross-run index shard, as SqliteEventLogStorage.store_event does.
        with self.index_transaction() as conn:
            event_ids = []
            for statement in statements:
                with db_result(conn, statement) as result:
                    event_ids.append(result.inserted_primary_key[0])
            self._store_asset_event_tags(conn, list(events), event_ids)
            for event, event_id in zip(events, event_ids):
                self._store_asset_event(conn, event, event_id)

    def _store_asset_check_evaluation_planned(self, event: EventLogEntry, event_id: int | None) -> None:
        """SqlEventLogStorage's, with the event serialized once for all its partitions' rows."""
        planned = event.dagster_event.event_specific_data
        partition_keys = planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
        common = dict(
            asset_key=planned.asset_key.to_string(),
            check_name=planned.check_name,
            run_id=event.run_id,
            execution_status=AssetCheckExecutionRecordStatus.PLANNED.value,
            evaluation_event=serialize_value(event),
            evaluation_event_timestamp=self._event_insert_timestamp(event),
            evaluation_event_storage_id=event_id,
        )
        with self.index_connection() as conn:
            conn.execute(AssetCheckExecutionsTable.insert().values([dict(common, partition=key) for key in partition_keys]))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> "BatchingSqliteEventLogStorage":
        return cls(inst_data=inst_data, **config_value)
