"""Report versions and the publication rule: published data is the data the gate passed.

Plain Python (no Dagster), shared by the assets, the CLI and the tests.

- Every raw load of a report has a `load_id` (raw.report_loads, see warehouse.new_load_id).
- `pipeline.marts_builds`: per report, the load the marts were built from and whether that build
  finished (`built`) or not (`building`: the dbt step started and never finished; `failed`). The dbt
  step writes `building` before dbt touches the marts and `built` only after dbt succeeded, so marts
  left half-rebuilt by a crash or a failed build have no version.
- The gate records, with each verdict, the load_id of the marts it checked (NULL: not a finished build).
- `published.report_versions`: one row per report, the version now published, replaced together
  with the published rows in one transaction, and only when the latest verdict is PASS or WARN for
  exactly the version the marts hold. Anything else leaves the published rows as they were.

Every writer holds the warehouse lock (warehouse.warehouse_lock), so nothing changes between reading
a version and acting on it.
"""

from __future__ import annotations

import duckdb

from .faults import checkpoint
from .gate.suites import ERROR, NOT_CHECKED, PASS, WARN

# Suite verdicts that let a report be published: a suite with no row to check blocks nothing (the
# fact_coverage suite fails when a required fact type yields no rows).
PUBLISHABLE = (PASS, WARN, NOT_CHECKED)
# A failed build's reason is kept to this many characters in pipeline.marts_builds.
ERROR_TEXT_LIMIT = 2_000
VERDICT_LABELS = ((PASS, "passed"), (WARN, "acknowledged"), (ERROR, "failed"), (NOT_CHECKED, "not checked"))

BUILT, BUILDING, FAILED = "built", "building", "failed"

PUBLICATION_DDL = """
create schema if not exists pipeline;
create table if not exists pipeline.marts_builds (
    report_id varchar, load_id varchar, state varchar, run_id varchar,
    started_at timestamp, finished_at timestamp, error varchar
);
create schema if not exists published;
create table if not exists published.report_versions (
    report_id varchar, load_id varchar, file_sha256 varchar, verdict varchar, gate_run_id varchar,
    published_at timestamp
);
"""

_SELECTED = "report_id in (select unnest(?::varchar[]))"
# Each load of raw.report_loads numbered from the latest (latest = 1) per report: portable SQL
# (DuckDB and PostgreSQL) for "the latest load", which DuckDB alone would write with arg_max.
_LATEST_LOADS = "select *, row_number() over (partition by report_id order by loaded_at desc) as latest from raw.report_loads"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(PUBLICATION_DDL)


def _has_table(con, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0])


