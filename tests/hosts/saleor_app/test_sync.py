"""Backfill and reconcile through the client against a fake Saleor on a real socket: pages of 100 over
250 orders, checkpoints a crash resumes from, an unreadable page turned into refetches, reconcile's repairs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from saleor_ltv_plugin.hosts.saleor.ids import global_id
from saleor_ltv_plugin.hosts.saleor_app import payloads, sync
from saleor_ltv_plugin.hosts.saleor_app.client import SaleorClient
from saleor_ltv_plugin.ingest import inbox, orders
from saleor_ltv_plugin.models import CheckoutFact, Contact, InboundEvent, OrderFact, Source

from . import bodies
from .fake_saleor import TOKEN, FakeSaleor

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=timezone.utc)


def order_pk(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012d}"


def saleor_orders(count: int = 250, first: int = 1001) -> list[dict]:
    """Orders 1001…, the later ones updated more recently (the last 50 within the past day)."""
    return [bodies.order(pk=order_pk(n), number=n, updated=(NOW - timedelta(hours=count - i)).isoformat(),
                         lines=[bodies.order_line(f"{order_pk(n)[:-4]}aaaa", quantity=1)])
            for i, n in enumerate(range(first, first + count))]


@pytest.fixture
def saleor():
    with FakeSaleor(orders=saleor_orders(),
                    customers=[bodies.user(pk=42), {**bodies.user(pk=1, email="staff@shop.example"), "isStaff": True}],
                    checkouts=[bodies.checkout()]) as fake:
        yield fake


@pytest.fixture
def client(saleor):
    return SaleorClient(saleor.url, TOKEN, sleep=lambda seconds: None)


def pages_asked(saleor, operation="LtvOrders"):
    return [r["variables"].get("after") for r in saleor.requests if f"query {operation}" in r["query"]]


def test_backfill_walks_250_orders_in_pages_of_100_and_skips_staff(saleor, client):
    seen: list[dict] = []
    counts = sync.backfill(client, on_checkpoint=seen.append)
    assert (counts["orders"], counts["orders_written"], counts["customers_written"], counts["checkouts_written"]) == (
        250, 250, 1, 1)
    assert counts["checkpoint"] is None and counts["requests"] == 3 + 1 + 1
    assert OrderFact.objects.filter(source=Source.SALEOR).count() == 250
    assert [r["variables"]["first"] for r in saleor.requests] == [100] * 5
    assert [(c["stage"], c.get("number")) for c in seen] == [
        ("orders", "1100"), ("orders", "1200"), ("orders", "1250"), ("customers", None), ("checkouts", None)]
    assert list(Contact.objects.exclude(saleor_user_id=None).values_list("saleor_user_id", flat=True)) == ["42"]
    assert CheckoutFact.objects.get(token=bodies.CHECKOUT_TOKEN).state == "completed"  # its order is there
    assert sync.backfill(client)["orders_written"] == 0  # a re-run changes nothing


class Crash(Exception):
    pass


def test_a_backfill_that_crashed_resumes_from_its_last_checkpoint(saleor, client):
    saved: list[dict] = []

    def persist_then_crash(checkpoint):
        saved.append(checkpoint)
        if len(saved) == 2:
            raise Crash

    with pytest.raises(Crash):
        sync.backfill(client, on_checkpoint=persist_then_crash)
    assert OrderFact.objects.count() == 200 and saved[-1]["number"] == "1200"
    before = len(saleor.requests)
    counts = sync.backfill(client, resume=saved[-1], stages=("orders",))
    assert counts["orders"] == 50 and OrderFact.objects.count() == 250
    assert pages_asked(saleor)[-1 - (len(saleor.requests) - before - 1):] == [saved[-1]["after"]]  # no page twice


def test_the_plugins_last_order_number_also_resumes(saleor, client):
    counts = sync.backfill(client, resume={"stage": "orders", "number": "1230"}, stages=("orders",))
    assert counts["orders"] == 20
    assert sorted(OrderFact.objects.values_list("number", flat=True))[:1] == ["1231"]


def test_a_page_saleor_cannot_resolve_becomes_refetches_and_the_walk_goes_on(saleor, client, monkeypatch):
    monkeypatch.setattr(sync, "PAGE", 10)  # ten refetches to apply, not a hundred
    saleor.unreadable = {"1015"}  # one bad order nulls its whole page
    counts = sync.backfill(client, stages=("orders",))
    assert (counts["orders"], counts["orders_written"], counts["refetch_queued"]) == (250, 240, 10)
    assert InboundEvent.objects.filter(kind=payloads.REFETCH).count() == 10
    inbox.set_host_applier(Source.SALEOR, sync.make_applier(lambda: client))
    try:
        inbox.drain()
    finally:
        inbox.set_host_applier(None, None)
    assert OrderFact.objects.count() == 250  # read one by one, each resolves


def test_a_429_in_the_middle_of_a_walk_is_waited_out(saleor, client):
    saleor.fail_next(429, retry_after="0")
    assert sync.backfill(client, stages=("orders",))["orders_written"] == 250


def test_reconcile_repairs_missing_and_older_orders_in_its_window_only(saleor, client):
    nodes = saleor.nodes["orders"]
    orders.upsert_orders([payloads.order_data(node) for node in nodes[:200]])
    for node in nodes[190:200]:  # Saleor changed these after we stored them (a lost order_updated)
        node["updatedAt"] = (NOW - timedelta(minutes=5)).isoformat()
        node["status"] = "CANCELED"
    result = sync.reconcile_orders(client, timedelta(days=1), now=NOW)
    # in the window: orders updated in the last 24 h = the last 24 of 250 + the 10 changed ones
    assert result == {"checked": 34, "stale": 34, "repaired": 34, "refetch_queued": 0}
    assert OrderFact.objects.count() == 224 and OrderFact.objects.filter(status="canceled").count() == 10
    assert sync.reconcile_orders(client, timedelta(days=1), now=NOW)["stale"] == 0
    ids = [r["variables"]["where"]["ids"] for r in saleor.requests if "query LtvOrders" in r["query"]]
    assert [len(batch) for batch in ids] == [34]


def test_reconcile_reads_checkouts_since_yesterday_and_customers_in_the_window(saleor, client):
    result = sync.reconcile(client, timedelta(days=30), now=NOW)
    assert result["checkouts"]["checkouts_written"] == 0  # updated 2026-05-01: before yesterday
    assert result["customers"]["customers_written"] == 1
    assert Contact.objects.filter(saleor_user_id="42").exists()
    asked = next(r for r in saleor.requests if "query LtvCheckouts" in r["query"])
    assert asked["variables"]["filter"] == {"updatedAt": {"gte": "2026-05-09"}}
    assert global_id("User", 42) in {n["id"] for n in saleor.nodes["customers"]}
