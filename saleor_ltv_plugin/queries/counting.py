"""A list's total count, run on its own connection while the page is fetched and rendered.

The count is the costliest statement of a filtered list (it visits every matching row) and
nothing else waits for it until the response is written, so it overlaps the page query and
the GraphQL rendering instead of following them. Only in autocommit: inside a transaction
another connection would not see this one's uncommitted rows.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connection
from django.db.models import QuerySet

# Two threads per process, each keeping at most one database connection (per CONN_MAX_AGE).
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ltv-count")


def _count(queryset: QuerySet) -> int:
    # As around a request: a connection past CONN_MAX_AGE (0: each time) or broken is closed.
    close_old_connections()
    try:
        return queryset.count()
    finally:
        close_old_connections()


def start_count(queryset: QuerySet) -> Callable[[], int]:
    """A callable returning the count; the work has already started where it can."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return queryset.count
    # The thread works for the tenant this request entered (tenancy): the context goes with it.
    return _pool.submit(contextvars.copy_context().run, _count, queryset).result
