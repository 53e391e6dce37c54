"""Standalone carts over REST (`POST checkouts`): a newer snapshot replaces the cart, an older or the
same one changes nothing; bad carts are refused whole, each named by position, field and reason in
English and Japanese; a Saleor checkout's token is not REST's to overwrite."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from django.test import Client

from saleor_ltv_plugin.auth import Scope
from saleor_ltv_plugin.ingest.checkouts import upsert_checkout
from saleor_ltv_plugin.models import CheckoutFact, CheckoutState

from ..support.facts import make_checkout

pytestmark = pytest.mark.django_db
URL = "/plugins/global/saleor.ltv/api/v1/checkouts"


@pytest.fixture
def post(key_for):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key_for(Scope.INGEST.value)}")
    return lambda body: api.post(URL, body if isinstance(body, str) else json.dumps(body, ensure_ascii=False),
                                 content_type="application/json")


def cart(token="c-1", at="2026-06-01T12:00:00+09:00", **extra) -> dict:
    return {"token": token, "last_change": at, "customer": {"email": "Taro@Yamada.example", "company_name": "山田製作所"},
            "lines": [{"sku": "A4", "product_name": "コピー用紙 A4", "quantity": 2, "unit_price": "1200"},
                      {"sku": "TONER", "quantity": 1, "amount": "4400", "image_url": "https://img.example/t.jpg"}],
            **extra}


def test_a_newer_snapshot_replaces_the_cart_and_an_older_one_changes_nothing(post):
    assert post({"checkouts": [cart()]}).json()["created"] == 1
    stored = CheckoutFact.objects.get(token="c-1")
    assert (stored.source, stored.email, stored.total_gross, stored.line_count, stored.state) == (
        "rest", "taro@yamada.example", Decimal("6800"), 2, CheckoutState.OPEN)  # 2 × 1200 + 4400
    assert stored.lines[0]["amount"] == "2400" and stored.lines[1]["image_url"] == "https://img.example/t.jpg"
    assert stored.contact.company_name == "山田製作所"
    newer = cart(at="2026-06-01T13:00:00+09:00", lines=[{"sku": "A4", "quantity": 5, "unit_price": "1200"}])
    older = cart(at="2026-06-01T11:00:00+09:00", lines=[])
    assert post({"checkouts": [newer]}).json() == {"received": 1, "created": 0, "updated": 1, "unchanged": 0,
                                                   "written": 1}
    assert post({"checkouts": [older, newer]}).json()["unchanged"] == 1  # the same token twice: the newest wins
    stored.refresh_from_db()
    assert (stored.total_gross, stored.line_count, stored.last_change) == (
        Decimal("6000"), 1, datetime(2026, 6, 1, 4, tzinfo=timezone.utc))


def test_bad_carts_are_refused_whole_in_english_and_japanese(post):
    upsert_checkout(make_checkout("saleor-tok", source="saleor"))
    bad = [cart("ok"), cart("naive", at="2026-06-01T12:00:00"),
           cart("lines", lines=[{"quantity": 0, "unit_price": "-1", "image_url": "javascript:alert(1)"}]),
           cart("saleor-tok")]
    response = post({"checkouts": bad})
    assert response.status_code == 422
    body = response.json()
    assert "nothing was stored" in body["detail"] and "何も保存していません" in body["detail_ja"]
    errors = {(e["row"], e["field"]): e for e in body["errors"]}
    assert set(errors) == {(2, "last_change"), (3, "sku"), (3, "quantity"), (3, "unit_price"), (3, "image_url"),
                           (4, "token")}
    assert errors[(3, "quantity")]["message_ja"].startswith("数量")
    assert "timezone" in errors[(2, "last_change")]["message"]
    assert errors[(3, "image_url")]["message_ja"].startswith("画像URL") and "https://" in errors[(3, "image_url")][
        "message"]
    assert "saleor" in errors[(4, "token")]["message"] and errors[(4, "token")]["message_ja"].startswith("カートID")
    assert all(e["message"] and e["message_ja"] for e in body["errors"])
    assert list(CheckoutFact.objects.values_list("token", flat=True)) == ["saleor-tok"]
    for junk in ("not json", "[]", {"checkouts": []}):
        refused = post(junk)
        assert refused.status_code == 422 and refused.json()["errors"][0]["message_ja"], junk
