"""The warehouse on PostgreSQL (BUDGET_RECON_WAREHOUSE=postgresql://…, docs/scale-out.md), on a real
server the tests start (tests/postgres_server.py).

- The connection seam: DuckDB's `?` placeholders, arrays, registered frames and exact decimals.
- Raw loads: one transaction per report (a failing load leaves the previous one whole), loads of
  different reports run at the same time, two loads of one report take turns (no duplicates).
- End to end: the three bundled reports through `budget-recon run` on PostgreSQL and on DuckDB give
  the same fact rows, reconciliation rows, gate verdicts, flagged rows and published reports.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from orchestration import postgres, warehouse
from orchestration.ingest import ingest, parse_for_load, load_parsed
from orchestration.parsing.registry import load_registry
from orchestration.settings import environment
from tests.warehouse_snapshot import differences, snapshot

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = load_registry(ROOT / "seeds" / "reports.yaml")
REPORTS_DIR = ROOT / "seeds" / "reports"


def test_placeholders_become_psycopg2_parameters_outside_quotes():
    assert postgres.translate("select ? where a = '?' and b like 'x%'") == "select %s where a = '?' and b like 'x%%'"
    assert postgres.translate('select "odd?name" from t where c = ?') == 'select "odd?name" from t where c = %s'


def test_url_parts_and_display_hide_the_password():
    url = "postgresql://analyst:s3cret@db.example:6543/warehouse"
    assert postgres.url_parts(url) == {
        "host": "db.example", "port": "6543", "user": "analyst", "password": "s3cret", "dbname": "warehouse"
    }
    assert "s3cret" not in postgres.display(url)
    assert warehouse.dbt_target_env(url)["BUDGET_RECON_DBT_TARGET"] == "postgres"
    assert warehouse.dbt_target_env(Path("/tmp/w.duckdb"))["BUDGET_RECON_DBT_TARGET"] == "local"


@pytest.fixture()
def database(postgres_server, request):
    return postgres_server.create_database(f"wh_{request.node.name[:40]}".lower())


def test_the_connection_speaks_duckdbs_api(database):
    with warehouse.connect(database) as con:
        assert warehouse.dialect(con) == "postgres"
        con.execute("create table t (id varchar, amount decimal(38, 4), n integer, ok boolean)")
        frame = pd.DataFrame({"id": ["a", "b", None], "amount": ["1893692000.0001", "-0.5", None],
                              "n": [1, None, 3], "ok": ["true", "false", None]}, dtype=object)
        con.register("incoming", frame)
        con.execute("insert into t select id, cast(amount as decimal(38, 4)), cast(n as integer), cast(ok as boolean) from incoming")
        con.unregister("incoming")
        rows = con.execute("select * from t where id in (select unnest(?::varchar[])) order by id", [["a", "b"]]).fetchall()
        assert rows == [("a", Decimal("1893692000.0001"), 1, True), ("b", Decimal("-0.5000"), None, False)]
        assert con.execute("select count(*) from t where id is null").fetchone() == (1,)
        df = con.execute("select amount, n from t order by id").df()
        assert df["amount"].dtype == "float64" and df["n"].dtype == "float64"  # as DuckDB's df() gives them
        con.execute("create table j (cells json)")
        con.execute("insert into j values (?)", ['["계", "국비"]'])
        assert con.execute("select cells from j").fetchone() == ('["계", "국비"]',)  # text, as DuckDB gives JSON


def _loads(url: str) -> dict[str, int]:
    with warehouse.connect(url) as con:
        return dict(con.execute("select report_id, count(*) from raw.report_loads group by report_id").fetchall())


def _duplicates(url: str) -> int:
    with warehouse.connect(url) as con:
        return con.execute(
            "select count(*) from (select report_id, row_id from raw.budget_execution_lines "
            "group by report_id, row_id having count(*) > 1) as d"
        ).fetchone()[0]


def test_a_failing_load_leaves_the_previous_load_whole(database, monkeypatch):
    entry = REGISTRY[0]
    with warehouse.connect(database) as con:
        first = ingest(con, entry, REPORTS_DIR)
        before = con.execute("select count(*) from raw.budget_execution_lines where report_id = ?", [entry.report_id]).fetchone()
        original = warehouse._diff

        def broken(*args, **kwargs):
            original(*args, **kwargs)
            raise RuntimeError("disk full")

        monkeypatch.setattr(warehouse, "_diff", broken)  # fails after the new rows were written
        with pytest.raises(RuntimeError, match="disk full"):
            ingest(con, entry, REPORTS_DIR)
        after = con.execute("select count(*) from raw.budget_execution_lines where report_id = ?", [entry.report_id]).fetchone()
        current = con.execute("select load_id from raw.report_loads where report_id = ?", [entry.report_id]).fetchall()
    assert after == before and current == [(first.load.load_id,)]


def test_loads_of_different_reports_run_together_and_of_one_report_take_turns(database):
    parsed = {e.report_id: parse_for_load(e, REPORTS_DIR) for e in REGISTRY}
    with warehouse.connect(database) as con:
        warehouse.ensure_raw_schema(con)
    # A load of report A holds its transaction open; a load of report B must finish meanwhile, and a
    # second load of A must wait for the first.
    first_id, other_id = list(parsed)[:2]
    holding, release = threading.Event(), threading.Event()
    events: list[str] = []

    def hold_a():
        with warehouse.connect(database) as con:
            con.execute("begin transaction")
            load_parsed(con, parsed[first_id], own_transaction=False)
            holding.set()
            release.wait(30)
            events.append("A1 commit")
            con.execute("commit")

    def load(report_id, label):
        with warehouse.connect(database) as con:
            load_parsed(con, parsed[report_id])
        events.append(label)

    holder = threading.Thread(target=hold_a)
    holder.start()
    assert holding.wait(60)
    load(other_id, "B done")  # not blocked by A's open load
    second = threading.Thread(target=load, args=(first_id, "A2 done"))
    second.start()
    time.sleep(1.0)
    assert events == ["B done"]  # the second load of A waits
    release.set()
    holder.join(60)
    second.join(60)
    assert events == ["B done", "A1 commit", "A2 done"]
    assert _loads(database) == {first_id: 2, other_id: 1}
    assert _duplicates(database) == 0


def test_a_group_of_loads_never_waits_for_a_report_while_holding_others(database):
    """The lock-order rule that keeps runs free of deadlocks (postgres.lock_report_in_transaction): a
    run building reports [A, B] holds their locks in key order while a group of loads takes them in
    registry order. A transaction already holding report B's lock must not wait for A's (the builder
    might be waiting for B: a cycle); it gets ReportBusy at once and the group commits (ingest.ingest_many)."""
    first_id, other_id = [e.report_id for e in REGISTRY[:2]]
    parsed = parse_for_load(next(e for e in REGISTRY if e.report_id == first_id), REPORTS_DIR)
    with warehouse.connect(database) as con:
        warehouse.ensure_raw_schema(con)
    builder = postgres.PostgresConnection(database)  # a run building report A (its session lock)
    builder.execute("select pg_advisory_lock(?, ?)", [postgres.LOCK_CLASS, postgres.report_key(first_id)])
    try:
        with warehouse.connect(database) as con:
            con.execute("begin transaction")
            postgres.lock_report_in_transaction(con, other_id)  # the group already loaded B
            started = time.monotonic()
            with pytest.raises(postgres.ReportBusy, match=first_id):
                load_parsed(con, parsed, own_transaction=False)
            assert time.monotonic() - started < 5  # refused, not waited for
            con.execute("rollback")
        assert _loads(database) == {}

        # Holding nothing else, a load waits for the report as before and loads it once it is free.
        done = threading.Event()

        def load_a():
            with warehouse.connect(database) as con:
                load_parsed(con, parsed)
            done.set()

        loader = threading.Thread(target=load_a)
        loader.start()
        assert not done.wait(1.0)
    finally:
        builder.close()  # the builder finished: its session lock goes with it
    loader.join(60)
    assert done.is_set() and _loads(database) == {first_id: 1}




def _gate_of_run(con) -> dict:
    """Each report's gate as recorded: per suite its verdict, rows checked, rows failed and
    acknowledged, and each expectation's outcome; every flagged row with its classification."""
    import json

    verdicts = {}
    for report_id, suite, severity, rows, failed, acknowledged, expectations in con.execute(
        "select report_id, suite, severity, row_count, failed_count, acknowledged_count, expectations "
        "from gate.check_results where is_latest"
    ).fetchall():
        outcomes = json.loads(expectations) if isinstance(expectations, str) else expectations
        verdicts[(report_id, suite)] = (severity, rows, failed, acknowledged, [
            (o["expectation"], o["column"], o["severity"], o["success"], o["unexpected_count"]) for o in outcomes])
    flagged = sorted(con.execute(
        "select f.report_id, f.suite, f.row_key, f.severity, f.gate_status, f.acknowledgement, f.message "
        "from gate.failed_rows as f join gate.check_results as c using (run_id, report_id, suite) where c.is_latest"
    ).fetchall(), key=repr)
    return {"verdicts": verdicts, "flagged": flagged}


