"""The App host's HTTP side against JWS-signed bodies and tokens made as Saleor makes them:
the install handshake, webhooks (verify, record, 200), Dashboard tokens, shops' own paths, and
that nothing of one shop is seen from another's."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from saleor_ltv_plugin import auth, tenancy
from saleor_ltv_plugin.automation import links
from saleor_ltv_plugin.hosts.saleor_app.models import Installation
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.metrics.recompute import recompute
from saleor_ltv_plugin.ingest import inbox
from saleor_ltv_plugin.models import InboundEvent, OrderFact

from ...support.facts import make_order
from ...support.fake_saleor import FakeSaleor
from . import bodies
from .conftest import PREFIX, register

pytestmark = pytest.mark.django_db


def webhook(client, saleor, body: dict, event="order_created", route="orders", signature=None, raw=None):
    raw = raw if raw is not None else json.dumps(body).encode()
    return client.post(f"{PREFIX}app/webhooks/{route}", raw, content_type="application/json",
                       **saleor.webhook_headers(raw, event, signature))


def order_body(saleor, recipient=None):
    """An OrderCreated delivery as Saleor 3.23 sends it (bodies.py), addressed to `saleor`'s app."""
    return {**bodies.order_event("OrderCreated", bodies.order()), "recipient": {"id": recipient or saleor.app_id}}


def inbound_in(installation) -> int:
    with tenancy.enter(installation.schema):
        return InboundEvent.objects.count()


# --- the install handshake --------------------------------------------------------------------
def test_an_installation_stores_the_token_encrypted_and_gets_a_schema_of_its_own(shops):
    saleor, installation = shops["a"]
    assert installation.app_id == saleor.app_id and installation.token == "token-a"
    assert "token-a" not in installation.token_sealed
    assert installation.jwks == saleor.jwks()
    assert {shops["a"][1].schema, shops["b"][1].schema} <= set(tenancy.schemas())
    assert shops["a"][1].schema != shops["b"][1].schema


@pytest.mark.parametrize("headers, status, code", [
    ({}, 400, "SALEOR_URL_PROHIBITED"),
    ({"HTTP_SALEOR_API_URL": "http://10.0.0.5/graphql/"}, 403, "SALEOR_URL_PROHIBITED"),
    ({"HTTP_SALEOR_API_URL": "file:///etc/passwd"}, 403, "SALEOR_URL_PROHIBITED"),
])
def test_a_saleor_off_the_allow_list_is_refused_before_anything_is_fetched(shops, headers, status, code):
    answer = Client().post(PREFIX + "app/register", {"auth_token": "x"}, content_type="application/json", **headers)
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    assert answer.json()["error"]["field"] == "Saleor-Api-Url"


def test_a_token_its_saleor_does_not_confirm_installs_nothing(shops):
    stranger = FakeSaleor(token="the-real-one")
    try:
        answer = register(Client(), stranger, token="a-guess")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "UNKNOWN_APP_ID"
        assert not Installation.objects.filter(saleor_api_url=stranger.api_url).exists()
        assert ("GET", "/.well-known/jwks.json") not in stranger.requests
    finally:
        stranger.close()


def test_a_body_without_a_token_is_refused_naming_the_field(shops):
    saleor, _ = shops["a"]
    answer = Client().post(PREFIX + "app/register", {"token": "x"}, content_type="application/json",
                           HTTP_SALEOR_API_URL=saleor.api_url)
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "auth_token"


def test_the_manifest_names_the_webhooks_and_urls_on_the_configured_public_url(shops):
    manifest = Client(HTTP_HOST="127.0.0.1").get(PREFIX + "app/manifest").json()
    assert manifest["id"] == "saleor.ltv.app" and "MANAGE_CHECKOUTS" in manifest["permissions"]
    assert manifest["requiredSaleorVersion"] == ">=3.23"
    assert manifest["tokenTargetUrl"] == "https://ltv.example" + PREFIX + "app/register"
    assert manifest["webhooks"] and all(w["targetUrl"].startswith("https://ltv.example" + PREFIX + "app/webhooks/")
                                        for w in manifest["webhooks"])


