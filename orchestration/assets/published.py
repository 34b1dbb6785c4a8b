"""The published layer: the marts a user reads or exports, per report, only after the gate passed.

The gate's blocking checks already keep this step from running when a suite fails with ERROR.
The step itself publishes a report only when the latest gate verdict is PASS/WARN for exactly the
version (load_id) its marts hold (orchestration/publication.py), so publishing never depends on
check-blocking semantics (dagster issues 25112, 29896) nor on which assets a run selected: a UI run
of `published` alone cannot publish unchecked marts. A refused report keeps its published rows.
"""

import dagster as dg

from ..partitions import reports_partitions
from ..publication import publish
from ..resources import WarehouseResource
from .gate import GATE_RESULTS
from .warehouse_models import warehouse_models

MART_KEYS = sorted((k for k in warehouse_models.keys if k.path[0] == "marts"), key=lambda k: k.path)


@dg.multi_asset(
    name="published",
    specs=[
        dg.AssetSpec(
            key=["published", key.path[-1]],
            deps=[key, GATE_RESULTS],
            description=f"{key.path[-1]} for reports whose gate passed (schema `published`).",
            group_name="published",
            kinds={"duckdb"},
        )
        for key in MART_KEYS
    ],
    partitions_def=reports_partitions,
    # No backfill policy: a backfill checks and publishes each report in a run of its own, tagged with
    # its partition (after one run that loads and builds them all), and Dagster links a check
    # evaluation to the partition's materialization only in such a run. (A multi_run(1) policy would
    # tag a one-partition range instead, which Dagster records like a batch.)
)
def published(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    tables = [k.path[-1] for k in MART_KEYS]
    report_ids = list(context.partition_keys)
    with warehouse.locked(context), warehouse.connect(log=context.log.warning) as con:
        counts, refused = publish(con, report_ids, tables)
    for message in list(refused.values())[:50]:
        context.log.error(message)
    if len(counts) <= 20:
        for report_id, by_table in counts.items():
            context.log.info(f"{report_id}: published {by_table}")
    else:
        context.log.info(f"{len(counts)} reports published")
    if refused:
        # The step fails, naming the refused reports; the reports it did publish (committed above)
        # are recorded as materialized on their own partitions, so the UI does not show them stale.
        for report_id, by_table in counts.items():
            for table in tables:
                yield dg.AssetMaterialization(
                    asset_key=["published", table], partition=report_id, metadata={"dagster/row_count": by_table[table]}
                )
        raise dg.Failure(
            description="; ".join(refused.values()),
            metadata={"refused": dg.MetadataValue.md("\n".join(f"- {r}" for r in refused.values()))},
        )
    for table in tables:
        # Each report's own row count on its own partition (run totals would be copied into every one).
        for report_id, by_table in counts.items():
            context.add_asset_metadata(
                {"dagster/row_count": by_table[table]}, asset_key=["published", table], partition_key=report_id
            )
        yield dg.MaterializeResult(asset_key=["published", table])
