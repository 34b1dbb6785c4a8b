"""Export: the bundled reports leave as Frictionless data packages that `frictionless` accepts and
whose figures equal the published tables, and as workbooks a reviewer can open; only verified data
leaves (a report whose newer data failed the gate exports its last verified version and says so, a
report never verified is refused); `budget-recon docs` builds dbt's site with every model and
column described and serves it on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import threading
import urllib.request
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from frictionless import Package
from openpyxl import load_workbook

from orchestration.settings import environment
from tests.test_gate import MUTATED_ROW, ORIGINAL_ROW

ROOT = Path(__file__).resolve().parents[1]
STI, TP, GW = "chungbuk-sti-2020-h1", "chungbuk-tp-2024-q3", "gangwon-2025-plan"
NEVER = "chungbuk-sti-2020-h1-never-verified"  # registered, loaded, but its gate always failed

pytestmark = pytest.mark.slow


def _env(home: Path, seeds: Path) -> dict[str, str]:
    return {"BUDGET_RECON_HOME": str(home), "BUDGET_RECON_SEEDS": str(seeds), "DAGSTER_HOME": str(home / "dagster")}


def query(db: Path, sql: str, params=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def exported(tmp_path_factory, bundled_home):
    """The three bundled reports run (a copy of the session's run, `bundled_home`) and exported; then
    STI's file is corrected wrongly (one executed amount changed) and rerun with a new report whose
    gate fails from the start, and both exported."""
    base = tmp_path_factory.mktemp("export")
    copy = bundled_home.copy_to(base)
    seeds, home = copy.seeds, copy.home
    env = _env(home, seeds)
    from orchestration.cli import main, run_reports

    with environment(env):
        first = {s.report_id: s for s in copy.outcome.reports}
        assert all(s.published for s in first.values()), first
        db = home / "warehouse.duckdb"
        published_before = {
            table: query(db, f"select * from published.{table} where report_id = ? order by all", [STI])
            for table in ("fct_budget_execution", "dim_report")
        }
        assert main(["export", "--to", str(base / "packages")]) == 0
        assert main(["export", "--to", str(base / "workbooks"), "--format", "xlsx"]) == 0
        asset_run = _export_job(STI)
        asset_package = json.loads((home / "exports" / "packages" / STI / "datapackage.json").read_text(encoding="utf-8"))

        registry = yaml.safe_load((seeds / "reports.yaml").read_text(encoding="utf-8"))
        entry = next(e for e in registry["reports"] if e["report_id"] == STI)
        report_file = seeds / "reports" / entry["file"]
        text = report_file.read_text(encoding="utf-8")
        assert text.count(ORIGINAL_ROW) == 1
        report_file.write_text(text.replace(ORIGINAL_ROW, MUTATED_ROW), encoding="utf-8")
        (seeds / "reports" / f"{NEVER}.txt").write_text(text.replace(ORIGINAL_ROW, MUTATED_ROW), encoding="utf-8")
        registry["reports"].append(dict(entry, report_id=NEVER, file=f"{NEVER}.txt"))
        (seeds / "reports.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        second = {s.report_id: s for s in run_reports([STI, NEVER]).reports}
        assert second[STI].checks_failed and second[NEVER].checks_failed
        stale_package = base / "after" / "packages"
        exit_code = main(["export", "--report", STI, "--report", NEVER, "--to", str(stale_package)])
        xlsx_code = main(["export", "--report", STI, "--to", str(base / "after" / "workbooks"), "--format", "xlsx"])
    return {
        "asset_run": asset_run,
        "base": base,
        "home": home,
        "db": home / "warehouse.duckdb",
        "env": env,
        "published_before": published_before,
        "asset_package": asset_package,
        "exit_code": exit_code,
        "xlsx_code": xlsx_code,
        "second_run": second,
    }


def _export_job(report_id: str):
    """The `export_reports` job for one report partition, through Dagster."""
    import dagster as dg

    from orchestration.cli import prepare_environment
    from orchestration.definitions import defs

    prepare_environment()
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("export_reports").execute_in_process(instance=instance, partition_key=report_id)
        events = [e.event_specific_data.materialization for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    return {"success": result.success, "materialized": sorted("/".join(m.asset_key.path) for m in events),
            "metadata": {"/".join(m.asset_key.path): m.metadata for m in events}}


def published_rows(db: Path, table: str, report_id: str, columns: list[str]) -> list[tuple]:
    cols = ", ".join(f'"{c}"' for c in columns)
    return query(db, f"select {cols} from published.{table} where report_id = ? order by all", [report_id])


@pytest.mark.parametrize("report_id", [TP, STI, GW])
def test_package_is_valid_and_equals_the_published_tables(exported, report_id):
    folder = exported["base"] / "packages" / report_id
    package = Package(str(folder / "datapackage.json"))
    report = package.validate()
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "message"])[:20]
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    tables = [r for r in descriptor["resources"] if r["type"] == "table"]
    assert {t["name"] for t in tables} >= {"dim_report", "fct_budget_execution", "fct_budget_plan", "fct_project_funding"}
    db = exported["db"]
    for resource in tables:
        name, fields = resource["name"], resource["schema"]["fields"]
        columns = [f["name"] for f in fields]
        expected = published_rows(db, name, report_id, columns)
        task = next(t for t in report.tasks if t.name == name)
        assert task.stats.get("rows", 0) == len(expected), name  # frictionless leaves "rows" out when there are none
        # Every value read back through the Table Schema equals the warehouse's, exactly.
        rows = package.get_resource(name).read_rows()
        found = sorted((tuple(_comparable(row[c]) for c in columns) for row in rows), key=repr)
        assert found == sorted((tuple(_comparable(v) for v in r) for r in expected), key=repr), name
        # The CSV opens in Excel as UTF-8: it starts with a byte order mark.
        assert (folder / resource["path"]).read_bytes()[:3] == b"\xef\xbb\xbf"
        # The Parquet copy holds the same rows, decimals as decimals.
        parquet = folder / f"data/{name}.parquet"
        quoted = ", ".join(f'"{c}"' for c in columns)
        in_parquet = duckdb.sql(f"select {quoted} from '{parquet}' order by all").fetchall()
        assert in_parquet == expected, name
        parquet_resource = next(r for r in descriptor["resources"] if r["name"] == f"{name}_parquet")
        assert parquet_resource["format"] == "parquet" and parquet_resource["tableSchemaOf"] == name
    dim_report = next(r for r in tables if r["name"] == "dim_report")
    assert dim_report["schema"]["primaryKey"] == ["report_id"]


def _comparable(value):
    """Decimals without their scale's trailing zeros, timestamps without a time zone (as DuckDB returns them)."""
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def test_package_metadata_names_source_version_gate_and_fiscal_fields(exported):
    descriptor = json.loads((exported["base"] / "packages" / TP / "datapackage.json").read_text(encoding="utf-8"))
    sha, loaded_at = query(exported["db"], "select file_sha256, last_loaded_at from published.dim_report where report_id = ?", [TP])[0]
    version = query(exported["db"], "select load_id, verdict, gate_run_id from published.report_versions where report_id = ?", [TP])[0]
    assert descriptor["name"] == TP and descriptor["title"] and descriptor["organization"]["name"]
    assert descriptor["period"] and descriptor["asOf"] and descriptor["licenses"] == []
    assert descriptor["sources"][0]["sha256"] == sha
    assert descriptor["dataVersion"]["loadId"] == version[0] and descriptor["dataVersion"]["isLatest"] is True
    assert descriptor["gate"]["verdict"] == version[1] == "WARN"  # acknowledged discrepancies
    assert descriptor["gate"]["gateRunId"] == version[2] and descriptor["gate"]["checkedLoadId"] == version[0]
    fields = {
        (r["name"], f["name"]): f for r in descriptor["resources"] if r["type"] == "table" for f in r["schema"]["fields"]
    }
    executed = fields[("fct_budget_execution", "executed_won")]
    assert (executed["columnType"], executed["currency"], executed["direction"], executed["phase"]) == (
        "value", "KRW", "expenditure", "executed"
    )
    assert executed["type"] == "number" and executed["sqlType"].startswith("DECIMAL")
    assert fields[("fct_budget_plan", "org_unit")]["columnType"].startswith("administrative-classification")
    assert fields[("fct_budget_plan", "amount_won")]["direction"]["values"]["income_budget"] == "revenue"
    # Descriptions and Korean titles come from the dbt yml and the export's column glossary.
    assert fields[("fct_budget_execution", "budget")]["description"].startswith("예산액")
    assert fields[("fct_budget_execution", "budget_won")]["title"] == "예산액 (원)"
    assert {"fields": ["report_id"], "reference": {"resource": "dim_report", "fields": ["report_id"]}} in next(
        r for r in descriptor["resources"] if r["name"] == "fct_budget_execution"
    )["schema"]["foreignKeys"]


def test_broken_package_fails_validation(exported, tmp_path):
    """The validation above can fail: a dangling foreign key and a changed Parquet file are caught."""
    folder = tmp_path / TP
    shutil.copytree(exported["base"] / "packages" / TP, folder)
    descriptor_file = folder / "datapackage.json"
    descriptor = json.loads(descriptor_file.read_text(encoding="utf-8"))
    csv_file = folder / "data" / "fct_budget_plan.csv"
    text = csv_file.read_text(encoding="utf-8-sig")
    csv_file.write_text(text.replace(f"\n{TP},", "\nsome-other-report,", 1), encoding="utf-8-sig")
    for resource in descriptor["resources"]:
        if resource["name"] == "fct_budget_plan":
            del resource["hash"], resource["bytes"]
    descriptor_file.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    with open(folder / "data" / "dim_report.parquet", "ab") as handle:
        handle.write(b"\0")
    errors = {e[0] for e in Package(str(descriptor_file)).validate().flatten(["type"])}
    assert {"foreign-key", "hash-count", "byte-count"} <= errors


def test_dagster_export_assets_wrote_the_same_package(exported):
    run = exported["asset_run"]
    assert run["success"] and run["materialized"] == ["export/data_package", "export/workbook"]
    assert run["metadata"]["export/data_package"]["dagster/row_count"].value > 0
    package = exported["asset_package"]
    assert package["name"] == STI and package["dataVersion"]["isLatest"] is True
    assert (exported["home"] / "exports" / "workbooks" / f"{STI}.xlsx").exists()


def test_workbook_has_fact_sheets_with_both_headers_amounts_and_findings(exported):
    wb = load_workbook(exported["base"] / "workbooks" / f"{TP}.xlsx")
    assert wb.sheetnames[0] == "보고서 Report" and wb.sheetnames[-1] == "검토사항 Findings"
    assert "예산집행 budget_execution" in wb.sheetnames and "예산계획 budget_plan" in wb.sheetnames
    ws = wb["예산집행 budget_execution"]
    korean = [c.value for c in ws[1]]
    english = [c.value for c in ws[2]]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:")
    budget, budget_won = english.index("budget"), english.index("budget_won")
    assert budget_won == budget + 1 and korean[budget_won] == "예산액 (원)"
    rows = query(
        exported["db"],
        "select source_line, budget, budget_won from published.fct_budget_execution where report_id = ? order by source_line",
        [TP],
    )
    assert ws.max_row == len(rows) + 2
    line = english.index("source_line")
    by_line = {r[line].value: r for r in ws.iter_rows(min_row=3)}
    for source_line, amount, won in rows:
        cells = by_line[source_line]
        assert (cells[budget].value is None) == (amount is None)
        if amount is not None:
            assert Decimal(str(cells[budget].value)) == amount and cells[budget_won].value == int(won)
            assert isinstance(cells[budget_won].value, int)  # a number, not text
    findings = wb["검토사항 Findings"]
    header = [c.value for c in findings[2]]
    listed = [dict(zip(header, (c.value for c in r))) for r in findings.iter_rows(min_row=3)]
    acknowledged = query(
        exported["db"],
        "select count(*) from gate.failed_rows f join published.report_versions v on f.run_id = v.gate_run_id "
        "and f.report_id = v.report_id where f.report_id = ? and f.severity = 'WARN'",
        [TP],
    )[0][0]
    assert acknowledged and len(listed) == acknowledged
    assert all(f["status"] == "acknowledged" and f["source_line"] and f["line_text"] for f in listed)


def test_failed_newer_data_exports_the_last_verified_version_and_says_so(exported):
    folder = exported["base"] / "after" / "packages" / STI
    package = Package(str(folder / "datapackage.json"))
    assert package.validate().valid
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    version = descriptor["dataVersion"]
    assert version["isLatest"] is False and version["currentData"]["gate"] == "failed"
    assert "failed the gate" in version["note"] and "last verified version" in version["note"]
    assert version["currentData"]["fileSha256"] != version["fileSha256"]
    # The rows are the ones verified before the bad correction, not the marts of the failed load.
    for table, before in exported["published_before"].items():
        assert query(exported["db"], f"select * from published.{table} where report_id = ? order by all", [STI]) == before
    rows = package.get_resource("fct_budget_execution").read_rows()
    assert len(rows) == len(exported["published_before"]["fct_budget_execution"])
    assert 200307000 in {int(r["executed_won"]) for r in rows if r["executed_won"] is not None}
    assert 200308000 not in {int(r["executed_won"]) for r in rows if r["executed_won"] is not None}
    # The workbook says the same and lists the newer load's open discrepancies.
    assert exported["xlsx_code"] == 0
    wb = load_workbook(exported["base"] / "after" / "workbooks" / f"{STI}.xlsx")
    about = {r[1]: r[2] for r in wb["보고서 Report"].iter_rows(min_row=2, values_only=True)}
    assert about["Latest data?"].startswith("no") and "failed the gate" in about["Note"]
    findings = list(wb["검토사항 Findings"].iter_rows(min_row=3, values_only=True))
    assert any(f[0] == "open" and "newer data" in f[1] for f in findings)


def test_never_verified_report_is_not_exported_and_the_command_says_so(exported, capsys):
    assert exported["exit_code"] == 1
    assert not (exported["base"] / "after" / "packages" / NEVER).exists()
    from orchestration.cli import main

    with environment(exported["env"]):
        code = main(["export", "--report", NEVER, "--to", str(exported["base"] / "never")])
    err = capsys.readouterr().err
    assert code == 1 and NEVER in err and "never verified" in err
    assert not (exported["base"] / "never" / NEVER).exists()


def test_docs_site_is_generated_with_every_model_and_column_described_and_served(exported):
    from orchestration.export import docs

    with environment(exported["env"]):
        target = docs.generate()
    assert (target / "index.html").exists() and (target / "catalog.json").exists()
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    assert any(k.endswith(".fct_budget_execution") for k in catalog["nodes"])  # columns from the warehouse
    assert docs.undocumented(target) == []
    started = threading.Event()
    servers = []

    def ready(url, server):
        servers.append((url, server))
        started.set()

    thread = threading.Thread(target=docs.serve, args=(target, 0, ready), daemon=True)
    thread.start()
    assert started.wait(10)
    url, server = servers[0]
    try:
        assert url.startswith("http://127.0.0.1:")
        assert b"dbt" in urllib.request.urlopen(url, timeout=10).read()
        manifest = json.loads(urllib.request.urlopen(url + "manifest.json", timeout=10).read())
        assert "model.budget_recon.fct_budget_execution" in manifest["nodes"]
    finally:
        server.shutdown()
        thread.join(10)