# --- webhooks ---------------------------------------------------------------------------------
def test_a_signed_webhook_is_recorded_in_its_own_shop_only(shops):
    (saleor, mine), (_, other) = shops["a"], shops["b"]
    before_mine, before_other = inbound_in(mine), inbound_in(other)
    answer = webhook(Client(), saleor, order_body(saleor))
    assert answer.status_code == 200, answer.content
    assert inbound_in(mine) == before_mine + 1 and inbound_in(other) == before_other
    with tenancy.enter(mine.schema):
        inbox.drain()
        fact = OrderFact.objects.get(source="saleor")
        assert (fact.external_id, fact.number, str(fact.total_gross)) == (bodies.ORDER_PK, "1001", "5960.000")
    with tenancy.enter(other.schema):
        assert not OrderFact.objects.exists()


def test_a_tampered_body_a_foreign_key_and_a_stranger_are_refused(shops):
    saleor, mine = shops["a"]
    before = inbound_in(mine)
    raw = json.dumps(order_body(saleor)).encode()
    assert b"5960" in raw  # the order's total, which a forger would change
    tampered = webhook(Client(), saleor, {}, raw=raw.replace(b"5960", b"59"), signature=saleor.sign_body(raw))
    assert tampered.status_code == 401 and tampered.json()["code"] == "SIGNATURE_VERIFICATION_FAILED"
    other_saleor, _ = shops["b"]  # b's Saleor signs a body claiming to come from a's
    forged = webhook(Client(), saleor, {}, raw=raw, signature=other_saleor.sign_body(raw, kid=saleor.kid))
    assert forged.status_code == 401
    stranger = FakeSaleor()
    try:
        unknown = webhook(Client(), stranger, order_body(stranger))
        assert unknown.status_code == 401 and unknown.json()["code"] == "NOT_REGISTERED"
        assert not stranger.requests  # nothing was fetched from a Saleor that never installed us
    finally:
        stranger.close()
    assert inbound_in(mine) == before


def test_a_body_signed_for_another_installation_is_not_replayed_into_this_one(shops):
    saleor, mine = shops["a"]
    answer = webhook(Client(), saleor, order_body(saleor, recipient="QXBwOjk5"))
    assert answer.status_code == 401 and answer.json()["code"] == "WRONG_RECIPIENT"


def test_a_kept_installation_saves_its_query_and_a_reinstall_elsewhere_is_not_refused(shops):
    saleor, mine = shops["a"]
    assert webhook(Client(), saleor, order_body(saleor)).status_code == 200  # now kept in this process
    with CaptureQueriesContext(connection) as queries:
        assert webhook(Client(), saleor, order_body(saleor)).status_code == 200
    assert [q["sql"] for q in queries if "installation" in q["sql"]] == []
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")  # the one event, no BEGIN/COMMIT
    # Another process re-installs the app (Saleor gives it a new app id); no signal reaches this one.
    Installation.objects.filter(pk=mine.pk).update(app_id="QXBwOjc3")
    saleor.app_id = "QXBwOjc3"
    try:
        answer = webhook(Client(), saleor, order_body(saleor))
        assert answer.status_code == 200, answer.content  # refused by the kept row, then re-read
        stale = webhook(Client(), saleor, order_body(saleor, recipient="QXBwOjE="))
        assert stale.status_code == 401 and stale.json()["code"] == "WRONG_RECIPIENT"
    finally:
        Installation.objects.filter(pk=mine.pk).update(app_id="QXBwOjE=")
        saleor.app_id = "QXBwOjE="


