"""The bundled reports' raw facts and reconciliation verdicts are those recorded in
tests/fixtures/digests/bundled.json (facts over the recorded columns: added columns such as period
roles do not count; verdicts: per report and table the check count, the flagged count and a digest of
check ids, results, expected and found values).

Checked on the session's one `budget-recon run` of the bundled reports (`bundled_home`, read only):
the same command the recording is made from.

After a change that is meant to alter facts or verdicts, record them again and say why in the commit:
    .venv/bin/budget-recon run && .venv/bin/python -m tests.digests record var/warehouse.duckdb \\
        tests/fixtures/digests/bundled.json
"""

import json
from pathlib import Path

from tests.digests import compare

RECORDED = Path(__file__).resolve().parent / "fixtures" / "digests" / "bundled.json"


def test_bundled_reports_keep_their_facts_and_verdicts(bundled_home):
    before = json.loads(RECORDED.read_text("utf-8"))
    assert sorted(r.report_id for r in bundled_home.outcome.reports) == sorted(
        {report_id for table in before["facts"].values() for report_id in table["reports"]}
    )
    assert compare(before, str(bundled_home.warehouse)) == []
