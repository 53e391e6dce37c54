"""Saleor's webhook bodies → inbox events → applied facts, as the App host records and applies them.

Bodies are built in Saleor 3.23.28's delivered shape (bodies.py) and parsed from bytes, as the webhook
view does; the Saleor tier checks the same mapping against the plugin's ORM mapping on real objects.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from saleor_ltv_plugin.hosts.saleor.ids import global_id
from saleor_ltv_plugin.hosts.saleor_app import payloads, sync
from saleor_ltv_plugin.hosts.saleor_app.client import GraphQLError
from saleor_ltv_plugin.hosts.saleor_app.payloads import PayloadError, events_from_webhook, parse_body
from saleor_ltv_plugin.ingest import inbox
from saleor_ltv_plugin.models import (
    CheckoutFact, Contact, InboundEvent, InboundStatus, OrderFact, OrderLineFact, ShipmentFact, Source,
)

from . import bodies

pytestmark = pytest.mark.django_db
LINE_ID = "U" + "0123456789abcdef" * 2


def deliver(event: str, body: dict) -> list:
    """What the webhook view does after verifying: parse the bytes, map, record; then the inbox applies."""
    events = events_from_webhook(event, parse_body(bodies.as_delivered(body)))
    inbox.record_many(Source.SALEOR, events)
    inbox.drain()
    return events


def test_an_order_created_body_becomes_the_order_its_lines_and_its_buyer():
    node = bodies.order(user=bodies.buyer(metadata=[("birthday", "1980-04-01")], private=[("ltv_line_user_id", LINE_ID),
                                                                                          ("ltv_company_confirmed", "true")]),
                        metadata=[("utm_source", "newsletter"), ("utm_campaign", "spring")])
    events = deliver("order_created", bodies.order_event("OrderCreated", node))
    assert [(kind, ref) for kind, ref, _ in events] == [("order", f"order:{bodies.ORDER_PK}")]
    assert events[0][2]["source"] == "saleor" and events[0][2]["total_gross"] == "5960.000"
    fact = OrderFact.objects.get(source=Source.SALEOR, external_id=bodies.ORDER_PK)
    assert (fact.number, fact.status, fact.currency, fact.channel) == ("1001", "unfulfilled", "JPY", "default-channel")
    assert (fact.total_gross, fact.total_net, fact.amount, fact.counts_as_purchase) == (
        Decimal("5960"), Decimal("5418.18"), Decimal("5960"), True)
    assert fact.checkout_token == bodies.CHECKOUT_TOKEN and fact.source_updated_at.isoformat() == "2026-05-01T09:00:00+00:00"
    assert (fact.utm_source, fact.utm_campaign, fact.billing_company_name) == ("newsletter", "spring", "鈴木工業株式会社")
    assert fact.raw == {"id": bodies.ORDER_PK, "number": 1001, "status": "unfulfilled", "origin": "checkout",
                        "charge_status": "full"}
    line = OrderLineFact.objects.get(order=fact)
    assert (line.line_ref, line.sku, line.variant_id, line.product_id, line.quantity, line.unit_price, line.amount) == (
        bodies.LINE_PK, "SUP-0187", "51", "11", 2, Decimal("2980"), Decimal("5960"))
    assert (line.variant_name, line.product_slug, line.image_url) == (
        "500枚×5冊", "copy-paper-a4", "https://api.shop.example/thumbnail/media-51/256/")
    contact = fact.contact
    assert (contact.saleor_user_id, contact.email, contact.language_code) == ("42", "suzuki@suzuki-kogyo.example", "ja")
    assert (contact.phone, contact.line_user_id, contact.birthday, contact.company_confirmed) == (
        "+81312345678", LINE_ID, date(1980, 4, 1), True)
    assert (contact.address_postal_code, contact.address_prefecture, contact.address_person) == (
        "100-0005", "東京都", "鈴木 太郎")


def test_refunds_count_legacy_payment_refunds_and_transaction_refunds():
    partly = bodies.order(payments=[[bodies.payment_txn("CAPTURE", 5960.0), bodies.payment_txn("REFUND", 1000.0),
                                     bodies.payment_txn("REFUND", 500.0, ok=False)]],
                          transactions=[200.5])
    deliver("order_refunded", bodies.order_event("OrderRefunded", partly))
    fact = OrderFact.objects.get(external_id=bodies.ORDER_PK)
    assert (fact.refunded_amount, fact.amount, fact.counts_as_purchase) == (Decimal("1200.5"), Decimal("4759.5"), True)
    fully = bodies.order(updated="2026-05-02T09:00:00+00:00", transactions=[5960.0])
    deliver("order_fully_refunded", bodies.order_event("OrderFullyRefunded", fully))
    fact.refresh_from_db()
    assert (fact.refunded_amount, fact.amount, fact.counts_as_purchase) == (Decimal("5960"), Decimal("0"), False)
    # a retry of the older delivery, arriving late, changes nothing (the updatedAt guard)
    deliver("order_refunded", bodies.order_event("OrderRefunded", partly))
    fact.refresh_from_db()
    assert fact.refunded_amount == Decimal("5960")


def test_status_names_read_as_saleor_stores_them_and_fulfilled_parcels_become_shipments():
    fulfilled = {"id": global_id("Fulfillment", 7), "created": "2026-05-03T01:00:00+00:00", "status": "FULFILLED",
                 "trackingNumber": "1234-5678-9012",
                 "lines": [{"quantity": 1, "orderLine": {"id": global_id("OrderLine", bodies.LINE_PK)}}]}
    cancelled = {**fulfilled, "id": global_id("Fulfillment", 8), "status": "CANCELED"}
    node = bodies.order(status="PARTIALLY_FULFILLED", fulfillments=[fulfilled, cancelled])
    deliver("fulfillment_created", {**bodies.order_event("FulfillmentCreated", node), "fulfillment": {}})
    fact = OrderFact.objects.get(external_id=bodies.ORDER_PK)
    assert fact.status == "partially fulfilled" and fact.counts_as_purchase  # OrderStatus's value has a space
    shipment = ShipmentFact.objects.get(order=fact)
    assert (shipment.shipment_ref, shipment.tracking_number, shipment.lines) == (
        "7", "1234-5678-9012", [{"line_ref": bodies.LINE_PK, "sku": "SUP-0187", "quantity": 1}])
    deliver("order_cancelled", bodies.order_event("OrderCancelled", bodies.order(
        status="CANCELED", updated="2026-05-04T00:00:00+00:00")))
    fact.refresh_from_db()
    assert fact.status == "canceled" and not fact.counts_as_purchase


class FakeClient:
    """Stands in for SaleorClient in the applier (the client itself is tested over a real socket)."""

    def __init__(self, answers):
        self.answers, self.asked = answers, []

    def execute(self, query, variables=None):
        self.asked.append(variables["id"])
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def app_applier():
    """The App host's applier for Source.SALEOR, with a client the test controls."""
    client = FakeClient([])
    inbox.set_host_applier(Source.SALEOR, sync.make_applier(lambda: client))
    yield client
    inbox.set_host_applier(None, None)


