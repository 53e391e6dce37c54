"""Real checkouts through Saleor's GraphQL API land in the plugin's tables, exactly once."""

from decimal import Decimal

import pytest

from saleor_ltv_plugin.ingest.account_keys import normalise_company_name

from . import saleor_env, storefront
from .conftest import apply_events, order_uuid


def order_facts(db, ids):
    rows = db.execute(
        """SELECT o.external_id, o.amount, o.total_gross, o.refunded_amount, o.status, o.counts_as_purchase,
                  a.key_kind, a.key, o.checkout_token, o.contact_id
           FROM saleor_ltv_plugin_orderfact o JOIN saleor_ltv_plugin_account a ON a.id = o.account_id
           WHERE o.source = 'saleor' AND o.external_id = ANY(%s)""", (list(ids),)).fetchall()
    columns = ("id", "amount", "gross", "refunded", "status", "counts", "key_kind", "key", "token", "contact")
    return {row[0]: dict(zip(columns, row)) for row in rows}


def test_n_completed_checkouts_give_exactly_n_order_facts(saleor_url, variants, db, unique):
    companies = [f"株式会社LTV試験{unique}", f"(株)LTV試験{unique}", f"Other Trading {unique} Co., Ltd."]
    placed = []
    for index, company in enumerate(companies):
        lines = [(variants[0]["id"], 1 + index), (variants[1]["id"], 1)]
        placed.append(storefront.complete_checkout(saleor_url, f"buyer{index}-{unique}@example.com", company, lines))
    apply_events()
    apply_events()  # a replay of the same events changes nothing
    ids = [order_uuid(order["id"]) for order in placed]
    facts = order_facts(db, ids)
    assert len(facts) == len(placed)
    for order, company in zip(placed, companies):
        fact = facts[order_uuid(order["id"])]
        assert fact["gross"] == Decimal(str(order["total"]["gross"]["amount"]))
        assert fact["amount"] == fact["gross"] and fact["counts"] is True
        assert (fact["key_kind"], fact["key"]) == ("company", normalise_company_name(company))
        assert fact["token"] == order["checkout_token"]
        lines = db.execute(
            "SELECT l.sku, l.quantity, l.amount FROM saleor_ltv_plugin_orderlinefact l "
            "JOIN saleor_ltv_plugin_orderfact o ON o.id = l.order_id WHERE o.external_id = %s",
            (fact["id"],)).fetchall()
        expected = sorted((l["productSku"], l["quantity"], Decimal(str(l["totalPrice"]["gross"]["amount"])))
                          for l in order["lines"])
        assert sorted(lines) == expected
    first, second, third = (facts[i] for i in ids)
    assert first["key"] == second["key"] != third["key"]  # 株式会社X and (株)X are one company
    states = db.execute("SELECT state FROM saleor_ltv_plugin_checkoutfact WHERE token = ANY(%s)",
                        ([o["checkout_token"] for o in placed],)).fetchall()
    assert all(state == ("completed",) for state in states)


def test_cancel_and_refund_update_the_facts(saleor_url, staff, variants, db, unique):
    canceled = storefront.complete_checkout(saleor_url, f"c-{unique}@example.com", f"Cancel {unique}",
                                            [(variants[2]["id"], 1)])
    refunded = storefront.complete_checkout(saleor_url, f"r-{unique}@example.com", f"Refund {unique}",
                                            [(variants[2]["id"], 2)])
    storefront.gql(saleor_url, "mutation($id:ID!){orderCancel(id:$id){order{status} errors{field message}}}",
                   {"id": canceled["id"]}, staff)
    part = round(refunded["total"]["gross"]["amount"] / 4, 2)
    storefront.gql(saleor_url, "mutation($id:ID!,$a:PositiveDecimal!){orderRefund(id:$id,amount:$a){"
                   "order{id} errors{field message}}}", {"id": refunded["id"], "a": part}, staff)
    apply_events()
    facts = order_facts(db, [order_uuid(canceled["id"]), order_uuid(refunded["id"])])
    cancel_fact = facts[order_uuid(canceled["id"])]
    assert cancel_fact["status"] == "canceled" and cancel_fact["counts"] is False
    refund_fact = facts[order_uuid(refunded["id"])]
    assert refund_fact["refunded"] == Decimal(str(part))
    assert refund_fact["amount"] == refund_fact["gross"] - Decimal(str(part)) and refund_fact["counts"] is True


