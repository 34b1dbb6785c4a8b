"""The publication rule on a small warehouse: a report is published only when the latest gate
verdict is PASS/WARN for exactly the version its marts hold; anything else leaves the published
rows and version as they were and says why."""

from __future__ import annotations

import duckdb
import pytest

from orchestration import publication
from orchestration.gate.results import GATE_DDL

R = "report-a"


@pytest.fixture()
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw; create schema marts")
    con.execute("create table raw.report_loads (report_id varchar, loaded_at timestamp, file_sha256 varchar, load_id varchar, table_count integer)")
    con.execute("create table marts.fct_x (report_id varchar, amount integer)")
    con.execute(GATE_DDL)
    yield con
    con.close()


def load(con, load_id: str, amount: int) -> None:
    """A raw load, then a finished marts build of it (as the dbt step records it)."""
    con.execute("insert into raw.report_loads values (?, now()::timestamp + to_microseconds(?), ?, ?, 1)",
                [R, len(con.execute("select * from raw.report_loads").fetchall()), f"sha-{load_id}", load_id])
    loads = publication.start_marts_build(con, [R], "run-dbt")
    assert loads == {R: load_id}
    con.execute("delete from marts.fct_x where report_id = ?", [R])
    con.execute("insert into marts.fct_x values (?, ?)", [R, amount])
    publication.finish_marts_build(con, loads, "run-dbt")


def verdict(con, severity: str, run_id: str = "run-gate") -> None:
    versions = publication.checked_versions(con, [R])
    con.execute("update gate.check_results set is_latest = false where report_id = ?", [R])
    for suite in ("suite_a", "suite_b"):
        con.execute(
            "insert into gate.check_results (run_id, report_id, suite, severity, failed_count, is_latest, load_id) "
            "values (?, ?, ?, ?, ?, true, ?)",
            [run_id, R, suite, severity if suite == "suite_b" else "PASS", int(severity == "ERROR"), versions[R]],
        )


def publish(con):
    return publication.publish(con, [R], ["fct_x"])


def state(con):
    rows = con.execute("select amount from published.fct_x where report_id = ?", [R]).fetchall()
    version = publication.published_versions(con, [R]).get(R)
    return rows, version and version["load_id"]


def test_published_only_for_a_verdict_on_the_version_in_the_marts(con):
    load(con, "v1", 100)
    counts, refused = publish(con)
    assert "the gate has not checked version v1" in refused[R] and counts == {}
    verdict(con, "WARN")
    counts, refused = publish(con)
    assert refused == {} and counts == {R: {"fct_x": 1}}
    assert state(con) == ([(100,)], "v1")
    assert publication.published_versions(con)[R]["verdict"] == "WARN"
    assert publication.published_versions(con)[R]["file_sha256"] == "sha-v1"

    # new data in the marts, the latest verdict is about v1: a `published`-only run refuses
    load(con, "v2", 200)
    _, refused = publish(con)
    assert "latest gate verdict is for version v1, but the marts hold version v2" in refused[R]
    assert state(con) == ([(100,)], "v1")

    # the gate fails v2: v1 stays published, and status says so
    verdict(con, "ERROR")
    _, refused = publish(con)
    assert "gate failed on version v2 (suite_b (1 rows))" in refused[R]
    assert state(con) == ([(100,)], "v1")
    (row,) = publication.report_status(con)
    assert row["status"].startswith("current data FAILED the gate; version v1") and row["published_load_id"] == "v1"

    # a passing v3 replaces it
    load(con, "v3", 300)
    verdict(con, "PASS")
    assert publish(con)[1] == {}
    assert state(con) == ([(300,)], "v3")
    (row,) = publication.report_status(con)
    assert row["status"] == "published (PASS)"


def test_unfinished_or_failed_marts_builds_are_never_published(con):
    load(con, "v1", 100)
    verdict(con, "PASS")
    publish(con)
    # dbt started on v2 and died: the marts may be half rebuilt
    con.execute("insert into raw.report_loads values (?, now()::timestamp + interval 1 hour, 'sha-v2', 'v2', 1)", [R])
    publication.start_marts_build(con, [R], "run-crashed")
    con.execute("update marts.fct_x set amount = 999")
    verdict(con, "PASS")  # a gate run on the half-built marts (e.g. `gate` alone from the UI)
    assert con.execute("select distinct load_id from gate.check_results where is_latest").fetchall() == [(None,)]
    _, refused = publish(con)
    assert "unfinished build of version v2" in refused[R]
    assert state(con) == ([(100,)], "v1")
    # a failed dbt build
    publication.finish_marts_build(con, {R: "v2"}, "run-failed", "dbt test x failed on 3 rows")
    verdict(con, "PASS")
    assert "dbt failed" in publish(con)[1][R]
    assert state(con) == ([(100,)], "v1")


def test_publication_is_one_transaction(con, monkeypatch):
    load(con, "v1", 100)
    verdict(con, "PASS")
    publish(con)
    load(con, "v2", 200)
    verdict(con, "PASS")

    def broken(con, table, ids):
        con.execute(f"delete from published.{table}")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publication, "_copy", broken)
    with pytest.raises(OSError):
        publish(con)
    assert state(con) == ([(100,)], "v1")