def test_populatedb_trap_null_order_with_ref_is_refetched_by_id(app_applier):
    trap = bodies.populatedb_trap()
    pk = "c2b1a0f9-0000-4000-8000-000000000777"
    events = events_from_webhook("order_updated", parse_body(bodies.as_delivered(trap)))
    assert events == [("refetch", f"order:{pk}", {"type": "order", "id": global_id("Order", pk),
                                                  "updated_at": "2026-05-01T09:00:00+00:00"})]
    # The first re-read still fails (Saleor cannot resolve it yet): the event is kept, with the error, for a retry.
    app_applier.answers = [GraphQLError([{"message": "Cannot return null for non-nullable field Order.origin."}])]
    inbox.record_many(Source.SALEOR, events)
    inbox.drain()
    event = InboundEvent.objects.get(object_ref=f"order:{pk}")
    assert event.status == InboundStatus.FAILED and "Order.origin" in event.last_error
    assert not OrderFact.objects.filter(external_id=pk).exists()
    # Repaired in Saleor: the retry reads it whole.
    app_applier.answers = [{"order": bodies.order(pk=pk, number=17)}]
    inbox.drain(now=event.next_attempt_at)
    assert OrderFact.objects.get(external_id=pk).number == "17"
    assert app_applier.asked == [global_id("Order", pk)] * 2


def test_a_refetched_order_saleor_no_longer_has_is_dropped_and_one_without_ref_gives_nothing(app_applier):
    deliver("order_created", bodies.order_event("OrderCreated", bodies.order()))
    app_applier.answers = [{"order": None}]
    deliver("order_updated", bodies.order_event("OrderUpdated", None, ref={"id": global_id("Order", bodies.ORDER_PK)}))
    assert not OrderFact.objects.filter(external_id=bodies.ORDER_PK).exists()
    assert events_from_webhook("order_updated", {"order": None, "ref": None, "errors": [{"message": "x"}]}) == []


def test_order_bulk_created_gives_one_order_each_and_its_refs_when_the_list_failed():
    first, second = bodies.order(), bodies.order(pk="0e9d8c7b-6a50-4f00-8000-000000000002", number=1002)
    events = deliver("order_bulk_created", {"__typename": "OrderBulkCreated", "issuedAt": bodies.ISSUED,
                                            "recipient": {"id": bodies.APP}, "orders": [first, second],
                                            "ref": [{"id": first["id"]}, {"id": second["id"]}]})
    assert [kind for kind, _, _ in events] == ["order", "order"]
    assert set(OrderFact.objects.values_list("number", flat=True)) == {"1001", "1002"}
    failed = events_from_webhook("ORDER_BULK_CREATED", {"orders": None, "ref": [{"id": first["id"]}, {"id": second["id"]}]})
    assert [(kind, ref) for kind, ref, _ in failed] == [("refetch", f"order:{bodies.ORDER_PK}"),
                                                         ("refetch", "order:0e9d8c7b-6a50-4f00-8000-000000000002")]


