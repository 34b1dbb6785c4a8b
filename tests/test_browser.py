"""What a person sees in the Dagster UI, the discrepancy report and the Data Docs, in a real browser.

One home for the module: the real webserver and daemon (`dagster_servers`, shared with
test_ui_graphql.py), `budget-recon serve` on a free loopback port, and one `budget-recon run` of
four reports (the three bundled ones and a copy of one with a changed amount, so that one report
FAILS its gate). Debian's chromium is driven by Playwright (`executable_path`, never a downloaded
browser). Screenshots go to var/screenshots/; with BUDGET_RECON_UPDATE_SCREENSHOTS=1 (`make
screenshots`) to docs/screenshots/, which the README shows: a plain `make test` leaves the tree clean.

Also checked without the browser: every report partition's materialization metadata equals the
warehouse's counts, and every gate check has an evaluation per report partition.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.assets.reports import RAW_EXTRACTORS
from orchestration.settings import environment

from .test_ui_graphql import BIN, GATE_ASSET, ROOT, _stop, dagster_servers, free_port

CHROMIUM = Path("/usr/bin/chromium")
# The tracked screenshots are rewritten only when asked (`make screenshots`).
SCREENSHOTS = ROOT / ("docs" if os.environ.get("BUDGET_RECON_UPDATE_SCREENSHOTS") == "1" else "var") / "screenshots"
BUNDLED = ["chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1", "gangwon-2025-plan"]
CLEAN, MUTATED = "chungbuk-sti-2020-h1", "chungbuk-sti-2020-h1-mutated"
# The first project of the execution table: executed 200,307 천원; the copy prints 200,308.
ORIGINAL_ROW = "S W 융 합 클 러 스 터 2 . 0\t2,094,000\t200,307\t1,893,693\t9.6%"
MUTATED_ROW = "S W 융 합 클 러 스 터 2 . 0\t2,094,000\t200,308\t1,893,693\t9.6%"
REPORTS = BUNDLED + [MUTATED]
ALONE = [MUTATED, CLEAN]  # run again one by one after the batch

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _add_mutated_report(seeds: Path) -> None:
    registry = yaml.safe_load((seeds / "reports.yaml").read_text(encoding="utf-8"))
    entry = next(e for e in registry["reports"] if e["report_id"] == CLEAN)
    text = (seeds / "reports" / entry["file"]).read_text(encoding="utf-8")
    assert text.count(ORIGINAL_ROW) == 1
    (seeds / "reports" / f"{MUTATED}.txt").write_text(text.replace(ORIGINAL_ROW, MUTATED_ROW), encoding="utf-8")
    registry["reports"].append(dict(entry, report_id=MUTATED, file=f"{MUTATED}.txt"))
    (seeds / "reports.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Dagster webserver + daemon and the report server on free ports, over a home where the four
    reports were run in one `budget-recon run` (one run over the partition range loads and builds
    them, then one run per report checks and publishes it)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: `make` installs it (DEBIAN_PACKAGES in the Makefile)")
        pytest.skip("Debian's chromium is not installed (make installs it as root)")
    tmp = tmp_path_factory.mktemp("browser")
    seeds = tmp / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    _add_mutated_report(seeds)
    serve_port = free_port()
    reports_url = f"http://127.0.0.1:{serve_port}"
    env = {"BUDGET_RECON_REPORTS_URL": reports_url}
    with environment(env), dagster_servers(tmp, seeds=seeds) as servers:
        run_env = {
            "BUDGET_RECON_HOME": str(servers.home),
            "BUDGET_RECON_SEEDS": str(servers.seeds),
            "DAGSTER_HOME": str(servers.dagster_home),
            **env,
        }
        server = subprocess.Popen(
            [str(BIN / "budget-recon"), "serve", "--port", str(serve_port)],
            env=dict(os.environ, **run_env), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            with environment(run_env):
                from orchestration.cli import run_reports

                started = time.monotonic()
                outcome = run_reports(REPORTS)
                print(f"run of {len(REPORTS)} reports: {time.monotonic() - started:.0f}s")
                # Then the changed copy and its clean original alone, as a person re-runs one report
                # (one partition: Dagster links these evaluations to their materialization).
                for report_id in ALONE:
                    run_reports([report_id])
            _wait_for(reports_url + "/")
            yield {"servers": servers, "outcome": {s.report_id: s for s in outcome.reports}, "reports_url": reports_url}
        finally:
            _stop(server)


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="module")
def browser(loaded):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(90_000)
    # Offline, as in an air-gapped agency: anything not on this machine is refused.
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/]).*"), lambda route: route.abort())
    # Dagster's first-visit invitation dialog covers the page: dismiss it whenever it shows.
    page.add_locator_handler(page.get_by_text("Join the Dagster community"), lambda: page.get_by_text("Skip", exact=True).click())
    yield page
    context.close()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _warehouse(loaded):
    return duckdb.connect(str(loaded["servers"].warehouse), read_only=True)


# --------------------------------------------------------------------------- without the browser


def test_the_run_records_each_reports_own_verdict(loaded):
    outcome = loaded["outcome"]
    assert outcome[MUTATED].checks_failed >= 1 and not outcome[MUTATED].published
    for report_id in BUNDLED:
        assert outcome[report_id].checks_failed == 0 and outcome[report_id].published, outcome[report_id]


def test_each_report_is_checked_and_published_in_its_own_run(loaded):
    """The batch loads and builds the four reports in one run; each report's gate and publishing run
    over its partition alone: the changed copy's gate fails and skips only its own publishing."""
    instance = loaded["servers"].instance
    outcome = loaded["outcome"]
    load_runs = {r.run_id for r in instance.get_runs(limit=50) if r.tags.get("dagster/asset_partition_range_start") == REPORTS[0]}
    assert len(load_runs) == 1
    (load_run,) = load_runs
    assert {k.path[0] for k in instance.get_run_by_id(load_run).asset_selection}.isdisjoint({"gate", "published"})
    for report_id in REPORTS:
        run = instance.get_run_by_id(outcome[report_id].run_id)
        assert run.tags.get("dagster/partition") == report_id and run.run_id != load_run
        assert {k.path[0] for k in run.asset_selection} == {"gate", "published"}
        steps = {s.step_key: s.status.value for s in instance.get_run_step_stats(run.run_id)}
        published = "SKIPPED" if report_id == MUTATED else "SUCCESS"
        assert steps.get("published", "SKIPPED") == published, (report_id, steps)


