"""Bulk writes into PostgreSQL without text: binary COPY of fixed-width columns.

Text and CSV formatting of a million rows costs more than computing them, so a
frame is encoded by numpy into PostgreSQL's binary COPY format (every field
fixed-width: text becomes an int code into a list, a missing date a sentinel
day, a missing float NaN) into a temporary table, then decoded by one
``INSERT … SELECT``. A full replace drops the table's plain secondary indexes
and rebuilds them after the insert: one sorted build per index is several times
cheaper than a million random B-tree insertions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import connection

HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
NO_DAY = np.iinfo(np.int32).min
REBUILD_INDEXES_ABOVE = 50_000  # rows; below it, index maintenance is cheaper than a rebuild
EPOCH = np.datetime64("1970-01-01", "D")
# kind → (staging SQL type, numpy big-endian format)
KINDS = {
    "int8": ("int8", ">i8"), "int4": ("int4", ">i4"), "int2": ("int2", ">i2"),
    "float8": ("float8", ">f8"), "money": ("float8", ">f8"), "date": ("int4", ">i4"),
    "bool": ("bool", "?"), "text": ("int4", ">i4"),
}


def _encode(frame: pd.DataFrame, spec: dict[str, str]) -> tuple[bytes, dict[str, list[str]]]:
    """Binary COPY bytes for the spec's columns, and the label list of each text column."""
    fields = [("fields", ">i2")]
    for index, (name, kind) in enumerate(spec.items()):
        fields += [(f"len{index}", ">i4"), (name, KINDS[kind][1])]
    rows = np.zeros(len(frame), dtype=np.dtype(fields))
    rows["fields"] = len(spec)
    labels: dict[str, list[str]] = {}
    for index, (name, kind) in enumerate(spec.items()):
        rows[f"len{index}"] = np.dtype(KINDS[kind][1]).itemsize
        column = frame[name]
        if kind == "text":
            codes, uniques = pd.factorize(column.astype(str), sort=False)
            rows[name], labels[name] = codes + 1, [str(u) for u in uniques]  # SQL arrays are 1-based
        elif kind == "date":
            days = column.to_numpy(dtype="datetime64[D]")
            values = (days - EPOCH).astype(np.int64)
            rows[name] = np.where(np.isnat(days), NO_DAY, values)
        elif kind in ("float8", "money"):
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            rows[name] = np.where(np.isfinite(values), values, np.nan)
        else:
            rows[name] = column.to_numpy()
    return HEADER + rows.tobytes() + TRAILER, labels


def _decode(name: str, kind: str, column_type: str) -> str:
    quoted = f's."{name}"'
    if kind == "text":
        return f'(%s::text[])[{quoted}]'
    if kind == "date":
        return f"CASE WHEN {quoted} = {NO_DAY} THEN NULL ELSE DATE '1970-01-01' + {quoted} END"
    if kind == "money":
        return f"round(NULLIF({quoted}, 'NaN')::numeric, 3)"
    if kind == "float8":
        return f"NULLIF({quoted}, 'NaN')"
    return quoted


def write(
    table: str, frame: pd.DataFrame, spec: dict[str, str], *, constants: dict | None = None,
    conflict: list[str] | None = None, replace: tuple[str, list] | None = None,
) -> int:
    """Insert frame's rows (spec: column → kind) plus constant columns.

    ``replace`` = (WHERE clause, params): delete those rows first and insert without
    conflict handling, rebuilding plain indexes around a large insert; otherwise
    upsert on ``conflict``. Must run inside a transaction.
    """
    constants = constants or {}
    payload, labels = _encode(frame, spec)
    staging = ", ".join(f'"{name}" {KINDS[kind][0]}' for name, kind in spec.items())
    columns = [*spec, *constants]
    quoted = ", ".join(f'"{c}"' for c in columns)
    select = [_decode(name, kind, KINDS[kind][0]) for name, kind in spec.items()] + ["%s"] * len(constants)
    params = [labels[name] for name, kind in spec.items() if kind == "text"] + list(constants.values())
    insert = f'INSERT INTO "{table}" ({quoted}) SELECT {", ".join(select)} FROM "ltv_stage" s'
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TEMP TABLE "ltv_stage" ({staging}) ON COMMIT DROP')
        with cursor.cursor.copy('COPY "ltv_stage" FROM STDIN WITH (FORMAT binary)') as copy:
            copy.write(payload)
        if replace is not None:
            cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
            cursor.execute(f'DELETE FROM "{table}" WHERE {replace[0]}', replace[1])
            indexes = _plain_indexes(cursor, table) if len(frame) > REBUILD_INDEXES_ABOVE else []
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(insert, params)
            if indexes:  # deferred FK checks (of other tables) must fire before an index build
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for _, definition in indexes:
                    cursor.execute(definition)
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c not in conflict)
            cursor.execute(f'{insert} ON CONFLICT ({", ".join(conflict)}) DO UPDATE SET {updates}', params)
        cursor.execute('DROP TABLE "ltv_stage"')
    return len(frame)


def _plain_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """Non-unique, non-primary indexes (constraints keep theirs) with their CREATE statements."""
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass AND NOT indisprimary AND NOT indisunique",
        [table],
    )
    return [(name.strip('"'), definition) for name, definition in cursor.fetchall()]
