"""Benchmark every stage of the pipeline on generated corpora and print ONE table.

    .venv/bin/python bench/run_bench.py [--sizes 1,10,100,1000] [--inconsistent 0.1] [--out bench/RESULTS.md]

For each N (corpus from bench/generate_corpus.py), each stage runs in its own child process, so
its wall time and peak memory are its own:
- parse: read + layout check + every extractor, no database (throughput in MB/s of report text;
  also measured on the three bundled reports);
- load: parse (in worker processes from 8 reports, as the raw step does) + replace each report's raw
  rows; `seconds` is the loading part alone, `pipeline_seconds` the wall time of both;
- dbt: `dbt build` (every model and test) on that warehouse;
- gate: the GE gate for every report (one validator, Data Docs built once), and the same checks as
  plain DuckDB SQL (every expectation of every suite translated into a SQL predicate; both sides must
  flag exactly the same rows, asserted), timed in the same process: the ratio GE / SQL, with and
  without GE's import and context set-up;
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
    """As the raw_report step does it: parsed in worker processes (from 8 reports), loaded here."""
    from orchestration import warehouse
    from orchestration.ingest import ingest_many, parse_workers
    from orchestration.parsing.registry import load_registry

    db.unlink(missing_ok=True)
    entries = load_registry(seeds / "reports.yaml")
    workers = parse_workers(len(entries))
    load = 0.0
    started = time.perf_counter()
    with warehouse.connect(db) as con:
        for result in ingest_many(con, entries, seeds / "reports", workers=workers):
            load += result.load.seconds
    _emit(seconds=load, pipeline_seconds=time.perf_counter() - started, workers=workers)


def stage_dbt(db: Path, work: Path) -> None:
    from orchestration.settings import DBT_PROJECT_DIR

    env = dict(os.environ, BUDGET_RECON_WAREHOUSE=str(db), DBT_TARGET_PATH=str(work / "target"), DBT_LOG_PATH=str(work / "logs"))
    started = time.perf_counter()
    code = subprocess.call([str(Path(PY).with_name("dbt")), "build", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR)],
                           cwd=DBT_PROJECT_DIR, env=env)
    _emit(seconds=time.perf_counter() - started, exit=code)


def stage_gate(seeds: Path, db: Path, work: Path) -> None:
    """The GE gate against the same checks in plain DuckDB SQL: every expectation of every suite is
    translated from its JSON into a SQL predicate, and both sides must flag exactly the same rows of the
    same reports (asserted), so the ratio compares like with like."""
    import duckdb

    from orchestration.gate.acknowledgements import ACKNOWLEDGED, CONSISTENT, DISCREPANCY, STALE, load_acknowledgements
    from orchestration.gate.results import acknowledgements_file, run_gate
    from orchestration.gate.suites import GateValidator, load_suites
    from orchestration.parsing.registry import load_registry
    from orchestration.settings import EXPECTATIONS_DIR

    def name(column: str) -> str:
        return '"' + column.replace('"', '""') + '"'

    def literal(value) -> str:
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value)
        raise NotImplementedError(f"no SQL literal for {value!r}")

    def unexpected(expectation: dict) -> str:
        """SQL predicate that is true for the rows GE calls unexpected (GE's column-map expectations other
        than not_be_null skip nulls; compound uniqueness skips rows whose columns are all null)."""
        kind, kwargs = expectation["type"], dict(expectation.get("kwargs") or {})
        known = {"column", "column_list", "value_set", "min_value", "max_value", "strict_min", "strict_max", "mostly"}
        if set(kwargs) - known or kwargs.get("mostly", 1.0) != 1.0:  # `mostly` < 1 is not a row-level verdict
            raise NotImplementedError(f"no SQL translation for {kind} {kwargs}")
        column = name(kwargs["column"]) if "column" in kwargs else None
        if kind == "expect_column_values_to_not_be_null":
            return f"{column} is null"
        if kind == "expect_column_values_to_be_null":
            return f"{column} is not null"
        if kind in ("expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set"):
            values = ", ".join(literal(v) for v in kwargs["value_set"]) or "null"
            negate = "not " if kind == "expect_column_values_to_be_in_set" else ""
            return f"{column} is not null and {column} {negate}in ({values})"
        if kind == "expect_column_values_to_be_between":
            low, high = kwargs.get("min_value"), kwargs.get("max_value")
            outside = ([f"{column} {'<=' if kwargs.get('strict_min') else '<'} {literal(low)}"] if low is not None else []) + (
                [f"{column} {'>=' if kwargs.get('strict_max') else '>'} {literal(high)}"] if high is not None else [])
            return f"{column} is not null and ({' or '.join(outside) or 'false'})"
        if kind == "expect_column_values_to_be_unique":
            return f"{column} is not null and count(*) over (partition by {column}) > 1"
        if kind == "expect_compound_columns_to_be_unique":
            columns = [name(c) for c in kwargs["column_list"]]
            return (f"not ({' and '.join(f'{c} is null' for c in columns)}) "
                    f"and count(*) over (partition by {', '.join(columns)}) > 1")
        raise NotImplementedError(f"no SQL translation for {kind}")

    def plain_sql(con, suites, ids, acknowledgements) -> dict:
        """(suite, report) -> {(expectation, column, key)} of every unexpected row, in DuckDB alone."""
        # The gate's content key (acknowledgements.content_key): trimmed text, '' as absent.
        con.execute("create or replace temp table bench_acks (model varchar, report_id varchar, identity varchar, "
                    "label_path varchar, column_label varchar, measure varchar, expected decimal(38,10), found decimal(38,10))")
        if acknowledgements:
            fields = [[a.model for a in acknowledgements], [a.report_id for a in acknowledgements],
                      [a.identity for a in acknowledgements], [a.label_path for a in acknowledgements],
                      [a.column for a in acknowledgements], [a.measure for a in acknowledgements],
                      [str(a.expected) for a in acknowledgements], [str(a.found) for a in acknowledgements]]
            con.execute("insert into bench_acks select " + ", ".join(
                f"unnest(?::varchar[]){'::decimal(38,10)' if i >= 6 else ''}" for i in range(8)), fields)
        flagged: dict = {}
        for suite in suites:
            source = f"select * from {suite.table} where report_id in (select unnest(?::varchar[]))"
            params = [ids]
            if suite.kind == "reconciliation":  # the gate's classification of each row (acknowledgements.classify)
                present = {c for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    suite.table.split(".")).fetchall()}

                def part(column):
                    return f"nullif(trim(cast(t.{column} as varchar)), '')" if column in present else "null"

                content = " and ".join(f"{part(c)} is not distinct from nullif(trim(a.{k}), '')" for c, k in (
                    ("identity_name", "identity"), ("label_path", "label_path"), ("column_label", "column_label"),
                    ("measure_name", "measure")))
                source = (
                    f"select t.*, case when t.is_consistent then '{CONSISTENT}' when a.model is null then '{DISCREPANCY}' "
                    f"when t.expected::decimal(38,10) = a.expected and t.found::decimal(38,10) = a.found then '{ACKNOWLEDGED}' else '{STALE}' end as gate_status "
                    f"from {suite.table} t left join bench_acks a on a.model = ? and a.report_id = t.report_id "
                    f"and {content} where t.report_id in (select unnest(?::varchar[]))"
                )
                params = [suite.model, ids]
            expectations = suite.definition.get("expectations", [])
            flags = ", ".join(f"coalesce({unexpected(e)}, false) as e{i}" for i, e in enumerate(expectations))
            keys = ", ".join(name(c) for c in suite.key)
            rows = con.execute(
                f"select * from (select report_id, {keys}, {flags} from ({source})) "
                f"where {' or '.join(f'e{i}' for i in range(len(expectations))) or 'false'}", params
            ).fetchall()
            width = 1 + len(suite.key)
            for row in rows:
                for i, expectation in enumerate(expectations):
                    if row[width + i]:
                        flagged.setdefault((suite.name, row[0]), set()).add(
                            (expectation["type"], (expectation.get("kwargs") or {}).get("column"), tuple(row[1:width])))
        return flagged

    ids = [e.report_id for e in load_registry(seeds / "reports.yaml")]
    con = duckdb.connect(str(db))
    suites = load_suites(EXPECTATIONS_DIR)
    started = time.perf_counter()
    acknowledgements = load_acknowledgements(acknowledgements_file(EXPECTATIONS_DIR))
    ack_seconds = time.perf_counter() - started
    plain_sql(con, suites, ids, acknowledgements)  # warms DuckDB's buffers for both sides
    started, cpu = time.perf_counter(), time.process_time()
    plain = plain_sql(con, suites, ids, acknowledgements)
    sql_seconds, sql_cpu = time.perf_counter() - started, time.process_time() - cpu

    started = time.perf_counter()
    validator = GateValidator(work / "gx")  # imports GE and opens its file context
    setup = time.perf_counter() - started
    cpu = time.process_time()
    gates = run_gate(con, ids, "bench", EXPECTATIONS_DIR, validator)
    validated, validate_cpu = time.perf_counter() - started - setup, time.process_time() - cpu
    validator.build_docs()
    ge_seconds = time.perf_counter() - started
    docs = ge_seconds - setup - validated
    con.close()

    ge = {}
    for gate in gates:
        for result in gate.results:
            for outcome in result.outcomes:
                if not outcome.success:
                    assert outcome.unexpected_keys, f"{gate.report_id} {result.suite.name}: {outcome.expectation} failed without rows"
                    ge.setdefault((result.suite.name, gate.report_id), set()).update(
                        (outcome.expectation, outcome.column, tuple(k[c] for c in result.suite.key)) for k in outcome.unexpected_keys)
    if ge != plain:
        differ = sorted(set(ge) ^ set(plain) | {k for k in set(ge) & set(plain) if ge[k] != plain[k]})
        raise AssertionError(f"GE and plain SQL flag different rows in {len(differ)} (suite, report) pairs, e.g. "
                             + "; ".join(f"{k}: GE {sorted(ge.get(k, ()))[:3]} SQL {sorted(plain.get(k, ()))[:3]}" for k in differ[:3]))
    _emit(seconds=ge_seconds, setup_seconds=setup, validate_seconds=validated, docs_seconds=docs, sql_seconds=sql_seconds,
          sql_cpu=sql_cpu, validate_cpu=validate_cpu, validate_cpu_ratio=validate_cpu / sql_cpu,
          validations=len(getattr(validator, "_stored", [])),
          ack_load_seconds=ack_seconds, ratio=ge_seconds / sql_seconds, validate_ratio=validated / sql_seconds,
          errors=sum(g.severity == "ERROR" for g in gates), flagged_pairs=len(plain),
          flagged_rows=sum(len({x[2] for x in v}) for v in plain.values()))


STAGES = {"parse": stage_parse, "load": stage_load, "dbt": stage_dbt, "gate": stage_gate}


# --- fixed cost: the bundled reports and one report added, before against after ------------------


def stage_measured(home: Path, extra: list[str]) -> None:
    """`budget-recon run` as a child: wall time and CPU seconds of the whole process tree (dbt included),
    the dbt nodes it ran and Dagster's step durations."""
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([str(Path(PY).with_name("budget-recon")), "run", *extra], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    (home / f"bench-run-{len(list(home.glob('bench-run-*.log')))}.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    summary = [l.strip() for l in proc.stdout.splitlines() if l.strip().startswith(("ok ", "FAILED ")) or " reports, " in l]
    dbt = {}
    results = home / "dbt" / "target" / "run_results.json"
    if results.exists():
        data = json.loads(results.read_text(encoding="utf-8"))
        for result in data.get("results", []):
            kind = result["unique_id"].split(".")[0]
            entry = dbt.setdefault(kind, {"nodes": 0, "seconds": 0.0})
            entry["nodes"] += 1
            entry["seconds"] += result.get("execution_time") or 0.0
        dbt["elapsed"] = data.get("elapsed_time")
    steps = {}
    try:
        import dagster as dg

        with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
            run = instance.get_runs(limit=1)[0]
            for stat in instance.get_run_step_stats(run.run_id):
                if stat.start_time and stat.end_time:
                    steps[stat.step_key] = round(stat.end_time - stat.start_time, 2)
            stats = instance.get_run_stats(run.run_id)
            steps["(run)"] = round((stats.end_time or 0) - (stats.launch_time or stats.start_time or 0), 2)
    except Exception as exc:  # the figures above still stand
        steps["error"] = str(exc)[:200]
    _emit(seconds=seconds, cpu=cpu, exit=proc.returncode, summary=summary, dbt=dbt, steps=steps)


def stage_imports() -> None:
    """Start-up: what importing the code location and GE costs a fresh process."""
    figures = {}
    for name, code in (("python", "pass"), ("definitions", "import orchestration.definitions"),
                       ("great_expectations", "import great_expectations")):
        started = time.perf_counter()
        subprocess.run([PY, "-c", code], check=True, capture_output=True)
        figures[name] = time.perf_counter() - started
    _emit(**figures)


def _tree(rev: str, work: Path) -> Path:
    """The project at `rev` in a folder of its own (same virtual environment), its dbt manifest prepared."""
    tree = work / f"tree-{rev}"
    if not (tree / "orchestration").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    if not (tree / "var" / "dbt" / "manifest" / "manifest.json").exists():
        subprocess.run([str(Path(PY).with_name("dagster-dbt")), "project", "prepare-and-package", "--file",
                        "orchestration/dbt_project.py"], cwd=tree, check=True, capture_output=True,
                       env=dict(os.environ, PYTHONPATH=str(tree), PATH=f"{Path(PY).parent}{os.pathsep}{os.environ.get('PATH', '')}"))
    return tree


def fixed_cost(variants: dict[str, Path], one: str, work: Path) -> dict:
    """Per variant, back to back: the bundled reports in a fresh home, again in the warm home, then
    one report re-run against the loaded warehouse."""
    out = {}
    for name, tree in variants.items():
        home = work / f"fixed-{name}"
        if home.exists():
            shutil.rmtree(home)
        home.mkdir(parents=True)
        env = {"BUDGET_RECON_HOME": str(home), "BUDGET_RECON_SEEDS": str(tree / "seeds"), "DAGSTER_HOME": str(home / "dagster"),
               "PYTHONPATH": str(tree)}
        figures = {"imports": _child(["--stage", "imports"], env)}
        for label, extra in (("fresh", []), ("warm", []), ("one", ["--report", one])):
            figures[label] = _child(["--stage", "measured", "--home", str(home), *(["--extra", json.dumps(extra)] if extra else [])], env)
            print(f"{name} {label}: {figures[label]['seconds']:.1f}s wall, {figures[label]['cpu']:.1f} CPU s", flush=True)
        out[name] = figures
    return out


def fixed_cost_table(out: dict, one: str, load: tuple) -> str:
    names = list(out)
    lines = [f"`python bench/run_bench.py --fixed-cost{' --before ' + names[0].split(' ', 1)[-1] if len(names) > 1 else ''}"
             f"{' --after ' + names[1].split(' ', 1)[-1] if len(names) > 1 and ' ' in names[1] else ''}` — "
             f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average {load[0]:.1f} at start, "
             f"{os.getloadavg()[0]:.1f} at the end. Wall s / CPU s of the process tree (dbt included).", "",
             "| | " + " | ".join(names) + (" | after ÷ before |" if len(names) == 2 else " |"),
             "|---|" + "---|" * (len(names) + (len(names) == 2))]

    def row(label, values, ratio=True):
        cells = [str(v) for v in values]
        if len(values) == 2 and ratio:
            try:
                cells.append(f"{float(str(values[1]).split()[0]) / float(str(values[0]).split()[0]):.2f}")
            except (ValueError, ZeroDivisionError):
                cells.append("")
        elif len(values) == 2:
            cells.append("")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    for label, key in (("3 bundled reports, fresh home", "fresh"), ("3 bundled reports, warm home", "warm"),
                       (f"{one} re-run on the loaded warehouse", "one")):
        row(f"{label}: wall", [f"{out[n][key]['seconds']:.1f}" for n in names])
        row(f"{label}: CPU", [f"{out[n][key]['cpu']:.1f}" for n in names])
    for key in ("one",):
        for kind in ("model", "test"):
            row(f"one report: dbt {kind} nodes (s summed)", [
                f"{out[n][key]['dbt'].get(kind, {}).get('nodes', 0)} ({out[n][key]['dbt'].get(kind, {}).get('seconds', 0):.1f})" for n in names])
        row("one report: dbt elapsed", [f"{out[n][key]['dbt'].get('elapsed') or 0:.1f}" for n in names])
        steps = sorted({s for n in names for s in out[n][key]["steps"] if s != "error"})
        for step in steps:
            row(f"one report: step {step}", [f"{out[n][key]['steps'].get(step, 0)}" for n in names])
    for name in ("python", "definitions", "great_expectations"):
        row(f"import {name} (fresh process)", [f"{out[n]['imports'][name]:.1f}" for n in names])
    for n in names:
        lines.append("")
        lines.append(f"{n}, summary lines of the warm run: " + " / ".join(f"`{s}`" for s in out[n]["warm"]["summary"]))
    return "\n".join(lines)


# --- driver ---------------------------------------------------------------------------------------


def _child(args: list[str], env: dict | None = None) -> dict:
    started = time.perf_counter()
    proc = subprocess.run([PY, str(Path(__file__).resolve()), *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, cwd=ROOT)
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
    env = {"BUDGET_RECON_HOME": str(home), "BUDGET_RECON_SEEDS": str(seeds), "DAGSTER_HOME": str(home / "dagster")}
    if (seeds / "acknowledged.yaml").exists():  # a generated corpus brings its own; the bundled reports use expectations/
        env["BUDGET_RECON_ACKNOWLEDGED"] = str(seeds / "acknowledged.yaml")
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
    bundled["e2e"] = _pipeline(ROOT / "seeds", work / "bundled-home")
    print(f"the three bundled reports end to end: {bundled['e2e']['seconds']:.1f}s", flush=True)
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
        "| N | MB | parse | parser MB/s | load | parse+load | dbt build | GE gate | plain SQL | gate ÷ SQL | end to end | s / report | injected caught | add 1 to N |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    single = next((r["e2e"]["seconds"] for r in rows if r["n"] == 1), None)
    for r in rows:
        add = ""
        if "add1" in r:
            add = f"{r['add1']['seconds']:.1f}s / {r['add1']['peak_mb']:.0f} MB"
            if single:
                add += f" ({r['add1']['seconds'] / single:.2f}× N=1)"
        out.append(
            f"| {r['n']} | {r['mb']:.1f} | {t(r['parse'])} | {r['parse']['mb_s']:.2f} | {t(r['load'])} | "
            f"{r['load'].get('pipeline_seconds', 0):.1f}s ({r['load'].get('workers', 0)} workers) | {t(r['dbt'])} | "
            f"{t(r['gate'])} | {r['gate']['sql_seconds']:.2f}s | {r['gate']['ratio']:.0f}× ({r['gate'].get('validate_ratio', 0):.0f}× w/o GE setup {r['gate'].get('setup_seconds', 0):.1f}s) | {t(r['e2e'])} | "
            f"{r['e2e']['seconds'] / r['n']:.2f} | {'yes' if r['caught'][0] else 'NO'} ({r['caught'][1]}) | {add} |"
        )
    out += ["", f"Parser on the three bundled reports (cold memo per report): {bundled['mb']:.2f} MB in "
            f"{bundled['seconds']:.2f}s = {bundled['mb_s']:.2f} MB/s. The three bundled reports end to end "
            f"(`budget-recon run`, fresh home, warm virtual environment): {t(bundled['e2e'])}.",
            "", "`load` is the loading part alone; `parse+load` the wall time of the raw step's pipeline "
            "(reports parsed in worker processes from 8 reports on, loaded one by one)."]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100,1000")
    parser.add_argument("--inconsistent", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--stage", choices=[*STAGES, "run", "measured", "imports"])
    parser.add_argument("--seeds", type=Path)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--work-dir", "--work", dest="work_dir", type=Path)
    parser.add_argument("--extra")
    parser.add_argument("--fixed-cost", action="store_true",
                        help="the bundled reports and one report on a loaded warehouse, wall and CPU (with --before: that commit too)")
    parser.add_argument("--before", help="a git revision to measure before the working tree, back to back")
    parser.add_argument("--after", help="a git revision to measure as 'after' (default: the working tree)")
    parser.add_argument("--before-only", action="store_true", help="measure the --before revision alone")
    parser.add_argument("--one", help="the report to re-run (default: the smallest bundled report)")
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
    elif args.stage == "measured":
        stage_measured(args.home, json.loads(args.extra) if args.extra else [])
    elif args.stage == "imports":
        stage_imports()
    elif args.fixed_cost:
        import yaml

        work = args.work_dir or Path(os.environ.get("TMPDIR", "/tmp")) / "budget-recon-bench"
        work.mkdir(parents=True, exist_ok=True)
        entries = yaml.safe_load((ROOT / "seeds" / "reports.yaml").read_text(encoding="utf-8"))["reports"]
        one = args.one or min(entries, key=lambda e: (ROOT / "seeds" / "reports" / e["file"]).stat().st_size)["report_id"]
        load = os.getloadavg()
        variants = {f"before {args.before}": _tree(args.before, work)} if args.before else {}
        if not args.before_only:
            variants[f"after {args.after}" if args.after else "after" if args.before else "this tree"] = (
                _tree(args.after, work) if args.after else ROOT)
        text = fixed_cost_table(fixed_cost(variants, one, work), one, load)
        print(text)
        if args.out.exists():
            previous = args.out.read_text(encoding="utf-8")
            marker = "<!-- fixed cost -->"
            head = previous[:previous.index(marker)] if marker in previous else previous.rstrip() + "\n\n"
            # The sections after this one (other benchmarks) stay: the section ends at the next "## " heading.
            rest = previous[len(head):].split("\n## ", 2)[2:] if marker in previous else []
            tail = ("\n## " + rest[0]) if rest else ""
            args.out.write_text(head + marker + "\n## Fixed cost: the bundled reports and one report added (issue 17)\n\n" + text + "\n"
                                + tail, encoding="utf-8")
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
