"""Issue 19: a customer import sets consent and the abandoned-cart flow then mails that buyer, in
standalone mode (opt-in consent, no Saleor): the Shift_JIS list and catalogue go in over REST, carts
with bare SKUs come in over REST (`POST checkouts`), and the mail reaches the real SMTP sink with the
catalogue's name and picture; the buyer the list marks メール配信=不可 gets nothing, nor does the one
whose cart a REST order (its `checkout_token`) completed."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saleor_ltv_plugin.auth import Scope
from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.scan import scan
from saleor_ltv_plugin.models import CheckoutFact, OutboxMessage
from .conftest import CHANNEL, at, enable

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
BASE = "/plugins/global/saleor.ltv/api/v1/"
LEFT = at("2026-06-01T12:00:00+09:00")


def test_an_imported_consent_lets_the_abandoned_cart_mail_go_to_that_buyer_only(sink, shop_settings, settings,
                                                                                 key_for):
    settings.LTV_PLUGIN = {**shop_settings, "consent_mode": "opt_in"}  # the standalone default
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key_for(Scope.INGEST.value)}")
    for path, name in (("customers/import", "customers_ja.sjis.csv"), ("products/import", "products_ja.sjis.csv")):
        data = (FIXTURES / name).read_bytes()
        assert api.post(BASE + path, {"file": SimpleUploadedFile(name, data)}).status_code == 200
    enable("abandoned_checkout")
    carts = [{"token": f"cart-{name}", "last_change": "2026-06-01T12:00:00+09:00",
              "customer": {"email": f"{name}@{domain}"},
              "lines": [{"sku": "SKU-TONER", "quantity": 1, "amount": "4400"}]}
             for name, domain in (("taro", "yamada-seisakusho.example"), ("hanako", "suzuki-shoten.example"),
                                  ("ichiro", "tanaka.example"))]
    post = lambda path, body: api.post(BASE + path, json.dumps(body), content_type="application/json")  # noqa: E731
    assert post("checkouts", {"checkouts": carts}).json() == {
        "received": 3, "created": 3, "updated": 0, "unchanged": 0, "written": 3}
    assert post("checkouts", {"checkouts": carts}).json()["unchanged"] == 3  # idempotent by token
    # Ichiro (consent given) ordered what was in the cart: the order names the cart, which is then completed.
    order = {"external_id": "W-1", "channel": CHANNEL, "currency": "JPY", "created_at": "2026-06-01T12:30:00+09:00",
             "total_gross": "4400", "customer": {"email": "ichiro@tanaka.example"}, "checkout_token": "cart-ichiro",
             "lines": [{"sku": "SKU-TONER", "quantity": 1, "unit_price": "4400"}]}
    assert post("orders", {"orders": [order]}).status_code == 200
    assert CheckoutFact.objects.get(token="cart-ichiro").completed_order_id == "W-1"
    now = LEFT + timedelta(hours=2)
    scan(now=now)
    outbox.send_due(now=now)
    (mail,) = sink.messages  # taro only: hanako refused mail, ichiro's cart was completed
    assert mail["To"] == "taro@yamada-seisakusho.example"
    html = mail.get_body(("html",)).get_content()
    assert "トナーカートリッジ(黒)" in html and "https://img.yamada-shop.example/toner.jpg" in html
    assert "トナーカートリッジ(黒)" in mail.get_body(("plain",)).get_content()
    assert OutboxMessage.objects.get(contact__email="hanako@suzuki-shoten.example").skip_reason == "no_consent"
