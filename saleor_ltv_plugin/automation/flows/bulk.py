"""Insert many rows, skipping those a unique key already holds, and say how many went in.

PostgreSQL gets one COPY into a temporary table and one INSERT … SELECT … ON CONFLICT DO NOTHING:
Django's bulk_create builds a model per row and quotes every value in Python (psycopg binds
client-side here), most of a 100 k-account entry's or tick's time. Other databases (the
standalone demo's SQLite) get bulk_create, whose count includes rows a conflict skipped.
"""

from __future__ import annotations

import enum
import json

from django.db import connection, models, transaction


def counts_exactly() -> bool:
    """Whether :func:`insert_new` counts only the rows it inserted (else callers drop known rows first)."""
    return connection.vendor == "postgresql"


def columns_of(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def insert_new(model: type[models.Model], fields: list[str], rows: list[tuple]) -> int:
    """`rows`: tuples of values in `fields` order (attribute names: `flow_id`; dicts for JSON fields)."""
    if not rows:
        return 0
    if not counts_exactly():
        model.objects.bulk_create([model(**dict(zip(fields, row))) for row in rows], ignore_conflicts=True,
                                  batch_size=2000)
        return len(rows)
    by_name = {f.attname: f for f in columns_of(model)}
    json_at = [i for i, name in enumerate(fields) if isinstance(by_name[name], models.JSONField)]
    table, stage = model._meta.db_table, f"ltv_new_{model._meta.db_table}"[:63]
    columns = ", ".join(f'"{by_name[name].column}"' for name in fields)
    with transaction.atomic(), connection.cursor() as cursor:  # ON COMMIT DROP needs a transaction
        cursor.execute(f'CREATE TEMP TABLE "{stage}" ON COMMIT DROP AS SELECT {columns} FROM "{table}" WITH NO DATA')
        with cursor.cursor.copy(f'COPY "{stage}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:  # most are empty (an enrollment's variants): skip the encoder
                        row[i] = "{}" if row[i] == {} else json.dumps(row[i], cls=by_name[fields[i]].encoder)
                copy.write_row(row)
        cursor.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{stage}" ON CONFLICT DO NOTHING')
        inserted = cursor.rowcount
        cursor.execute(f'DROP TABLE "{stage}"')
    return inserted


def insert_dicts(model: type[models.Model], rows: list[dict]) -> int:
    """Rows as {attribute name: value}; a field a row leaves out takes its default (read once per call)."""
    defaults = {}
    for f in columns_of(model):
        value = f.get_default()
        defaults[f.attname] = value.value if isinstance(value, enum.Enum) else value
    fields = list(defaults)
    # {**defaults, **row} keeps the defaults' key order: the values come out in `fields` order, in C
    # (a generator per row and field was a third of a 100 k broadcast tick's Python time)
    merged = [{**defaults, **row} for row in rows]
    if any(len(m) != len(fields) for m in merged):
        unknown = {k for row in rows for k in row} - set(fields)
        raise TypeError(f"{model.__name__} has no field {sorted(unknown)}")
    return insert_new(model, fields, [tuple(m.values()) for m in merged])