def test_a_checkout_complete_records_one_inbound_row_per_object(saleor_url, variants, db, unique):
    """Saleor fires seven hooks for the order of one checkoutComplete; the capture keeps one row per
    object of that request (the order, and its checkout), and applying it still gives the fact."""
    order = storefront.complete_checkout(saleor_url, f"one-{unique}@example.com", f"One Row {unique}",
                                         [(variants[0]["id"], 1)])
    refs = [f"order:{order_uuid(order['id'])}", f"checkout:{order['checkout_token']}"]
    # Rows of the checkoutComplete request: those received once Saleor had created the order (the
    # checkout's earlier requests — create, delivery, payment — record their own).
    counts = dict(db.execute(
        "SELECT e.object_ref, count(*) FROM saleor_ltv_plugin_inboundevent e, order_order o "
        "WHERE o.id = %s AND e.object_ref = ANY(%s) AND e.received_at >= o.created_at GROUP BY e.object_ref",
        (order_uuid(order["id"]), refs)).fetchall())
    assert counts.get(refs[0]) == 1, counts
    assert counts.get(refs[1], 0) <= 1, counts
    apply_events()
    assert order_uuid(order["id"]) in order_facts(db, [order_uuid(order["id"])])


def test_a_fulfilment_and_the_checkouts_campaign_tags_reach_the_facts(saleor_url, staff, variants, db, unique):
    """A staff orderFulfill (order_fulfilled, fulfillment_created, order_updated: one inbound row)
    gives the order its shipment with the tracking number; a tracking update reaches it too; the
    checkout's utm tags, copied by Saleor to the order, are the new account's acquisition."""
    order = storefront.complete_checkout(saleor_url, f"ship-{unique}@example.com", f"Ship {unique}",
                                         [(variants[0]["id"], 2)],
                                         metadata={"utm_source": "google", "utm_campaign": f"c-{unique}"})
    order_id = order_uuid(order["id"])
    lines = storefront.gql(saleor_url, "query($id:ID!){order(id:$id){lines{id quantity allocations{"
                           "warehouse{id}}}}}", {"id": order["id"]}, staff)["order"]["lines"]
    done = storefront.gql(saleor_url, """mutation($o:ID!,$i:OrderFulfillInput!){orderFulfill(order:$o,input:$i){
        fulfillments{id} errors{field code message}}}""", {"o": order["id"], "i": {
        "notifyCustomer": False, "trackingNumber": f"TRK-{unique}",
        "lines": [{"orderLineId": line["id"], "stocks": [
            {"quantity": line["quantity"], "warehouse": line["allocations"][0]["warehouse"]["id"]}]} for line in lines]}},
        staff)["orderFulfill"]
    assert not done["errors"], done["errors"]
    rows = db.execute("SELECT count(*) FROM saleor_ltv_plugin_inboundevent e, order_fulfillment f "
                      "WHERE f.order_id = %s AND e.object_ref = %s AND e.received_at >= f.created_at",
                      (order_id, f"order:{order_id}")).fetchone()[0]
    assert rows == 1
    apply_events()

    def shipment():
        return db.execute(
            "SELECT s.tracking_number, s.shipped_at, s.lines, a.acquisition_source, a.acquisition_campaign "
            "FROM saleor_ltv_plugin_shipmentfact s JOIN saleor_ltv_plugin_orderfact o ON o.id = s.order_id "
            "JOIN saleor_ltv_plugin_account a ON a.id = o.account_id WHERE o.external_id = %s", (order_id,)).fetchall()

    ((tracking, shipped_at, shipped, source, campaign),) = shipment()
    assert (tracking, source, campaign) == (f"TRK-{unique}", "google", f"c-{unique}")
    assert shipped_at is not None and [line["quantity"] for line in shipped] == [2]
    storefront.gql(saleor_url, """mutation($id:ID!,$i:FulfillmentUpdateTrackingInput!){
        orderFulfillmentUpdateTracking(id:$id,input:$i){errors{field message}}}""",
        {"id": done["fulfillments"][0]["id"], "i": {"trackingNumber": f"NEW-{unique}", "notifyCustomer": False}}, staff)
    apply_events()
    assert shipment()[0][0] == f"NEW-{unique}"