def test_customer_events_keep_the_profile_and_deletions_erase_it():
    deliver("customer_created", bodies.customer_event("CustomerCreated", bodies.user(
        metadata=[("marketing_consent", "granted")], language="EN_US")))
    contact = Contact.objects.get(saleor_user_id="42")
    assert (contact.email, contact.language_code, contact.marketing_consent) == (
        "suzuki@suzuki-kogyo.example", "en-us", "granted")
    assert (contact.address_department, contact.registered_at.isoformat()) == ("購買部", "2026-04-01T00:00:00+00:00")
    deliver("order_created", bodies.order_event("OrderCreated", bodies.order(user=bodies.buyer())))
    events = deliver("customer_deleted", bodies.deletion("CustomerDeleted"))
    assert events == [("erase", "user:42", {"user_id": "42", "email": "suzuki@suzuki-kogyo.example"})]
    assert not Contact.objects.filter(saleor_user_id="42").exists()
    order = OrderFact.objects.get(external_id=bodies.ORDER_PK)  # the order stays, anonymous
    assert (order.contact, order.raw) == (None, {})

    deliver("customer_created", bodies.customer_event("CustomerCreated", bodies.user(pk=43, email="self@example.com")))
    deliver("account_deleted", bodies.deletion("AccountDeleted", pk=43, email="self@example.com"))
    assert Contact.objects.filter(saleor_user_id="43").exists() is False


def test_checkout_events_keep_the_newest_snapshot_and_its_order_completes_it():
    deliver("checkout_created", bodies.checkout_event("CheckoutCreated", bodies.checkout()))
    fact = CheckoutFact.objects.get(token=bodies.CHECKOUT_TOKEN)
    assert (fact.email, fact.total_gross, fact.line_count, fact.state) == (
        "suzuki@suzuki-kogyo.example", Decimal("5960"), 1, "open")
    assert fact.lines == [{"sku": "SUP-0187", "variant_id": "51", "product_id": "11", "product_name": "コピー用紙 A4",
                           "variant_name": "500枚×5冊", "product_slug": "copy-paper-a4",
                           "image_url": "https://api.shop.example/thumbnail/media-51/256/", "quantity": 2,
                           "unit_price": "2980.000", "amount": "5960.000"}]
    # an older snapshot delivered late does not move it back
    deliver("checkout_updated", bodies.checkout_event("CheckoutUpdated", bodies.checkout(
        updated="2026-05-01T08:00:00+00:00", total=1.0)))
    fact.refresh_from_db()
    assert fact.total_gross == Decimal("5960")
    deliver("order_created", bodies.order_event("OrderCreated", bodies.order()))
    deliver("checkout_fully_paid", bodies.checkout_event("CheckoutFullyPaid", bodies.checkout(
        updated="2026-05-01T08:59:00+00:00")))
    fact.refresh_from_db()
    assert (fact.state, fact.completed_order_id) == ("completed", bodies.ORDER_PK)


def test_a_checkout_saleor_has_not_priced_yet_lists_its_listing_prices():
    node = bodies.checkout(total=0.0, lines=[{"id": "x", "quantity": 3, "totalPrice": {"gross": {"amount": 0.0}},
                                              "undiscountedUnitPrice": {"amount": 1650.0}, "variant": None}])
    data = payloads.checkout_data(parse_body(bodies.as_delivered(node)))
    assert [(line["unit_price"], line["amount"], line["sku"]) for line in data.lines] == [("1650.000", "4950.000", "")]
    assert data.total_gross == Decimal("4950.000")


def test_app_deleted_is_no_inbox_event_and_what_no_webhook_asked_for_is_refused_by_name():
    assert events_from_webhook("app_deleted", {"app": {"id": bodies.APP}}) == []
    with pytest.raises(PayloadError, match="Saleor-Event: 'order_deleted'"):
        events_from_webhook("order_deleted", {})
    with pytest.raises(PayloadError, match="order_created: malformed"):
        events_from_webhook("order_created", {"order": {"id": global_id("Order", "x")}})
    with pytest.raises(PayloadError, match="user: expected an object"):
        events_from_webhook("customer_deleted", {"user": "42"})
    with pytest.raises(PayloadError, match="not a JSON object"):
        parse_body(b"[1]")
    with pytest.raises(PayloadError, match="not JSON"):
        parse_body(b"{")
