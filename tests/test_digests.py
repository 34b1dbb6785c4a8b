"""The bundled reports' raw facts and reconciliation verdicts are those recorded in
tests/fixtures/digests/bundled.json (facts over the recorded columns: added columns such as period
roles do not count; verdicts: per report and table the check count, the flagged count and a digest of
check ids, results, expected and found values).

After a change that is meant to alter facts or verdicts, record them again and say why in the commit:
    .venv/bin/budget-recon run && .venv/bin/python -m tests.digests record var/warehouse.duckdb \\
        tests/fixtures/digests/bundled.json
"""

import json
from pathlib import Path

from tests.digests import compare
from tests.reconciliation.mutated_warehouse import build

RECORDED = Path(__file__).resolve().parent / "fixtures" / "digests" / "bundled.json"


def test_bundled_reports_keep_their_facts_and_verdicts(tmp_path):
    before = json.loads(RECORDED.read_text("utf-8"))
    build(tmp_path, {}, sorted(before["verdicts"])).close()
    assert compare(before, str(tmp_path / "warehouse.duckdb")) == []