def test_a_bulk_delivery_past_djangos_site_wide_limit_is_recorded_and_one_past_its_own_is_a_413(shops, monkeypatch):
    from django.conf import settings

    from saleor_ltv_plugin.hosts.saleor_app import webhooks

    saleor, mine = shops["a"]
    lines = [bodies.order_line(f"9a7c2f10-1b2c-4d3e-8f90-{n:012d}") for n in range(120)]
    orders = [bodies.order(pk=f"0e9d8c7b-6a50-4f00-8000-{n:012d}", number=5000 + n, lines=lines) for n in range(50)]
    bulk = {"__typename": "OrderBulkCreated", "recipient": {"id": saleor.app_id}, "orders": orders,
            "ref": [{"id": o["id"], "number": o["number"], "updatedAt": o["updatedAt"]} for o in orders]}
    raw = json.dumps(bulk).encode()
    assert len(raw) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # 50 orders × 120 lines: ~3.6 MB
    before = inbound_in(mine)
    answer = webhook(Client(), saleor, bulk, event="order_bulk_created", route="orders-bulk", raw=raw)
    assert answer.status_code == 200, answer.content
    assert inbound_in(mine) == before + 50
    monkeypatch.setitem(webhooks.BODY_LIMITS, "orders-bulk", 2**20)
    over = webhook(Client(), saleor, bulk, event="order_bulk_created", route="orders-bulk", raw=raw)
    assert over.status_code == 413 and over.json()["code"] == "BODY_TOO_LARGE" and "1 MiB" in over.json()["message"]
    # Every other route keeps the site-wide limit.
    one = {**order_body(saleor), "order": bodies.order(lines=lines * 40)}
    assert webhook(Client(), saleor, one).status_code == 413
    assert inbound_in(mine) == before + 50


def test_an_event_the_route_does_not_take_is_a_400(shops):
    saleor, _ = shops["a"]
    answer = webhook(Client(), saleor, order_body(saleor), event="customer_deleted", route="orders")
    assert answer.status_code == 400 and answer.json()["code"] == "WRONG_EVENT"


def test_a_rotated_key_is_fetched_once_from_the_shops_own_saleor(shops):
    saleor, installation = shops["b"]
    Installation.objects.filter(pk=installation.pk).update(jwks_fetched_at=None)
    original = saleor.private_key, saleor.kid
    saleor.rotate_key("kid-rotated")
    try:
        fetched = saleor.requests.count(("GET", "/.well-known/jwks.json"))
        first = webhook(Client(), saleor, order_body(saleor))
        second = webhook(Client(), saleor, order_body(saleor))
        assert first.status_code == second.status_code == 200
        assert saleor.requests.count(("GET", "/.well-known/jwks.json")) == fetched + 1
        made_up = webhook(Client(), saleor, {}, raw=b"{}", signature=saleor.sign_body(b"{}", kid="made-up"))
        # No second fetch within the minute; 503, so that a Saleor whose key just changed retries.
        assert made_up.status_code == 503 and made_up.json()["code"] == "JWKS_NOT_AVAILABLE"
        assert saleor.requests.count(("GET", "/.well-known/jwks.json")) == fetched + 1
    finally:
        saleor.private_key, saleor.kid = original


def test_when_the_shops_storage_fails_saleor_is_told_to_retry(shops):
    saleor, installation = shops["a"]
    Installation.objects.filter(pk=installation.pk).update(schema="ltv_missing")
    answer = webhook(Client(), saleor, order_body(saleor))
    assert answer.status_code == 503 and answer.json()["code"] == "STORAGE_FAILED"


def test_app_deleted_forgets_the_token_and_later_webhooks_are_strangers(shops):
    saleor, installation = shops["a"]
    deleted = {"__typename": "AppDeleted", "recipient": {"id": saleor.app_id}, "app": {"id": saleor.app_id}}
    answer = webhook(Client(), saleor, deleted, event="app_deleted", route="app-deleted")
    assert answer.status_code == 200
    installation.refresh_from_db()
    assert installation.token == "" and installation.token_sealed == "" and installation.removed_at is not None
    assert webhook(Client(), saleor, order_body(saleor)).status_code == 401


# --- Dashboard tokens, shops' paths, isolation ------------------------------------------------
ACCOUNTS = "{ ltvAccounts(first: 10) { totalCount edges { node { name } } } }"


