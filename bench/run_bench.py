"""Benchmark every stage of the pipeline on generated corpora and print ONE table.

    .venv/bin/python bench/run_bench.py [--sizes 1,10,100,1000] [--inconsistent 0.1] [--out bench/RESULTS.md]

For each N (corpus from bench/generate_corpus.py), each stage runs in its own child process, so
its wall time and peak memory are its own:
- parse: read + layout check + every extractor, no database (throughput in MB/s of report text;
  also measured on the three bundled reports);
- load: parse + replace each report's raw rows (the time is the loading part only);
- dbt: `dbt build` (every model and test) on that warehouse;
- gate: the GE gate for every report (one validator, Data Docs built once), and the same
  reconciliations as plain DuckDB SQL (count of failing rows per reconciliation model per report),
  timed in the same process: the ratio GE / SQL;
- e2e: `budget-recon run` (Dagster: one run over the partition range) in a fresh home;
  afterwards the gate's ERROR rows are compared with the generator's manifest of injected errors;
- add 1: for the largest N, one more report registered and `budget-recon run --report <it>` against
  the warehouse that holds the N reports, compared with the N=1 end-to-end time.
Peak memory is the child's own maxrss plus the largest of its own children (dbt), from getrusage:
an upper bound of the process tree's RSS. Other jobs on the machine make wall times noisy: compare
figures of one run (ratios), not runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PY = sys.executable


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024


def _emit(**figures) -> None:
    figures["peak_mb"] = round(_peak_mb(), 1)
    print("BENCH " + json.dumps(figures), flush=True)


# --- stages (run in a child process: python run_bench.py --stage NAME ...) ----------------------


def stage_parse(seeds: Path) -> None:
    from orchestration.ingest import parse_entry
    from orchestration.parsing import values
    from orchestration.parsing.registry import load_registry

    entries = load_registry(seeds / "reports.yaml")
    size = seconds = 0.0
    for entry in entries:
        values.clear_memo()  # cold for every report: no help from an earlier copy of the same text
        _, _, s = parse_entry(entry, seeds / "reports")
        seconds += s
        size += entry.path(seeds / "reports").stat().st_size
    _emit(seconds=seconds, mb=size / 1e6, mb_s=size / 1e6 / seconds)


def stage_load(seeds: Path, db: Path) -> None:
    from orchestration import warehouse
    from orchestration.ingest import ingest
    from orchestration.parsing.registry import load_registry

    db.unlink(missing_ok=True)
    load = 0.0
    with warehouse.connect(db) as con:
        for entry in load_registry(seeds / "reports.yaml"):
            load += ingest(con, entry, seeds / "reports").load.seconds
    _emit(seconds=load)


def stage_dbt(db: Path, work: Path) -> None:
    from orchestration.settings import DBT_PROJECT_DIR

    env = dict(os.environ, BUDGET_RECON_WAREHOUSE=str(db), DBT_TARGET_PATH=str(work / "target"), DBT_LOG_PATH=str(work / "logs"))
    started = time.perf_counter()
    code = subprocess.call([str(Path(PY).with_name("dbt")), "build", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR)],
                           cwd=DBT_PROJECT_DIR, env=env)
    _emit(seconds=time.perf_counter() - started, exit=code)


def stage_gate(seeds: Path, db: Path, work: Path) -> None:
    import duckdb

    from orchestration.gate.results import run_gate
    from orchestration.gate.suites import GateValidator, load_suites
    from orchestration.parsing.registry import load_registry
    from orchestration.settings import EXPECTATIONS_DIR

    ids = [e.report_id for e in load_registry(seeds / "reports.yaml")]
    con = duckdb.connect(str(db))
    models = sorted({s.table for s in load_suites(EXPECTATIONS_DIR) if s.kind == "reconciliation"})
    started = time.perf_counter()
    plain = {}
    for table in models:
        for report_id, failing in con.execute(
            f"select report_id, count(*) filter (where not is_consistent) from {table} group by report_id"
        ).fetchall():
            plain[(table, report_id)] = failing
    sql_seconds = time.perf_counter() - started
    started = time.perf_counter()
    validator = GateValidator(work / "gx")  # imports GE and opens its file context
    setup = time.perf_counter() - started
    gates = run_gate(con, ids, "bench", EXPECTATIONS_DIR, validator)
    validated = time.perf_counter() - started - setup
    validator.build_docs()
    ge_seconds = time.perf_counter() - started
    con.close()
    _emit(seconds=ge_seconds, setup_seconds=setup, validate_seconds=validated, sql_seconds=sql_seconds,
          ratio=ge_seconds / sql_seconds, validate_ratio=validated / sql_seconds,
          errors=sum(g.severity == "ERROR" for g in gates), sql_failing=sum(plain.values()))


STAGES = {"parse": stage_parse, "load": stage_load, "dbt": stage_dbt, "gate": stage_gate}


# --- driver ---------------------------------------------------------------------------------------


def _child(args: list[str], env: dict | None = None) -> dict:
    started = time.perf_counter()
    proc = subprocess.run([PY, str(Path(__file__).resolve()), *args], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})), cwd=ROOT)
    wall = time.perf_counter() - started
    lines = [l for l in proc.stdout.splitlines() if l.startswith("BENCH ")]
    if proc.returncode or not lines:
        raise SystemExit(f"stage {args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    figures = json.loads(lines[-1][6:])
    figures["wall"] = wall
    return figures


def _pipeline(seeds: Path, home: Path, extra: list[str] | None = None, fresh: bool = True) -> dict:
    """`budget-recon run` as a child of a measuring child: wall time and peak RSS of the tree."""
    if fresh and home.exists():
        shutil.rmtree(home)
    env = {"BUDGET_RECON_HOME": str(home), "BUDGET_RECON_SEEDS": str(seeds), "DAGSTER_HOME": str(home / "dagster"),
           "BUDGET_RECON_ACKNOWLEDGED": str(seeds / "acknowledged.yaml")}
    return _child(["--stage", "run", "--seeds", str(seeds), "--home", str(home), *(["--extra", json.dumps(extra)] if extra else [])], env)


def stage_run(seeds: Path, home: Path, extra: list[str]) -> None:
    started = time.perf_counter()
    proc = subprocess.run([str(Path(PY).with_name("budget-recon")), "run", *extra], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    (home / "bench-run.log").parent.mkdir(parents=True, exist_ok=True)
    (home / "bench-run.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    _emit(seconds=seconds, exit=proc.returncode)


def caught(seeds: Path, home: Path) -> tuple[bool, str]:
    """Did the gate flag exactly the injected reports, each at the injected line?"""
    import duckdb

    manifest = json.loads((seeds / "manifest.json").read_text(encoding="utf-8"))
    injected = {i["report_id"]: i["line"] for i in manifest["injections"]}
    # Checks the bundled report itself fails (recorded by the calibration) are not the generator's.
    plan = json.loads((BENCH / "scaling_plan.json").read_text(encoding="utf-8"))
    baseline = {(base, failure) for base, p in plan.items() for failure in p.get("baseline_failures", [])}
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    rows = con.execute(
        "select report_id, suite, row_key, source_line, other_lines from gate.failed_rows where run_id in "
        "(select run_id from gate.check_results where is_latest) and severity = 'ERROR'"
    ).fetchall()
    con.close()
    from orchestration.gate.discrepancy_report import _parse_lines

    flagged: dict[str, set[int]] = {}
    inherited = 0
    for report_id, suite, key, line, others in rows:
        base = report_id.rsplit("-g", 1)[0]
        if (base, f"{suite}|{(key or '').split('|', 1)[-1]}") in baseline:
            inherited += 1
            continue
        flagged.setdefault(report_id, set()).update(([line] if line else []) + _parse_lines(others))
    extra = sorted(set(flagged) - set(injected))
    missed = sorted(r for r, line in injected.items() if line not in flagged.get(r, set()))
    ok = not extra and not missed
    return ok, f"{len(injected)} injected, {len(flagged)} flagged" + (f", {inherited} inherited rows" if inherited else "") + (f"; missed {missed[:3]}" if missed else "") + (
        f"; unexpected {extra[:3]}" if extra else "")


def add_one(seeds: Path, home: Path) -> dict:
    """Register one more report in a corpus that was already run, then run only that report."""
    import yaml

    sys.path.insert(0, str(BENCH))
    from generate_corpus import generate

    extra_dir = home.parent / "one-more"
    generate(1, extra_dir, seed=99)
    data = yaml.safe_load((seeds / "reports.yaml").read_text(encoding="utf-8"))
    (entry,) = yaml.safe_load((extra_dir / "reports.yaml").read_text(encoding="utf-8"))["reports"]
    new_id = entry["report_id"].replace("-g0000", "-g9999")
    shutil.copy(extra_dir / "reports" / entry["file"], seeds / "reports" / f"{new_id}.txt")
    data["reports"] = [r for r in data["reports"] if r["report_id"] != new_id] + [dict(entry, report_id=new_id, file=f"{new_id}.txt")]
    (seeds / "reports.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return _pipeline(seeds, home, ["--report", new_id], fresh=False)


def bench(sizes: list[int], inconsistent: float, work: Path) -> list[dict]:
    sys.path.insert(0, str(BENCH))
    from generate_corpus import generate

    rows = []
    bundled = _child(["--stage", "parse", "--seeds", str(ROOT / "seeds")])
    print(f"parser on the bundled reports: {bundled['mb']:.2f} MB in {bundled['seconds']:.2f}s = {bundled['mb_s']:.2f} MB/s", flush=True)
    for n in sizes:
        base = work / f"n{n}"
        if base.exists():
            shutil.rmtree(base)
        seeds = base / "seeds"
        manifest = generate(n, seeds, inconsistent if n >= 10 else 0.0, seed=n)
        db = base / "stages.duckdb"
        row = {"n": n, "mb": manifest["bytes"] / 1e6, "injected": len(manifest["injections"])}
        row["parse"] = _child(["--stage", "parse", "--seeds", str(seeds)])
        row["load"] = _child(["--stage", "load", "--seeds", str(seeds), "--db", str(db)])
        row["dbt"] = _child(["--stage", "dbt", "--db", str(db), "--work", str(base / "dbt")])
        row["gate"] = _child(["--stage", "gate", "--seeds", str(seeds), "--db", str(db), "--work", str(base)],
                             {"BUDGET_RECON_ACKNOWLEDGED": str(seeds / "acknowledged.yaml")})
        db.unlink(missing_ok=True)
        row["e2e"] = _pipeline(seeds, base / "home")
        row["caught"] = caught(seeds, base / "home")
        if n == max(sizes):
            row["add1"] = add_one(seeds, base / "home")
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows, bundled


def table(rows: list[dict], bundled: dict, command: str) -> str:
    def t(stage):
        return f"{stage['seconds']:.1f}s / {stage['peak_mb']:.0f} MB"

    out = [
        f"`{command}` — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average at start "
        f"{os.getloadavg()[0]:.1f}. Time / peak RSS (process tree, upper bound) per stage.",
        "",
        "| N | MB | parse | parser MB/s | load | dbt build | GE gate | plain SQL | gate ÷ SQL | end to end | s / report | injected caught | add 1 to N |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    single = next((r["e2e"]["seconds"] for r in rows if r["n"] == 1), None)
    for r in rows:
        add = ""
        if "add1" in r:
            add = f"{r['add1']['seconds']:.1f}s / {r['add1']['peak_mb']:.0f} MB"
            if single:
                add += f" ({r['add1']['seconds'] / single:.2f}× N=1)"
        out.append(
            f"| {r['n']} | {r['mb']:.1f} | {t(r['parse'])} | {r['parse']['mb_s']:.2f} | {t(r['load'])} | {t(r['dbt'])} | "
            f"{t(r['gate'])} | {r['gate']['sql_seconds']:.2f}s | {r['gate']['ratio']:.0f}× ({r['gate'].get('validate_ratio', 0):.0f}× w/o GE setup {r['gate'].get('setup_seconds', 0):.1f}s) | {t(r['e2e'])} | "
            f"{r['e2e']['seconds'] / r['n']:.2f} | {'yes' if r['caught'][0] else 'NO'} ({r['caught'][1]}) | {add} |"
        )
    out += ["", f"Parser on the three bundled reports (cold memo per report): {bundled['mb']:.2f} MB in "
            f"{bundled['seconds']:.2f}s = {bundled['mb_s']:.2f} MB/s."]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100,1000")
    parser.add_argument("--inconsistent", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--stage", choices=[*STAGES, "run"])
    parser.add_argument("--seeds", type=Path)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--work-dir", "--work", dest="work_dir", type=Path)
    parser.add_argument("--extra")
    args = parser.parse_args(argv)
    if args.stage == "parse":
        stage_parse(args.seeds)
    elif args.stage == "load":
        stage_load(args.seeds, args.db)
    elif args.stage == "dbt":
        stage_dbt(args.db, args.work_dir)
    elif args.stage == "gate":
        stage_gate(args.seeds, args.db, args.work_dir)
    elif args.stage == "run":
        stage_run(args.seeds, args.home, json.loads(args.extra) if args.extra else [])
    else:
        sizes = [int(s) for s in args.sizes.split(",")]
        work = args.work_dir or Path(os.environ.get("TMPDIR", "/tmp")) / "budget-recon-bench"
        rows, bundled = bench(sizes, args.inconsistent, work)
        text = table(rows, bundled, "python bench/run_bench.py --sizes " + args.sizes)
        print(text)
        notes = ""
        if args.out.exists():  # keep the hand-written notes below the table
            previous = args.out.read_text(encoding="utf-8")
            notes = previous[previous.index("<!-- notes -->"):] if "<!-- notes -->" in previous else ""
        args.out.write_text("# Benchmark results\n\n" + text + "\n\n" + notes, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