def test_partition_metadata_equals_the_warehouse(loaded):
    import dagster as dg

    instance = loaded["servers"].instance
    con = _warehouse(loaded)
    try:
        tables = {
            "raw": [e.table for e in RAW_EXTRACTORS],
            "published": [t for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'published' and table_name <> 'report_versions'"
            ).fetchall()],
        }
        compared = 0
        for schema, names in tables.items():
            for table in names:
                counts = dict(con.execute(f"select report_id, count(*) from {schema}.{table} group by 1").fetchall())
                for report_id in REPORTS:
                    if schema == "published" and report_id == MUTATED:
                        continue  # refused: not published, so no materialization of this run claims rows
                    records = instance.fetch_materializations(
                        dg.AssetRecordsFilter(asset_key=dg.AssetKey([schema, table]), asset_partitions=[report_id]), limit=1
                    ).records
                    assert records, f"{schema}.{table} has no materialization for {report_id}"
                    metadata = records[0].asset_materialization.metadata
                    assert metadata["dagster/row_count"].value == counts.get(report_id, 0), (schema, table, report_id)
                    compared += 1
        assert compared >= len(RAW_EXTRACTORS) * len(REPORTS)
    finally:
        con.close()


CHECK_EXECUTIONS = """
query Executions($path: [String!]!, $check: String!, $partition: String) {
  assetCheckExecutions(assetKey: {path: $path}, checkName: $check, limit: 3, partition: $partition) {
    runId status partition evaluation { success severity metadataEntries { label ... on IntMetadataEntry { intValue } } }
  }
}
"""


def test_every_gate_check_is_evaluated_per_report(loaded):
    """What Dagster 1.13 loses for a run over several partitions: each suite x report has its own
    evaluation, with that report's verdict and row counts from gate.check_results."""
    servers = loaded["servers"]
    con = _warehouse(loaded)
    try:
        verdicts = con.execute(
            "select report_id, suite, severity, row_count, failed_count, acknowledged_count from gate.check_results where is_latest"
        ).fetchall()
    finally:
        con.close()
    assert {r for r, *_ in verdicts} == set(REPORTS)
    for report_id, suite, severity, rows, failed, acknowledged in verdicts:
        (execution, *_) = servers.graphql(CHECK_EXECUTIONS, {"path": GATE_ASSET, "check": suite, "partition": report_id})[
            "assetCheckExecutions"
        ]
        assert execution["partition"] == report_id
        metadata = {e["label"]: e.get("intValue") for e in execution["evaluation"]["metadataEntries"]}
        assert (metadata["rows_checked"], metadata["failed_rows"], metadata["acknowledged_rows"]) == (rows, failed, acknowledged)
        # PASSED passes; FAILED is a failed ERROR; ACKNOWLEDGED and NOT CHECKED are failed WARNs (never Passed)
        expected = {"PASS": ("SUCCEEDED", None), "ERROR": ("FAILED", "ERROR"), "WARN": ("FAILED", "WARN"), "NOT_CHECKED": ("FAILED", "WARN")}
        status, level = expected[severity]
        assert execution["status"] == status, (report_id, suite, execution)
        if level:
            assert execution["evaluation"]["severity"] == level, (report_id, suite, execution)


