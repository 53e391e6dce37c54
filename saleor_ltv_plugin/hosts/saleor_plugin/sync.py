"""Backfill and reconcile from Saleor's own tables (imports Saleor lazily).

Hooks can be missed: the plugin was inactive, a hook failed, a worker lost an
event. Reconcile compares Saleor's orders with OrderFact over a window and
repairs every difference; backfill walks all history in keyset-paginated
batches and can resume from the last id it reached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.utils import timezone

from ...ingest import checkouts, identity, orders
from ...models import OrderFact, Source
from .mapping import checkout_data, customer_data, order_data, order_queryset


def count_customers() -> int:
    """For the progress bar: what backfill_customers will walk."""
    from saleor.account.models import User

    return User.objects.filter(is_staff=False).count()


def count_orders(after: str | None = None) -> int:
    from saleor.order.models import Order

    return (Order.objects.filter(number__gt=int(after)) if after else Order.objects).count()


def count_checkouts() -> int:
    from saleor.checkout.models import Checkout

    return Checkout.objects.count()


def _batches(queryset, key: str, batch_size: int, after=None) -> Iterator[list]:
    """Keyset pagination: stable under concurrent inserts, resumable from `after`."""
    while True:
        page = queryset.order_by(key)
        if after is not None:
            page = page.filter(**{f"{key}__gt": after})
        rows = list(page[:batch_size])
        if not rows:
            return
        yield rows
        after = getattr(rows[-1], key)


def _backfill(queryset, key: str, batch_size: int, apply: Callable[[list], None], progress, after=None) -> int:
    seen = 0
    for rows in _batches(queryset, key, batch_size, after):
        apply(rows)
        seen += len(rows)
        if progress:
            progress(len(rows), str(getattr(rows[-1], key)))
    return seen


def backfill_orders(
    batch_size: int = 500, after: str | None = None, progress: Callable[[int, str], None] | None = None
) -> int:
    """Import every Saleor order (by ascending number). Safe to re-run; returns orders seen."""
    return _backfill(
        order_queryset(), "number", batch_size,
        lambda rows: orders.upsert_orders([order_data(order) for order in rows]), progress,
        after=int(after) if after else None,
    )


def backfill_checkouts(batch_size: int = 500, progress=None) -> int:
    from saleor.checkout.models import Checkout

    queryset = Checkout.objects.select_related("channel", "billing_address", "user").prefetch_related(
        "lines__variant__product"
    )

    def apply(rows):
        for checkout in rows:
            checkouts.upsert_checkout(checkout_data(checkout))

    return _backfill(queryset, "token", batch_size, apply, progress)


def backfill_customers(batch_size: int = 500, progress=None) -> int:
    from saleor.account.models import User

    queryset = User.objects.filter(is_staff=False).select_related("default_billing_address")
    return _backfill(
        queryset, "pk", batch_size,
        lambda rows: identity.upsert_customers([customer_data(user) for user in rows]), progress,
    )


def reconcile_orders(window: timedelta, now: datetime | None = None, batch_size: int = 500) -> dict:
    """Repair OrderFacts that are missing or older than Saleor's order, updated within window."""
    from saleor.order.models import Order

    now = now or timezone.now()
    since = now - window
    saleor_state = dict(
        Order.objects.filter(updated_at__gte=since)
        .exclude(status="draft")
        .values_list("pk", "updated_at")
    )
    stored = dict(
        OrderFact.objects.filter(source=Source.SALEOR, external_id__in=[str(pk) for pk in saleor_state])
        .values_list("external_id", "source_updated_at")
    )
    stale = [
        pk
        for pk, updated_at in saleor_state.items()
        if str(pk) not in stored or (stored[str(pk)] or since) < updated_at
    ]
    repaired = 0
    for start in range(0, len(stale), batch_size):
        rows = list(order_queryset().filter(pk__in=stale[start : start + batch_size]))
        repaired += orders.upsert_orders([order_data(order) for order in rows])
    from .catalogue import sync_catalogue

    return {"checked": len(saleor_state), "stale": len(stale), "repaired": repaired,
            "catalogue": sync_catalogue(since=since)}  # products changed in the window
