"""Each indexed sort of the account list is served by its index on PostgreSQL (no sort of all rows),
forwards (`first`) and backwards (`last`); and the spend order is the same rows either way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from saleor_ltv_plugin.models import Account, AccountMetrics
from saleor_ltv_plugin.queries.accounts import clean_sort
from saleor_ltv_plugin.queries.pagination import _order, paginate

pytestmark = pytest.mark.django_db
INDEXES = {"monetary": "ltv_metrics_by_spend", "overdue_ratio": "ltv_metrics_by_overdue",
           "next_purchase_on": "ltv_metrics_by_next"}


def _plan(field: str, direction: str, reverse: bool) -> str:
    keys = clean_sort(field, direction)
    qs = AccountMetrics.objects.order_by(*_order(keys, reverse, AccountMetrics))[:101]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        # With sorts and scans priced out, a plan still sorts only when no index has this order.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("field,direction", [("monetary", "desc"), ("overdue_ratio", "desc"),
                                             ("next_purchase_on", "asc")])
@pytest.mark.parametrize("reverse", [False, True])
def test_indexed_sorts_read_their_index(field, direction, reverse):
    if connection.vendor != "postgresql":
        pytest.skip("the NULLS LAST sort indexes are PostgreSQL's (SQLite's have no nulls order)")
    plan = _plan(field, direction, reverse)
    assert INDEXES[field] in plan, plan
    assert "Sort" not in plan, plan


def test_spend_pages_keep_the_order_of_amounts():
    spends = [500, 100, 300, 300, 0, 900, 100]
    for i, spend in enumerate(spends, start=1):
        account = Account.objects.create(channel="c", currency="JPY", key_kind="company", key=f"k{i}")
        AccountMetrics.objects.create(account=account, channel="c", currency="JPY", monetary=spend,
                                      computed_at=timezone.now())
    keys = clean_sort("monetary", "desc")
    seen, after = [], None
    while True:
        page = paginate(AccountMetrics.objects.all(), keys, first=3, after=after)
        seen += [(int(row.monetary), row.account_id) for row in page.rows]
        if not page.has_next_page:
            break
        after = page.end_cursor
    assert seen == sorted(((s, i) for i, s in enumerate(spends, start=1)), reverse=True)
    last = paginate(AccountMetrics.objects.all(), keys, last=2)
    assert [int(r.monetary) for r in last.rows] == [100, 0]