# --------------------------------------------------------------------------- in the browser


def _ui(loaded) -> str:
    return f"http://127.0.0.1:{loaded['servers'].port}"


CHECK = "rec_parent_totals"  # the changed amount fails it for the copy
UI_STATE = {"PASS": "Passed", "ERROR": "Failed", "WARN": "Failed", "NOT_CHECKED": "Failed"}  # WARNs: a warning sign


def _check_severities(loaded) -> dict[str, str]:
    con = _warehouse(loaded)
    try:
        return dict(con.execute(
            "select report_id, severity from gate.check_results where is_latest and suite = ?", [CHECK]
        ).fetchall())
    finally:
        con.close()


def test_check_execution_history_shows_each_reports_verdict(loaded, page):
    """Every report's own evaluation of a gate check, batch or not: Failed for the changed copy,
    its state for each other report (as gate.check_results has it), none Skipped."""
    severities = _check_severities(loaded)
    assert severities[MUTATED] == "ERROR" and "PASS" in severities.values(), severities
    page.goto(f"{_ui(loaded)}/assets/gate/validation_results?view=checks&checkDetail={CHECK}")
    page.get_by_role("tab", name="Execution history").click()
    page.get_by_text(f"{MUTATED}: FAILED").first.wait_for()
    for report_id, severity in severities.items():
        row = page.locator("tr", has_text=f"{report_id}: ").first  # the latest evaluation first
        text = row.inner_text()
        assert UI_STATE[severity] in text and "Skipped" not in text, (report_id, severity, text)


def test_check_partitions_show_each_reports_state(loaded, page):
    """The Partitions tab of a gate check: every report shows its own state, current against its
    materialization, whether its latest check ran in the batch or alone: none Missing or Skipped."""
    states = [UI_STATE[s] for s in _check_severities(loaded).values()]
    page.goto(f"{_ui(loaded)}/assets/gate/validation_results?view=checks&checkDetail={CHECK}")
    page.locator("button[role=tab]", has_text="Partitions").click()
    page.get_by_text(re.compile(r"Passed \(\d\)")).first.wait_for()
    page.wait_for_function(f"document.body.innerText.includes('{len(REPORTS)} Partitions Selected')")
    text = page.inner_text("body")
    _shot(page, "check-partitions")
    expected = {"Failed": states.count("Failed"), "Passed": states.count("Passed"), "Skipped": 0, "Missing": 0}
    for state, count in expected.items():
        assert re.search(rf"(?<!Execution ){state}\s*\({count}\)", text), (state, count, text[-1500:])


LAYERS = ["reports", "staging", "marts", "intermediate", "reconciliation", "gate", "published"]


@pytest.mark.xfail(
    strict=False,
    reason="passes when the browser module runs alone, timed out in two full `make test` runs: the job "
    "graph draws only the groups inside its view, and how far it zooms out depends on the page's layout "
    "at load; a fit-to-view step the test can rely on is still to be found",
)
def test_job_lineage_shows_the_layers_as_groups(loaded, page):
    """The default lineage of `process_reports`: one box per asset group (a layer of the pipeline),
    whole names, left to right in the order data flows; no asset of a group drawn until expanded."""
    # Wide enough for the whole graph beside the job's Info panel: the graph draws only the groups in
    # view, and how far it zooms out to fit depends on what the UI has cached.
    page.set_viewport_size({"width": 3200, "height": 1000})
    page.goto(f"{_ui(loaded)}/locations/__repository__@budget_recon/jobs/process_reports")
    page.get_by_text("published", exact=True).wait_for(state="attached")
    page.wait_for_timeout(2000)  # the graph fits itself to the view
    _shot(page, "job-lineage")
    boxes = {}
    for group in LAYERS:
        label = page.get_by_text(group, exact=True)  # the whole name: a cut one ends in '…'
        assert label.count() == 1, group
        boxes[group] = label.bounding_box()
        assert boxes[group] and boxes[group]["width"] > 0, group
    lefts = [boxes[g]["x"] for g in LAYERS]
    assert lefts == sorted(lefts), boxes
    assert page.get_by_text("rec_parent_totals", exact=True).count() == 0  # collapsed


