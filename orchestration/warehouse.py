"""The warehouse: creating the raw schema and replacing one report's rows atomically.

The embedded DuckDB file by default; a PostgreSQL database when the target is a `postgresql://` URL
(settings.Paths.warehouse, orchestration/postgres.py). `connect` and `warehouse_lock` are the seam:
everything else talks to either through the same connection methods and portable SQL.

Plain Python (no Dagster), so the CLI, the assets and the tests share one loader.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from . import postgres
from .parsing.extractors import Extractor
from .parsing.raw_layer import all_extractors
from .parsing.reader import Report

RAW_SCHEMA = "raw"

LOADS_TABLE = {
    "report_id": "VARCHAR",
    "loaded_at": "TIMESTAMP",
    "organization": "VARCHAR",
    "organization_en": "VARCHAR",
    "title": "VARCHAR",
    "family": "VARCHAR",
    "period": "VARCHAR",
    "as_of": "DATE",
    "encoding": "VARCHAR",
    "file_name": "VARCHAR",
    "file_sha256": "VARCHAR",
    "file_bytes": "BIGINT",
    "line_count": "INTEGER",
    "table_count": "INTEGER",
    "row_counts": "JSON",
    "run_id": "VARCHAR",
    "warnings": "JSON",  # layout warnings of the load (line, message), e.g. space-aligned rows
    "load_id": "VARCHAR",  # the version of the report's data: see new_load_id
}

# What a corrected report changed, per fact row and column, computed when it replaces the previous load.
CHANGES_TABLE = {
    "report_id": "VARCHAR",
    "previous_sha256": "VARCHAR",
    "new_sha256": "VARCHAR",
    "previous_loaded_at": "TIMESTAMP",
    "loaded_at": "TIMESTAMP",
    "table_name": "VARCHAR",
    "row_key": "VARCHAR",  # JSON object of the extractor's key columns (report_id left out)
    "change": "VARCHAR",  # 'changed' | 'added' | 'removed'
    "column_name": "VARCHAR",  # NULL for added / removed rows
    "old_value": "VARCHAR",  # the column's previous value; the whole row as JSON for a removed row
    "new_value": "VARCHAR",  # the column's new value; the whole row as JSON for an added row
}


class WarehouseBusy(RuntimeError):
    """The warehouse stayed locked by another process longer than the configured wait."""


def reader_timeout() -> float:
    """Seconds to wait for another process (a reader: DuckDB shell, BI tool) to release the DuckDB file."""
    return float(os.environ.get("BUDGET_RECON_READER_TIMEOUT_SECONDS") or 120)


def lock_timeout() -> float:
    """Seconds a run waits for the warehouse lock held by another run before giving up."""
    return float(os.environ.get("BUDGET_RECON_LOCK_TIMEOUT_SECONDS") or 3600)


def is_postgres(target) -> bool:
    """Whether a warehouse target (a DuckDB path or a database URL) is a PostgreSQL database."""
    return postgres.is_postgres(target)


def dialect(con) -> str:
    """'duckdb' or 'postgres': the few statements that differ ask this (see postgres.PostgresConnection)."""
    return getattr(con, "dialect", "duckdb")


def describe_target(target) -> str:
    """The warehouse as shown to people: the file, or the URL without its password."""
    return postgres.display(target) if is_postgres(target) else str(target)


def exists(target) -> bool:
    """Whether the warehouse has been created (a database server is taken to exist)."""
    return True if is_postgres(target) else Path(target).exists()


def dbt_target_env(target) -> dict[str, str]:
    """Environment that points dbt's profile (dbt_project/profiles.yml) at the warehouse: the
    `local` DuckDB target and its file, or the `postgres` target and the URL's parts."""
    if not is_postgres(target):
        return {"BUDGET_RECON_DBT_TARGET": "local", "BUDGET_RECON_WAREHOUSE": str(target)}
    parts = postgres.url_parts(target)
    return {
        "BUDGET_RECON_DBT_TARGET": "postgres",
        "BUDGET_RECON_WAREHOUSE": target,
        "BUDGET_RECON_PG_HOST": parts["host"],
        "BUDGET_RECON_PG_PORT": parts["port"],
        "BUDGET_RECON_PG_USER": parts["user"],
        "BUDGET_RECON_PG_PASSWORD": parts["password"],
        "BUDGET_RECON_PG_DATABASE": parts["dbname"],
    }


