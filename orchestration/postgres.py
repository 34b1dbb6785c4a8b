"""The warehouse on PostgreSQL: a connection with the few DuckDB connection methods the pipeline uses.

`BUDGET_RECON_WAREHOUSE=postgresql://user@host:port/db` (docs/scale-out.md) puts the raw loads, the
dbt models, the gate and the published layer in that database. The loader, the gate and publishing
talk to the warehouse through `execute(sql, params)` with `?` placeholders, `fetchone`, `fetchall`,
`df`, `executemany` and `register(name, frame)` — DuckDB's connection API. `PostgresConnection`
gives psycopg2 the same surface, so those modules keep one code path and portable SQL:

- `?` placeholders become psycopg2's `%s` (a Python list binds as an ARRAY: `unnest(?::varchar[])`);
- the connection is in autocommit mode, so `begin transaction` / `commit` / `rollback` statements
  mean what they mean on DuckDB;
- `register(name, frame)` copies a frame of text values into a temporary table of that name (COPY),
  the way DuckDB lets SQL read a registered frame; `unregister` drops it;
- `df()` gives a DataFrame with NUMERIC as float64, as DuckDB's `df()` does (exact amounts are cast
  to text in SQL wherever they must stay exact).

Writers serialise with advisory locks (`advisory_lock`, `report_lock`) instead of the DuckDB file lock.
"""

from __future__ import annotations

import contextlib
import io
import math
import zlib
from typing import Iterator
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd

SCHEMES = ("postgresql://", "postgres://")


def is_postgres(target) -> bool:
    return isinstance(target, str) and target.startswith(SCHEMES)


def url_parts(url: str) -> dict[str, str]:
    """host, port, user, password and database of a postgresql:// URL (dbt's profile takes them apart)."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "dbname": unquote(parts.path.lstrip("/") or "postgres"),
    }


def display(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def translate(sql: str) -> str:
    """DuckDB's `?` placeholders as psycopg2's `%s` (and a literal `%` as `%%`), outside quotes."""
    out, quote = [], None
    for char in sql:
        if quote:
            if char == quote:
                quote = None
        elif char in ("'", '"'):
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        out.append("%%" if char == "%" else char)
    return "".join(out)


_NUMERIC_OIDS = {1700, 700, 701}  # numeric, real, double precision: float64 in df(), as on DuckDB
_INTEGER_OIDS = {20, 21, 23}  # bigint, smallint, integer


class Result:
    """What `execute` returns: the cursor's rows, as DuckDB's connection gives them."""

    def __init__(self, cursor):
        self._cursor = cursor

    @property
    def description(self):
        return self._cursor.description

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()

    def fetchmany(self, size: int):
        return self._cursor.fetchmany(size)

    def df(self) -> pd.DataFrame:
        description = self._cursor.description or []
        names = [d.name for d in description]
        rows = self._cursor.fetchall()
        frame = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame({n: [] for n in names})
        for column, d in zip(names, description):
            if d.type_code in _NUMERIC_OIDS:
                frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
            elif d.type_code in _INTEGER_OIDS and frame[column].isna().any():
                frame[column] = frame[column].astype("float64")
            elif d.type_code in _INTEGER_OIDS and len(frame):
                frame[column] = frame[column].astype("int64")
        return frame


class PostgresConnection:
    """A psycopg2 connection in autocommit mode with DuckDB's connection methods (see the module doc)."""

    dialect = "postgres"

    def __init__(self, url: str, read_only: bool = False, application_name: str = "budget-recon"):
        import psycopg2

        self.url = url
        import psycopg2.extras

        self._con = psycopg2.connect(url, application_name=application_name[:63])
        self._con.autocommit = True
        # JSON values as text, as DuckDB returns them (callers json.loads what they read).
        psycopg2.extras.register_default_json(self._con, loads=lambda text: text)
        psycopg2.extras.register_default_jsonb(self._con, loads=lambda text: text)
        if read_only:
            self._con.cursor().execute("set session characteristics as transaction read only")

    @property
    def in_transaction(self) -> bool:
        """Inside a `begin transaction` this connection issued (libpq's transaction status)."""
        import psycopg2.extensions as ext

        return self._con.info.transaction_status != ext.TRANSACTION_STATUS_IDLE

    def execute(self, sql: str, params=None) -> Result:
        cursor = self._con.cursor()
        cursor.execute(translate(sql), _params(params))
        return Result(cursor)

    def executemany(self, sql: str, rows) -> None:
        cursor = self._con.cursor()
        cursor.executemany(translate(sql), [_params(r) for r in rows])

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """The frame as a temporary table of text columns named `name` (SQL casts what it reads)."""
        cursor = self._con.cursor()
        columns = ", ".join(f'"{c}" text' for c in frame.columns)
        cursor.execute(f'drop table if exists pg_temp."{name}"')
        cursor.execute(f'create temporary table "{name}" ({columns})')
        buffer = io.StringIO()
        for row in frame.itertuples(index=False, name=None):
            buffer.write(",".join(_csv(v) for v in row))
            buffer.write("\n")
        buffer.seek(0)
        cursor.copy_expert(f'copy "{name}" from stdin with (format csv, null \'\\N\')', buffer)

    def unregister(self, name: str) -> None:
        self._con.cursor().execute(f'drop table if exists pg_temp."{name}"')

    def close(self) -> None:
        self._con.close()


