"""Where each account came from: the campaign tags, voucher and sales source of its first order.

Re-derived for the accounts a write touched, from their stored orders, so it is set by the first
order, replaced when an earlier one arrives later (a mall file imported after the Saleor orders),
and follows orders that move between accounts. The first order is the earliest purchase; an
account with no purchase yet takes its earliest order of any status.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ..models import Account, OrderFact
from .bulk_sql import bulk_set

# Account field ← OrderFact field of the first order.
FROM_ORDER = {"acquisition_source": "utm_source", "acquisition_medium": "utm_medium",
              "acquisition_campaign": "utm_campaign", "acquisition_voucher": "voucher_code",
              "acquisition_sales_source": "sales_source", "acquired_at": "created_at"}
CHUNK = 2000


def refresh_acquisition(account_ids: Iterable[int]) -> int:
    """Set the acquisition fields of these accounts from their first orders; returns accounts changed."""
    ids = sorted(set(account_ids))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        changed += _refresh(ids[start:start + CHUNK])
    return changed


def _refresh(ids: list[int]) -> int:
    first = (OrderFact.objects.filter(account_id=OuterRef("pk"))
             .order_by("-counts_as_purchase", "created_at", "id").values("id")[:1])
    accounts = list(Account.objects.filter(pk__in=ids).annotate(first_order=Subquery(first)).order_by("pk"))
    orders = {row["id"]: row for row in OrderFact.objects.filter(
        id__in=[a.first_order for a in accounts if a.first_order]).values("id", *FROM_ORDER.values())}
    changed = []
    for account in accounts:
        order = orders.get(account.first_order)
        values = {name: (order[source] if order else ("" if name != "acquired_at" else None))
                  for name, source in FROM_ORDER.items()}
        if any(getattr(account, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(account, name, value)
            account.updated_at = timezone.now()
            changed.append(account)
    bulk_set(Account, changed, [*FROM_ORDER, "updated_at"])
    return len(changed)
