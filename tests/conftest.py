"""Fixtures shared by the whole test session."""

from tests.bundled_home import bundled_home  # noqa: F401  (one run of the bundled reports, read only)
from tests.postgres_server import postgres_server  # noqa: F401  (a PostgreSQL server of the session's own)
