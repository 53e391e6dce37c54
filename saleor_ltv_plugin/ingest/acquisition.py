"""Where each account came from: the campaign tags, voucher and sales source of its first order.

Re-derived for the accounts a write touched, from their stored orders, so it is set by the first
order, replaced when an earlier one arrives later (a mall file imported after the Saleor orders),
and follows orders that move between accounts. The first order is the earliest purchase; an
account with no purchase yet takes its earliest order of any status.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ..models import Account, OrderFact
from .bulk_sql import bulk_set

# Account field ← OrderFact field of the first order.
FROM_ORDER = {"acquisition_source": "utm_source", "acquisition_medium": "utm_medium",
              "acquisition_campaign": "utm_campaign", "acquisition_voucher": "voucher_code",
              "acquisition_sales_source": "sales_source", "acquired_at": "created_at"}
CHUNK = 2000
SQL_CHUNK = 50_000


def refresh_acquisition(account_ids: Iterable[int]) -> int:
    """Set the acquisition fields of these accounts from their first orders; returns accounts changed."""
    ids = sorted(set(account_ids))
    refresh = _refresh_sql if connection.vendor == "postgresql" else _refresh
    changed = 0
    for start in range(0, len(ids), CHUNK if refresh is _refresh else SQL_CHUNK):
        changed += refresh(ids[start:start + (CHUNK if refresh is _refresh else SQL_CHUNK)])
    return changed


def _refresh_sql(ids: list[int]) -> int:
    """_refresh in one statement: a 100 k-row file touches tens of thousands of accounts, and a model
    per account and per first order was a quarter of its store."""
    account, order = f'"{Account._meta.db_table}"', f'"{OrderFact._meta.db_table}"'
    fields = list(FROM_ORDER)
    blank = [f"COALESCE(f.{FROM_ORDER[name]}, '')" if name != "acquired_at" else "f.created_at" for name in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {account} a SET ({', '.join(fields)}, updated_at) = ({', '.join(blank)}, %s) "
            f"FROM (SELECT x.id, o.* FROM {account} x LEFT JOIN LATERAL (SELECT {', '.join(FROM_ORDER.values())} "
            f"FROM {order} WHERE account_id = x.id ORDER BY counts_as_purchase DESC, created_at, id LIMIT 1) o ON true "
            f"WHERE x.id = ANY(%s)) f WHERE a.id = f.id "
            f"AND ({', '.join('a.' + name for name in fields)}) IS DISTINCT FROM ({', '.join(blank)})",
            (timezone.now(), ids))
        return cursor.rowcount


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
