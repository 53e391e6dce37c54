"""Issue 19: inside Saleor the catalogue comes from Saleor's own data. The App host reads it from the
webhook (and backfill) payloads: each order or cart line's variant gives its SKU's name (product and
variant), category path, picture and slug, merged into what the catalogue holds (a price the shop gave
stays); a mail then names and links a SKU no order line ever carried."""

from __future__ import annotations

from decimal import Decimal

import pytest

from saleor_ltv_plugin.automation.mail_items import mail_items
from saleor_ltv_plugin.ingest.catalogue import store_products
from saleor_ltv_plugin.ingest.facts import ProductData
from saleor_ltv_plugin.models import CatalogueProduct

from . import bodies
from .test_payloads import deliver

pytestmark = pytest.mark.django_db


def entry(sku: str) -> tuple:
    return CatalogueProduct.objects.values_list("name", "category", "image_url", "slug", "price", "source").get(sku=sku)


def test_order_and_cart_lines_fill_the_catalogue_and_a_mail_links_a_cart_only_sku():
    store_products([ProductData(sku="SUP-0187", name="old name", price=Decimal("2980"), currency="JPY")])
    lines = [bodies.order_line("l1"),
             bodies.order_line("l2", sku="TON-01", line_variant=bodies.variant(
                 pk=52, sku="TON-01", name="TON-01", image=False, product="トナー 黒", slug="toner-black", category=())),
             {**bodies.order_line("l3", sku="GONE"), "variant": None}]  # a deleted variant says nothing
    events = deliver("order_created", bodies.order_event("OrderCreated", bodies.order(lines=lines)))
    assert len(events) == 1  # the catalogue rides with the order's own event
    assert entry("SUP-0187") == ("コピー用紙 A4 (500枚×5冊)", "文具/コピー用紙", "https://api.shop.example/thumbnail/media-51/256/",
                                 "copy-paper-a4", Decimal("2980.000"), "saleor")
    assert entry("TON-01") == ("トナー 黒", "", "", "toner-black", None, "saleor")  # variant name = SKU: not shown
    assert not CatalogueProduct.objects.filter(sku="GONE").exists()

    cart_variant = bodies.variant(pk=53, sku="BIN-9", name="A4", product="ファイルボックス", slug="file-box",
                                  category=("文具", "収納", "ファイル"))
    cart = bodies.checkout(lines=[{"id": "l9", "quantity": 1, "totalPrice": {"gross": bodies.money(800.0)},
                                   "undiscountedUnitPrice": bodies.money(800.0), "variant": cart_variant}])
    deliver("checkout_updated", bodies.checkout_event("CheckoutUpdated", cart))
    assert entry("BIN-9")[:4] == ("ファイルボックス (A4)", "文具/収納/ファイル", "https://api.shop.example/thumbnail/media-53/256/",
                                  "file-box")
    (item,) = mail_items({"items": [{"sku": "BIN-9"}]}, "default-channel", "JPY", "https://shop.example/",
                         "https://shop.example/products/{slug}/")
    assert (item["name"], item["url"]) == ("ファイルボックス (A4)", "https://shop.example/products/file-box/")
    assert item["image_url"].endswith("media-53/256/")
