"""Demo shops built once per test run and restored wherever a module or a test needs one.

Building it (generate 120 companies, load them through ingest, recompute) costs seconds to tens
of seconds on a loaded machine; eight modules use it. The first module builds it and copies every
plugin table into a snapshot table beside it (`ltvsnap_<tag>_<table>`, in the same test database, which
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


def _columns_key() -> str:
    """The plugin tables' columns: a snapshot taken before a schema change is not restored after it."""
    with connection.cursor() as cursor:
        return repr(sorted((table, [c.name for c in connection.introspection.get_table_description(cursor, table)])
                           for table in plugin_tables()))


class ShopSnapshot:
    """A demo shop (generated, loaded through ingest, scored if asked) built once per session and
    restored on every later use, from snapshot tables `ltvsnap_<tag>_<table>`."""

    def __init__(self, tag: str, companies: int, seed: int, scored: bool):
        self.prefix = f"{PREFIX}{tag}_"
        self.companies, self.seed, self.scored = companies, seed, scored
        self.shop = None
        self.key: str | None = None

    def install(self):
        """Plugin tables hold exactly this shop; returns the generated shop."""
        if self.key is not None and self.key == _columns_key():
            self.restore()
        else:
            self.build()
        return self.shop

    def build(self) -> None:
        """Build the shop and snapshot it; outside a test's transaction, or its rollback takes the snapshot."""
        from saleor_ltv_plugin.demo.loader import load_shop
        from saleor_ltv_plugin.demo.synthetic import generate_shop
        from saleor_ltv_plugin.metrics.recompute import recompute

        truncate_plugin_tables()
        self.shop = generate_shop(n_companies=self.companies, seed=self.seed)
        load_shop(self.shop)
        if self.scored:
            recompute(now=NOW)
        with connection.cursor() as cursor:
            for table in plugin_tables():
                cursor.execute(f'DROP TABLE IF EXISTS "{self.prefix}{table}"')
                cursor.execute(f'CREATE TABLE "{self.prefix}{table}" AS SELECT * FROM "{table}"')
        self.key = _columns_key()

    def restore(self):
        """The snapshot's rows, ids included, in place of whatever the plugin tables hold."""
        truncate_plugin_tables()
        with transaction.atomic(), connection.cursor() as cursor:  # foreign keys are checked at commit
            for table in plugin_tables():
                cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{self.prefix}{table}"')
            for statement in connection.ops.sequence_reset_sql(no_style(), plugin_models()):
                cursor.execute(statement)
        return self.shop


SCORED_SHOP = ShopSnapshot("scored", COMPANIES, SEED, scored=True)
