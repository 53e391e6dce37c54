"""A line's copies of its order's account, date and purchase flag (ingest/line_copies.py) equal the
order's after every path that writes orders or lines: both upsert paths (new, changed, moved and
cancelled orders), an erased person's accounts folded into one, re-keying, a buyer's orders moved by
a profile change, a line saved on its own, and the migration's fill. Checked against a join of
every line to its order, on PostgreSQL and on SQLite."""

import dataclasses
import importlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from saleor_ltv_plugin.ingest import bulk_orders, inbox, line_copies
from saleor_ltv_plugin.ingest.facts import CustomerData, CustomerRef, to_jsonable
from saleor_ltv_plugin.ingest.identity import erase_customer
from saleor_ltv_plugin.ingest.orders import store_orders_unscored, upsert_order, upsert_orders
from saleor_ltv_plugin.models import Account, OrderFact, OrderLineFact

from ..conftest import make_order
from .test_bulk_orders import _batches

pytestmark = pytest.mark.django_db


def assert_copies_match() -> int:
    """Every line against its order, read by a join (not by line_copies); returns the lines checked."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT l.id, l.account_id, o.account_id, l.ordered_at, o.created_at, l.counts_as_purchase, "
                       "o.counts_as_purchase FROM saleor_ltv_plugin_orderlinefact l "
                       "JOIN saleor_ltv_plugin_orderfact o ON o.id = l.order_id")
        rows = cursor.fetchall()
    wrong = [row for row in rows if (row[1], row[3], bool(row[5])) != (row[2], row[4], bool(row[6]))]
    assert not wrong, wrong[:5]
    assert OrderLineFact.objects.count() == len(rows)
    return len(rows)


def _copies(external_id: str) -> set[tuple]:
    return set(OrderLineFact.objects.filter(order__external_id=external_id)
               .values_list("account_id", "ordered_at", "counts_as_purchase"))


@pytest.mark.parametrize("min_orders", [10**9, 1], ids=["orm", "set-based"])
def test_both_upsert_paths_keep_the_copies(monkeypatch, min_orders):
    monkeypatch.setattr(bulk_orders, "MIN_ORDERS", min_orders)
    first, again, changed = _batches()
    store_orders_unscored(first)
    assert assert_copies_match() > 40
    before = _copies("o4")
    store_orders_unscored(again)
    erase_customer(None, "gone@x.example")
    store_orders_unscored(changed)  # o4 moves to another company; o5, o6 lose or change a line
    assert _copies("o4") != before and {c[0] for c in _copies("o4")} == {OrderFact.objects.get(external_id="o4").account_id}
    assert _copies("early") and all(not c[2] for c in _copies("early"))  # cancelled: no purchase
    # The same orders re-dated, cancelled and moved, their lines unchanged.
    o9, o10, o11 = (next(o for o in first if o.external_id == name) for name in ("o9", "o10", "o11"))
    later = timedelta(days=2)
    store_orders_unscored([
        dataclasses.replace(o9, created_at=o9.created_at - timedelta(days=200), source_updated_at=o9.created_at + later),
        dataclasses.replace(o10, status="canceled", source_updated_at=o10.created_at + later),
        dataclasses.replace(o11, customer=CustomerRef(email="new@x.example", company_name="新会社"),
                            source_updated_at=o11.created_at + later),
    ])
    assert assert_copies_match() > 40
    assert {c[1] for c in _copies("o9")} == {o9.created_at - timedelta(days=200)}
    assert {c[2] for c in _copies("o10")} == {False}
    assert {c[0] for c in _copies("o11")} == {Account.objects.get(key="新会社").pk}


def test_an_erased_persons_accounts_fold_with_their_lines(settings):
    settings.LTV_PLUGIN = {"account_key": "user"}
    upsert_order(make_order("o1", user_id="5", email="p@x.example", company=""))
    upsert_order(make_order("o2", user_id=None, email="p@x.example", company=""))  # a guest order: its own account
    assert len({c[0] for name in ("o1", "o2") for c in _copies(name)}) == 2
    erase_customer("5", "p@x.example")
    assert Account.objects.count() == 1
    assert assert_copies_match() == 2


def test_rekeying_moves_the_lines_with_their_orders(settings):
    upsert_orders([make_order("a1", company="㈱ABC", email="x@abc.example", user_id="1"),
                   make_order("a2", company="ABC 株式会社", email="y@abc.example", user_id="2")])
    assert len({c[0] for name in ("a1", "a2") for c in _copies(name)}) == 1
    settings.LTV_PLUGIN = {"account_key": "user"}
    call_command("ltv_rekey_accounts", verbosity=0)
    assert len({c[0] for name in ("a1", "a2") for c in _copies(name)}) == 2
    assert assert_copies_match() == 2


def test_a_profile_change_moves_the_buyers_lines(settings):
    settings.LTV_PLUGIN = {"account_key": "metadata", "account_metadata_key": "erp"}
    for value in ("A", "B"):
        profile = CustomerData(source="rest", customer=CustomerRef(user_id="1", email="b@x.example",
                                                                   metadata={"erp": value}))
        inbox.record("rest", "customer", "user:1", to_jsonable(profile))
        inbox.drain()
        if value == "A":
            upsert_orders([make_order("o1", email="b@x.example", user_id="1")])
    assert {c[0] for c in _copies("o1")} == {Account.objects.get(key="b").pk}
    assert assert_copies_match() == 1


def test_a_line_saved_on_its_own_takes_its_orders_values():
    order = upsert_order(make_order("o1", status="canceled", lines=[]))
    line = OrderLineFact.objects.create(order=order, line_ref="x", sku="S", quantity=1, unit_price=1, amount=1)
    assert (line.account_id, line.ordered_at, line.counts_as_purchase) == (order.account_id, order.created_at, False)
    assert assert_copies_match() == 1


class _Editor:
    """What the migration's fill uses of a schema editor (SQLite's refuses to open inside a test's transaction)."""

    connection = connection

    @staticmethod
    def execute(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_refresh_and_the_migrations_fill_repair_stale_copies(monkeypatch):
    upsert_orders([make_order(f"o{i}", company=f"社{i % 2}", created_at=make_order().created_at + timedelta(days=i))
                   for i in range(4)])
    stale = {"account_id": Account.objects.order_by("pk").first().pk + 1000,
             "ordered_at": make_order().created_at - timedelta(days=999), "counts_as_purchase": False}
    OrderLineFact.objects.update(**stale)
    first_two = OrderFact.objects.order_by("pk").values_list("pk", flat=True)[:2]
    assert line_copies.refresh(first_two) == 2
    assert line_copies.refresh(first_two) == 0  # nothing left to change there
    migration = importlib.import_module("saleor_ltv_plugin.migrations.0037_orderline_order_copies")
    monkeypatch.setattr(migration, "STEP", 2)  # several ranges over the four orders
    migration.fill_copies(None, _Editor())
    assert assert_copies_match() == 4
