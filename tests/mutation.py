"""Mutation testing of the gate: change one printed number in a copy of a bundled report, run the
pipeline on the copy, and see which gate rows fail.

    plan = MutationPlan(workdir)
    base = plan.baseline("chungbuk-tp-2024-q3")                 # an unmutated copy, its own report id
    m = plan.mutate("chungbuk-tp-2024-q3", line=1870, old="200,000", new="200,001", label="...")
    results = plan.run()                                         # one load + dbt run + gate for all copies
    results.new_failures(m)                                      # failed gate rows not in the baseline

Every mutated copy is registered as its own report id in a temporary seeds dir and loaded into a
temporary warehouse, so one `dbt run` and one gate pass cover many mutations. Nothing outside
`workdir` is written. `candidates()` proposes mutation targets from the extracted facts themselves
(a child row's printed number, unique on its line), so no test hard-codes line numbers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from orchestration import warehouse
from orchestration.ingest import ingest
from orchestration.parsing.raw_layer import all_extractors
from orchestration.parsing.reader import read_report
from orchestration.parsing.registry import ReportEntry, load_registry
from orchestration.parsing.values import parse_value, strip_html
from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds"
DBT = Path(sys.executable).with_name("dbt")


@dataclass(frozen=True)
class Mutation:
    report_id: str  # id of the mutated copy
    source_report: str  # bundled report it was copied from
    line: int  # 1-based line that was changed
    old: str  # printed token before
    new: str  # printed token after
    fact_table: str = ""  # raw fact table the number belongs to (for reporting coverage)
    table_no: int | None = None  # reader table of the printed row (None for prose lines)
    measure: str = ""
    parent_line: int | None = None  # line of the total this number adds up into, if any
    label: str = ""

    @property
    def lines(self) -> set[int]:
        """Lines where a failure is explained by this mutation: the line itself and its total."""
        return {self.line} | ({self.parent_line} if self.parent_line else set())


def bump(token: str) -> str:
    """The printed token with its last digit changed (+1, 9 -> 8), everything else kept."""
    digits = [i for i, c in enumerate(token) if c.isdigit()]
    if not digits:
        raise ValueError(f"no digit in {token!r}")
    i = digits[-1]
    new = "8" if token[i] == "9" else str(int(token[i]) + 1)
    return token[:i] + new + token[i + 1 :]


@dataclass
class Results:
    failed: pd.DataFrame  # gate.failed_rows of every copy (failed or warned, not consistent)
    baselines: dict[str, str]  # source report -> baseline copy id
    mutations: list[Mutation]
    check_results: pd.DataFrame

    def failures(self, report_id: str) -> pd.DataFrame:
        return self.failed[self.failed.report_id == report_id]

    def new_failures(self, mutation: Mutation) -> pd.DataFrame:
        """Failed rows of the mutated copy that the unmutated copy does not have (same suite, key and line)."""
        def keyed(frame: pd.DataFrame, report_id: str) -> pd.DataFrame:
            frame = frame.copy()
            frame["ident"] = (
                frame["suite"] + "|" + frame["row_key"].str.replace(report_id, "<id>", regex=False)
                + "|" + frame["source_line"].astype(str) + "|" + frame["gate_status"].astype(str)
            )
            return frame

        mutated = keyed(self.failures(mutation.report_id), mutation.report_id)
        base_id = self.baselines[mutation.source_report]
        base = keyed(self.failures(base_id), base_id)
        return mutated[~mutated["ident"].isin(set(base["ident"]))]

    def verdict(self, mutation: Mutation) -> tuple[bool, list[str], list[str]]:
        """(caught, explained messages, unrelated messages) for one mutation.

        caught: some new failure sits on the mutated line or on the total it feeds.
        A new failure is explained when its line, or one of its `other_lines`, is one of those lines.
        """
        new = self.new_failures(mutation)
        explained, unrelated = [], []
        for row in new.to_dict("records"):
            line = None if pd.isna(row["source_line"]) else int(row["source_line"])
            others = {int(x) for x in re.findall(r"\d+", str(row.get("other_lines") or ""))}
            if line in mutation.lines or mutation.line in others:
                explained.append(row["message"])
            else:
                unrelated.append(row["message"])
        caught = any(
            (not pd.isna(r)) and int(r) in mutation.lines for r in new["source_line"]
        )
        return caught, explained, unrelated


class MutationPlan:
    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.seeds = self.workdir / "seeds"
        self.reports_dir = self.seeds / "reports"
        self.reports_dir.mkdir(parents=True, exist_ok=True)
        self.entries: list[ReportEntry] = []
        self.mutations: list[Mutation] = []
        self.baselines: dict[str, str] = {}
        self._bundled = {e.report_id: e for e in load_registry(SEEDS / "reports.yaml")}

    def _text(self, source_report: str) -> str:
        entry = self._bundled[source_report]
        return (SEEDS / "reports" / entry.file).read_text(encoding=entry.encoding if entry.encoding != "auto" else "utf-8")

    def _register(self, report_id: str, source_report: str, text: str) -> None:
        bundled = self._bundled[source_report]
        file = f"{report_id}.txt"
        (self.reports_dir / file).write_text(text, encoding="utf-8")
        fields = dict(bundled.__dict__, report_id=report_id, file=file, encoding="utf-8")
        self.entries.append(ReportEntry(**fields))

    def baseline(self, source_report: str) -> str:
        if source_report not in self.baselines:
            report_id = f"{source_report}--base"
            self._register(report_id, source_report, self._text(source_report))
            self.baselines[source_report] = report_id
        return self.baselines[source_report]

    def mutate(self, source_report: str, line: int, old: str, new: str | None = None, **info) -> Mutation:
        """Register a copy of `source_report` whose line `line` prints `new` instead of `old`
        (which must occur exactly once on that line)."""
        self.baseline(source_report)
        lines = self._text(source_report).split("\n")
        text = lines[line - 1]
        if text.count(old) != 1:
            raise ValueError(f"{source_report} line {line}: {old!r} occurs {text.count(old)} times in {text!r}")
        new = new if new is not None else bump(old)
        lines[line - 1] = text.replace(old, new)
        report_id = f"{source_report}--m{len(self.mutations) + 1}"
        self._register(report_id, source_report, "\n".join(lines))
        mutation = Mutation(report_id, source_report, line, old, new, **info)
        self.mutations.append(mutation)
        return mutation

    def run(self, select: str | None = None) -> Results:
        """Load every copy, `dbt run` the models for these report ids, run the gate on them."""
        registry = self.seeds / "reports.yaml"
        payload = {"reports": [{k: v for k, v in e.__dict__.items() if v is not None} for e in self.entries]}
        registry.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")  # YAML is a JSON superset
        db = self.workdir / "warehouse.duckdb"
        ids = [e.report_id for e in self.entries]
        with warehouse.connect(db) as con:
            for entry in self.entries:
                ingest(con, entry, self.reports_dir)
        env = dict(
            os.environ,
            BUDGET_RECON_WAREHOUSE=str(db),
            DBT_TARGET_PATH=str(self.workdir / "dbt_target"),
            DBT_LOG_PATH=str(self.workdir / "dbt_logs"),
        )
        # `run`, not `build`: a failing dbt test must not skip the reconciliation models the gate reads.
        args = [str(DBT), "run", "--profiles-dir", str(DBT_PROJECT_DIR), "--vars", json.dumps({"report_ids": ids})]
        if select:
            args += ["--select", select]
        dbt = subprocess.run(args, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
        (self.workdir / "dbt_run.log").write_text(dbt.stdout + dbt.stderr, encoding="utf-8")
        return self.gate(db, ids)

    def gate(self, db: Path, ids: list[str]) -> Results:
        from orchestration.gate.results import run_gate
        from orchestration.gate.suites import GateValidator

        # Only the suites whose model exists: models still being written must not stop the others.
        suites_dir = self.workdir / "expectations"
        shutil.rmtree(suites_dir, ignore_errors=True)
        suites_dir.mkdir()
        with warehouse.connect(db) as con:
            existing = {
                f"{s}.{t}" for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
            }
            for path in EXPECTATIONS_DIR.glob("*.json"):
                suite = json.loads(path.read_text(encoding="utf-8"))
                meta = suite["meta"]
                if "identities" in meta:  # a template: the identities whose model exists
                    meta["identities"] = [i for i in meta["identities"] if f"{meta['schema']}.{i['name']}" in existing]
                    if meta["identities"]:
                        (suites_dir / path.name).write_text(json.dumps(suite, ensure_ascii=False), encoding="utf-8")
                elif meta["table"] in existing:
                    shutil.copy(path, suites_dir / path.name)
            self._copy_acknowledgements(suites_dir / "acknowledged.yaml")
            run_gate(con, ids, "mutation", suites_dir, GateValidator(self.workdir / "gx"))
            failed = con.execute("select * from gate.failed_rows where run_id = 'mutation'").df()
            checks = con.execute("select * from gate.check_results where run_id = 'mutation'").df()
        return Results(failed, dict(self.baselines), list(self.mutations), checks)


    def _copy_acknowledgements(self, target: Path) -> None:
        """The bundled reports' acknowledged discrepancies, repeated for each of their copies."""
        source = EXPECTATIONS_DIR / "acknowledged.yaml"
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8")) if source.exists() else None
        except yaml.YAMLError:  # being edited: the baselines then show the known discrepancies too
            data = None
        items = (data or {}).get("acknowledged") or []
        copies = [
            dict(item, report_id=entry.report_id)
            for entry in self.entries
            for item in items
            if item.get("report_id") == entry.report_id.split("--")[0]
        ]
        target.write_text(yaml.safe_dump({"acknowledged": copies}, allow_unicode=True), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Choosing targets from the facts


def _measures(columns: dict[str, str]) -> list[str]:
    return [c[: -len("_printed")] for c in columns if c.endswith("_printed")]


def candidates(source_report: str, fact_table: str, measures: tuple[str, ...] | None = None) -> list[dict]:
    """Mutation targets of one fact table of a bundled report: child rows (with a parent) whose
    printed number occurs once on its line, with the parent's line. One dict per (row, measure):
    {line, old, table_no, measure, parent_line, label}; ordered by line."""
    extractor = next(e for e in all_extractors() if e.table == fact_table)
    entry = {e.report_id: e for e in load_registry(SEEDS / "reports.yaml")}[source_report]
    report = read_report(source_report, SEEDS / "reports" / entry.file, entry.encoding)
    rows = extractor.extract(report)
    by_id = {r["row_id"]: r for r in rows}
    out = []
    for row in rows:
        parent = by_id.get(row.get("parent_row_id"))
        line = row.get("source_line")
        if not line:
            continue
        text = report.line(line)
        for measure in measures or _measures(extractor.columns):
            printed = row.get(f"{measure}_printed")
            if not isinstance(printed, str) or not printed:
                continue
            value = parse_value(printed)
            if value.number is None or value.number == 0:
                continue
            token = strip_html(printed)[0] if printed not in text else printed
            cells = text.split("\t")
            if text.count(token) != 1 or (len(cells) > 1 and sum(token in c for c in cells) != 1):
                continue
            out.append(
                dict(
                    line=line,
                    old=token,
                    table_no=row.get("table_no"),
                    measure=row.get("measure") or measure,
                    parent_line=parent.get("source_line") if parent else None,
                    label=str(row.get("label_raw") or row.get("item_name") or "")[:40],
                    row_id=row["row_id"],
                )
            )
    return sorted(out, key=lambda c: c["line"])
