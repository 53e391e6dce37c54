"""Saleor objects → facts, with stand-ins shaped like Saleor 3.23's models (attribute names read from
/opt/saleor/saleor/{product,checkout,order}/models.py): the lines carry what a mail shows of each item
— product and variant names, the product's slug, an image and the price — and the mail shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from saleor_ltv_plugin.automation.mail_items import mail_items, product_url
from saleor_ltv_plugin.hosts.saleor_plugin import mapping as saleor_mapping
from saleor_ltv_plugin.ingest.checkouts import upsert_checkout
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.models import CheckoutFact, OrderLineFact

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
SALEOR = "https://api.yamada-shop.example"
TEMPLATE = "https://yamada-shop.example/products/{slug}"


class Related(list):
    """A prefetched related manager: `.all()` returns the rows in Saleor's ordering."""

    def all(self):
        return list(self)


@dataclass
class ProductMedia:  # saleor.product.models.ProductMedia
    pk: int
    type: str = "IMAGE"
    image: str = ""  # an ImageField: falsy when empty
    external_url: str | None = None


@dataclass
class Product:  # saleor.product.models.Product
    pk: int
    name: str
    slug: str
    media: Related = field(default_factory=Related)


@dataclass
class ProductVariant:  # saleor.product.models.ProductVariant (media: M2M through VariantMedia)
    pk: int
    sku: str | None
    name: str
    product: Product
    media: Related = field(default_factory=Related)

    @property
    def product_id(self):
        return self.product.pk


@dataclass
class CheckoutLine:  # saleor.checkout.models.CheckoutLine
    pk: str
    variant: ProductVariant
    quantity: int
    total_price_gross_amount: Decimal = Decimal(0)
    undiscounted_unit_price_amount: Decimal = Decimal(0)

    @property
    def variant_id(self):
        return self.variant.pk


@dataclass
class Channel:
    slug: str = "default-channel"


@dataclass
class Checkout:  # saleor.checkout.models.Checkout
    token: str
    lines: Related
    total_gross_amount: Decimal = Decimal(0)
    channel: Channel = field(default_factory=Channel)
    currency: str = "JPY"
    last_change: datetime = T0
    billing_address: object = None
    user: object = None
    email: str = "suzuki@suzuki-kogyo.example"
    language_code: str = "ja"


@dataclass
class OrderLine:  # saleor.order.models.OrderLine (variant: SET_NULL, names kept as sold)
    pk: str
    variant: ProductVariant | None
    product_name: str
    variant_name: str
    product_sku: str | None
    quantity: int
    unit_price_gross_amount: Decimal
    total_price_gross_amount: Decimal

    @property
    def variant_id(self):
        return self.variant.pk if self.variant else None


@dataclass
class Order:  # saleor.order.models.Order, the fields the mapping reads
    pk: str
    lines: Related
    number: int = 1001
    channel: Channel = field(default_factory=Channel)
    currency: str = "JPY"
    created_at: datetime = T0
    updated_at: datetime = T0
    status: str = "unfulfilled"
    total_gross_amount: Decimal = Decimal("8940")
    total_net_amount: Decimal = Decimal("8127")
    billing_address: object = None
    user: object = None
    user_email: str = "suzuki@suzuki-kogyo.example"
    language_code: str = "ja"
    checkout_token: str = ""
    origin: str = "checkout"
    charge_status: str = "full"
    payments: Related = field(default_factory=Related)
    payment_transactions: Related = field(default_factory=Related)
    metadata: dict = field(default_factory=dict)  # the checkout's, copied by checkoutComplete
    voucher_code: str | None = None
    fulfillments: Related = field(default_factory=Related)


@pytest.fixture(autouse=True)
def thumbnails(monkeypatch):
    """Saleor's thumbnail route (saleor.thumbnail.utils + build_absolute_uri; the Saleor tier runs the real one)."""
    monkeypatch.setattr(saleor_mapping, "_thumbnail_url", lambda pk: f"{SALEOR}/thumbnail/media-{pk}/256/")


def catalogue():
    paper = Product(11, "コピー用紙 A4", "copy-paper-a4", Related([ProductMedia(5, image="products/paper.png")]))
    toner = Product(12, "トナーカートリッジ TN-29J", "toner-tn-29j", Related([
        ProductMedia(7, type="VIDEO", external_url="https://youtube.example/v"),
        ProductMedia(8, image="products/toner.png")]))
    envelope = Product(13, "クラフト封筒 角2", "envelope-kaku2")  # no media at all
    return {
        "paper": ProductVariant(51, "SUP-0187", "500枚×5冊", paper, Related([ProductMedia(6, image="products/p5.png")])),
        "toner": ProductVariant(88, "SUP-0420", "SUP-0420", toner),  # Saleor's default variant name is often the SKU
        "envelope": ProductVariant(93, "SUP-0733", "", envelope),
    }