def _ge_batches(home: Path) -> list[dict]:
    """The batch of every validation result GE stored in the run's project (datasource, asset, query)."""
    import json

    out = []
    for path in sorted((home / "gx").rglob("validations/**/*.json")):
        meta = json.loads(path.read_text(encoding="utf-8")).get("meta") or {}
        batch = meta.get("active_batch_definition") or {}
        out.append({"datasource": batch.get("datasource_name"), "asset": batch.get("data_asset_name"),
                    "query": (meta.get("batch_spec") or {}).get("query")})
    return out


@pytest.fixture(scope="module")
def bundled_runs(postgres_server, bundled_home, tmp_path_factory) -> dict:
    """The three bundled reports on DuckDB (the session's read-only run, tests/bundled_home.py) and
    through `budget-recon run` on PostgreSQL, once for the tests below: each run's summaries,
    warehouse snapshot, gate and GE project."""
    from orchestration.cli import run_reports

    def recorded(outcome, target, home):
        summary = {s.report_id: (s.checks_passed, s.checks_warned, s.checks_failed, s.checks_not_checked,
                                 s.published) for s in outcome.reports}
        with warehouse.connect(target, read_only=True) as con:
            return {"summary": summary, "snapshot": snapshot(con), "gate": _gate_of_run(con), "home": home}

    runs = {"duckdb": recorded(bundled_home.outcome, bundled_home.warehouse, bundled_home.home)}
    url = postgres_server.create_database("bundled_end_to_end")
    home = tmp_path_factory.mktemp("run-postgres")
    with environment({"BUDGET_RECON_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"), "BUDGET_RECON_WAREHOUSE": url}):
        runs["postgres"] = recorded(run_reports(), url, home)
    return runs


