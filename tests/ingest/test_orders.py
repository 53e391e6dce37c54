import itertools
import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_ltv_plugin.ingest import bulk_orders
from saleor_ltv_plugin.ingest.orders import upsert_order, upsert_orders
from saleor_ltv_plugin.models import Account, AccountContact, Contact, OrderFact, OrderLineFact

from ..conftest import make_order

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row the ingest writes, without surrogate ids or timestamps."""
    orders = sorted(
        (o.external_id, o.account.key_kind, o.account.key, o.contact.email if o.contact else None, o.status,
         o.total_gross, o.refunded_amount, o.amount, o.counts_as_purchase, o.created_at)
        for o in OrderFact.objects.select_related("account", "contact")
    )
    lines = sorted(
        (l.order.external_id, l.line_ref, l.sku, l.quantity, l.amount)
        for l in OrderLineFact.objects.select_related("order")
    )
    links = sorted(
        (a.account.key, a.contact.email, a.first_seen_at, a.last_seen_at)
        for a in AccountContact.objects.select_related("account", "contact")
    )
    return orders, lines, links, Account.objects.count(), Contact.objects.count()


def test_an_order_lands_with_its_account_contact_and_lines():
    order = upsert_order(make_order(lines=[("l1", "TONER", 2, "3000"), ("l2", "GLOVES", 1, "5000")], gross="11000"))
    assert order.account.key == "山田製作所" and order.account.key_kind == "company"
    assert order.contact.email == "taro@yamada.example"
    assert order.amount == Decimal("11000") and order.counts_as_purchase
    assert sorted(order.lines.values_list("sku", "quantity")) == [("GLOVES", 1), ("TONER", 2)]


def test_buyers_writing_the_company_differently_share_one_account():
    upsert_order(make_order("a", company="株式会社山田製作所", email="taro@yamada.example"))
    upsert_order(make_order("b", company="(株)山田製作所", email="hanako@yamada.example"))
    upsert_order(make_order("c", company="山田製作所　株式会社", email="jiro@yamada.example"))
    assert Account.objects.count() == 1
    account = Account.objects.get()
    assert account.contacts.count() == 3
    assert account.orders.count() == 3


def test_replaying_events_in_any_order_leaves_the_same_rows():
    base = datetime(2026, 3, 1, tzinfo=timezone.utc)
    versions = [
        make_order("x", status="unconfirmed", updated_at=base),
        make_order("x", status="unfulfilled", updated_at=base + timedelta(minutes=1)),
        make_order("x", status="fulfilled", refunded="1000", updated_at=base + timedelta(minutes=2),
                   lines=[("l1", "SKU-TONER", 2, "5500"), ("l2", "PAPER", 1, "0")]),
        make_order("y", company="ABC商事", email="a@abc.example", updated_at=base),
    ]
    upsert_orders(versions)
    expected = snapshot()
    rng = random.Random(7)
    for _ in range(6):
        shuffled = versions * 2
        rng.shuffle(shuffled)
        for data in shuffled:
            upsert_orders([data])
        assert snapshot() == expected
    stored = OrderFact.objects.get(external_id="x")
    assert stored.status == "fulfilled" and stored.amount == Decimal("10000")
    assert stored.lines.count() == 2


def test_a_replay_of_the_same_snapshot_does_not_rewrite_rows():
    upsert_orders([make_order("x")])
    line_ids = list(OrderLineFact.objects.values_list("pk", flat=True))
    assert upsert_orders([make_order("x")]) == 0
    assert list(OrderLineFact.objects.values_list("pk", flat=True)) == line_ids


@pytest.mark.parametrize(
    "status, refunded, counts",
    [("fulfilled", "0", True), ("unfulfilled", "0", True), ("draft", "0", False),
     ("unconfirmed", "0", False), ("canceled", "0", False), ("expired", "0", False),
     ("fulfilled", "11000", False), ("fulfilled", "4000", True), ("returned", "0", True)],
)
def test_what_counts_as_a_purchase(status, refunded, counts):
    order = upsert_order(make_order(status=status, refunded=refunded, gross="11000"))
    assert order.counts_as_purchase is counts
    assert order.amount == max(Decimal("11000") - Decimal(refunded), 0)


def test_cancel_and_refund_update_the_stored_fact():
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    upsert_order(make_order(updated_at=t0))
    upsert_order(make_order(refunded="5500", updated_at=t0 + timedelta(hours=1)))
    assert OrderFact.objects.get().amount == Decimal("5500")
    upsert_order(make_order(status="canceled", refunded="5500", updated_at=t0 + timedelta(hours=2)))
    assert OrderFact.objects.get().counts_as_purchase is False


def test_guest_without_company_is_keyed_by_email_and_user_by_user():
    upsert_order(make_order("g", company="", email="Guest@Example.com"))
    upsert_order(make_order("u", company="", email="member@example.com", user_id="42"))
    keys = set(Account.objects.values_list("key_kind", "key"))
    assert keys == {("email", "guest@example.com"), ("user", "42")}


def test_channels_and_currencies_get_separate_accounts():
    upsert_order(make_order("jp", channel="jp", currency="JPY"))
    upsert_order(make_order("us", channel="us", currency="USD"))
    assert Account.objects.count() == 2


def test_a_batch_costs_a_bounded_number_of_queries():
    def batch(n, offset):
        return [make_order(f"o{offset + i}", company=f"会社{(offset + i) % 37}", email=f"b{i}@x.example",
                           lines=[("l1", "A", 1, "100"), ("l2", "B", 2, "50")]) for i in range(n)]

    with CaptureQueriesContext(connection) as small:
        upsert_orders(batch(10, 0))
    with CaptureQueriesContext(connection) as large:
        upsert_orders(batch(150, 1000))
    # PostgreSQL: one statement per step whatever the size, on the ORM path and on the set-based one
    # (bulk_orders, from MIN_ORDERS orders). SQLite splits each insert by its parameter limit (999
    # values: the wider a table, the more statements), so there only inserts may grow.
    if connection.vendor == "postgresql":
        assert len(large) <= len(small) + 2
    else:
        def others(captured):  # an executemany is logged as "27 times: UPDATE …"
            return Counter(q["sql"].split(" times: ")[-1].split()[0] for q in captured.captured_queries
                           if not q["sql"].startswith(("INSERT", "SAVEPOINT", "RELEASE")))
        assert others(large) == others(small)
    with CaptureQueriesContext(connection) as bulk:
        upsert_orders(batch(bulk_orders.MIN_ORDERS, 2000))
    with CaptureQueriesContext(connection) as bulk_large:
        upsert_orders(batch(4 * bulk_orders.MIN_ORDERS, 3000))
    assert len(bulk_large) == len(bulk) and len(bulk) < 60
    assert OrderFact.objects.count() == 160 + 5 * bulk_orders.MIN_ORDERS
    assert OrderLineFact.objects.count() == 2 * OrderFact.objects.count()


def test_one_batch_with_several_spellings_of_one_company():
    upsert_orders([make_order("a", company="株式会社山田製作所"), make_order("b", company="(株)山田製作所"),
                   make_order("c", company="山田製作所 株式会社")])
    account = Account.objects.get()
    assert account.orders.count() == 3 and account.display_name in {"株式会社山田製作所", "(株)山田製作所", "山田製作所 株式会社"}
