"""A send run looks the items of its batch up once: the mails list what a lookup per message would
have, with a constant number of order-line and catalogue queries however many mails go out."""

import dataclasses
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_ltv_plugin.automation import mail_items, outbox
from saleor_ltv_plugin.automation.scan import scan
from saleor_ltv_plugin.ingest.orders import upsert_order
from saleor_ltv_plugin.models import OutboxMessage

from ..conftest import make_order
from .conftest import enable
from .test_abandoned_checkout import LEFT, leave_cart

pytestmark = pytest.mark.django_db


def _item_queries(queries) -> int:
    return sum(1 for q in queries if "orderlinefact" in q["sql"] or "catalogueproduct" in q["sql"])


@pytest.mark.parametrize("carts", [3, 12])
def test_a_batch_lists_each_mails_items_with_one_lookup(sink, shop_settings, carts):
    # An earlier order names the SKU with an image: the carts' mails take it from there.
    order = make_order("o-1", company="田中商事")
    line = dataclasses.replace(order.lines[0], product_name="トナー（純正）", image_url="https://img.example/t.png")
    upsert_order(dataclasses.replace(order, lines=(line,)))
    enable("abandoned_checkout")
    for i in range(carts):
        leave_cart(token=f"cart-{i}", email=f"buyer{i}@tanaka.example")
    scan(now=LEFT + timedelta(hours=2))
    due = list(OutboxMessage.objects.select_related("enrollment"))
    expected = {m.pk: mail_items.mail_items(m.enrollment.context, m.channel, "JPY", "x") for m in due}
    with CaptureQueriesContext(connection) as queries:
        assert outbox.send_due(now=LEFT + timedelta(hours=2)) == {"sent": carts}
    assert _item_queries(queries.captured_queries) <= 3  # one batch: lines, their latest rows, the catalogue
    assert sink.count() == carts
    for mail in sink.messages:
        html = mail.get_body(("html",)).get_content()
        assert "https://img.example/t.png" in html and "トナー" in html
    # The same items as the lookup per message gives.
    with mail_items.prefetched([("default-channel", {"SKU-TONER"})]):
        assert all(mail_items.mail_items(m.enrollment.context, m.channel, "JPY", "x") == items
                   for m in due for items in [expected[m.pk]])