def test_checkout_lines_carry_names_slug_image_and_price():
    v = catalogue()
    data = saleor_mapping.checkout_data(Checkout("tok-1", Related([
        CheckoutLine("l1", v["paper"], 2, total_price_gross_amount=Decimal("5960.000")),
        CheckoutLine("l2", v["toner"], 1, total_price_gross_amount=Decimal("12800.000")),
        CheckoutLine("l3", v["envelope"], 3, total_price_gross_amount=Decimal("4950.000")),
    ]), total_gross_amount=Decimal("23710.000")))
    paper, toner, envelope = data.lines
    assert paper == {"sku": "SUP-0187", "variant_id": "51", "product_id": "11", "product_name": "コピー用紙 A4",
                     "variant_name": "500枚×5冊", "product_slug": "copy-paper-a4",
                     "image_url": f"{SALEOR}/thumbnail/media-6/256/",  # the variant's own image first
                     "quantity": 2, "unit_price": "2980.000", "amount": "5960.000"}
    assert toner["image_url"] == f"{SALEOR}/thumbnail/media-8/256/"  # the product's first image, not its video
    assert envelope["image_url"] == "" and envelope["unit_price"] == "1650.000"
    assert data.total_gross == Decimal("23710.000")


def test_a_checkout_saleor_has_not_priced_yet_shows_listing_prices():
    """A new checkout holds 0 totals until its prices are first fetched: the listing price stands in."""
    v = catalogue()
    data = saleor_mapping.checkout_data(Checkout("tok-2", Related([
        CheckoutLine("l1", v["paper"], 2, undiscounted_unit_price_amount=Decimal("2980.000")),
        CheckoutLine("l2", v["envelope"], 1, undiscounted_unit_price_amount=Decimal("1650.000")),
    ])))
    assert [(line["unit_price"], line["amount"]) for line in data.lines] == [
        ("2980.000", "5960.000"), ("1650.000", "1650.000")]
    assert data.total_gross == Decimal("7610.000")


def test_an_image_known_only_by_its_url_keeps_that_url():
    product = Product(20, "ボールペン", "pen", Related([ProductMedia(9, external_url="https://cdn.example/pen.jpg")]))
    assert saleor_mapping.image_url(saleor_mapping.product_image(ProductVariant(97, "SUP-1020", "", product))) \
        == "https://cdn.example/pen.jpg"


def test_the_captured_checkout_keeps_them_and_its_mail_shows_them(settings):
    v = catalogue()
    upsert_checkout(saleor_mapping.checkout_data(Checkout("tok-3", Related([
        CheckoutLine("l1", v["paper"], 2, total_price_gross_amount=Decimal("5960.000")),
        CheckoutLine("l2", v["envelope"], 1, total_price_gross_amount=Decimal("1650.000"))]))))
    lines = CheckoutFact.objects.get(token="tok-3").lines
    assert [(line["product_name"], line["image_url"], line["unit_price"]) for line in lines] == [
        ("コピー用紙 A4", f"{SALEOR}/thumbnail/media-6/256/", "2980.000"), ("クラフト封筒 角2", "", "1650.000")]
    items = mail_items({"lines": lines}, "default-channel", "JPY", "https://yamada-shop.example/cart/tok-3", TEMPLATE)
    assert [(i["name"], i["image_url"], i["unit_price"], i["line_total"], i["url"]) for i in items] == [
        ("コピー用紙 A4 (500枚×5冊)", f"{SALEOR}/thumbnail/media-6/256/", "¥2,980", "¥5,960",
         "https://yamada-shop.example/products/copy-paper-a4"),
        ("クラフト封筒 角2", "", "¥1,650", "", "https://yamada-shop.example/products/envelope-kaku2")]
    no_template = mail_items({"lines": lines}, "default-channel", "JPY", "https://yamada-shop.example/cart/tok-3")
    assert {i["url"] for i in no_template} == {"https://yamada-shop.example/cart/tok-3"}


