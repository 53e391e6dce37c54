"""OrderLineFact's copies of its order's account, date and purchase flag (models/facts.py says why).

The two upsert paths write them with the lines (orders._sync_lines, bulk_children.sync_lines: a
line whose order changed is a changed line); what moves orders otherwise (an erased person's
accounts folded into one, re-keying) calls `refresh` for the orders it moved.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from ..models import OrderFact, OrderLineFact

# Line column ← order column.
COPIES = {"account_id": "account_id", "ordered_at": "created_at", "counts_as_purchase": "counts_as_purchase"}
CHUNK = 500  # order ids per statement (SQLite's bound parameters)


def copies_of(order: OrderFact) -> dict:
    return {line: getattr(order, column) for line, column in COPIES.items()}


def refresh(order_ids: Iterable[int] | None = None) -> int:
    """Set the copies of these orders' lines (None: every line) from their orders; returns the lines changed."""
    lines, orders = OrderLineFact._meta.db_table, OrderFact._meta.db_table
    assign = ", ".join(f"{line} = o.{column}" for line, column in COPIES.items())
    # NOT NULL on both sides: <> is the whole comparison, in both dialects.
    differs = " OR ".join(f"{lines}.{line} <> o.{column}" for line, column in COPIES.items())
    sql = f'UPDATE "{lines}" SET {assign} FROM "{orders}" o WHERE o.id = "{lines}".order_id AND ({differs})'
    changed = 0
    with connection.cursor() as cursor:
        if order_ids is None:
            cursor.execute(sql)
            return cursor.rowcount
        ids = sorted(set(order_ids))
        for start in range(0, len(ids), CHUNK):
            part = ids[start:start + CHUNK]
            cursor.execute(f"{sql} AND o.id IN ({', '.join(['%s'] * len(part))})", part)
            changed += cursor.rowcount
    return changed
