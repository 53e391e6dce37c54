"""The analyses' product names: a line without one is named by the shop's catalogue, a line's own name wins."""

from dataclasses import replace

import pytest

from saleor_ltv_plugin.ingest.catalogue import store_products
from saleor_ltv_plugin.ingest.facts import ProductData
from saleor_ltv_plugin.ingest.orders import upsert_order
from saleor_ltv_plugin.metrics.load import load_lines

from ..support.facts import make_order

pytestmark = pytest.mark.django_db


def test_lines_without_a_name_take_the_catalogue_s():
    order = make_order("o-1", lines=[("l1", "SKU-TONER", 2, "5500"), ("l2", "SKU-PEN", 1, "880"),
                                     ("l3", "SKU-NONE", 1, "100")])
    lines = (replace(order.lines[0], product_name="トナー(注文時の名前)"),
             *(replace(line, product_name="") for line in order.lines[1:]))
    upsert_order(replace(order, lines=lines))
    store_products([ProductData("SKU-TONER", "カタログのトナー"), ProductData("SKU-PEN", "ボールペン 10本入")])
    frame = load_lines("default-channel", "Asia/Tokyo")
    named = dict(zip(frame["sku"].astype(str), frame["product"].astype(str)))
    assert named == {"SKU-TONER": "トナー(注文時の名前)", "SKU-PEN": "ボールペン 10本入", "SKU-NONE": ""}
