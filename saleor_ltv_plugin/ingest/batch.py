"""The batch path for bulk files: many transactions, one re-score at the end.

`store_orders` re-scores the accounts a call touched when it returns; a file stored in
chunks through it would re-score the same accounts once per chunk. Here each chunk is one
transaction (an order is never half-written) and the accounts touched by the whole batch
are re-scored once, after the last chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import connection

from .. import signals
from ..models import OrderFact, OrderLineFact
from .facts import OrderData
from .orders import OrderCounts, store_orders_unscored

CHUNK = 2000
# PostgreSQL merges a chunk set-based (bulk_orders): its cost is per statement, so chunks are larger.
POSTGRESQL_CHUNK = 25_000


def store_order_batch(orders: Iterable[OrderData], chunk: int | None = None,
                      progress: Callable[[int], None] | None = None) -> tuple[OrderCounts, int]:
    """(what the batch changed, accounts re-scored); `progress` is told each chunk's size once stored."""
    chunk = chunk or (POSTGRESQL_CHUNK if connection.vendor == "postgresql" else CHUNK)
    counts, touched = OrderCounts(), set()
    statistics = _FactStatistics()
    for part in _chunks(orders, chunk):
        part_counts, part_touched = store_orders_unscored(part)
        counts, touched = counts + part_counts, touched | part_touched
        statistics.grew(part_counts.created)
        if progress:
            progress(len(part))
    if touched:
        signals.orders_changed.send(sender=OrderFact, account_ids=touched)
    return counts, len(touched)


class _FactStatistics:
    """Re-ANALYZE the fact tables once a batch has grown them by half (PostgreSQL).

    Each chunk's merge joins its staged orders to orderfact; with the row estimate left at the
    table's size before the file (autovacuum lags a bulk load), the planner kept choosing a hash
    join over a full scan, so every chunk of a 1 M-row file scanned the whole, growing table."""

    def __init__(self):
        self.on = connection.vendor == "postgresql"
        self.estimate = self._estimate() if self.on else 0
        self.added = 0

    def _estimate(self) -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [OrderFact._meta.db_table])
            row = cursor.fetchone()
        return max(row[0] if row else 0, 0)

    def grew(self, created: int) -> None:
        if not self.on:
            return
        self.added += created
        if self.added > max(self.estimate, 10_000) / 2:
            with connection.cursor() as cursor:
                for model in (OrderFact, OrderLineFact):
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')
            self.estimate, self.added = self._estimate(), 0


def _chunks(items: Iterable[OrderData], size: int) -> Iterator[Sequence[OrderData]]:
    part: list[OrderData] = []
    for item in items:
        part.append(item)
        if len(part) >= size:
            yield part
            part = []
    if part:
        yield part