def test_order_lines_carry_them_and_reminders_of_the_sku_show_them():
    v = catalogue()
    order = Order("8c1e0f", Related([
        OrderLine("ol1", v["paper"], "コピー用紙 A4", "500枚×5冊", "SUP-0187", 2, Decimal("2980"), Decimal("5960")),
        OrderLine("ol2", v["toner"], "トナーカートリッジ TN-29J", "SUP-0420", "SUP-0420", 1, Decimal("12800"),
                  Decimal("12800")),
        # the variant was deleted since: the order still says what was sold
        OrderLine("ol3", None, "旧型ファイル", "青", "OLD-1", 1, Decimal("300"), Decimal("300")),
    ]))
    upsert_orders([saleor_mapping.order_data(order)])
    stored = {line.sku: line for line in OrderLineFact.objects.all()}
    assert (stored["SUP-0187"].variant_name, stored["SUP-0187"].product_slug, stored["SUP-0187"].image_url) == (
        "500枚×5冊", "copy-paper-a4", f"{SALEOR}/thumbnail/media-6/256/")
    assert (stored["OLD-1"].variant_name, stored["OLD-1"].product_slug, stored["OLD-1"].image_url) == ("青", "", "")
    # a reorder reminder stores SKUs only; the latest order line fills in the rest
    items = mail_items({"items": [{"sku": "SUP-0420", "due_on": "2026-06-01"}, {"sku": "OLD-1"}]},
                       "default-channel", "JPY", "https://yamada-shop.example/", TEMPLATE)
    assert [(i["name"], i["image_url"], i["unit_price"], i["recent_price"], i["url"]) for i in items] == [
        ("トナーカートリッジ TN-29J", f"{SALEOR}/thumbnail/media-8/256/", "¥12,800", True,
         "https://yamada-shop.example/products/toner-tn-29j"),
        ("旧型ファイル (青)", "", "¥300", True, "https://yamada-shop.example/")]  # no slug: no product page


@pytest.mark.parametrize("template, slug, sku, url", [
    ("https://s.example/products/{slug}", "コピー用紙", "", "https://s.example/products/%E3%82%B3%E3%83%94%E3%83%BC%E7%94%A8%E7%B4%99"),
    ("https://s.example/search?q={sku}", "", "SUP 01/87", "https://s.example/search?q=SUP%2001%2F87"),
    ("https://s.example/p/{slug}?sku={sku}", "pen", "", ""),  # asks for what the item lacks
    ("", "pen", "SUP-1", ""),
])
def test_the_product_link_is_the_template_filled_and_escaped(template, slug, sku, url):
    assert product_url(template, slug, sku) == url


def test_the_abandoned_cart_mail_links_each_item_to_its_product_page(settings):
    """The rendered mail: each item's image, name and price, its signed click link going to the product page."""
    import re

    from saleor_ltv_plugin.automation import links, render
    from saleor_ltv_plugin.automation import settings as scenario_settings
    from saleor_ltv_plugin.models import Contact, Enrollment, OutboxMessage

    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "product_url_template": TEMPLATE, "sender_name": "山田商店",
                           "public_url": "https://api.yamada-shop.example/plugins/global/saleor.ltv/"}
    v = catalogue()
    data = saleor_mapping.checkout_data(Checkout("tok-4", Related([
        CheckoutLine("l1", v["paper"], 2, total_price_gross_amount=Decimal("5960.000"))])))
    contact = Contact.objects.create(email="suzuki@suzuki-kogyo.example", last_name="鈴木", language_code="ja")
    enrollment = Enrollment.objects.create(scenario="abandoned_checkout", channel="default-channel", trigger_ref="c4",
                                           contact=contact, anchor_at=T0, context={
                                               "checkout_token": "tok-4", "lines": list(data.lines),
                                               "total": "5960.000", "currency": "JPY"})
    message = OutboxMessage.objects.create(idempotency_key="c4", enrollment=enrollment, scenario="abandoned_checkout",
                                           channel="default-channel", step=0, kind="email", contact=contact, due_at=T0)
    html = render.buyer_email(message, scenario_settings.load("default-channel")["abandoned_checkout"]).alternatives[0][0]
    assert f'src="{SALEOR}/thumbnail/media-6/256/"' in html and "コピー用紙 A4 (500枚×5冊)" in html and "¥2,980" in html
    targets = {links.unsign(token, links.CLICK)[1] for token in re.findall(r'href="[^"]*/t/c/([^"]+)"', html)}
    assert "https://yamada-shop.example/products/copy-paper-a4" in targets
