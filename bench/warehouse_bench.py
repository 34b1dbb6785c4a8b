"""The warehouse on DuckDB and on PostgreSQL, side by side: `budget-recon run` end to end.

    .venv/bin/python bench/warehouse_bench.py [--sizes 1,100,1000] [--out bench/RESULTS.md]

For each N: a corpus of N reports (bench/generate_corpus.py), then `budget-recon run` in a fresh
home twice: with the DuckDB file, and with a PostgreSQL warehouse on a server started for the
benchmark (Debian's PostgreSQL 15, tests/postgres_server.py; Dagster's instance stays SQLite in both,
so only the warehouse differs). While the PostgreSQL run writes, a reader opens the warehouse every
0.5 s and queries it (as an analyst or a BI tool would): reads served, reads refused, slowest read.
On DuckDB no reader runs: a reader holding the file makes the run wait for it or fails its dbt build
(docs/operations.md), so the times would not compare. Figures go to stdout and, with --out, replace the section
`## Warehouse: DuckDB vs PostgreSQL` of that file. Other jobs on the machine make wall times noisy:
compare the two columns of one run of this script.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration import warehouse  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402

SECTION = "## Warehouse: DuckDB vs PostgreSQL"


def corpus(n: int, out: Path) -> Path:
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_corpus.py"), "--n", str(n), "--out", str(out)],
                   check=True, capture_output=True)
    return out


class Reader(threading.Thread):
    """Reads the warehouse every 0.5 s while a run writes it."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self.target, self.stop = target, threading.Event()
        self.served = self.refused = 0
        self.slowest = 0.0

    def run(self):
        while not self.stop.wait(0.5):
            started = time.perf_counter()
            try:
                with warehouse.connect(self.target, read_only=True, timeout_s=0) as con:
                    con.execute("select count(*) from information_schema.tables where table_schema = 'raw'").fetchone()
                self.served += 1
                self.slowest = max(self.slowest, time.perf_counter() - started)
            except Exception:  # DuckDB: the run holds the file; PostgreSQL: not expected
                self.refused += 1


def run(seeds: Path, home: Path, target, read: bool) -> dict:
    env = dict(os.environ, BUDGET_RECON_HOME=str(home), BUDGET_RECON_SEEDS=str(seeds), DAGSTER_HOME=str(home / "dagster"),
               BUDGET_RECON_WAREHOUSE=str(target), BUDGET_RECON_ACKNOWLEDGED=str(seeds / "acknowledged.yaml"))
    reader = Reader(target)
    if read:
        reader.start()
    started = time.perf_counter()
    proc = subprocess.run([str(Path(sys.executable).with_name("budget-recon")), "run"], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    reader.stop.set()
    if read:
        reader.join()
    (home / "bench-run.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    summary = next((line for line in proc.stdout.splitlines() if " reports, " in line and "gate:" in line), "")
    return {"seconds": seconds, "exit": proc.returncode, "served": reader.served, "refused": reader.refused,
            "slowest": reader.slowest, "summary": summary}


def table(rows: list[tuple[int, dict, dict]]) -> str:
    lines = [
        SECTION, "",
        "`bench/warehouse_bench.py`: `budget-recon run` of N generated reports in a fresh home, the warehouse on",
        "DuckDB and on PostgreSQL 15 (a local server; Dagster's instance on SQLite in both). Reads during the",
        "PostgreSQL run: a reader opening the warehouse every 0.5 s (served / refused, slowest served read).", "",
        "| N | DuckDB s | PostgreSQL s | DuckDB s/report | PostgreSQL s/report | PostgreSQL reads during the run | exit (D/P) |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, duck, pg in rows:
        lines.append(
            f"| {n} | {duck['seconds']:.0f} | {pg['seconds']:.0f} | {duck['seconds'] / n:.2f} | {pg['seconds'] / n:.2f} | "
            f"{pg['served']} / {pg['refused']} ({pg['slowest']:.2f}s) | "
            f"{duck['exit']}/{pg['exit']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,100,1000")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    server = PostgresServer().start()
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="warehouse-bench-") as scratch:
            for n in [int(s) for s in args.sizes.split(",")]:
                seeds = corpus(n, Path(scratch) / f"corpus-{n}")
                duck_home = Path(scratch) / f"duckdb-{n}"
                duck_home.mkdir()
                duck = run(seeds, duck_home, duck_home / "warehouse.duckdb", read=False)
                pg_home = Path(scratch) / f"postgres-{n}"
                pg_home.mkdir()
                pg = run(seeds, pg_home, server.create_database(f"bench_{n}"), read=True)
                rows.append((n, duck, pg))
                print(f"N={n}: DuckDB {duck['seconds']:.0f}s (exit {duck['exit']}; {duck['summary']}); "
                      f"PostgreSQL {pg['seconds']:.0f}s (exit {pg['exit']}; {pg['summary']})", flush=True)
    finally:
        server.stop()
    text = table(rows)
    print(text)
    if args.out:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        head = current.split(SECTION)[0].rstrip()
        args.out.write_text((head + "\n\n" if head else "") + text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