def test_check_execution_shows_the_failing_row_and_its_report_link(loaded, page):
    page.goto(f"{_ui(loaded)}/assets/gate/validation_results?view=checks&checkDetail={CHECK}")
    page.get_by_role("tab", name="Execution history").click()
    page.get_by_text(MUTATED).first.wait_for()
    row = page.locator("tr", has_text=MUTATED).first
    assert "Failed" in row.inner_text()
    row.get_by_role("img", name="metadata").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("findings").first.wait_for()
    text = dialog.inner_text()
    _shot(page, "check-failing-row")
    # the changed amount feeds the executed total of line 1060: expected and found with separators
    assert "4,178,058,000" in text and "4,178,057,000" in text, text[:3000]
    assert "4,178,057" in text.replace("4,178,057,000", "")  # the quoted source line, as printed
    link = dialog.locator("a[href*='/discrepancies/']").first
    assert link.is_visible()
    href = link.get_attribute("href")
    assert href.startswith(loaded["reports_url"]) and MUTATED in href
    report = page.context.new_page()
    report.goto(href)
    assert "Discrepancy report" in report.inner_text("h1") and MUTATED in report.inner_text("h1")


def test_report_partition_shows_its_own_row_count(loaded, page):
    con = _warehouse(loaded)
    try:
        (lines,) = con.execute("select count(*) from raw.report_lines where report_id = 'gangwon-2025-plan'").fetchone()
    finally:
        con.close()
    page.goto(f"{_ui(loaded)}/assets/raw/report_lines?view=partitions&partition=gangwon-2025-plan")
    page.get_by_text("dagster/row_count").first.wait_for()
    text = page.inner_text("body")
    _shot(page, "report-partition")
    assert re.search(rf"dagster/row_count\s+{lines}\b", text), text[:3000]


def test_discrepancy_report_renders_for_a_reviewer(loaded, page):
    page.goto(f"{loaded['reports_url']}/discrepancies/{MUTATED}/latest.html")
    assert "BLOCKED" in page.inner_text(".verdict")
    # the first finding: the balance printed beside the changed amount, marked in its row
    assert page.locator("td.hit").first.inner_text() == "1,893,693"
    assert "200,308" in page.inner_text("section.finding")
    assert page.evaluate("getComputedStyle(document.querySelector('td.hit')).fontWeight") in ("700", "bold")
    headers = page.locator("table.quote thead th").all_inner_texts()
    assert len(headers) > 2 and any(h.strip() for h in headers[1:])
    assert "1,893,693 천원 (1,893,693,000 won)" in page.inner_text("section.finding")  # printed unit, won beside
    assert page.locator("figure svg").count() >= 1
    assert page.locator("h2", has_text="Table coverage").count() == 1
    # the screenshot starts at the findings (the suites' table is above them)
    page.evaluate("window.scrollTo(0, [...document.querySelectorAll('h2')].find(h => h.textContent.startsWith('Findings'))"
                  ".getBoundingClientRect().top + window.scrollY - 20)")
    _shot(page, "discrepancy-report")
    page.goto(f"{loaded['reports_url']}/discrepancies/gangwon-2025-plan/latest.html")
    assert page.locator("figure svg").count() >= 2  # plan family: budget by program and year, ROI


def test_data_docs_render_offline_and_name_the_report(loaded, page):
    page.goto(f"{loaded['reports_url']}/data-docs/index.html")
    page.locator("table tbody tr").first.wait_for()
    # Bootstrap's stylesheet (vendored) applies: its reboot sets the body margin to 0.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert page.evaluate("!!window.jQuery && !!jQuery.fn.bootstrapTable")
    text = page.inner_text("body")
    # the run name names the reports and the Dagster run: the latest validations, first, are those
    # of the report run alone last
    assert re.search(rf"{re.escape(ALONE[-1])} \(run [0-9a-f]{{8}}\)", text), text[:2000]
    _shot(page, "data-docs")
