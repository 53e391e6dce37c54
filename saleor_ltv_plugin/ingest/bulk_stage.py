"""Temporary tables for the set-based batch path (bulk_orders): filled by COPY on PostgreSQL and
executemany on SQLite, with the few words the two dialects spell differently."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import connection


def table(model) -> str:
    return f'"{model._meta.db_table}"'


class Stage:
    """Temporary tables filled by COPY (PostgreSQL) or executemany (SQLite), and the two dialects' words."""

    def __init__(self, cursor, now: datetime):
        self.cursor, self.now = cursor, now  # the batch's one timestamp (created_at, updated_at)
        self.names: list[str] = []
        self.times: dict[str, dict[str, bool]] = {}  # table → column → holds a datetime
        self.keys: dict[str, str] = {}  # table → the columns the merge joins on
        self.pg = connection.vendor == "postgresql"
        self.distinct = "IS DISTINCT FROM" if self.pg else "IS NOT"
        self.least, self.greatest = ("LEAST", "GREATEST") if self.pg else ("min", "max")
        # The zone SQLite's naive datetimes are in (UTC unless DATABASES sets one); None: Django's path.
        self.naive_in = connection.timezone if not self.pg and settings.USE_TZ else None

    def create(self, name: str, columns: str = "", select: str = "", key: str = "") -> None:
        """`key`: the columns the merge looks rows up by (SQLite gets an index: its planner has no hash join)."""
        # A caller's transaction may hold several batches: a table of the previous one goes first.
        self.cursor.execute(f"DROP TABLE IF EXISTS {name}")
        drop = " ON COMMIT DROP" if self.pg else ""
        shape = f"{drop} AS {select}" if select else f"({columns}){drop}"
        self.cursor.execute(f"CREATE TEMP TABLE {name}{shape}")
        if key and not self.pg:
            self.cursor.execute(f"CREATE INDEX {name}_key ON {name} ({key})")
        self.names.append(name)
        self.keys[name] = key
        self.times[name] = {part.split()[0]: part.split()[1] == "timestamptz" for part in columns.split(",") if part}

    def drop(self) -> None:
        for name in self.names:
            self.cursor.execute(f"DROP TABLE IF EXISTS {name}")

    def value(self, value):
        """A datetime as Django stores it on SQLite (UTC, no offset); psycopg takes Python values."""
        if not self.pg and isinstance(value, datetime):
            if value.utcoffset() is not None and self.naive_in is not None:
                # adapt_datetimefield_value's own steps without its checks: 2 of every 5 µs per row
                return str(value.astimezone(self.naive_in).replace(tzinfo=None))
            return connection.ops.adapt_datetimefield_value(value)
        return value

    def fill(self, name: str, columns: Sequence[str], rows) -> None:
        if not self.pg:
            marks = ", ".join(["%s"] * len(columns))
            times = [i for i, column in enumerate(columns) if self.times.get(name, {}).get(column)]
            if times:
                rows = [list(row) for row in rows]
                for row in rows:
                    for i in times:
                        row[i] = self.value(row[i])
            self.cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)
            return
        with self.cursor.cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Autovacuum never analyses temporary tables; the planner needs the row count and the join
        # keys' statistics, not those of every column (raw jsonb, names): a third of the cost.
        key = self.keys.get(name)
        self.cursor.execute(f"ANALYZE {name} ({key})" if key else f"ANALYZE {name}")

    def rows(self, sql: str, params=()) -> list[tuple]:
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()