@contextlib.contextmanager
def connect(
    path: Path | str, read_only: bool = False, timeout_s: float | None = None, log=None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse. DuckDB allows one writing process: another process holding the file makes
    us wait (up to `timeout_s`, default `reader_timeout()`) rather than fail, saying so through
    `log`; then WarehouseBusy names the file and the holder DuckDB reports. A `postgresql://` URL
    opens a PostgreSQL connection with the same methods (postgres.PostgresConnection)."""
    if is_postgres(path):
        try:
            pg = postgres.PostgresConnection(path, read_only=read_only)
        except Exception as exc:  # psycopg2.OperationalError: server down, no such database, refused login
            raise WarehouseBusy(f"cannot connect to the warehouse {postgres.display(path)}: {str(exc).strip()}") from exc
        try:
            yield pg
        finally:
            pg.close()
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot create the warehouse folder {path.parent}: {exc.strerror}") from exc
    timeout_s = reader_timeout() if timeout_s is None else timeout_s
    deadline = time.monotonic() + timeout_s
    said = False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() > deadline:
                raise WarehouseBusy(
                    f"{path} is held by another process for more than {timeout_s:g}s "
                    f"(BUDGET_RECON_READER_TIMEOUT_SECONDS): {_lock_holder(exc)}; close it and run again"
                ) from None  # the message carries DuckDB's own words about the holder
            if not said and log is not None:
                log(f"waiting up to {timeout_s:g}s for {path}: {_lock_holder(exc)}")
                said = True
            time.sleep(0.25)
    try:
        yield con
    finally:
        con.close()


def _lock_holder(exc: Exception) -> str:
    """DuckDB's 'Conflicting lock is held in /usr/bin/python (PID 123)' part of a lock error."""
    text = str(exc)
    at = text.find("Conflicting lock")
    return text[at:].split(". See")[0].split(". However")[0].strip() if at >= 0 else text.strip().splitlines()[0]


# ---------------------------------------------------------------------------- the run lock
# One writer at a time, across processes: every step that writes the warehouse holds an flock on a
# file beside it. The kernel releases an flock when its process dies (kill -9, out of memory, a
# full disk), so a crashed run never leaves the warehouse held. Re-entrant within one thread.
_held = threading.local()


def lock_file(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def warehouse_lock(
    path: Path | str, holder: str, log=None, timeout_s: float | None = None, report_ids: list[str] | None = None
) -> Iterator[None]:
    """Hold the warehouse's run lock. A second run waits, says once what it waits for (the holder
    written into the lock file) and gives up after `timeout_s` (default `lock_timeout()`) with
    WarehouseBusy. Waiting sleeps in short steps, so Ctrl-C and SIGTERM stop it at once.
    On PostgreSQL the lock is an advisory lock of a session of its own, and also holds the loads of
    `report_ids` (a new load of a report waits until the marts built from its current load are recorded)."""
    target = path if is_postgres(path) else lock_file(path)
    depth = getattr(_held, "depth", {})
    _held.depth = depth
    key = str(target)
    if is_postgres(path) and not depth.get(key):
        # PostgreSQL: an advisory lock of the session (released by the server when the process dies).
        with postgres.advisory_lock(path, postgres.PIPELINE_LOCK, holder, timeout_s, log=log, wait=wait_for_lock,
                                    report_keys=[postgres.report_key(r) for r in report_ids or []]):
            depth[key] = 1
            try:
                yield
            finally:
                depth.pop(key, None)
        return
    if depth.get(key):
        depth[key] += 1
        try:
            yield
        finally:
            depth[key] -= 1
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = open(target, "a+", encoding="utf-8")
    except OSError as exc:
        raise OSError(exc.errno, f"cannot open the warehouse lock {target}: {exc.strerror}") from exc
    try:

        def try_flock() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                return False

        wait_for_lock(try_flock, lambda: _holder(target), str(path), timeout_s, log, hint=f"lock {target}; ")
        stop_orphaned_child(path, log)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "holder": holder, "since": _utc_now()}) + "\n")
            handle.flush()
        except OSError:
            pass  # the description of the holder is a courtesy; a full disk must not stop the lock
        depth[key] = 1
        try:
            yield
        finally:
            depth.pop(key, None)
    finally:
        handle.close()  # releases the flock


def wait_for_lock(try_lock, holder, where: str, timeout_s: float | None, log=None, hint: str = "") -> None:
    """Call `try_lock` until it returns True. Says once through `log` for whom it waits (`holder()`),
    gives up after `timeout_s` (default `lock_timeout()`) with WarehouseBusy. Waiting sleeps in short
    steps, so Ctrl-C and SIGTERM stop it at once."""
    timeout_s = lock_timeout() if timeout_s is None else timeout_s
    started, said = time.monotonic(), False
    while not try_lock():
        waited = time.monotonic() - started
        if waited > timeout_s:
            raise WarehouseBusy(
                f"gave up after {waited:.0f}s waiting for the warehouse {where}: held by {holder()} "
                f"({hint}BUDGET_RECON_LOCK_TIMEOUT_SECONDS={timeout_s:g})"
            )
        if not said and log is not None:
            log(f"waiting for the warehouse {where}: held by {holder()}; giving up after {timeout_s:g}s")
            said = True
        time.sleep(0.2)
    if said and log is not None:
        log(f"warehouse lock acquired after {time.monotonic() - started:.1f}s")


