"""Issue 19: mall buyers (keyed by the mall's customer id, e-mails masked) linked to a company over
REST — a Shift_JIS link list or JSON: their orders move into the company's account, later orders
follow, both accounts are re-scored once (figures against the orders' own sums); a bad list is
refused whole, each line named with its field and reason in English and Japanese."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from graphene import relay

from saleor_ltv_plugin.auth import Scope
from saleor_ltv_plugin.ingest.bulk_orders import MIN_ORDERS
from saleor_ltv_plugin.metrics.recompute import recompute
from saleor_ltv_plugin.models import Account, AccountContact, AccountMetrics, Contact, OrderFact

from ..graphql.conftest import GraphQLClient

pytestmark = pytest.mark.django_db
BASE = "/plugins/global/saleor.ltv/api/v1/"
NOW = timezone.now()


@pytest.fixture
def api(key_for):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key_for(Scope.INGEST.value, Scope.READ.value)}")


def order(ref: str, days_ago: int, amount: str, customer: dict, source: str = "own_shop") -> dict:
    return {"external_id": ref, "sales_source": source, "channel": "default-channel", "currency": "JPY",
            "created_at": (NOW - timedelta(days=days_ago)).isoformat(), "total_gross": amount, "customer": customer,
            "lines": [{"sku": "A4", "quantity": 1, "unit_price": amount}]}


def post(api, path: str, body) -> object:
    return api.post(BASE + path, json.dumps(body, ensure_ascii=False), content_type="application/json")


LINK = """mutation($customer: String!, $account: ID) { ltvCustomerAccountLink(customerId: $customer, account: $account) {
  ordersMoved account { name } errors { field message messageJa } } }"""
YAMADA = {"email": "taro@yamada.example", "company_name": "株式会社山田製作所"}
MALL = {"external_key": "rakuten:R-1", "last_name": "山田", "first_name": "花子"}
OTHER = {"external_key": "rakuten:R-2", "last_name": "佐藤"}


def test_a_shift_jis_link_list_merges_a_mall_buyer_into_the_company_and_rescores_both(api, key_for):
    key = key_for(Scope.INGEST.value)
    orders = [order("W-1", 300, "10000", YAMADA), order("W-2", 200, "12000", YAMADA),
              order("R-a", 250, "3000", MALL, "rakuten"), order("R-b", 150, "3300", MALL, "rakuten"),
              order("R-c", 60, "3600", MALL, "rakuten"), order("R-d", 90, "5000", OTHER, "rakuten")]
    assert post(api, "orders", {"orders": orders}).status_code == 200
    recompute(now=NOW)
    company = Account.objects.get(key_kind="company", key="山田製作所")
    mall = Account.objects.get(key_kind="external", key="rakuten:R-1")
    assert AccountMetrics.objects.get(account=mall).frequency == 3

    sheet = "顧客ID,会社名\r\nR-1,(株)山田製作所\r\n".encode("cp932")
    response = api.post(BASE + "customers/links/import", {"file": SimpleUploadedFile("links.csv", sheet),
                                                         "id_namespace": "rakuten"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["encoding"], body["rows_read"], body["linked"], body["orders_moved"]) == ("cp932", 1, 1, 3)
    assert body["accounts_rescored"] == 1  # the mall buyer's own account was left empty and is gone
    assert not Account.objects.filter(pk=mall.pk).exists()
    merged = AccountMetrics.objects.get(account=company)
    expected = OrderFact.objects.filter(external_id__in=["W-1", "W-2", "R-a", "R-b", "R-c"]).aggregate(s=Sum("amount"))
    assert (merged.frequency, merged.monetary) == (5, expected["s"]) and expected["s"] == Decimal("31900")
    buyer = Contact.objects.get(external_key="rakuten:R-1")
    assert set(AccountContact.objects.filter(contact=buyer).values_list("account_id", flat=True)) == {company.pk}
    # A later mall order of the same buyer lands on the company too; the link is shown on the account.
    assert post(api, "orders", {"orders": [order("R-e", 10, "4000", MALL, "rakuten")]}).status_code == 200
    assert OrderFact.objects.get(external_id="R-e").account_id == company.pk
    # ... and in a batch large enough for the set-based path (ingest/bulk_orders.py) too
    bulk = [order(f"R-bulk-{i}", 5, "1000", MALL, "rakuten") for i in range(MIN_ORDERS)]
    assert post(api, "orders", {"orders": bulk}).status_code == 200
    assert set(OrderFact.objects.filter(external_id__startswith="R-bulk-").values_list("account_id", flat=True)) == {
        company.pk}
    OrderFact.objects.filter(external_id__startswith="R-bulk-").delete()
    shown = api.get(BASE + f"accounts/{company.pk}").json()
    assert "rakuten:R-1" in {c["external_key"] for c in shown["contacts"]}
    again = post(api, "customers/links", {"links": [{"customer_id": "rakuten:R-1", "account_id": company.pk}]})
    assert (again.json()["unchanged"], again.json()["orders_moved"]) == (1, 0)
    # The GraphQL side: the other mall buyer, by the account's global id; an unknown id is named in ja and en.
    gid = relay.Node.to_global_id("LtvAccount", company.pk)
    done = GraphQLClient()(LINK, {"customer": "rakuten:R-2", "account": gid}, key)["data"]["ltvCustomerAccountLink"]
    assert done == {"ordersMoved": 1, "errors": [], "account": {"name": "株式会社山田製作所"}}
    assert AccountMetrics.objects.get(account=company).frequency == 7  # 5 + R-e + R-2's order
    bad = GraphQLClient()(LINK, {"customer": "rakuten:R-9", "account": gid}, key)["data"]["ltvCustomerAccountLink"]
    assert bad["errors"][0]["field"] == "customerId" and bad["errors"][0]["messageJa"].startswith("顧客ID")


def test_a_bad_link_list_is_refused_whole_in_english_and_japanese(api):
    orders = [order("W-1", 30, "10000", YAMADA), order("R-a", 20, "3000", MALL, "rakuten"),
              order("R-d", 10, "5000", OTHER, "rakuten")]
    assert post(api, "orders", {"orders": orders}).status_code == 200
    own = Account.objects.get(key="rakuten:R-2").pk
    links = [{"customer_id": "rakuten:R-1", "company_name": "山田製作所"},  # valid, but the batch is refused
             {"customer_id": "rakuten:NOPE", "company_name": "山田製作所"},
             {"customer_id": "rakuten:R-2", "company_name": "鈴木商店"},
             {"customer_id": "rakuten:R-2", "account_id": own},
             {"customer_id": "rakuten:R-2"},
             {"customer_id": "", "account_id": "x"}]
    response = post(api, "customers/links", {"links": links})
    assert response.status_code == 422
    body = response.json()
    assert "nothing was stored" in body["detail"] and "何も保存していません" in body["detail_ja"]
    errors = {(e["row"], e["field"]): e for e in body["errors"]}
    assert set(errors) == {(2, "customer_id"), (3, "company_name"), (4, "account_id"), (5, "company_name"),
                           (6, "customer_id"), (6, "account_id")}
    assert "NOPE" in errors[(2, "customer_id")]["message"] and errors[(2, "customer_id")]["message_ja"].startswith("顧客ID")
    assert "鈴木商店" in errors[(3, "company_name")]["message_ja"] and "own account" in errors[(4, "account_id")]["message"]
    assert all(e["message"] and e["message_ja"] for e in body["errors"])
    assert Contact.objects.get(external_key="rakuten:R-1").linked_account_kind == ""
    assert OrderFact.objects.get(external_id="R-a").account.key == "rakuten:R-1"
    bad_file = api.post(BASE + "customers/links/import", {"file": SimpleUploadedFile(
        "l.csv", "顧客ID,アカウントID\r\nrakuten:R-1,１２a\r\n".encode("cp932"))})
    assert bad_file.status_code == 422 and bad_file.json()["errors"][0]["field"] == "account_id"
    assert bad_file.json()["errors"][0]["row"] == 2 and "整数" in bad_file.json()["errors"][0]["message_ja"]


UNLINK = """mutation($customer: String!) { ltvCustomerAccountUnlink(customerId: $customer) {
  unlinked ordersMoved errors { field code message messageJa } } }"""


def test_unlinking_sends_the_buyers_orders_back_to_their_own_account_and_rescores_both(api, key_for):
    orders = [order("W-1", 300, "10000", YAMADA), order("R-a", 250, "3000", MALL, "rakuten"),
              order("R-b", 150, "3300", MALL, "rakuten"), order("R-d", 90, "5000", OTHER, "rakuten")]
    assert post(api, "orders", {"orders": orders}).status_code == 200
    recompute(now=NOW)
    linked = post(api, "customers/links", {"links": [{"customer_id": "rakuten:R-1", "company_name": "山田製作所"},
                                                     {"customer_id": "rakuten:R-2", "company_name": "山田製作所"}]})
    assert linked.json()["orders_moved"] == 3
    company = Account.objects.get(key_kind="company", key="山田製作所")
    assert AccountMetrics.objects.get(account=company).frequency == 4

    gone = api.delete(BASE + "customers/links/rakuten:R-1")
    assert gone.status_code == 200, gone.content
    assert gone.json() == {"unlinked": True, "orders_moved": 2, "accounts_rescored": 2}
    own = Account.objects.get(key_kind="external", key="rakuten:R-1")
    assert set(OrderFact.objects.filter(external_id__in=["R-a", "R-b"]).values_list("account_id", flat=True)) == {
        own.pk}
    for account, refs in ((company, ["W-1", "R-d"]), (own, ["R-a", "R-b"])):
        sums = OrderFact.objects.filter(external_id__in=refs).aggregate(s=Sum("amount"))["s"]
        metrics = AccountMetrics.objects.get(account=account)
        assert (metrics.frequency, metrics.monetary) == (2, sums)
    buyer = Contact.objects.get(external_key="rakuten:R-1")
    assert (buyer.linked_account_kind, buyer.linked_at) == ("", None)
    assert set(AccountContact.objects.filter(contact=buyer).values_list("account_id", flat=True)) == {own.pk}
    # a later order of theirs stays on their own account; unlinking again changes nothing
    assert post(api, "orders", {"orders": [order("R-e", 5, "4000", MALL, "rakuten")]}).status_code == 200
    assert OrderFact.objects.get(external_id="R-e").account_id == own.pk
    assert api.delete(BASE + "customers/links/rakuten:R-1").json() == {"unlinked": False, "orders_moved": 0,
                                                                       "accounts_rescored": 0}
    # an unknown customer is a 404 naming the field; without orders:write a 403; nothing moved
    missing = api.delete(BASE + "customers/links/rakuten:NOPE")
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "customer_id"
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {key_for(Scope.READ.value)}")
    assert reader.delete(BASE + "customers/links/rakuten:R-2").status_code == 403
    assert OrderFact.objects.get(external_id="R-d").account_id == company.pk
    # the GraphQL side unlinks the other buyer; an unknown id is named in ja and en
    key = key_for(Scope.INGEST.value)
    done = GraphQLClient()(UNLINK, {"customer": "rakuten:R-2"}, key)["data"]["ltvCustomerAccountUnlink"]
    assert done == {"unlinked": True, "ordersMoved": 1, "errors": []}
    assert OrderFact.objects.get(external_id="R-d").account.key == "rakuten:R-2"
    bad = GraphQLClient()(UNLINK, {"customer": "rakuten:R-9"}, key)["data"]["ltvCustomerAccountUnlink"]
    assert bad["errors"][0]["field"] == "customerId" and bad["errors"][0]["code"] == "NOT_FOUND"
    assert bad["errors"][0]["messageJa"].startswith("顧客ID")
