"""The set-based batch path (ingest/bulk_orders.py) against the ORM path, on PostgreSQL and SQLite:
the same batches through each leave the same rows and return the same counts and touched accounts."""

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from saleor_ltv_plugin.ingest import bulk_orders
from saleor_ltv_plugin.ingest.facts import Acquisition, CustomerRef, PostalAddress, ShipmentData
from saleor_ltv_plugin.ingest.identity import erase_customer
from saleor_ltv_plugin.ingest.orders import store_orders_unscored
from saleor_ltv_plugin.models import (
    Account,
    AccountContact,
    Contact,
    ErasedIdentity,
    OrderFact,
    OrderLineFact,
    ShipmentFact,
)

from ..conftest import make_order

pytestmark = pytest.mark.django_db
DAY = datetime(2026, 1, 10, 3, 0, tzinfo=timezone.utc)


def _batches():
    first = []
    for i in range(24):
        order = make_order(f"o{i}", company=f"会社{i % 5}" if i % 3 else "", email=f"b{i % 7}@x.example",
                           user_id=str(900 + i % 4) if i % 6 == 0 else None, created_at=DAY + timedelta(days=i),
                           lines=[("1", "A", 1 + i % 3, "100"), ("2", "B", 2, "50")])
        if i % 4 == 1:  # a mall buyer: masked e-mail, keyed by the mall's id
            order = dataclasses.replace(order, source="csv", sales_source="rakuten", raw={"format": "rakuten"},
                                        customer=CustomerRef(external_key=f"rakuten:{i % 3}", last_name="楽天",
                                                             first_name="" if i < 12 else f"名{i}"))
        if i % 7 == 3:  # reach fields: a contact takes a phone it lacked, an address only whole and when it has none
            order = dataclasses.replace(order, customer=dataclasses.replace(
                order.customer, phone=f"+8131234{i:04d}", address=PostalAddress("100-0001", "JP", "東京都",
                                                                                 line1=f"丸の内{i}")))
        if i % 5 == 2:
            order = dataclasses.replace(order, shipments=(ShipmentData("1", DAY + timedelta(days=i + 1), "T1"),),
                                        acquisition=Acquisition(utm_source="google", voucher_code="V1"))
        first.append(order)
    first.append(dataclasses.replace(first[3], total_gross=first[3].total_gross + 1,
                                     source_updated_at=first[3].source_updated_at + timedelta(hours=1)))
    first.append(make_order("nobody", company="", email=""))
    changed = [
        dataclasses.replace(first[4], customer=CustomerRef(email="b4@x.example", company_name="別会社"),
                            source_updated_at=first[4].source_updated_at + timedelta(days=1)),  # moves account
        dataclasses.replace(first[5], lines=first[5].lines[:1] + (dataclasses.replace(first[5].lines[1], quantity=9),),
                            source_updated_at=first[5].source_updated_at + timedelta(days=1)),
        dataclasses.replace(first[6], lines=first[6].lines[:1], source_updated_at=first[6].source_updated_at
                            + timedelta(days=1)),  # a line gone
        dataclasses.replace(first[7], shipments=(ShipmentData("2", DAY + timedelta(days=9), "T2", "ヤマト"),)),
        dataclasses.replace(first[8], total_gross=first[8].total_gross * 2,  # older: ignored
                            source_updated_at=first[8].source_updated_at - timedelta(days=1)),
        make_order("early", company="会社1", email="b1@x.example", created_at=DAY - timedelta(days=30),
                   status="canceled"),  # widens a link; a cancelled order is no first purchase
        make_order("earlier", company="会社2", email="b2@x.example", created_at=DAY - timedelta(days=40)),
        dataclasses.replace(first[13], customer=dataclasses.replace(first[13].customer, first_name="後で")),
        dataclasses.replace(make_order("reach", company="会社1", email="b5@x.example"), customer=CustomerRef(
            email="b5@x.example", company_name="会社1", phone="+81300000000",
            address=PostalAddress("530-0001", "JP", "大阪府", line1="梅田1"))),  # a contact without them takes them
        make_order("erased", company="", email="gone@x.example"),
        make_order("erased-co", company="会社3", email="gone@x.example"),
    ]
    return [first, first, changed]


def _dump():
    accounts = {a.pk: (a.channel, a.currency, a.key_kind, a.key) for a in Account.objects.all()}
    contacts = {c.pk: (c.saleor_user_id, c.external_key, c.email) for c in Contact.objects.all()}
    orders = {o.pk: (o.source, o.external_id) for o in OrderFact.objects.all()}
    return {
        "accounts": {accounts[a.pk]: (a.display_name, a.acquisition_source, a.acquisition_voucher,
                                      a.acquisition_sales_source, a.acquired_at) for a in Account.objects.all()},
        "contacts": {contacts[c.pk]: (c.first_name, c.last_name, c.company_name, c.metadata, c.phone,
                                      c.address_postal_code, c.address_line1) for c in Contact.objects.all()},
        "orders": {orders[o.pk]: (accounts[o.account_id], contacts.get(o.contact_id),
                                  *(getattr(o, f) for f in bulk_orders.ORDER_COLUMNS if f not in ("account_id",
                                                                                                 "contact_id")))
                   for o in OrderFact.objects.all()},
        "lines": {(orders[x.order_id], x.line_ref): tuple(getattr(x, f) for f in bulk_orders.LINE_COLUMNS)
                  for x in OrderLineFact.objects.all()},
        "shipments": {(orders[s.order_id], s.shipment_ref): (s.shipped_at, s.tracking_number, s.carrier, s.lines)
                      for s in ShipmentFact.objects.all()},
        "links": {(accounts[x.account_id], contacts[x.contact_id]): (x.first_seen_at, x.last_seen_at)
                  for x in AccountContact.objects.all()},
    }, accounts


def _run(monkeypatch, min_orders):
    monkeypatch.setattr(bulk_orders, "MIN_ORDERS", min_orders)
    steps = []
    for number, batch in enumerate(_batches()):
        if number == 2:
            erase_customer(None, "gone@x.example")
        counts, touched = store_orders_unscored(batch)
        _, accounts = _dump()
        steps.append((counts, {accounts[pk] for pk in touched}))
    return steps, _dump()[0]


def test_the_set_based_path_leaves_what_the_orm_path_leaves(monkeypatch):
    orm_steps, orm_rows = _run(monkeypatch, 10**9)
    for model in (ShipmentFact, OrderLineFact, AccountContact, OrderFact, Contact, Account, ErasedIdentity):
        model.objects.all().delete()
    bulk_steps, bulk_rows = _run(monkeypatch, 1)
    assert bulk_steps == orm_steps
    assert orm_steps[1][0].written == 0 and not orm_steps[1][1]  # a re-import writes and touches nothing
    assert (orm_steps[2][0].created, orm_steps[2][0].updated, orm_steps[2][0].unchanged) == (5, 4, 2)
    for table, rows in orm_rows.items():
        assert bulk_rows[table] == rows, table
    assert bulk_rows["shipments"][(("rest", "o7"), "2")][1:3] == ("T2", "ヤマト")
    assert (("rest", "o7"), "1") not in bulk_rows["shipments"]
    assert bulk_rows["orders"][("rest", "erased")][1] is None  # the erased buyer stays anonymous
    assert bulk_rows["contacts"][(None, "", "b5@x.example")][4:] == ("+81300000000", "530-0001", "梅田1")
    assert bulk_rows["contacts"][(None, "", "b3@x.example")][4:] == ("+81312340010", "100-0001", "丸の内10")  # o10 sorts first
