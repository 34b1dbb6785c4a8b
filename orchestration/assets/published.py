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


class GateNotPassed(Exception):
    pass


def publish_report(con, report_id: str, tables: list[str]) -> dict[str, int]:
    """Copy one report's mart rows into `published` in one transaction, if its latest gate passed.

    The latest verdict is the one for the marts as they are: every run that rebuilds a report's
    marts runs its gate before this step (and the warehouse pool serializes runs)."""
    verdicts = con.execute(
        "select suite, severity, failed_count from gate.check_results where is_latest and report_id = ?",
        [report_id],
    ).fetchall() if con.execute(
        "select count(*) from information_schema.tables where table_schema = 'gate' and table_name = 'check_results'"
    ).fetchone()[0] else []
    if not verdicts:
        raise GateNotPassed(f"{report_id}: the gate has not checked this report yet; nothing is published")
    blocking = [f"{suite} ({count} rows)" for suite, severity, count in verdicts if severity == "ERROR"]
    if blocking:
        raise GateNotPassed(f"{report_id}: gate failed ({', '.join(blocking)}); not published")
    counts = {}
    con.execute("create schema if not exists published")
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
            con.execute(f"delete from published.{table} where report_id = ?", [report_id])
            con.execute(f"insert into published.{table} by name select * from marts.{table} where report_id = ?", [report_id])
            counts[table] = con.execute(f"select count(*) from published.{table} where report_id = ?", [report_id]).fetchone()[0]
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
    totals = {t: 0 for t in tables}
    refused = []
    with warehouse.connect() as con:
        for report_id in context.partition_keys:
            try:
                counts = publish_report(con, report_id, tables)
            except GateNotPassed as exc:
                refused.append(str(exc))
                context.log.error(str(exc))
                continue
            context.log.info(f"{report_id}: published {counts}")
            for t, n in counts.items():
                totals[t] += n
    if refused:
        raise dg.Failure(description="; ".join(refused), metadata={"refused": dg.MetadataValue.md("\n".join(f"- {r}" for r in refused))})
    for table in tables:
        yield dg.MaterializeResult(asset_key=["published", table], metadata={"dagster/row_count": totals[table]})