@pytest.fixture(scope="module")
def faulty_url(saleor_db):
    with saleor_env.running_server("saleor-faulty", LTV_FAULT_INJECTION="hooks") as url:
        yield url


def test_failing_hooks_never_break_checkout_and_reconcile_recovers(faulty_url, variants, db, unique):
    order = storefront.complete_checkout(faulty_url, f"f-{unique}@example.com", f"Fault {unique}",
                                         [(variants[0]["id"], 1)])
    assert order["number"]  # Saleor completed the checkout although every hook raised
    order_id = order_uuid(order["id"])
    recorded = db.execute("SELECT count(*) FROM saleor_ltv_plugin_inboundevent WHERE object_ref = %s",
                          (f"order:{order_id}",)).fetchone()[0]
    assert recorded == 0
    apply_events()
    assert order_facts(db, [order_id]) == {}
    out = saleor_env.django_admin("ltv_reconcile", "--days", "1")
    assert "repaired" in out
    fact = order_facts(db, [order_id])[order_id]
    assert fact["gross"] == Decimal(str(order["total"]["gross"]["amount"]))


def test_customer_deletion_erases_personal_data(saleor_url, staff, variants, db, unique):
    email = f"erase-{unique}@example.com"
    address = {**storefront.ADDRESS, "companyName": ""}
    created = storefront.gql(saleor_url, """mutation($i:UserCreateInput!){customerCreate(input:$i){
        user{id} errors{field message}}}""",
        {"i": {"email": email, "firstName": "Hanako", "lastName": "Erase", "defaultBillingAddress": address}}, staff)
    user_id = created["customerCreate"]["user"]["id"]
    order = storefront.complete_checkout(saleor_url, email, "", [(variants[1]["id"], 1)])
    apply_events()
    assert db.execute("SELECT count(*) FROM saleor_ltv_plugin_contact WHERE email = %s", (email,)).fetchone()[0] == 1
    storefront.gql(saleor_url, "mutation($id:ID!){customerDelete(id:$id){errors{field message}}}",
                   {"id": user_id}, staff)
    apply_events()
    assert db.execute("SELECT count(*) FROM saleor_ltv_plugin_contact WHERE email = %s", (email,)).fetchone()[0] == 0
    fact = order_facts(db, [order_uuid(order["id"])])[order_uuid(order["id"])]
    assert fact["contact"] is None and email not in fact["key"]
    raw = db.execute("SELECT raw FROM saleor_ltv_plugin_orderfact WHERE external_id = %s",
                     (order_uuid(order["id"]),)).fetchone()[0]
    assert raw == {}
    apply_events()
    saleor_env.django_admin("ltv_reconcile", "--days", "1")  # Saleor still has user_email on the order
    assert db.execute("SELECT count(*) FROM saleor_ltv_plugin_contact WHERE email = %s", (email,)).fetchone()[0] == 0


def test_the_orders_billing_address_gives_the_contacts_phone_and_postal_address(saleor_url, variants, db, unique):
    """Saleor's Address (phone: a PhoneNumberField) → Contact.phone in E.164 and the label lines."""
    email = f"reach-{unique}@example.com"
    storefront.complete_checkout(saleor_url, email, f"Reach {unique} Inc.", [(variants[0]["id"], 1)])
    apply_events()
    row = db.execute(
        "SELECT phone, address_postal_code, address_country, address_prefecture, address_city, address_line1, "
        "address_company, address_person FROM saleor_ltv_plugin_contact WHERE email = %s", (email,)).fetchone()
    address = storefront.ADDRESS
    assert row == (address["phone"], address["postalCode"], address["country"], address["countryArea"],
                   address["city"], address["streetAddress1"], f"Reach {unique} Inc.",
                   f"{address['firstName']} {address['lastName']}")
