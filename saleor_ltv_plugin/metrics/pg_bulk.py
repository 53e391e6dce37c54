"""Bulk writes into PostgreSQL: binary COPY straight into the table (:mod:`.pg_binary`).

A full replace of a table's rows takes the table for the write: it is emptied
with TRUNCATE when the replaced rows are all it holds (no dead rows, nothing to
vacuum), else with DELETE; plain secondary indexes are dropped and rebuilt after
a large insert (one sorted build each is several times cheaper than a million
random B-tree insertions). An incremental write COPYs into a temporary table of
the same column types and upserts from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.db import connection

from .pg_binary import copy_chunks

REBUILD_INDEXES_ABOVE = 50_000  # rows; below it, index maintenance is cheaper than a rebuild


@dataclass(frozen=True)
class Written:
    rows: int
    emptied_by: str = ""  # "truncate", "delete" or "" (an upsert)


def write(
    table: str, frame: pd.DataFrame, spec: dict[str, str], *, constants: dict | None = None,
    conflict: list[str] | None = None, replace: tuple[str, list] | None = None,
) -> Written:
    """Insert frame's rows (spec: column → kind, see :func:`.pg_binary.copy_chunks`) plus constants.

    ``replace`` = (WHERE clause, params): those rows are replaced by the frame's;
    otherwise upsert on ``conflict``. Must run inside a transaction.
    """
    constants = constants or {}
    columns = ", ".join(f'"{c}"' for c in [*spec, *constants])
    with connection.cursor() as cursor:
        if replace is None:
            return _upsert(cursor, table, frame, spec, constants, columns, conflict)
        cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
        cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}" WHERE NOT ({replace[0]}))', replace[1])
        if cursor.fetchone()[0]:
            emptied_by = "delete"
            cursor.execute(f'DELETE FROM "{table}" WHERE {replace[0]}', replace[1])
        else:
            emptied_by = "truncate"
            cursor.execute(f'TRUNCATE "{table}"')
        indexes = _plain_indexes(cursor, table) if len(frame) > REBUILD_INDEXES_ABOVE else []
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        # FREEZE (allowed right after a TRUNCATE in this transaction) writes the rows
        # all-visible: no hint-bit rewrite of every page by the first reader or ANALYZE.
        _copy(cursor, f'"{table}" ({columns})', frame, spec, constants, freeze=emptied_by == "truncate")
        if indexes:  # deferred FK checks (of other tables) must fire before an index build
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return Written(len(frame), emptied_by)


def _copy(cursor, target: str, frame, spec, constants, freeze: bool = False) -> None:
    """COPY from a writer thread, so numpy encodes the next chunk while PostgreSQL stores this one."""
    from psycopg.copy import QueuedLibpqWriter  # PostgreSQL only: psycopg is the 'postgres' extra

    raw = cursor.cursor
    options = "FORMAT binary, FREEZE" if freeze else "FORMAT binary"
    with raw.copy(f"COPY {target} FROM STDIN WITH ({options})", writer=QueuedLibpqWriter(raw)) as copy:
        for chunk in copy_chunks(frame, spec, constants):
            copy.write(chunk)


def _upsert(cursor, table, frame, spec, constants, columns, conflict) -> Written:
    cursor.execute(f'CREATE TEMP TABLE "ltv_stage" ON COMMIT DROP AS SELECT {columns} FROM "{table}" WITH NO DATA')
    _copy(cursor, f'"ltv_stage" ({columns})', frame, spec, constants)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in [*spec, *constants] if c not in conflict)
    cursor.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "ltv_stage" '
                   f'ON CONFLICT ({", ".join(conflict)}) DO UPDATE SET {updates}')
    cursor.execute('DROP TABLE "ltv_stage"')
    return Written(len(frame))


def _plain_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """Non-unique, non-primary indexes (constraints keep theirs) with their CREATE statements."""
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass AND NOT indisprimary AND NOT indisunique",
        [table],
    )
    return [(name.strip('"'), definition) for name, definition in cursor.fetchall()]
