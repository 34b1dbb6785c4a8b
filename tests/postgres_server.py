"""A real PostgreSQL server for the tests: Debian's PostgreSQL 15, started in a temporary folder.

`initdb` and `pg_ctl` run as the `postgres` user when the tests run as root (CI: a fresh clone as root;
initdb refuses root), as the current user otherwise. The server listens on 127.0.0.1 on a free port
and on a Unix socket in its own folder, trusts local connections, and is stopped and deleted at the
end of the session. The Makefile's set-up installs the package when it is missing
(`make postgresql`); without it the tests that need the server are skipped, saying why.

Use the session fixture `postgres_server` (tests/conftest.py) and ask it for databases:
`url = postgres_server.create_database("dagster")` → postgresql://postgres@127.0.0.1:PORT/dagster.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("BUDGET_RECON_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bin_dir: Path = PG_BIN):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="budget-recon-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port: int | None = None
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.root.chmod(0o700)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, cwd=self.root)

    def start(self) -> "PostgresServer":
        done = self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
        if done.returncode:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        for _ in range(5):  # another process may take the free port between the probe and the bind
            self.port = _free_port()
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
            )
            done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
            if done.returncode == 0:
                return self
        raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        import psycopg2

        con = psycopg2.connect(self.url(database))
        con.autocommit = True
        return con

    def create_database(self, name: str) -> str:
        """A new empty database (dropped first if a test made it before); returns its URL."""
        con = self.connect()
        try:
            with con.cursor() as cur:
                cur.execute(f'drop database if exists "{name}" with (force)')
                cur.execute(f'create database "{name}"')
        finally:
            con.close()
        return self.url(name)

    def stop(self) -> None:
        if self.port is not None and self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the whole test session."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL 15 is not installed ({PG_BIN}): `make postgresql` installs Debian's postgresql-15")
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()
