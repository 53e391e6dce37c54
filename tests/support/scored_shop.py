"""The scored demo shop, built once per test run and restored for each module that uses it.

Building it (generate 120 companies, load them through ingest, recompute) costs seconds to tens
of seconds on a loaded machine; eight modules use it. The first module builds it and copies every
plugin table into a snapshot table beside it (`ltvsnap_<table>`, in the same test database, which
Django's flush never touches); each later module truncates the plugin tables and copies the rows
back (INSERT … SELECT: server-side, no round trip per row) and resets the id sequences, so every
module starts from the same rows a fresh build would give, ids included. Tests still run inside
their own transactions, as before.

Why not a PostgreSQL template database per module: pytest-django holds one test database per
session and its connections; cloning one per module would mean re-pointing them all. Snapshot
tables give the same "built once, copied per module" on PostgreSQL and on SQLite alike.
"""

from __future__ import annotations

from datetime import datetime, timezone

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)  # the demo shop ends 2026-11-01
COMPANIES, SEED = 120, 7
PREFIX = "ltvsnap_"


def plugin_models() -> list:
    return list(apps.get_app_config("saleor_ltv_plugin").get_models(include_auto_created=True))


def plugin_tables() -> list[str]:
    return [model._meta.db_table for model in plugin_models()]


def truncate_plugin_tables() -> None:
    tables = plugin_tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
        else:  # SQLite: no TRUNCATE, and deletes must not trip over foreign keys
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("PRAGMA foreign_keys = ON")


def _snapshot_key() -> str:
    """Which build the snapshot tables hold: the demo's parameters and the tables' columns."""
    columns = {table: [c.name for c in connection.introspection.get_table_description(connection.cursor(), table)]
               for table in plugin_tables()}
    return repr((COMPANIES, SEED, NOW.isoformat(), sorted(columns.items())))


class ScoredShop:
    """Builds the shop on first use in a session, restores it on every later use."""

    def __init__(self):
        self.shop = None
        self.key: str | None = None

    def install(self):
        """Plugin tables hold exactly the scored shop; returns the generated shop."""
        if self.key is not None and self.key == _snapshot_key():
            self._restore()
        else:
            self._build()
        return self.shop

    def _build(self) -> None:
        from saleor_ltv_plugin.demo.loader import load_shop
        from saleor_ltv_plugin.demo.synthetic import generate_shop
        from saleor_ltv_plugin.metrics.recompute import recompute

        truncate_plugin_tables()
        self.shop = generate_shop(n_companies=COMPANIES, seed=SEED)
        load_shop(self.shop)
        recompute(now=NOW)
        with connection.cursor() as cursor:
            for table in plugin_tables():
                cursor.execute(f'DROP TABLE IF EXISTS "{PREFIX}{table}"')
                cursor.execute(f'CREATE TABLE "{PREFIX}{table}" AS SELECT * FROM "{table}"')
        self.key = _snapshot_key()

    def _restore(self) -> None:
        truncate_plugin_tables()
        with transaction.atomic(), connection.cursor() as cursor:  # foreign keys are checked at commit
            for table in plugin_tables():
                cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{PREFIX}{table}"')
            for statement in connection.ops.sequence_reset_sql(no_style(), plugin_models()):
                cursor.execute(statement)


SCORED_SHOP = ScoredShop()
