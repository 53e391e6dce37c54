"""Preview: the mail as one of the shop's own buyers would get it, filled from its data."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from saleor_ltv_plugin.automation.content import template_content
from saleor_ltv_plugin.automation.content.preview import PreviewError, preview
from saleor_ltv_plugin.models import (Account, AccountContact, AccountMetrics, AccountSkuRhythm, CheckoutFact,
                                      Contact, OrderFact, OrderLineFact)

from ..conftest import CHANNEL
from .parsed import parse

T0 = datetime(2025, 4, 18, 2, tzinfo=timezone.utc)
DOC = {"ja": {"subject": "{company}様 {cart_total|}", "blocks": [
    {"kind": "text", "text": "{name}様 前回のご注文: {last_order_date}"}, {"kind": "products"},
    {"kind": "button", "label": "開く", "target": "first_product"}]}}


@pytest.fixture
def buyer(db, shop_settings, settings):
    settings.LTV_PLUGIN = {**shop_settings, "product_url_template": "https://yamada-shop.example/p/{slug}"}
    account = Account.objects.create(channel=CHANNEL, currency="JPY", key_kind="company", key="鈴木工業",
                                     display_name="鈴木工業株式会社")
    contact = Contact.objects.create(email="suzuki@suzuki-kogyo.example", last_name="鈴木", first_name="一郎",
                                     company_name="鈴木工業株式会社", language_code="ja")
    AccountContact.objects.create(account=account, contact=contact, first_seen_at=T0, last_seen_at=T0)
    order = OrderFact.objects.create(external_id="o-1", account=account, channel=CHANNEL, currency="JPY",
                                     created_at=T0, status="fulfilled", total_gross=0, total_net=0, amount=0,
                                     counts_as_purchase=True)
    for n, (sku, name, price) in enumerate([("SUP-0187", "コピー用紙 A4", "2980"), ("SUP-0420", "トナー", "12800")]):
        OrderLineFact.objects.create(order=order, line_ref=str(n), sku=sku, product_name=name, quantity=3,
                                     unit_price=Decimal(price), amount=Decimal(price) * 3, product_slug=sku.lower())
    AccountMetrics.objects.create(account=account, channel=CHANNEL, currency="JPY", last_purchase_at=T0.date(),
                                  computed_at=T0)
    return account, contact


def test_an_account_with_only_orders_previews_its_last_orders_lines(buyer):
    account, _ = buyer
    mail = preview(DOC, "ja", channel=CHANNEL, account_id=account.pk)
    page = parse(mail.html)
    assert mail.subject == "鈴木工業株式会社様"  # no cart: the empty fallback
    assert "鈴木工業株式会社 鈴木 一郎様 前回のご注文: 2025年4月18日" in page.text
    assert "コピー用紙 A4" in page.text and "¥2,980" in page.text and "¥8,940" in page.text and "トナー" in page.text
    # plain links (a preview counts no click), to the product pages; no open pixel; an unsubscribe that leads nowhere
    assert page.links[0] == "https://yamada-shop.example/p/sup-0187"
    assert "/t/c/" not in mail.html and "/t/o/" not in mail.html and mail.html.count('/u/preview"') == 1


def test_due_skus_come_before_the_last_order_and_an_open_cart_before_both(buyer):
    account, contact = buyer
    AccountSkuRhythm.objects.create(account=account, sku="SUP-0420", purchases=5, last_purchase_at=T0.date(),
                                    next_reorder_on=date(2025, 6, 5), computed_at=T0)
    mail = preview(DOC, "ja", channel=CHANNEL, account_id=account.pk)
    page = parse(mail.html)
    assert "トナー" in page.text and "2025-06-05" in page.text and "コピー用紙" not in page.text
    CheckoutFact.objects.create(token="tok-9", channel=CHANNEL, currency="JPY", contact=contact, total_gross=5960,
                                line_count=1, last_change=T0, lines=[{"sku": "SUP-0187", "quantity": 2,
                                                                      "amount": "5960.000"}])
    cart = preview(template_content("abandoned_checkout", 0), "ja", channel=CHANNEL, contact_id=contact.pk)
    page = parse(cart.html)
    assert "コピー用紙 A4" in page.text and "合計: ¥5,960" in page.text and "トナー" not in page.text
    assert "https://yamada-shop.example/cart/tok-9" in page.links
    assert preview(DOC, "ja", channel=CHANNEL, contact_id=contact.pk).subject == "鈴木工業株式会社様 ¥5,960"


def test_a_missing_or_foreign_account_is_named(buyer):
    account, contact = buyer
    with pytest.raises(PreviewError) as error:
        preview(DOC, "ja", channel=CHANNEL)
    assert (error.value.field, error.value.code) == ("accountId", "required")
    with pytest.raises(PreviewError) as error:
        preview(DOC, "ja", channel="other-channel", account_id=account.pk)
    assert (error.value.field, error.value.code) == ("accountId", "not_found")
    with pytest.raises(PreviewError) as error:
        preview(DOC, "ja", channel=CHANNEL, contact_id=contact.pk + 999)
    assert error.value.field == "contactId"


def test_a_contact_of_no_account_previews_with_defaults_not_tokens(buyer):
    loner = Contact.objects.create(email="new@buyer.example", language_code="en")
    mail = preview(template_content("churn_risk", 0), "en", channel=CHANNEL, contact_id=loner.pk)
    assert mail.text.startswith("Hello, we have not had an order from you since your last visit.")
    assert "{" not in mail.text + mail.html
