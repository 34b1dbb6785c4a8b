"""The pieces that make findings readable without network: Data Docs pointed at vendored files, the
loopback server the UI links to, and the discrepancy report's formatting of amounts and cells."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from orchestration.gate.data_docs import CDN_FILES, STATIC, make_offline, offline_page
from orchestration.gate.discrepancy_report import _disagreeing_cell, plain, printed_amount, quote_line, won
from orchestration.gate.suites import ERROR, NOT_CHECKED, PASS, WARN, verdict_label
from orchestration.settings import environment

GE_HEAD = """<html><head>
<link href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css" rel="stylesheet">
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css">
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
<script src="https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js"></script>
</head><body>Data asset: None <img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1"></body></html>"""


def test_every_vendored_file_exists():
    for local in filter(None, CDN_FILES.values()):
        assert (STATIC / local).is_file(), local
    assert (STATIC / "LICENSES.txt").is_file()


def test_pages_point_at_local_copies_and_drop_what_is_not_vendored():
    page = offline_page(GE_HEAD, depth=3)
    assert "https://" not in page
    assert 'href="../../../static/vendor/css/bootstrap.min.css"' in page
    assert 'src="../../../static/vendor/js/jquery.min.js"' in page
    assert "vega" not in page and "bootstrap-prefers-dark" not in page
    assert 'src="../../../static/images/logo-long.png"' in page


def test_make_offline_copies_the_assets_and_names_the_validated_frame(tmp_path):
    site = tmp_path / "local_site"
    page = site / "validations" / "rec_parent_totals" / "run" / "time" / "batch.html"
    page.parent.mkdir(parents=True)
    page.write_text(GE_HEAD, encoding="utf-8")
    (site / "index.html").write_text(GE_HEAD, encoding="utf-8")
    assert make_offline(site) == 2
    assert (site / "static" / "vendor" / "js" / "bootstrap-table.min.js").is_file()
    assert "Data asset: rec_parent_totals" in page.read_text(encoding="utf-8")
    assert make_offline(site) == 0  # idempotent


def test_serve_serves_reports_and_nothing_else(tmp_path):
    from orchestration.serve import make_server, url_for

    home = tmp_path / "home"
    report = home / "discrepancies" / "r-1" / "latest.html"
    report.parent.mkdir(parents=True)
    report.write_text("<h1>Discrepancy report — r-1</h1>", encoding="utf-8")
    (home / "warehouse.duckdb").write_text("secret", encoding="utf-8")
    with environment({"BUDGET_RECON_HOME": str(home), "BUDGET_RECON_REPORTS_URL": "http://127.0.0.1:1"}):
        assert url_for(report, fragment="rec_x") == "http://127.0.0.1:1/discrepancies/r-1/latest.html#rec_x"
        assert url_for(home / "warehouse.duckdb") is None
        server = make_server(port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            with urllib.request.urlopen(base + "/discrepancies/r-1/latest.html") as response:
                assert "r-1" in response.read().decode("utf-8")
            with urllib.request.urlopen(base + "/") as response:
                assert "/discrepancies/r-1/latest.html" in response.read().decode("utf-8")
            for path in ("/warehouse.duckdb", "/discrepancies/../warehouse.duckdb", "/data-docs/../../warehouse.duckdb"):
                with pytest.raises(urllib.error.HTTPError):
                    urllib.request.urlopen(base + path)
        finally:
            server.shutdown()
            server.server_close()


def test_amounts_in_the_printed_unit_with_won_beside():
    assert won("1893692000") == "1,893,692,000"
    assert won("-0.0050") == "-0.005"
    assert printed_amount("418000000", "백만원", True) == "418 백만원 (418,000,000 won)"
    assert printed_amount("1772000000", "억원", True) == "17.72 억원 (1,772,000,000 won)"
    assert printed_amount("9.6", "%", False) == "9.6"


def test_markup_is_stripped_from_quotes():
    assert plain("<b>계</b>&nbsp;") == "계"
    assert quote_line("<b>합계</b>\t1,000\t2") == "합계 | 1,000 | 2"


def test_the_disagreeing_cell_is_found_by_column_or_by_value():
    cells = ["수익사업비", "8,885", "0", "0", "70", "90", "418"]
    columns = ["예산과목", "계", "A", "B", "C", "차세대 에너지 센터", "바이오 센터"]
    assert _disagreeing_cell(cells, columns, "수익사업비 [바이오 센터]", "418000000", "백만원", True) == 6
    assert _disagreeing_cell(cells, columns, "수익사업비", "90000000", "백만원", True) == 5
    assert _disagreeing_cell(cells, columns, "수익사업비", "0", "백만원", True) is None  # ambiguous: not marked


def test_verdict_words():
    """One vocabulary for the UI's checks, the CLI and the discrepancy report."""
    from orchestration.assets.gate import SuiteVerdict

    assert [verdict_label(s) for s in (PASS, WARN, ERROR, NOT_CHECKED)] == ["PASSED", "ACKNOWLEDGED", "FAILED", "NOT CHECKED"]
    assert SuiteVerdict(PASS, 10, 0, 0).passed and SuiteVerdict(PASS, 10, 0, 0).text == "PASSED"
    for code in (WARN, NOT_CHECKED):  # a warning in the UI, never a pass; not blocking
        verdict = SuiteVerdict(code, 0, 0, 3)
        assert not verdict.passed and verdict.severity.value == "WARN"
    assert SuiteVerdict(ERROR, 10, 1, 0).severity.value == "ERROR"
