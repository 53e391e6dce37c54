"""The plugin as Saleor sees it: configuration, activation, bulk hooks, backfill."""

import json

import pytest

from . import saleor_env, storefront
from .conftest import apply_events, order_uuid

UPDATE = """mutation($a:Boolean, $c:[ConfigurationItemInput!]){pluginUpdate(id:"saleor.ltv",
    input:{active:$a, configuration:$c}){plugin{globalConfiguration{active configuration{name value}}}
    errors{field message code}}}"""


def test_bad_configuration_is_refused_naming_the_field(saleor_url, staff):
    body = storefront.requests.post(
        saleor_url + "/graphql/",
        json={"query": UPDATE, "variables": {"c": [{"name": "channel_overrides", "value": '{"x": {"colour": 1}}'}]}},
        headers={"Authorization": f"Bearer {staff}"}, timeout=30,
    ).json()
    errors = body["data"]["pluginUpdate"]["errors"]
    assert [e["field"] for e in errors] == ["channelOverrides"], errors  # Saleor camel-cases the item name
    assert errors[0]["message"] == "channel_overrides.x.colour: unknown setting"


def test_configuration_is_listed_with_defaults(saleor_url, staff):
    data = storefront.gql(saleor_url, """{plugin(id:"saleor.ltv"){name globalConfiguration{active
        configuration{name value helpText}}}}""", token=staff)
    config = data["plugin"]["globalConfiguration"]
    assert config["active"] is True
    values = {item["name"]: item for item in config["configuration"]}
    assert values["account_key"]["value"] == "company" and values["account_key"]["helpText"]
    assert values["new_customer_days"]["value"] == "120"


def test_an_inactive_plugin_records_nothing(saleor_url, staff, variants, db, unique):
    storefront.gql(saleor_url, UPDATE, {"a": False}, staff)
    try:
        order = storefront.complete_checkout(saleor_url, f"off-{unique}@example.com", "Off", [(variants[0]["id"], 1)])
    finally:
        storefront.gql(saleor_url, UPDATE, {"a": True}, staff)
    count = db.execute("SELECT count(*) FROM saleor_ltv_plugin_inboundevent WHERE object_ref = %s",
                       (f"order:{order_uuid(order['id'])}",)).fetchone()[0]
    assert count == 0


def test_order_bulk_created_records_each_order(saleor_db, db):
    out = saleor_env.django_admin("shell", "-c", """
import json
from saleor.order.models import Order
from saleor.plugins.manager import get_plugins_manager
orders = list(Order.objects.order_by("-number")[:3])
get_plugins_manager(allow_replica=False).order_bulk_created(orders)
print(json.dumps([str(o.pk) for o in orders]))
""")
    ids = json.loads(out.strip().splitlines()[-1])
    refs = {row[0] for row in db.execute(
        "SELECT object_ref FROM saleor_ltv_plugin_inboundevent WHERE kind = 'order_bulk_created'")}
    assert {f"order:{pk}" for pk in ids} <= refs
    apply_events()


def test_backfill_imports_every_saleor_order_and_is_safe_to_rerun(saleor_db, db):
    db.execute("DELETE FROM saleor_ltv_plugin_shipmentfact")
    db.execute("DELETE FROM saleor_ltv_plugin_orderlinefact")
    db.execute("DELETE FROM saleor_ltv_plugin_orderfact")
    saleor_env.django_admin("ltv_backfill", "--batch-size", "7")
    saleor_orders = db.execute("SELECT count(*) FROM order_order").fetchone()[0]
    facts = db.execute("SELECT count(*) FROM saleor_ltv_plugin_orderfact WHERE source = 'saleor'").fetchone()[0]
    assert facts == saleor_orders > 0
    lines = db.execute("SELECT count(*) FROM order_orderline").fetchone()[0]
    assert db.execute("SELECT count(*) FROM saleor_ltv_plugin_orderlinefact").fetchone()[0] == lines
    totals = db.execute("""SELECT count(*) FROM order_order o JOIN saleor_ltv_plugin_orderfact f
        ON f.external_id = o.id::text WHERE f.total_gross <> o.total_gross_amount""").fetchone()[0]
    assert totals == 0
    saleor_env.django_admin("ltv_backfill", "--only", "orders")
    assert db.execute("SELECT count(*) FROM saleor_ltv_plugin_orderfact").fetchone()[0] == facts


def test_backfill_resumes_after_an_order_number(saleor_db, db):
    numbers = [row[0] for row in db.execute("SELECT number FROM order_order ORDER BY number")]
    middle = numbers[len(numbers) // 2]
    db.execute("DELETE FROM saleor_ltv_plugin_shipmentfact")
    db.execute("DELETE FROM saleor_ltv_plugin_orderlinefact")
    db.execute("DELETE FROM saleor_ltv_plugin_orderfact")
    out = saleor_env.django_admin("ltv_backfill", "--only", "orders", "--after", str(middle))
    stored = db.execute("SELECT count(*) FROM saleor_ltv_plugin_orderfact").fetchone()[0]
    assert stored == len([n for n in numbers if n > middle]) and "imported" in out
    saleor_env.django_admin("ltv_backfill", "--only", "orders")
    assert db.execute("SELECT count(*) FROM saleor_ltv_plugin_orderfact").fetchone()[0] == len(numbers)


def test_recompute_inside_saleor_scores_every_buying_account(saleor_db, db):
    out = saleor_env.django_admin("ltv_recompute")
    assert "accounts as of" in out
    buying = db.execute("SELECT count(DISTINCT account_id) FROM saleor_ltv_plugin_orderfact "
                        "WHERE counts_as_purchase").fetchone()[0]
    scored = db.execute("SELECT count(*) FROM saleor_ltv_plugin_accountmetrics WHERE stage <> 'prospect'"
                        ).fetchone()[0]
    assert scored == buying > 0
    # the rest are prospects: each account of a Saleor user who never ordered, none with a purchase
    prospects = {row[0] for row in db.execute(
        "SELECT account_id FROM saleor_ltv_plugin_accountmetrics WHERE stage = 'prospect'")}
    never_ordered = {row[0] for row in db.execute("""SELECT DISTINCT ac.account_id
        FROM account_user u JOIN saleor_ltv_plugin_contact c ON c.saleor_user_id = u.id::text
        JOIN saleor_ltv_plugin_accountcontact ac ON ac.contact_id = c.id
        WHERE NOT EXISTS (SELECT 1 FROM order_order o WHERE o.user_id = u.id)
          AND NOT EXISTS (SELECT 1 FROM saleor_ltv_plugin_orderfact f
                          WHERE f.account_id = ac.account_id AND f.counts_as_purchase)""")}
    assert prospects == never_ordered
    total = db.execute("SELECT count(*) FROM saleor_ltv_plugin_accountmetrics").fetchone()[0]
    snapshot = db.execute("SELECT sum(accounts) FROM saleor_ltv_plugin_segmentsnapshot "
                          "WHERE dimension = 'stage' AND day = (SELECT max(day) FROM saleor_ltv_plugin_segmentsnapshot)"
                          ).fetchone()[0]
    assert snapshot == total
