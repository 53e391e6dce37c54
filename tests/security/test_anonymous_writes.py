"""Issue 15 #13: anonymous `trackProductView` writes are bounded per client address and in total,
not only per (rotatable) session key; stored anonymous rows are capped; odd ids are refused
naming the field; a refused view writes nothing. A real storefront session still records."""

import pytest
from django.core.cache import cache
from django.test import Client

from saleor_ltv_plugin.graphql import storefront
from saleor_ltv_plugin.ingest import product_views
from saleor_ltv_plugin.models import Contact, ProductView

pytestmark = pytest.mark.django_db
URL = "/plugins/global/saleor.ltv/graphql/"
TRACK = """mutation($input: TrackProductViewInput!) { trackProductView(input: $input) {
  recorded errors { field message code } } }"""


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def post(address="203.0.113.7", token=None, forwarded=None, **fields):
    view = {"channel": "default-channel", "productId": "UHJvZHVjdDox", "sessionKey": "sess-0001", **fields}
    extra = {"REMOTE_ADDR": address}
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(URL, {"query": TRACK, "variables": {"input": view}},
                         content_type="application/json", **extra)


def track(*args, **kwargs):
    response = post(*args, **kwargs)
    assert response.status_code == 200, response.content
    return response.json()["data"]["trackProductView"]


def rate_limited(result):
    assert result["recorded"] is False
    assert [e["code"] for e in result["errors"]] == ["RATE_LIMITED"], result
    assert "回" in result["errors"][0]["message"]  # ja as well as en


def test_rotating_session_keys_from_one_address_are_limited(monkeypatch):
    monkeypatch.setattr(storefront, "ADDRESS_LIMIT", 5)
    for i in range(5):
        assert track(sessionKey=f"rotating-{i:04}", productId=f"p{i}")["recorded"] is True
    for i in range(5, 9):  # new keys, new products: still the same client
        rate_limited(track(sessionKey=f"rotating-{i:04}", productId=f"p{i}"))
    assert ProductView.objects.count() == 5
    # X-Forwarded-For is not believed without a trusted proxy in front
    rate_limited(track(sessionKey="rotating-xff1", forwarded="198.51.100.1"))
    # another address is another client
    assert track(address="203.0.113.8", sessionKey="rotating-0100")["recorded"] is True


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(monkeypatch, settings):
    monkeypatch.setattr(storefront, "ADDRESS_LIMIT", 2)
    settings.LTV_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.5"
    for i in range(2):
        assert track(proxy, forwarded="198.51.100.1", sessionKey=f"behind-{i:04}", productId=f"p{i}")["recorded"]
    rate_limited(track(proxy, forwarded="198.51.100.1", sessionKey="behind-0002", productId="p2"))
    # a spoofed left-most entry is the client's own text: only the one the proxy appended counts
    rate_limited(track(proxy, forwarded="1.2.3.4, 198.51.100.1", sessionKey="behind-0003", productId="p3"))
    assert track(proxy, forwarded="198.51.100.2", sessionKey="behind-0004", productId="p4")["recorded"] is True
    for junk in ("", "not-an-address", "999.1.1.1"):  # no usable address: the proxy's own
        track(proxy, forwarded=junk, sessionKey="behind-junk", productId="pj" + junk)
    assert ProductView.objects.count() == 3 + 2  # two from the proxy address itself, then its limit


def test_many_addresses_share_one_anonymous_budget_and_customers_are_not_in_it(monkeypatch, as_customer):
    monkeypatch.setattr(storefront, "ANONYMOUS_LIMIT", 8)
    for i in range(8):
        assert track(f"198.51.100.{i + 1}", sessionKey=f"botnet-{i:04}", productId=f"p{i}")["recorded"] is True
    for i in range(8, 12):
        rate_limited(track(f"198.51.100.{i + 1}", sessionKey=f"botnet-{i:04}", productId=f"p{i}"))
    assert ProductView.objects.count() == 8
    contact = Contact.objects.create(email="buyer@x.example", saleor_user_id="VXNlcjox")
    signed_in = track("198.51.100.99", token=as_customer(contact.saleor_user_id), sessionKey=None)
    assert signed_in == {"recorded": True, "errors": []}
    assert ProductView.objects.filter(contact=contact).count() == 1


def test_stored_anonymous_views_are_capped_per_session_and_in_total(monkeypatch, as_customer):
    monkeypatch.setattr(product_views, "SESSION_MAX_VIEWS", 3)
    monkeypatch.setattr(product_views, "ANONYMOUS_MAX_VIEWS", 10)
    monkeypatch.setattr(product_views, "PRUNE_EVERY", 1)
    contact = Contact.objects.create(email="buyer@x.example", saleor_user_id="VXNlcjox")
    assert track(token=as_customer(contact.saleor_user_id), sessionKey=None)["recorded"] is True
    for i in range(6):
        assert track(sessionKey="one-session", productId=f"p{i}")["recorded"] is True
    kept = ProductView.objects.filter(session_key="one-session").order_by("id")
    assert list(kept.values_list("product_id", flat=True)) == ["p3", "p4", "p5"]  # the newest
    for i in range(20):
        assert track(f"192.0.2.{i + 1}", sessionKey=f"crowd-{i:04}")["recorded"] is True
    anonymous = ProductView.objects.filter(contact=None)
    assert anonymous.count() == 10
    assert set(anonymous.values_list("session_key", flat=True)) == {f"crowd-{i:04}" for i in range(10, 20)}
    assert ProductView.objects.filter(contact=contact).count() == 1  # a customer's view is never pruned


@pytest.mark.parametrize("field,value", [
    ("productId", "x" * 65),
    ("productId", "<script>alert(1)</script>"),
    ("productId", "UHJv ZHVjdDox"),
    ("productId", "   "),
    ("variantId", "v\nInjected: header"),
    ("variantId", "v" * 65),
    ("sku", "S" * 256),
    ("sku", "SKU\u202e-1"),
    ("channel", "default channel"),
    ("channel", "c" * 129),
    ("sessionKey", "s" * 65),
    ("sessionKey", "short"),
    ("sessionKey", "sess 0001"),
    ("sessionKey", "セッション-0001"),
    ("sessionKey", "../../etc/passwd"),
])
def test_odd_ids_are_refused_naming_the_field_and_nothing_is_written(field, value):
    result = track(**{field: value})
    assert result["recorded"] is False
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(f"input.{field}", "INVALID")], result
    assert ProductView.objects.count() == 0


@pytest.mark.parametrize("field", ["productId", "sku", "sessionKey", "variantId"])
def test_nul_characters_are_a_400_naming_the_variable(field):
    response = post(**{field: "UHJvZHVjdDox\x00x"})
    assert response.status_code == 400, response.content
    assert f"variables.input.{field}" in response.json()["errors"][0]["message"]
    assert ProductView.objects.count() == 0


def test_a_real_storefront_session_records_its_views():
    """A visitor browsing ten products, some twice, with a UUID session key and a Japanese SKU."""
    session = "0b7d3a0e-9f4e-4c8e-a7d1-3c2b1d4e5f60"
    products = [f"UHJvZHVjdDo{i}" for i in range(10)]
    for i, product in enumerate(products):
        assert track(sessionKey=session, productId=product, sku=f"トナー-{i}", variantId="UHJvZHVjdFZhcmlhbnQ6MQ==")[
            "recorded"] is True
    assert track(sessionKey=session, productId=products[0])["recorded"] is False  # the same view again
    assert ProductView.objects.filter(session_key=session).count() == 10