def current_loads(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> dict[str, str | None]:
    """The load_id of each report's latest raw load (None: never loaded, or loaded before load ids)."""
    if not _has_table(con, "raw", "report_loads"):
        return {r: None for r in report_ids}
    found = dict(con.execute(
        f"select report_id, load_id from ({_LATEST_LOADS} where {_SELECTED}) as loads where latest = 1", [report_ids]
    ).fetchall())
    return {r: found.get(r) for r in report_ids}


def _set_builds(con, rows: list[tuple], run_id: str, state: str, error: str | None = None) -> None:
    """Replace the marts_builds row of each (report_id, load_id) in one transaction."""
    ensure_tables(con)
    con.execute("begin transaction")
    try:
        con.execute(f"delete from pipeline.marts_builds where {_SELECTED}", [[r for r, _ in rows]])
        con.executemany(
            "insert into pipeline.marts_builds values (?, ?, ?, ?, now()::timestamp, "
            "case when ? = 'building' then null else now()::timestamp end, ?)",
            [[report_id, load_id, state, run_id, state, error] for report_id, load_id in rows],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def start_marts_build(con: duckdb.DuckDBPyConnection, report_ids: list[str], run_id: str) -> dict[str, str | None]:
    """Before dbt rebuilds these reports' marts: they now hold no finished version. Returns the
    load each build reads (the latest raw load; nothing can load while the warehouse lock is held)."""
    loads = current_loads(con, report_ids)
    _set_builds(con, list(loads.items()), run_id, BUILDING)
    return loads


def finish_marts_build(con, loads: dict[str, str | None], run_id: str, error: str | None = None) -> None:
    """After dbt: `built` (the marts hold exactly these loads) or `failed` with the reason."""
    _set_builds(con, list(loads.items()), run_id, FAILED if error else BUILT, error[:ERROR_TEXT_LIMIT] if error else None)


def marts_versions(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> dict[str, tuple[str | None, str, str | None]]:
    """{report_id: (load_id, state, run_id)} of the marts build of each report that has one."""
    if not _has_table(con, "pipeline", "marts_builds"):
        return {}
    return {
        report_id: (load_id, state, run_id)
        for report_id, load_id, state, run_id in con.execute(
            f"select report_id, load_id, state, run_id from pipeline.marts_builds where {_SELECTED}", [report_ids]
        ).fetchall()
    }


def checked_versions(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> dict[str, str | None]:
    """The version the gate is about to check for each report: the load of a finished marts build, else None."""
    versions = marts_versions(con, report_ids)
    return {r: versions[r][0] if r in versions and versions[r][1] == BUILT else None for r in report_ids}


def published_versions(con: duckdb.DuckDBPyConnection, report_ids: list[str] | None = None) -> dict[str, dict]:
    if not _has_table(con, "published", "report_versions"):
        return {}
    where, params = (f"where {_SELECTED}", [report_ids]) if report_ids is not None else ("", [])
    cursor = con.execute(f"select * from published.report_versions {where}", params)
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row)) for row in cursor.fetchall()}


def refusals(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> tuple[dict[str, str], dict[str, tuple]]:
    """Why each report may not be published, and for the others (load_id, verdict, gate_run_id).

    A report is publishable only when its marts hold a finished build of load L and the latest gate
    verdict of every suite was recorded for L and is PASS or WARN."""
    builds = marts_versions(con, report_ids)
    verdicts: dict[str, list[tuple]] = {r: [] for r in report_ids}
    if _has_table(con, "gate", "check_results"):
        columns = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'gate' and table_name = 'check_results'"
        ).fetchall()}
        load = "load_id" if "load_id" in columns else "null"
        for report_id, suite, severity, count, load_id, run_id in con.execute(
            f"select report_id, suite, severity, failed_count, {load}, run_id from gate.check_results "
            f"where is_latest and {_SELECTED} order by report_id, suite",
            [report_ids],
        ).fetchall():
            verdicts[report_id].append((suite, severity, count, load_id, run_id))
    refused, publishable = {}, {}
    for report_id in report_ids:
        rows = verdicts[report_id]
        build = builds.get(report_id)
        if build is None or build[0] is None:
            refused[report_id] = f"{report_id}: no versioned build of its marts yet (run the report); nothing published"
            continue
        load_id, state, build_run = build
        if state != BUILT:
            refused[report_id] = (
                f"{report_id}: its marts hold an unfinished build of version {load_id} "
                f"(dbt {state} in run {str(build_run)[:8]}); nothing published"
            )
            continue
        if not rows:
            refused[report_id] = f"{report_id}: the gate has not checked version {load_id} yet; nothing published"
            continue
        checked = {r[3] for r in rows}
        if checked != {load_id}:
            other = ", ".join(sorted(str(v) for v in checked))
            refused[report_id] = (
                f"{report_id}: the latest gate verdict is for version {other}, but the marts hold version {load_id} "
                "(run the gate on the current data); nothing published"
            )
            continue
        blocking = [f"{suite} ({count} rows)" for suite, severity, count, _, _ in rows if severity not in PUBLISHABLE]
        if blocking:
            refused[report_id] = f"{report_id}: gate failed on version {load_id} ({', '.join(blocking)}); not published"
            continue
        verdict = "WARN" if any(r[1] == "WARN" for r in rows) else "PASS"
        publishable[report_id] = (load_id, verdict, rows[0][4])
    return refused, publishable


