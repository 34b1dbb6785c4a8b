"""The published layer: the marts a user reads or exports, per report, only after the gate passed.

The gate's blocking checks already keep this step from running when a suite fails with ERROR.
The step also reads the gate's recorded verdict for this run and refuses to publish a report whose
gate is not clean, so publishing never depends on check-blocking semantics alone (dagster issues
25112, 29896). A refused report keeps its previously published rows.
"""

import dagster as dg

from ..partitions import WAREHOUSE_POOL, reports_partitions
from ..resources import WarehouseResource
from .gate import GATE_RESULTS
from .warehouse_models import warehouse_models

MART_KEYS = sorted((k for k in warehouse_models.keys if k.path[0] == "marts"), key=lambda k: k.path)


def refusals(con, report_ids: list[str]) -> dict[str, str]:
    """Why each report that may not be published is refused: no gate verdict yet, or an ERROR.

    The latest verdict is the one for the marts as they are: every run that rebuilds a report's
    marts runs its gate before this step (and the warehouse pool serializes runs)."""
    has_gate = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'gate' and table_name = 'check_results'"
    ).fetchone()[0]
    verdicts: dict[str, list[tuple]] = {r: [] for r in report_ids}
    if has_gate:
        for report_id, suite, severity, count in con.execute(
            "select report_id, suite, severity, failed_count from gate.check_results "
            "where is_latest and report_id in (select unnest(?::varchar[])) order by report_id, suite",
            [report_ids],
        ).fetchall():
            verdicts[report_id].append((suite, severity, count))
    out = {}
    for report_id, rows in verdicts.items():
        blocking = [f"{suite} ({count} rows)" for suite, severity, count in rows if severity == "ERROR"]
        if not rows:
            out[report_id] = f"{report_id}: the gate has not checked this report yet; nothing is published"
        elif blocking:
            out[report_id] = f"{report_id}: gate failed ({', '.join(blocking)}); not published"
    return out


def publish_reports(con, report_ids: list[str], tables: list[str]) -> dict[str, dict[str, int]]:
    """Replace the published mart rows of these reports (whose gate passed: see `refusals`) in one
    transaction: readers see every report's previous rows or every report's new ones."""
    if not report_ids:
        return {}
    con.execute("create schema if not exists published")
    counts: dict[str, dict[str, int]] = {r: {} for r in report_ids}
    con.execute("begin transaction")
    try:
        for table in tables:
            con.execute(f"create table if not exists published.{table} as select * from marts.{table} limit 0")
            published_cols = {r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'published' and table_name = ?", [table]
            ).fetchall()}
            for name, dtype in con.execute(
                "select column_name, data_type from information_schema.columns where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall():
                if name not in published_cols:
                    con.execute(f'alter table published.{table} add column "{name}" {dtype}')
            selected = "report_id in (select unnest(?::varchar[]))"
            con.execute(f"delete from published.{table} where {selected}", [report_ids])
            con.execute(f"insert into published.{table} by name select * from marts.{table} where {selected}", [report_ids])
            for report_id in report_ids:
                counts[report_id][table] = 0
            for report_id, count in con.execute(
                f"select report_id, count(*) from published.{table} where {selected} group by 1", [report_ids]
            ).fetchall():
                counts[report_id][table] = count
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


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
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def published(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    tables = [k.path[-1] for k in MART_KEYS]
    report_ids = list(context.partition_keys)
    with warehouse.connect() as con:
        refused = refusals(con, report_ids)
        counts = publish_reports(con, [r for r in report_ids if r not in refused], tables)
    for message in list(refused.values())[:50]:
        context.log.error(message)
    if len(counts) <= 20:
        for report_id, by_table in counts.items():
            context.log.info(f"{report_id}: published {by_table}")
    else:
        context.log.info(f"{len(counts)} reports published")
    if refused:
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
