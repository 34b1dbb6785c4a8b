"""A scratch warehouse with the bundled reports and mutated copies of them, built by one dbt run.

Mutations change printed numbers in place (no line added or removed), so row ids and check ids of
a copy are those of its bundled report, and a test can compare the copy's failing checks with the
original's.
"""

import os
import subprocess
from pathlib import Path

import duckdb
import yaml

from orchestration import warehouse as w
from orchestration.parsing.reader import read_report

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ("chungbuk-tp-2024-q3", "chungbuk-sti-2020-h1", "gangwon-2025-plan")


def mutate(text: str, old: str, new: str, which: int) -> str:
    """Replace the `which`-th occurrence of `old` in the report text."""
    starts = []
    at = text.find(old)
    while at >= 0:
        starts.append(at)
        at = text.find(old, at + 1)
    assert starts, f"mutation target not in the report: {old!r}"
    at = starts[which]
    return text[:at] + new + text[at + len(old) :]


def build(base: Path, mutations: dict[str, tuple[str, list[tuple[str, str, int]]]], models: list[str]):
    """Load the bundled reports and each mutated copy (id -> (bundled id, [(old, new, which)])),
    run dbt for `models` and their parents, and return a read-only connection."""
    db = base / "warehouse.duckdb"
    entries = yaml.safe_load((ROOT / "seeds" / "reports.yaml").read_text("utf-8"))["reports"]
    registry = {e["report_id"]: e for e in entries}
    reports = {rid: (rid, []) for rid in BUNDLED} | mutations
    with w.connect(db) as con:
        for report_id, (base_id, changes) in reports.items():
            entry = registry[base_id]
            text = (ROOT / "seeds" / "reports" / entry["file"]).read_text("utf-8")
            for old, new, which in changes:
                text = mutate(text, old, new, which)
            path = base / f"{report_id}.txt"
            path.write_text(text, encoding="utf-8")
            report = read_report(report_id, str(path), family=entry.get("family"))
            meta = {"file_name": path.name, "sha256": "test", "entry": dict(entry, report_id=report_id, file=path.name)}
            w.replace_report(con, report, w.extract_all(report), meta)
    env = dict(
        os.environ,
        BUDGET_RECON_WAREHOUSE=str(db),
        DBT_TARGET_PATH=str(base / "target"),
        DBT_LOG_PATH=str(base / "logs"),
    )
    ids = ", ".join(reports)
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "dbt"), "run", "--profiles-dir", ".", "--vars", f"{{report_ids: [{ids}]}}",
         "--select", " ".join(f"+{m}" for m in models)],
        cwd=ROOT / "dbt_project", env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return duckdb.connect(str(db), read_only=True)
