"""Abandoned checkout end to end in-process: scan → outbox → real SMTP sink, with a controlled clock."""

from datetime import timedelta

import pytest
from django.test import Client

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.scan import scan
from saleor_ltv_plugin.ingest.checkouts import upsert_checkout
from saleor_ltv_plugin.ingest.orders import upsert_order
from saleor_ltv_plugin.models import CheckoutFact, Contact, Enrollment, OutboxMessage

from ..conftest import make_checkout, make_order
from .conftest import CHANNEL, at, enable

pytestmark = pytest.mark.django_db
LEFT = at("2026-06-01T12:00:00+09:00")


def leave_cart(token="cart-1", email="hanako@tanaka.example", when=LEFT):
    upsert_checkout(make_checkout(
        token, channel=CHANNEL, last_change=when, email=email, company="田中商事", gross="8800",
        lines=[{"sku": "SKU-TONER", "name": "トナー", "quantity": 2, "amount": "8800"}],
    ))


def run(now):
    scan(now=now)
    return outbox.send_due(now=now)


def test_three_mails_at_their_delays_then_nothing_more(sink, shop_settings):
    enable("abandoned_checkout")
    leave_cart()
    assert run(LEFT + timedelta(minutes=59)) == {}
    assert sink.count() == 0
    run(LEFT + timedelta(hours=1, minutes=1))
    assert sink.count() == 1
    run(LEFT + timedelta(hours=2))  # the scan again: no second enrollment, nothing new due
    assert sink.count() == 1
    run(LEFT + timedelta(hours=24, minutes=1))
    run(LEFT + timedelta(hours=72, minutes=1))
    run(LEFT + timedelta(hours=200))
    assert sink.count() == 3
    assert {m["To"] for m in sink.messages} == {"hanako@tanaka.example"}
    assert OutboxMessage.objects.filter(status="sent").count() == 3


def test_the_mail_carries_cart_lines_link_identity_and_one_click_unsubscribe(sink, shop_settings):
    enable("abandoned_checkout")
    leave_cart()
    run(LEFT + timedelta(hours=2))
    (mail,) = sink.messages
    assert mail["Subject"].strip() == "お買い物カゴに商品が残っています"  # no language known: the shop's default (ja)
    assert (mail["From"].addresses[0].display_name, mail["From"].addresses[0].addr_spec) == (
        "山田商店", "info@yamada-shop.example")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = mail["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith("https://api.yamada-shop.example/plugins/global/saleor.ltv/u/")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for body in (text, html):
        assert "トナー" in body and "¥8,800" in body and "東京都千代田区1-1" in body and "山田商店" in body
        assert unsubscribe in body.replace("&amp;", "&")
    message = OutboxMessage.objects.get(status="sent")
    assert mail["Message-ID"] == f"<ltv.{__import__('hashlib').sha256(message.idempotency_key.encode()).hexdigest()[:32]}@yamada-shop.example>"
    # The cart link is tracked and lands on the cart; the click is recorded once.
    link = next(word for word in text.split() if "/t/c/" in word)
    client = Client()
    response = client.get("/plugins/global/saleor.ltv/" + link.split("/plugins/global/saleor.ltv/")[1])
    assert response.status_code == 302 and response["Location"] == "https://yamada-shop.example/cart/cart-1"
    message.refresh_from_db()
    assert message.clicked_at is not None and message.opened_at is not None
    # RFC 8058 one-click: a POST with the body "List-Unsubscribe=One-Click", no session, no CSRF token.
    path = "/plugins/global/saleor.ltv/" + unsubscribe.split("/plugins/global/saleor.ltv/")[1]
    assert client.get(path).status_code == 200
    assert Contact.objects.get().unsubscribed_at is None  # a GET (a link scanner) only asks
    response = Client(enforce_csrf_checks=True).post(path, "List-Unsubscribe=One-Click",
                                                     content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert Contact.objects.get().unsubscribed_at is not None
    run(LEFT + timedelta(hours=25))
    assert sink.count() == 1
    assert OutboxMessage.objects.get(step=1).skip_reason == "unsubscribed"


def test_a_forged_or_altered_link_is_refused(shop_settings):
    client = Client()
    assert client.post("/plugins/global/saleor.ltv/u/not-a-token").status_code == 400
    assert client.get("/plugins/global/saleor.ltv/t/c/forged").status_code == 400
    pixel = client.get("/plugins/global/saleor.ltv/t/o/forged.gif")
    assert pixel.status_code == 200 and pixel["Content-Type"] == "image/gif"


def test_completing_the_checkout_or_ordering_stops_the_sequence(sink, shop_settings):
    enable("abandoned_checkout")
    leave_cart("cart-a", "a@buyer.example")
    leave_cart("cart-b", "b@buyer.example")
    run(LEFT + timedelta(hours=2))
    assert sink.count() == 2
    CheckoutFact.objects.filter(token="cart-a").update(state="completed")
    upsert_order(make_order("o-b", email="b@buyer.example", company="田中商事",
                            created_at=LEFT + timedelta(hours=5)))
    run(LEFT + timedelta(hours=80))
    assert sink.count() == 2
    # Each left the flow before its second mail, for its own reason; no later mail was ever queued.
    reasons = dict(Enrollment.objects.values_list("contact__email", "stop_reason"))
    assert reasons == {"a@buyer.example": "checkout_completed", "b@buyer.example": "ordered"}
    assert set(Enrollment.objects.values_list("state", flat=True)) == {"exited"}
    assert not OutboxMessage.objects.filter(step__gte=1).exists()


def test_opt_in_mode_mails_only_buyers_who_granted_consent(sink, shop_settings, settings):
    settings.LTV_PLUGIN = {**shop_settings, "consent_mode": "opt_in"}
    enable("abandoned_checkout")
    leave_cart("cart-a", "a@buyer.example")
    leave_cart("cart-b", "b@buyer.example")
    Contact.objects.filter(email="b@buyer.example").update(marketing_consent="granted")
    run(LEFT + timedelta(hours=2))
    assert [m["To"] for m in sink.messages] == ["b@buyer.example"]
    assert OutboxMessage.objects.get(contact__email="a@buyer.example", step=0).skip_reason == "no_consent"
