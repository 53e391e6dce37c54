"""The 発送完了 trigger on captured shipments: an order file with a shipping date becomes a
shipment, the ready shipping follow-up (published, no longer refused) enters the buyer who
ordered once per parcel, and the mail at a real SMTP sink names the order, the carrier, the
tracking number and the items the parcel carried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_ltv_plugin.api.file_import import context, import_file
from saleor_ltv_plugin.auth import Principal
from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.flows import runtime, service
from saleor_ltv_plugin.automation.flows.entry import enter_flow, unavailable
from saleor_ltv_plugin.models import Enrollment, ShipmentFact

from ..conftest import shop_settings, sink  # noqa: F401 — fixtures

CHANNEL = "default-channel"
ADMIN = Principal(kind="staff", email="admin@shop.example")
HEADER = "external_id,number,created_at,channel,currency,total_gross,email,company_name,last_name,first_name," \
         "sku,product_name,quantity,unit_price,shipped_at,tracking_number,carrier"


def _file(now) -> bytes:
    ordered = (now - timedelta(days=2)).isoformat()
    shipped = (now - timedelta(hours=1)).isoformat()
    long_ago = (now - timedelta(days=5)).isoformat()
    rows = [
        f"S-1,10001,{ordered},{CHANNEL},JPY,3520,buyer1@ship.example,山田製作所,山田,太郎,TEA-001,緑茶 100g,2,1200,"
        f"{shipped},1234-5678-9012,ヤマト運輸",
        f"S-1,,,,,,,,,,CUP-002,湯呑み,1,1120,,,",
        f"S-2,10002,{ordered},{CHANNEL},JPY,1200,buyer2@ship.example,佐藤商事,佐藤,花子,TEA-001,緑茶 100g,1,1200,,,",
        # shipped days ago, imported only now: past the grace, no 発送完了 mail
        f"S-3,10003,{long_ago},{CHANNEL},JPY,1200,buyer3@ship.example,鈴木工業,鈴木,一郎,TEA-001,緑茶 100g,1,1200,"
        f"{long_ago},9999-0000-1111,佐川急便",
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode("cp932")


@pytest.mark.django_db(transaction=True)
def test_a_shipped_order_gets_one_shipping_mail_with_its_tracking_number(sink, shop_settings):  # noqa: F811
    now = timezone.now()
    result = import_file(_file(now), context(CHANNEL))
    assert result.stored and not result.errors and result.counts.created == 3
    shipments = {s.order.external_id: s for s in ShipmentFact.objects.select_related("order")}
    assert set(shipments) == {"S-1", "S-3"}
    assert (shipments["S-1"].tracking_number, shipments["S-1"].carrier) == ("1234-5678-9012", "ヤマト運輸")

    assert unavailable({"kind": "event", "event": "order_fulfilled"}) is None
    flow = service.publish(service.create(CHANNEL, ADMIN, "発送完了", template_key="shipping_followup").pk, ADMIN)
    assert enter_flow(flow, now) == 1
    assert enter_flow(flow, now + timedelta(minutes=5)) == 0  # the same parcel enters once
    (enrollment,) = Enrollment.objects.filter(flow=flow)
    assert enrollment.contact.email == "buyer1@ship.example"
    assert enrollment.trigger_ref == f"shipment:{shipments['S-1'].order_id}:1"

    runtime.tick()
    outbox.send_due()
    (mail,) = sink.messages
    assert mail["To"] == "buyer1@ship.example"
    assert "10001" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    shipped = (now - timedelta(hours=1)).astimezone(timezone.get_fixed_timezone(9 * 60)).date()
    for text in ("1234-5678-9012", "ヤマト運輸", "緑茶 100g", "湯呑み", f"{shipped.month}月{shipped.day}日"):
        assert text in body, text
    assert "{" not in body