def _children_file(path: Path) -> Path:
    return path.with_name(path.name + ".lock.child")


def register_child(path: Path, pid: int, what: str) -> None:
    """Record a process started while holding the lock (the dbt build): if our process dies, that
    child may live on holding DuckDB's file; the next holder of the lock stops it. (PostgreSQL has
    no file to hold: nothing to record.)"""
    if is_postgres(path):
        return
    try:
        _children_file(path).write_text(json.dumps({"pid": pid, "parent": os.getpid(), "what": what}), encoding="utf-8")
    except OSError:
        pass


def clear_child(path: Path) -> None:
    if is_postgres(path):
        return
    with contextlib.suppress(OSError):
        _children_file(path).unlink()


def stop_orphaned_child(path: Path, log=None) -> None:
    """Stop a child left running by a holder that died (e.g. dbt after `kill -9` of its run).
    Called with the lock held, so the process that started it is gone or finished with it."""
    if is_postgres(path):
        return
    record = _children_file(path)
    try:
        info = json.loads(record.read_text(encoding="utf-8"))
        pid, what = int(info["pid"]), str(info.get("what", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        cmdline = ""  # gone
    if cmdline and what and what in cmdline and info.get("parent") != os.getpid():
        if log is not None:
            log(f"stopping {what} (pid {pid}) left running by a run that died (pid {info.get('parent')})")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 15)
            for _ in range(50):
                time.sleep(0.1)
                if not Path(f"/proc/{pid}").exists() or _zombie(pid):
                    break
            else:
                os.kill(pid, 9)
    clear_child(path)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


def _holder(target: Path) -> str:
    try:
        info = json.loads(target.read_text(encoding="utf-8").strip() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another process"
    return f"{info.get('holder', 'a run')} (pid {info.get('pid')}, since {info.get('since')})"


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def new_load_id(sha256: str | None) -> str:
    """A report version: UTC time of the load, the file's sha256 prefix and a random part, e.g.
    '20261203T092006Z-3f2a9c1b-7d41'. Unique per load; readable in status lines."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{(sha256 or 'nohash')[:8]}-{uuid.uuid4().hex[:4]}"


def _create_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], existing: set[str] | None = None) -> None:
    cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    if existing is None:
        con.execute(f'CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}."{name}" ({cols})')
        existing = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [RAW_SCHEMA, name],
        ).fetchall()}
    elif not existing:
        con.execute(f'CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}."{name}" ({cols})')
        return
    for column, sql_type in columns.items():
        if column not in existing:  # new parser columns: add, never drop what other reports hold
            con.execute(f'ALTER TABLE {RAW_SCHEMA}."{name}" ADD COLUMN "{column}" {sql_type}')


def _raw_columns(con) -> dict[str, set[str]]:
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?", [RAW_SCHEMA]
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    return existing


def _raw_tables(extractors: list[Extractor]) -> dict[str, dict[str, str]]:
    return {**{e.table: e.columns for e in extractors}, "report_loads": LOADS_TABLE, "report_changes": CHANGES_TABLE}


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, extractors: list[Extractor] | None = None) -> None:
    extractors = extractors or all_extractors()
    if dialect(con) == "postgres":
        _ensure_raw_schema_postgres(con, extractors)
        return
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    # One catalog query for every table (it runs once per report load).
    existing = _raw_columns(con)
    for extractor in extractors:
        _create_table(con, extractor.table, extractor.columns, existing.get(extractor.table, set()))
    _create_table(con, "report_loads", LOADS_TABLE, existing.get("report_loads", set()))
    _create_table(con, "report_changes", CHANGES_TABLE, existing.get("report_changes", set()))


def _ensure_raw_schema_postgres(con, extractors: list[Extractor]) -> None:
    """Loads of different reports run at the same time on PostgreSQL: the (rare) CREATE / ALTER take
    turns on an advisory lock, in a transaction of their own unless the caller holds one."""
    wanted = _raw_tables(extractors)
    existing = _raw_columns(con)
    if all(set(columns) <= existing.get(table, set()) for table, columns in wanted.items()):
        return
    own = not con.in_transaction
    if own:
        con.execute("BEGIN TRANSACTION")
    try:
        postgres.lock_in_transaction(con, postgres.SCHEMA_LOCK)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        existing = _raw_columns(con)  # again, under the lock: another load may have added them
        for table, columns in wanted.items():
            _create_table(con, table, columns, existing.get(table, set()))
        if own:
            con.execute("COMMIT")
    except BaseException:
        if own:
            con.execute("ROLLBACK")
        raise


def fact_extractors(extractors: list[Extractor]) -> list[Extractor]:
    """Extractors of facts (those with an exact DECIMAL amount, or marked is_fact, as head counts are), as
    opposed to the reader's layout tables."""
    return [e for e in extractors if e.is_fact or (e.is_fact is None and any(t.upper().startswith("DECIMAL") for t in e.columns.values()))]


def _rows_as_text(con: duckdb.DuckDBPyConnection, extractor: Extractor, report_id: str) -> dict[str, dict]:
    """One report's rows of a table, keyed by the JSON of the extractor's key, values as text."""
    cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in extractor.columns)
    cursor = con.execute(f'SELECT {cols} FROM {RAW_SCHEMA}."{extractor.table}" WHERE report_id = ?', [report_id])
    names = [d[0] for d in cursor.description]
    key_cols = [c for c in extractor.key if c != "report_id"]
    out = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values))
        out[_json({c: row[c] for c in key_cols})] = row
    return out


