"""The warehouse on DuckDB and on PostgreSQL, side by side: `budget-recon run` end to end.

    .venv/bin/python bench/warehouse_bench.py [--sizes 1,100,1000] [--parallel 2] [--out bench/RESULTS.md]

For each N: a corpus of N reports (bench/generate_corpus.py), then in a fresh home
- DuckDB: the embedded default (DuckDB file, Dagster's instance in SQLite files): one `budget-recon run`;
- PostgreSQL: warehouse AND Dagster instance on a PostgreSQL 15 server started for the benchmark
  (tests/postgres_server.py): `--parallel` `budget-recon run --report …` processes at once over
  contiguous slices of the corpus (each one Dagster run over its partition range). Loads of different
  reports overlap; dbt, the gate and publishing take turns on the pipeline's advisory lock.
Then a second run of every report (each report reloaded and rebuilt) while a reader queries the
warehouse every 0.5 s as an analyst or a BI tool would: reads served and refused, median and slowest
read. On DuckDB a read is refused while a run holds the file.

Recorded: wall time, CPU seconds (the runs' processes plus, on PostgreSQL, the server's), the load
average, the Dagster storage's size (SQLite files; PostgreSQL: the instance database's size). The
machine is shared: compare the two columns of one run of this script, not runs of different days.
Figures go to stdout (one line per finished run, so a long run can be followed) and, with --out,
replace the section `## Warehouse: DuckDB vs PostgreSQL` of that file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration import warehouse  # noqa: E402
from orchestration.parsing.registry import load_registry  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402

SECTION = "## Warehouse: DuckDB vs PostgreSQL"
CLI = str(Path(sys.executable).with_name("budget-recon"))
READ = "select count(*), count(distinct report_id) from published.fct_budget_plan"


def corpus(n: int, out: Path) -> Path:
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_corpus.py"), "--n", str(n), "--out", str(out)],
                   check=True, capture_output=True)
    return out


class Reader(threading.Thread):
    """Queries the warehouse every 0.5 s while a run writes it."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self.target, self.stop = target, threading.Event()
        self.latencies: list[float] = []
        self.refused = 0

    def run(self):
        while not self.stop.wait(0.5):
            started = time.perf_counter()
            try:
                with warehouse.connect(self.target, read_only=True, timeout_s=0) as con:
                    con.execute(READ).fetchone()
                self.latencies.append(time.perf_counter() - started)
            except Exception:  # DuckDB: a run holds the file
                self.refused += 1

    def figures(self) -> dict:
        lat = self.latencies
        return {"served": len(lat), "refused": self.refused,
                "median": statistics.median(lat) if lat else None, "slowest": max(lat) if lat else None}


