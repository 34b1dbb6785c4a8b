"""Fixtures shared by the whole test session."""

from tests.postgres_server import postgres_server  # noqa: F401  (a PostgreSQL server of the session's own)