def publish(
    con: duckdb.DuckDBPyConnection, report_ids: list[str], tables: list[str]
) -> tuple[dict[str, dict[str, int]], dict[str, str]]:
    """Replace the published rows and version of every publishable report in ONE transaction, the
    rule checked inside it; the others keep what was published. Returns (row counts, refusals)."""
    ensure_tables(con)
    counts: dict[str, dict[str, int]] = {}
    con.execute("begin transaction")
    try:
        refused, publishable = refusals(con, report_ids)
        ids = list(publishable)
        counts = {r: {t: 0 for t in tables} for r in ids}
        if ids:
            for table in tables:
                _copy(con, table, ids)
                for report_id, count in con.execute(
                    f"select report_id, count(*) from published.{table} where {_SELECTED} group by 1", [ids]
                ).fetchall():
                    counts[report_id][table] = count
            con.execute(f"delete from published.report_versions where {_SELECTED}", [ids])
            con.executemany(
                "insert into published.report_versions select ?, ?, "
                "(select file_sha256 from raw.report_loads where load_id = ? order by loaded_at desc limit 1), ?, ?, now()::timestamp",
                [[r, load, load, verdict, run] for r, (load, verdict, run) in publishable.items()],
            )
        checkpoint("published")  # fault injection (tests): killed with the transaction open
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts, refused


def _copy(con, table: str, ids: list[str]) -> None:
    con.execute(f"create table if not exists published.{table} as select * from marts.{table} limit 0")
    published_cols = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'published' and table_name = ?", [table]
    ).fetchall()}
    mart_columns = con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'marts' and table_name = ? "
        "order by ordinal_position",
        [table],
    ).fetchall()
    for name, dtype in mart_columns:
        if name not in published_cols:
            con.execute(f'alter table published.{table} add column "{name}" {dtype}')
    con.execute(f"delete from published.{table} where {_SELECTED}", [ids])
    columns = ", ".join('"' + name.replace('"', '""') + '"' for name, _ in mart_columns)  # by name, in either database
    con.execute(f"insert into published.{table} ({columns}) select {columns} from marts.{table} where {_SELECTED}", [ids])


def report_status(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per report: current load, marts build, latest verdict and the version it checked, the
    published version, and one sentence saying where the report stands."""
    if not _has_table(con, "raw", "report_loads"):
        return []
    loads = con.execute(
        "select report_id, max(loaded_at), max(case when latest = 1 then load_id end), "
        f"max(case when latest = 1 then table_count end), count(*) from ({_LATEST_LOADS}) as loads group by 1 order by 1"
    ).fetchall()
    ids = [r[0] for r in loads]
    builds = marts_versions(con, ids)
    published = published_versions(con, ids)
    gate: dict[str, dict] = {}
    if _has_table(con, "gate", "check_results"):
        columns = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'gate' and table_name = 'check_results'"
        ).fetchall()}
        load = "max(load_id)" if "load_id" in columns else "null"
        for report_id, severity, count, load_id in con.execute(
            f"select report_id, severity, count(*), {load} from gate.check_results where is_latest group by report_id, severity"
        ).fetchall():
            entry = gate.setdefault(report_id, {"counts": {}, "load_id": load_id})
            entry["counts"][severity] = count
    out = []
    for report_id, loaded_at, load_id, tables, load_count in loads:
        build = builds.get(report_id)
        verdict = gate.get(report_id)
        pub = published.get(report_id)
        severities = (verdict or {}).get("counts", {})
        current_verdict = None
        if verdict and build and verdict["load_id"] == build[0] and build[1] == BUILT:
            current_verdict = "ERROR" if any(k not in PUBLISHABLE for k in severities) else (
                "WARN" if "WARN" in severities else "PASS")
        if pub and build and pub["load_id"] == build[0] and build[0] == load_id:
            state = f"published ({pub['verdict']})"
        elif current_verdict == "ERROR":
            state = "current data FAILED the gate; " + (
                f"version {pub['load_id']} (published {str(pub['published_at'])[:19]}) stays published" if pub else "nothing published")
        else:
            why = (
                "not built yet" if not build or build[0] != load_id
                else f"marts build {build[1]}" if build[1] != BUILT
                else "not checked by the gate yet" if current_verdict is None
                else "passed, not published yet"
            )
            state = f"current data {why}; " + (
                f"version {pub['load_id']} stays published" if pub else "nothing published")
        out.append(dict(
            report_id=report_id, loaded_at=loaded_at, load_id=load_id, tables=tables, loads=load_count,
            gate=", ".join(f"{severities[k]} {label}" for k, label in VERDICT_LABELS if k in severities) or "-",
            gate_load_id=(verdict or {}).get("load_id"), published_load_id=pub["load_id"] if pub else None,
            status=state,
        ))
    return out