def _diff(extractor: Extractor, old: dict[str, dict], new: dict[str, dict]) -> list[dict]:
    compared = [c for c in extractor.columns if c not in extractor.key]
    changes = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before is None:
            changes.append(dict(row_key=key, change="added", new_value=_json({c: after[c] for c in compared})))
        elif after is None:
            changes.append(dict(row_key=key, change="removed", old_value=_json({c: before[c] for c in compared})))
        else:
            for column in compared:
                if before[column] != after[column]:
                    changes.append(
                        dict(row_key=key, change="changed", column_name=column, old_value=before[column], new_value=after[column])
                    )
    for change in changes:
        change["table_name"] = extractor.table
    return changes


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """Rows as a DataFrame of strings, so DuckDB casts Decimals and dates exactly."""

    def text(value):
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (Decimal, int, dt.date)):
            return str(value)
        return value if isinstance(value, str) else str(value)

    data = {c: [text(r.get(c)) for r in rows] for c in columns}
    return pd.DataFrame(data, columns=list(columns), dtype=object)


def frames_of(rows_by_table: dict[str, list[dict]], extractors: list[Extractor] | None = None) -> dict[str, pd.DataFrame]:
    """Every table's rows as text frames, ready for `replace_report` (built where the parse runs)."""
    return {e.table: _frame(rows_by_table[e.table], e.columns) for e in extractors or all_extractors() if rows_by_table.get(e.table)}


@dataclass
class LoadResult:
    report_id: str
    row_counts: dict[str, int]
    seconds: float
    load_id: str | None = None


def extract_all(report: Report, extractors: list[Extractor] | None = None) -> dict[str, list[dict]]:
    """Run every extractor; a parser failure names the report's file."""
    from .parsing.coverage import derive_coverage

    extractors = extractors or all_extractors()
    out: dict[str, list[dict]] = {}
    for extractor in extractors:
        if extractor.extract is not None:
            out[extractor.table] = extractor.extract(report)
    derived = [e for e in extractors if e.extract is None]
    if derived:  # coverage: what the extractors above made of each table
        coverage = derive_coverage(report, out, fact_extractors(extractors))
        out.update({e.table: coverage[e.table] for e in derived})
    for extractor in extractors:
        unknown = {k for r in out[extractor.table] for k in r} - set(extractor.columns)
        if unknown:
            raise ValueError(f"{extractor.table} extractor produced undeclared columns {sorted(unknown)}")
    return out


