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
from ..models import OrderFact
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
    for part in _chunks(orders, chunk):
        part_counts, part_touched = store_orders_unscored(part)
        counts, touched = counts + part_counts, touched | part_touched
        if progress:
            progress(len(part))
    if touched:
        signals.orders_changed.send(sender=OrderFact, account_ids=touched)
    return counts, len(touched)


def _chunks(items: Iterable[OrderData], size: int) -> Iterator[Sequence[OrderData]]:
    part: list[OrderData] = []
    for item in items:
        part.append(item)
        if len(part) >= size:
            yield part
            part = []
    if part:
        yield part
