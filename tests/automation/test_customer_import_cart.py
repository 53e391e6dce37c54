"""Issue 19: a customer import sets consent and the abandoned-cart flow then mails that buyer, in
standalone mode (opt-in consent, no Saleor): the Shift_JIS list and catalogue go in over REST, a
cart with bare SKUs comes in through the ingest door, and the mail reaches the real SMTP sink
with the catalogue's name and picture; the buyer the list marks メール配信=不可 gets nothing."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saleor_ltv_plugin.auth import Scope
from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.scan import scan
from saleor_ltv_plugin.ingest.checkouts import upsert_checkout
from saleor_ltv_plugin.models import OutboxMessage

from ..support.facts import make_checkout
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
    for token, email in (("cart-taro", "taro@yamada-seisakusho.example"), ("cart-hanako", "hanako@suzuki-shoten.example")):
        upsert_checkout(make_checkout(token, channel=CHANNEL, last_change=LEFT, email=email, gross="4400",
                                      lines=[{"sku": "SKU-TONER", "quantity": 1, "amount": "4400"}]))
    now = LEFT + timedelta(hours=2)
    scan(now=now)
    outbox.send_due(now=now)
    (mail,) = sink.messages
    assert mail["To"] == "taro@yamada-seisakusho.example"
    html = mail.get_body(("html",)).get_content()
    assert "トナーカートリッジ(黒)" in html and "https://img.yamada-shop.example/toner.jpg" in html
    assert "トナーカートリッジ(黒)" in mail.get_body(("plain",)).get_content()
    assert OutboxMessage.objects.get(contact__email="hanako@suzuki-shoten.example").skip_reason == "no_consent"
