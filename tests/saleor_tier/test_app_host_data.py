"""The App host's data path against a real Saleor 3.23: its subscriptions pass Saleor's own
SubscriptionQuery with the events the manifest lists, and the facts it maps from Saleor's GraphQL (read
with a real app token) and from webhook payloads Saleor generates are the plugin's ORM facts, field by
field, for real orders (refunded both ways, fulfilled, cancelled, a customer's in Japanese), checkouts
and customers."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from saleor_ltv_plugin.hosts.saleor.ids import global_id
from saleor_ltv_plugin.hosts.saleor_app import subscriptions
from saleor_ltv_plugin.hosts.saleor_app.client import SaleorClient

from . import saleor_env, storefront
from .conftest import apply_events, order_uuid

PROBE = "from tests.saleor_tier import app_probe; app_probe.{call}"


def probe(call: str) -> dict:
    return json.loads(saleor_env.django_admin("shell", "-c", PROBE.format(call=call)).strip().splitlines()[-1])


def test_the_subscriptions_are_valid_and_infer_the_events_the_manifest_lists(saleor_db):
    answer = probe("check_subscriptions()")
    for path, (_name, _query, events) in subscriptions.WEBHOOKS.items():
        checked = answer["webhooks"][path]
        assert checked["valid"], (path, checked["error"])
        assert checked["events"] == sorted(events), path
    assert answer["queries"] == {name: [] for name in answer["queries"]}


@pytest.fixture(scope="module")
def shop(saleor_url, staff, variants):
    """Real objects made through Saleor's API: orders of a registered customer (in Japanese, with campaign
    tags) and of guests (refunded through a legacy payment and through a transaction, fulfilled,
    cancelled), an open checkout of each kind, and the App that reads them."""
    unique = uuid.uuid4().hex[:10]
    app = probe(f"make_app({unique!r})")
    customer = storefront.gql(saleor_url, "mutation($e:String!,$p:String!){tokenCreate(email:$e,password:$p){token}}",
                              {"e": app["email"], "p": f"pass-{unique}"})["tokenCreate"]["token"]
    mine = storefront.complete_checkout(saleor_url, app["email"], f"山田商事株式会社 {unique}",
                                        [(variants[0]["id"], 2), (variants[1]["id"], 1)],
                                        metadata={"utm_source": "newsletter", "utm_campaign": "spring"},
                                        token=customer, language="JA")
    refunded = storefront.complete_checkout(saleor_url, f"r-{unique}@example.com", f"Refund {unique}",
                                            [(variants[2]["id"], 2)])
    fulfilled = storefront.complete_checkout(saleor_url, f"f-{unique}@example.com", f"Ship {unique}",
                                             [(variants[0]["id"], 1)])
    cancelled = storefront.complete_checkout(saleor_url, f"c-{unique}@example.com", f"Cancel {unique}",
                                             [(variants[1]["id"], 1)])
    part = round(refunded["total"]["gross"]["amount"] / 4, 2)
    storefront.gql(saleor_url, "mutation($id:ID!,$a:PositiveDecimal!){orderRefund(id:$id,amount:$a){"
                   "errors{field message}}}", {"id": refunded["id"], "a": part}, staff)
    storefront.gql(saleor_url, """mutation($id:ID!,$t:TransactionCreateInput!){transactionCreate(id:$id,transaction:$t){
        errors{field message}}}""", {"id": refunded["id"], "t": {
        "name": "ltv-probe", "pspReference": f"psp-{unique}", "amountCharged": {"amount": 5, "currency": "USD"},
        "amountRefunded": {"amount": 3, "currency": "USD"}}}, staff)
    lines = storefront.gql(saleor_url, "query($id:ID!){order(id:$id){lines{id quantity allocations{warehouse{id}}}}}",
                           {"id": fulfilled["id"]}, staff)["order"]["lines"]
    storefront.gql(saleor_url, """mutation($id:ID!,$i:OrderFulfillInput!){orderFulfill(order:$id,input:$i){
        errors{field message}}}""", {"id": fulfilled["id"], "i": {"notifyCustomer": False, "lines": [
        {"orderLineId": line["id"], "stocks": [{"quantity": line["quantity"],
                                                 "warehouse": line["allocations"][0]["warehouse"]["id"]}]}
        for line in lines]}}, staff)
    storefront.gql(saleor_url, "mutation($id:ID!){orderCancel(id:$id){errors{field message}}}",
                   {"id": cancelled["id"]}, staff)
    guest_cart = storefront.create_checkout(saleor_url, f"cart-{unique}@example.com", f"Cart {unique}",
                                            [(variants[2]["id"], 3)])
    customer_cart = storefront.create_checkout(saleor_url, app["email"], f"山田商事株式会社 {unique}",
                                               [(variants[1]["id"], 1)], token=customer, language="JA")
    return {"app": app, "client": SaleorClient(saleor_url + "/graphql/", app["token"]),
            "orders": [mine, refunded, fulfilled, cancelled], "checkouts": [guest_cart, customer_cart]}


def test_facts_from_graphql_and_from_saleors_webhook_payloads_are_the_plugins(shop, tmp_path):
    client = shop["client"]
    order_ids = [order["id"] for order in shop["orders"]]
    orders = client.execute(subscriptions.ORDERS_PAGE, {"first": 100, "where": {"ids": order_ids}})["orders"]
    checkouts = {c["token"]: client.execute(subscriptions.CHECKOUT_BY_ID, {"id": c["id"]})["checkout"]
                 for c in shop["checkouts"]}
    user = client.execute(subscriptions.USER_BY_ID, {"id": global_id("User", shop["app"]["user"])})["user"]
    nodes = {"app": shop["app"]["app"], "orders": {order_uuid(e["node"]["id"]): e["node"] for e in orders["edges"]},
             "checkouts": checkouts, "users": {str(shop["app"]["user"]): user}}
    assert len(nodes["orders"]) == 4 and all(checkouts.values())
    nodes_file = Path(tmp_path) / "nodes.json"
    nodes_file.write_text(json.dumps(nodes, default=str), encoding="utf-8")
    answer = probe(f"compare({str(nodes_file)!r})")
    assert answer["diffs"] == [] and answer["sanity"] == 1
    assert len(answer["compared"]) == 4 + 2 + 1
    app_id = global_id("App", shop["app"]["app"])
    assert all(w["recipient"] == app_id and not w["errors"] and w["kind"] != "refetch"
               for w in answer["webhooks"].values())
    # what the facts say, so the comparison is not two empty mappings agreeing
    by_number = {e["node"]["number"]: e["node"] for e in orders["edges"]}
    mine, refunded, fulfilled, cancelled = (by_number[o["number"]] for o in shop["orders"])
    assert mine["languageCodeEnum"] == "JA" and mine["user"]["id"] == global_id("User", shop["app"]["user"])
    assert {m["key"] for m in mine["metadata"]} >= {"utm_source", "utm_campaign"}
    assert [t["kind"] for p in refunded["payments"] for t in p["transactions"]].count("REFUND") == 1
    assert refunded["transactions"][0]["refundedAmount"]["amount"] == 3
    assert fulfilled["status"] == "FULFILLED" and fulfilled["fulfillments"][0]["status"] == "FULFILLED"
    assert cancelled["status"] == "CANCELED"


def test_backfill_through_the_app_token_finds_the_plugins_facts_unchanged(saleor_url, shop):
    """A shop moving from the plugin to the App: the App's backfill over Saleor's API meets the facts the
    plugin wrote for the same orders and leaves them exactly as they were (same rows, nothing rewritten)."""
    apply_events()  # the plugin's own capture of this module's orders
    watched = [order_uuid(order["id"]) for order in shop["orders"]]
    answer = probe(f"backfill({saleor_url + '/graphql/'!r}, {shop['app']['token']!r}, {watched!r})")
    recent, full, again = answer["recent"], answer["full"], answer["again"]
    assert answer["watched_before"] == 4 and answer["watched_changed"] == 0
    # populatedb's orders touched since (Saleor's own tasks update them on a fresh template) come back null
    # and are queued as refetches, as below; the module's own orders all arrive
    assert recent["orders"] == answer["recent_orders"] >= 4
    assert recent["refetch_queued"] == answer["recent_without_origin"]
    assert full["orders"] == again["orders"] == answer["saleor_orders"]
    assert answer["checkpoints"] == -(-answer["saleor_orders"] // 100)  # one a page of 100
    # populatedb's orders carry origin '' (no OrderOriginEnum value): their page comes back null and its
    # orders are queued as refetches instead of stopping the walk
    assert (full["refetch_queued"] > 0) == (answer["sample_orders_without_origin"] > 0)
    assert answer["facts"] >= answer["saleor_orders"] - full["refetch_queued"]
    assert again["orders_written"] == 0
    since = answer["everything_since"]
    assert since["orders"] == answer["recent_orders"] and since["customers"] >= 1 and since["checkouts"] >= 2
    reconciled = answer["reconciled"]
    # all stored by now but populatedb's unreadable ones (placed within the day when the template was built,
    # or older and out of the window): those are stale, and queued as refetches again
    assert reconciled["orders"]["checked"] >= 4
    assert reconciled["orders"]["stale"] == reconciled["orders"]["refetch_queued"] <= answer["sample_orders_without_origin"]
    assert reconciled["customers"]["customers_written"] >= 1 and reconciled["checkouts"]["checkouts"] >= 2