def _params(params):
    if params is None:
        return ()
    return [list(p) if isinstance(p, tuple) else p for p in params]


def _csv(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "\\N"
    if isinstance(value, (bool, np.bool_)):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))  # an integer column pandas holds as float (it has NULLs): castable to integer
    else:
        text = str(value)
    return '"' + text.replace('"', '""') + '"'


# ---------------------------------------------------------------------------- advisory locks
# Keys of the pipeline's advisory locks: (class, object), the class fixed for budget-recon.
LOCK_CLASS = 0x6272  # "br"
PIPELINE_LOCK = 1  # dbt, gate and publishing take turns (dbt replaces views; one version rule)
SCHEMA_LOCK = 2  # CREATE / ALTER of the raw, gate and publication tables


def report_key(report_id: str) -> int:
    """The advisory lock object of one report's raw load (a 31-bit hash of its id)."""
    return zlib.crc32(report_id.encode("utf-8")) & 0x7FFFFFFF


def lock_in_transaction(con: PostgresConnection, key: int) -> None:
    """Hold an advisory lock until the open transaction ends (two loads of one report take turns)."""
    con.execute("select pg_advisory_xact_lock(?, ?)", [LOCK_CLASS, key])


class ReportBusy(RuntimeError):
    """A report's lock is held elsewhere while this transaction holds other advisory locks."""


def lock_report_in_transaction(con: PostgresConnection, report_id: str) -> None:
    """Hold one report's lock until the open transaction ends (two loads of one report take turns).
    A transaction never waits for it while holding other advisory locks (earlier reports of a group
    of loads, the schema lock): the run holding the pipeline lock takes report locks in key order, a
    group in its reports' order, and two such waits could close a cycle. It raises ReportBusy instead,
    before writing anything of this report: the caller commits what it holds and loads the report in
    a transaction of its own, which may wait (ingest.ingest_many)."""
    key = report_key(report_id)
    if con.execute("select pg_try_advisory_xact_lock(?, ?)", [LOCK_CLASS, key]).fetchone()[0]:
        return
    held = con.execute(
        "select count(*) from pg_locks where pid = pg_backend_pid() and locktype = 'advisory' and granted"
    ).fetchone()[0]
    if held:
        raise ReportBusy(f"report {report_id} is being loaded or built by another run")
    lock_in_transaction(con, key)


@contextlib.contextmanager
def advisory_lock(
    url: str, key: int, holder: str, timeout_s: float | None, wait, log=None, report_keys: list[int] | None = None
) -> Iterator[None]:
    """Hold a session advisory lock on its own connection for a block. A second holder waits through
    `wait` (warehouse.wait_for_lock: says once for whom — the holder's application_name and pid, from
    pg_locks — and gives up after `timeout_s`). The server releases the lock when the holding process dies.
    `report_keys`: report locks (report_key) taken too, once the lock is held, in key order (their
    holders are single load transactions, so the wait is short)."""
    con = PostgresConnection(url, application_name=holder)
    try:
        wait(lambda: con.execute("select pg_try_advisory_lock(?, ?)", [LOCK_CLASS, key]).fetchone()[0],
             lambda: _lock_holder(con, key), display(url), timeout_s, log)
        if report_keys:
            for report in sorted(set(report_keys)):  # one order for every holder: no deadlock between them
                con.execute("select pg_advisory_lock(?, ?)", [LOCK_CLASS, report])
        yield
    finally:
        con.close()  # ends the session, releasing the lock


def _lock_holder(con: PostgresConnection, key: int) -> str:
    row = con.execute(
        "select a.application_name, a.pid, a.backend_start from pg_locks l join pg_stat_activity a using (pid) "
        "where l.locktype = 'advisory' and l.classid = ? and l.objid = ? and l.granted limit 1",
        [LOCK_CLASS, key],
    ).fetchone()
    return f"{row[0] or 'a run'} (server pid {row[1]}, since {str(row[2])[:19]})" if row else "another session"
