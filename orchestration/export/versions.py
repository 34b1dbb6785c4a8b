"""Which version of a report may leave: the one `published.report_versions` names, never anything newer.

`published_version` is the one place the export reads that table (the shared contract: one row per
report with its load_id, file_sha256, verdict, gate_run_id and published_at).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb


class NotExportable(Exception):
    """The report has no verified version to export (never published, or not registered/loaded)."""


@dataclass(frozen=True)
class CurrentLoad:
    """The report's latest raw load, which may be newer than the published version."""

    load_id: str
    file_sha256: str
    loaded_at: dt.datetime
    gate_status: str  # 'verified' (= the published version), 'failed', 'not checked'
    gate_run_id: str | None


@dataclass(frozen=True)
class PublishedVersion:
    report_id: str
    load_id: str
    file_sha256: str
    verdict: str  # PASS or WARN (acknowledged discrepancies): the gate verdict on that load
    gate_run_id: str | None
    published_at: dt.datetime
    current: CurrentLoad | None  # the latest load when it is NOT the published one, else None

    @property
    def is_latest(self) -> bool:
        return self.current is None

    def status_note(self) -> str:
        if self.current is None:
            return "The report's current data: verified by the gate and published."
        what = "failed the gate" if self.current.gate_status == "failed" else "has not been verified by the gate yet"
        return (
            f"The report's current data (load {self.current.load_id}, loaded {self.current.loaded_at:%Y-%m-%d %H:%M:%S}) "
            f"{what}; this is the last verified version (load {self.load_id}, published {self.published_at:%Y-%m-%d %H:%M:%S})."
        )


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchone()[0]
    )


def current_load(con: duckdb.DuckDBPyConnection, report_id: str) -> tuple[str, str, dt.datetime] | None:
    if not _has_table(con, "raw", "report_loads"):
        return None
    return con.execute(
        "select load_id, file_sha256, loaded_at from raw.report_loads where report_id = ? order by loaded_at desc limit 1",
        [report_id],
    ).fetchone()


def _gate_on(con: duckdb.DuckDBPyConnection, report_id: str, load_id: str) -> tuple[str, str | None]:
    """The gate's latest verdict on the report: 'failed' / 'passed' / 'not checked', and its run."""
    if not _has_table(con, "gate", "check_results"):
        return "not checked", None
    row = con.execute(
        "select bool_or(severity = 'ERROR'), max(run_id) from gate.check_results where report_id = ? and is_latest and load_id = ?",
        [report_id, load_id],
    ).fetchone()
    if row is None or row[0] is None:
        return "not checked", None
    return ("failed" if row[0] else "passed"), row[1]


def published_version(con: duckdb.DuckDBPyConnection, report_id: str) -> PublishedVersion:
    """The verified version of a report that may be exported, with what became of newer data.

    Raises NotExportable when the report was never published (never verified)."""
    if not _has_table(con, "published", "report_versions"):
        raise NotExportable(f"{report_id}: no publication has been recorded yet (run `budget-recon run` to verify and publish)")
    row = con.execute(
        "select load_id, file_sha256, verdict, gate_run_id, published_at from published.report_versions where report_id = ?",
        [report_id],
    ).fetchone()
    if row is None:
        if current_load(con, report_id) is None:
            raise NotExportable(f"{report_id}: no such report in the warehouse (never loaded): not exported")
        raise NotExportable(f"{report_id}: never verified by the gate, so never published: not exported")
    load_id, sha, verdict, gate_run_id, published_at = row
    current = None
    latest = current_load(con, report_id)
    if latest is not None and latest[0] != load_id:
        status, run_id = _gate_on(con, report_id, latest[0])
        # A newer load that passed but is not published (its publishing failed or has not run) is not
        # verified data as far as an export goes.
        if status == "passed":
            status = "not checked"
        current = CurrentLoad(load_id=latest[0], file_sha256=latest[1], loaded_at=latest[2], gate_status=status, gate_run_id=run_id)
    return PublishedVersion(report_id, load_id, sha, verdict, gate_run_id, published_at, current)


def published_report_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    if not _has_table(con, "published", "report_versions"):
        return []
    return [r[0] for r in con.execute("select report_id from published.report_versions order by report_id").fetchall()]