def replace_report(
    con: duckdb.DuckDBPyConnection,
    report: Report,
    rows_by_table: dict[str, list[dict]],
    file_info: dict,
    extractors: list[Extractor] | None = None,
    frames: dict[str, pd.DataFrame] | None = None,
    own_transaction: bool = True,
) -> LoadResult:
    """Replace every raw row of one report in one transaction: readers see the old load or the new
    one, never a mix, never duplicates; on any error the old load stays. `frames` (from `frames_of`)
    saves converting the rows here. With `own_transaction=False` the caller holds the transaction
    (several reports committed together) and rolls it back on error."""
    started = time.perf_counter()
    extractors = extractors or all_extractors()
    ensure_raw_schema(con, extractors)
    if own_transaction:
        con.execute("BEGIN TRANSACTION")
    try:
        if dialect(con) == "postgres":  # two loads of one report take turns; of different reports, not
            postgres.lock_report_in_transaction(con, report.report_id)
        previous = con.execute(
            f"SELECT file_sha256, loaded_at FROM {RAW_SCHEMA}.report_loads WHERE report_id = ? ORDER BY loaded_at DESC LIMIT 1",
            [report.report_id],
        ).fetchone()
        changes = _replace_rows(con, report.report_id, rows_by_table, extractors, frames, previous is not None)
        if changes:
            _record_changes(con, report.report_id, changes, previous, file_info)
        counts = {table: len(rows) for table, rows in rows_by_table.items()}
        load_id = _record_load(con, report, counts, file_info)
        if own_transaction:
            con.execute("COMMIT")
    except BaseException:
        if own_transaction:
            con.execute("ROLLBACK")
        raise
    return LoadResult(report.report_id, counts, time.perf_counter() - started, load_id)


def _replace_rows(con, report_id: str, rows_by_table: dict[str, list[dict]], extractors: list[Extractor],
                  frames: dict[str, pd.DataFrame] | None, reloading: bool) -> list[dict]:
    """Each raw table's rows of the report deleted and inserted anew; on a re-load, what changed in
    the fact tables (`_diff`)."""
    tracked = {e.table for e in fact_extractors(extractors)}
    changes: list[dict] = []
    for extractor in extractors:
        rows = rows_by_table.get(extractor.table, [])
        diffing = reloading and extractor.table in tracked
        old = _rows_as_text(con, extractor, report_id) if diffing else {}
        if reloading:  # rows and their report_loads row are only ever written together
            con.execute(f'DELETE FROM {RAW_SCHEMA}."{extractor.table}" WHERE report_id = ?', [report_id])
        if rows:
            frame = frames[extractor.table] if frames is not None else _frame(rows, extractor.columns)
            con.register("incoming_rows", frame)
            casts = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in extractor.columns.items())
            con.execute(f'INSERT INTO {RAW_SCHEMA}."{extractor.table}" SELECT {casts} FROM incoming_rows')
            con.unregister("incoming_rows")
        if diffing:
            changes += _diff(extractor, old, _rows_as_text(con, extractor, report_id))
    return changes


def _record_changes(con, report_id: str, changes: list[dict], previous: tuple, file_info: dict) -> None:
    """The fact rows a re-load changed, with the file versions before and after (report_changes)."""
    for change in changes:
        change.update(report_id=report_id, previous_sha256=previous[0], new_sha256=file_info.get("sha256"),
                      previous_loaded_at=str(previous[1]))
    con.register("incoming_changes", _frame(changes, {c: t for c, t in CHANGES_TABLE.items() if c != "loaded_at"}))
    cols = ", ".join(f'"{c}"' for c in CHANGES_TABLE)
    picks = ", ".join(
        "now()::TIMESTAMP" if c == "loaded_at" else f'CAST("{c}" AS {t})' for c, t in CHANGES_TABLE.items()
    )
    con.execute(f"INSERT INTO {RAW_SCHEMA}.report_changes ({cols}) SELECT {picks} FROM incoming_changes")
    con.unregister("incoming_changes")


def _record_load(con, report: Report, counts: dict[str, int], file_info: dict) -> str:
    """The load's row in report_loads (registry entry, file, counts, reader warnings); its load id."""
    entry = file_info.get("entry") or {}
    warnings = [{"line": i.line, "message": i.message} for i in getattr(report, "issues", []) if i.severity == "warning"]
    load_id = file_info.get("load_id") or new_load_id(file_info.get("sha256"))
    encoding = entry.get("encoding")
    if encoding == "auto" and getattr(report, "encoding", None):
        encoding = f"auto:{report.encoding}"
    con.execute(
        f"INSERT INTO {RAW_SCHEMA}.report_loads ({', '.join(LOADS_TABLE)}) VALUES "
        "(?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?::DATE, ?, ?, ?, ?, ?, ?, ?::JSON, ?, ?::JSON, ?)",
        [
            report.report_id,
            entry.get("organization"),
            entry.get("organization_en"),
            entry.get("title"),
            entry.get("family"),
            entry.get("period"),
            entry.get("as_of"),
            encoding,
            file_info.get("file_name"),
            file_info.get("sha256"),
            file_info.get("bytes"),
            len(report.lines),
            len(report.tables),
            _json(counts),
            file_info.get("run_id"),
            _json(warnings) if warnings else None,
            load_id,
        ],
    )
    return load_id


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