def server_cpu(server: PostgresServer | None) -> float:
    """CPU seconds of the PostgreSQL server: the postmaster, its ended backends (reaped: cutime) and live ones."""
    if server is None:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    master = int((server.data / "postmaster.pid").read_text().split()[0])
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif ppid == master:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(seeds: Path, home: Path, env_extra: dict, slices: list[list[str]], reader_target=None,
        server: PostgresServer | None = None) -> dict:
    """`budget-recon run` over each slice at once (one slice: every report); wall and CPU seconds."""
    env = dict(os.environ, BUDGET_RECON_HOME=str(home), BUDGET_RECON_SEEDS=str(seeds), DAGSTER_HOME=str(home / "dagster"),
               BUDGET_RECON_ACKNOWLEDGED=str(seeds / "acknowledged.yaml"), **env_extra)
    # Register the partitions once, so runs started together do not add the same ones at once.
    subprocess.run([CLI, "sync"], env=env, capture_output=True, text=True, check=True)
    reader = Reader(reader_target) if reader_target is not None else None
    load_before, cpu_before, server_before = os.getloadavg()[0], children_cpu(), server_cpu(server)
    if reader:
        reader.start()
    started = time.perf_counter()
    logs = [open(home / f"bench-run-{i}.log", "w", encoding="utf-8") for i in range(len(slices))]
    procs = [
        subprocess.Popen([CLI, "run"] + [a for r in ids for a in ("--report", r)] if len(slices) > 1 else [CLI, "run"],
                         env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        for ids, log in zip(slices, logs)
    ]
    codes = [p.wait() for p in procs]
    seconds = time.perf_counter() - started
    if reader:
        reader.stop.set()
        reader.join()
    for log in logs:
        log.close()
    results = home / "dbt" / "target" / "run_results.json"
    if results.exists():  # dbt's per-model timings of the (last) build, kept after the scratch folder goes
        kept = ROOT / "var" / "bench"
        kept.mkdir(parents=True, exist_ok=True)
        (kept / f"run_results-{home.name}-{len(list(kept.glob(f'run_results-{home.name}-*.json')))}.json").write_bytes(
            results.read_bytes())
    summaries = []
    for i in range(len(slices)):
        text = (home / f"bench-run-{i}.log").read_text(encoding="utf-8")
        summaries += [line for line in text.splitlines() if " reports, " in line and "gate:" in line]
    return {"seconds": seconds, "exit": max(codes), "cpu": children_cpu() - cpu_before,
            "server_cpu": server_cpu(server) - server_before, "load": (load_before + os.getloadavg()[0]) / 2,
            "reads": reader.figures() if reader else None, "summary": " | ".join(summaries)}


def dagster_size(home: Path, server: PostgresServer | None, database: str | None) -> int:
    if server is None:
        return sum(f.stat().st_size for f in (home / "dagster").rglob("*") if f.is_file())
    con = server.connect(database)
    try:
        with con.cursor() as cur:
            cur.execute("select pg_database_size(current_database())")
            return cur.fetchone()[0]
    finally:
        con.close()


def bench(n: int, scratch: Path, server: PostgresServer, parallel: int, emit, warehouses=("duckdb", "postgres")) -> dict:
    seeds = corpus(n, scratch / f"corpus-{n}")
    ids = [e.report_id for e in load_registry(seeds / "reports.yaml")]  # registry order: contiguous slices
    out = {}
    if "duckdb" in warehouses:
        out["duckdb"] = bench_duckdb(n, scratch, seeds, ids, emit)
    if "postgres" in warehouses:
        out["postgres"] = bench_postgres(n, scratch, seeds, ids, server, parallel, emit)
    return out


def bench_duckdb(n: int, scratch: Path, seeds: Path, ids: list[str], emit) -> tuple[dict, dict]:
    """DuckDB + SQLite instance (the embedded default): one process."""
    home = scratch / f"duckdb-{n}"
    home.mkdir()
    target = home / "warehouse.duckdb"
    first = run(seeds, home, {"BUDGET_RECON_WAREHOUSE": str(target)}, [ids])
    first["storage"] = dagster_size(home, None, None)
    emit(n, "duckdb", "first", first)
    second = run(seeds, home, {"BUDGET_RECON_WAREHOUSE": str(target)}, [ids], reader_target=target)
    emit(n, "duckdb", "second", second)
    return first, second


def bench_postgres(n: int, scratch: Path, seeds: Path, ids: list[str], server: PostgresServer, parallel: int,
                   emit) -> tuple[dict, dict]:
    """PostgreSQL warehouse + PostgreSQL Dagster instance: `parallel` processes over slices."""
    home = scratch / f"postgres-{n}"
    home.mkdir()
    url = server.create_database(f"warehouse_{n}")
    instance_db = f"dagster_{n}"
    env = {"BUDGET_RECON_WAREHOUSE": url, "BUDGET_RECON_DAGSTER_STORAGE": server.create_database(instance_db)}
    k = max(1, min(parallel, len(ids)))
    slices = [ids[i * len(ids) // k:(i + 1) * len(ids) // k] for i in range(k)]
    first = run(seeds, home, env, slices, server=server)
    first["storage"] = dagster_size(home, server, instance_db)
    emit(n, "postgres", "first", first)
    second = run(seeds, home, env, slices, reader_target=url, server=server)
    emit(n, "postgres", "second", second)
    return first, second


def _reads(r: dict | None) -> str:
    if not r:
        return "–"
    if not r["served"]:
        return f"0 served / {r['refused']} refused"
    return f"{r['served']} served / {r['refused']} refused (median {r['median']:.2f}s, slowest {r['slowest']:.2f}s)"


def table(rows: list[tuple[int, dict]], parallel: int) -> str:
    lines = [
        SECTION, "",
        "`bench/warehouse_bench.py`: `budget-recon run` of N generated reports in a fresh home. DuckDB: the DuckDB",
        "file and Dagster's SQLite instance, one process. PostgreSQL: warehouse and Dagster instance on a local",
        f"PostgreSQL 15, {parallel} `budget-recon run --report …` processes at once over slices of the corpus.",
        "Second run: every report again while a reader queries `published.fct_budget_plan` every 0.5 s.",
        "CPU: the runs' processes (+ the PostgreSQL server's). Load: 1-minute load average (mean of start and end).", "",
        "| N | warehouse | wall s | s/report | CPU s (+server) | load | Dagster storage | second run s | reads during the second run | exit |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, result in rows:
        for name, (first, second) in result.items():
            cpu = f"{first['cpu']:.0f}" + (f" (+{first['server_cpu']:.0f})" if first["server_cpu"] else "")
            lines.append(
                f"| {n} | {'DuckDB + SQLite' if name == 'duckdb' else 'PostgreSQL'} | {first['seconds']:.0f} | "
                f"{first['seconds'] / n:.2f} | {cpu} | {first['load']:.1f} | {first['storage'] / 2**20:.1f} MB | "
                f"{second['seconds']:.0f} | {_reads(second['reads'])} | {first['exit']}/{second['exit']} |"
            )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,100,1000")
    parser.add_argument("--parallel", type=int, default=2, help="PostgreSQL: runs at once over slices of the corpus")
    parser.add_argument("--warehouses", default="duckdb,postgres", help="which of duckdb, postgres to run")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--json", type=Path, help="append each finished run's figures to this file (JSON lines)")
    args = parser.parse_args(argv)

    def emit(n, name, which, figures):
        print(f"N={n} {name} {which}: {figures['seconds']:.0f}s exit {figures['exit']} cpu {figures['cpu']:.0f}s "
              f"(+server {figures['server_cpu']:.0f}s) load {figures['load']:.1f} reads {_reads(figures['reads'])}; "
              f"{figures['summary']}", flush=True)
        if args.json:
            with args.json.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"n": n, "warehouse": name, "run": which, **figures}) + "\n")

    server = PostgresServer().start()
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="warehouse-bench-") as scratch:
            for n in [int(s) for s in args.sizes.split(",")]:
                rows.append((n, bench(n, Path(scratch), server, args.parallel, emit, args.warehouses.split(","))))
    finally:
        server.stop()
    text = table(rows, args.parallel)
    print(text)
    if args.out:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        head, _, rest = current.partition(SECTION)
        tail = rest[rest.find("\n## "):] if "\n## " in rest else ""
        args.out.write_text((head.rstrip() + "\n\n" if head.strip() else "") + text + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