@pytest.mark.slow
def test_bundled_reports_give_the_same_facts_and_verdicts_on_postgresql_and_duckdb(bundled_runs):
    duck, pg = bundled_runs["duckdb"], bundled_runs["postgres"]
    assert pg["summary"] == duck["summary"]
    assert any(published for *_, published in pg["summary"].values()), "publication works on PostgreSQL"
    assert differences(duck["snapshot"], pg["snapshot"]) == []
    assert pg["snapshot"]["marts.fct_budget_execution"][1:], "facts were compared, not two empty tables"


@pytest.mark.slow
def test_the_gate_runs_in_postgresql_and_gives_duckdbs_verdicts(bundled_runs):
    """On PostgreSQL GE's SQL datasource validates queries that classify the rows in the database
    (gate.acknowledgements joined); on DuckDB GE validates DataFrames. Every report's verdict per
    suite and expectation, the rows it checked, and every flagged row with its acknowledgement agree."""
    duck, pg = bundled_runs["duckdb"], bundled_runs["postgres"]
    assert pg["gate"]["verdicts"] == duck["gate"]["verdicts"]
    assert pg["gate"]["flagged"] == duck["gate"]["flagged"]
    verdicts = duck["gate"]["verdicts"].values()
    # the comparison covers every kind of verdict: passed, acknowledged rows, not checked
    assert {"PASS", "WARN", "NOT_CHECKED"} <= {v[0] for v in verdicts}
    assert sum(v[3] for v in verdicts) and sum(v[1] for v in verdicts)
    assert any(status == "acknowledged" and reason for _, _, _, _, status, reason, _ in pg["gate"]["flagged"])

    on_postgres, on_duckdb = _ge_batches(pg["home"]), _ge_batches(duck["home"])
    assert on_postgres and on_duckdb
    assert {b["datasource"] for b in on_postgres} == {"warehouse_sql"}
    assert all(b["query"] and b["query"].lower().startswith("select ") for b in on_postgres)
    assert any("gate.acknowledgements" in b["query"] for b in on_postgres), "the database classifies the rows"
    assert {b["datasource"] for b in on_duckdb} == {"warehouse_frames"}
