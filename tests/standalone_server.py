"""The standalone server as a real process, for the tests that need one on loopback
(the Dashboard's browser tests, the GraphQL load test). The helpers live in tests/support."""

from __future__ import annotations

from django.conf import settings

from .support.net import free_port  # noqa: F401 — re-exported for the tests that import it here
from .support.processes import CLI, HEALTH, start_runserver  # noqa: F401


def admin_sql(sql: str) -> None:
    """Run `sql` on the server's maintenance database (CREATE / DROP DATABASE)."""
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432,
                         user=db.get("USER") or "postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)