@pytest.fixture
def two_shops_with_data(shops):
    for name, company in (("a", "株式会社A商事"), ("b", "株式会社B物産")):
        with tenancy.enter(shops[name][1].schema):
            upsert_orders([make_order("o-1", company=company, user_id="7")])  # same ids in both shops
            recompute(now=datetime(2026, 2, 1, tzinfo=timezone.utc))
    return shops


def graphql(token: str, query: str, path: str = PREFIX):
    return Client().post(path + "graphql/", {"query": query}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_dashboard_token_sees_its_own_shop_only(two_shops_with_data):
    for name, company in (("a", "株式会社A商事"), ("b", "株式会社B物産")):
        saleor, _ = two_shops_with_data[name]
        answer = graphql(saleor.dashboard_token(), ACCOUNTS).json()
        assert "errors" not in answer, answer
        assert [e["node"]["name"] for e in answer["data"]["ltvAccounts"]["edges"]] == [company]


@pytest.mark.parametrize("change, message", [
    ({"app": "QXBwOjk5"}, "another app"), ({"ttl": -10}, "expired"), ({"type": "refresh"}, "Dashboard token"),
])
def test_a_token_not_minted_for_this_app_is_refused(two_shops_with_data, change, message):
    saleor, _ = two_shops_with_data["b"]
    ttl = change.pop("ttl", 300)
    answer = graphql(saleor.dashboard_token(ttl=ttl, **change), ACCOUNTS)
    assert answer.status_code == 401 and message in answer.json()["errors"][0]["message"]


def test_a_token_signed_by_another_saleor_under_this_ones_name_is_refused(two_shops_with_data):
    (saleor, _), (other, _) = two_shops_with_data["a"], two_shops_with_data["b"]
    forged = other.dashboard_token(iss=saleor.api_url, app=saleor.app_id)
    assert graphql(forged, ACCOUNTS).status_code == 401


def test_permissions_come_from_the_token(two_shops_with_data):
    saleor, _ = two_shops_with_data["b"]
    answer = graphql(saleor.dashboard_token(permissions=[]), ACCOUNTS).json()
    assert answer["data"] is None or answer["data"]["ltvAccounts"] is None
    assert "errors" in answer


def test_an_api_key_works_on_its_shops_path_and_names_no_shop_elsewhere(two_shops_with_data):
    _, installation = two_shops_with_data["b"]
    with tenancy.enter(installation.schema):
        raw, _ = auth.new_api_key("agency", [auth.Scope.READ.value])
    shop_path = f"{PREFIX}{tenancy.URL_SEGMENT}{installation.schema}/"
    answer = graphql(raw, ACCOUNTS, path=shop_path).json()
    assert [e["node"]["name"] for e in answer["data"]["ltvAccounts"]["edges"]] == ["株式会社B物産"]
    elsewhere = graphql(raw, ACCOUNTS)
    assert elsewhere.status_code == 401 and "SHOP_REQUIRED" in elsewhere.content.decode()
    _, a = two_shops_with_data["a"]
    assert graphql(raw, ACCOUNTS, path=f"{PREFIX}{tenancy.URL_SEGMENT}{a.schema}/").status_code == 401
    assert Client().get(f"{PREFIX}{tenancy.URL_SEGMENT}ltv_nosuchshop/health").status_code == 404


def test_a_link_signed_for_one_shop_opens_nothing_in_another(two_shops_with_data):
    (_, a), (_, b) = two_shops_with_data["a"], two_shops_with_data["b"]
    with tenancy.enter(a.schema):
        token = links.sign({"c": 1, "m": None}, links.UNSUBSCRIBE)
        assert links.unsign(token, links.UNSUBSCRIBE) == {"c": 1, "m": None}
        base = links.base_url(type("Shop", (), {"public_url": "https://elsewhere.example/"})())
    assert base == f"https://ltv.example{PREFIX}{tenancy.URL_SEGMENT}{a.schema}/"
    with tenancy.enter(b.schema), pytest.raises(links.signing.BadSignature):
        links.unsign(token, links.UNSUBSCRIBE)
