"""A plugin installation's database, as `ltv_import_plugin_data` reads it: the plugin's tables migrated
in `public` and filled through ingest (orders, checkouts, contacts, a recompute), plus a few events the
plugin had recorded but not yet applied. Built in its own process (`python -m
tests.hosts.saleor_app.plugin_database`, LTV_TEST_DATABASE_URL naming the database), as a separate
Saleor's database is: nothing of it is the test database's."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

ORDERS, COMPANIES = 3000, 300
# The order the App's webhook later updates, as the plugin captured it (bodies.order's ids and buyer).
WEBHOOK_ORDER_CREATED = datetime(2026, 5, 1, 8, 59, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)


def fill() -> None:
    from django.core.management import call_command

    from saleor_ltv_plugin.hosts.saleor.ids import checkout_ref, order_ref, user_ref
    from saleor_ltv_plugin.ingest import checkouts, identity, inbox, orders
    from saleor_ltv_plugin.ingest.facts import CustomerData, CustomerRef
    from saleor_ltv_plugin.metrics.recompute import recompute
    from saleor_ltv_plugin.models import Source
    from tests.support.facts import make_checkout, make_order

    from .bodies import ORDER_PK

    call_command("migrate", verbosity=0, interactive=False)
    identity.upsert_customers([CustomerData(source=Source.SALEOR, customer=CustomerRef(
        user_id=str(pk), email=f"buyer{pk}@company{pk % COMPANIES}.example", company_name=f"株式会社{pk % COMPANIES}"))
        for pk in range(1, COMPANIES + 1)])
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    batch = [make_order(f"00000000-0000-4000-8000-{n:012d}", source=Source.SALEOR, user_id=str(n % COMPANIES + 1),
                        email=f"buyer{n % COMPANIES + 1}@company{(n % COMPANIES + 1) % COMPANIES}.example",
                        company=f"株式会社{(n % COMPANIES + 1) % COMPANIES}", created_at=start + timedelta(hours=3 * n),
                        gross=str(1000 + n % 97 * 100), lines=[("l1", f"SKU-{n % 40}", 1 + n % 3, "1000")])
             for n in range(ORDERS - 1)]
    batch.append(make_order(ORDER_PK, source=Source.SALEOR, user_id="42", email="suzuki@suzuki-kogyo.example",
                            company="鈴木工業株式会社", created_at=WEBHOOK_ORDER_CREATED, status="unfulfilled",
                            gross="5960", updated_at=WEBHOOK_ORDER_CREATED + timedelta(minutes=1)))
    for chunk in range(0, len(batch), 500):
        orders.upsert_orders(batch[chunk:chunk + 500])
    for n in range(40):
        checkouts.upsert_checkout(make_checkout(f"c0000000-0000-4000-8000-{n:012d}", source=Source.SALEOR,
                                                email=f"buyer{n + 1}@company{n + 1}.example"))
    recompute(now=NOW)
    # Recorded by the plugin's hooks, not yet applied: references, and an erasure carrying its ids.
    inbox.record(Source.SALEOR, "order_updated", order_ref("00000000-0000-4000-8000-000000000007"))
    inbox.record(Source.SALEOR, "checkout_updated", checkout_ref("c0000000-0000-4000-8000-000000000003"))
    inbox.record(Source.SALEOR, "customer_deleted", user_ref("9"), {"user_id": "9", "email": "buyer9@company9.example"})
    save_plugin_configuration()


# What the admin saved on Saleor's Plugins page, in Saleor 3.23's plugins_pluginconfiguration (its
# columns that matter here): changed values, a default left as it was, a name this version does not know.
SAVED_CONFIGURATION = [{"name": "dormant_after_days", "value": "150"}, {"name": "sender_name", "value": "山田商店"},
                       {"name": "lost_after_days", "value": "361"}, {"name": "retired_setting", "value": "x"}]


def save_plugin_configuration() -> None:
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE plugins_pluginconfiguration (id serial PRIMARY KEY, identifier varchar(128), "
                       "name varchar(128), channel_id integer, description text, active boolean, configuration jsonb)")
        cursor.execute("INSERT INTO plugins_pluginconfiguration (identifier, name, channel_id, description, active, "
                       "configuration) VALUES ('saleor.ltv', 'LTV', NULL, '', true, %s), "
                       "('mirumee.payments.dummy', 'Dummy', NULL, '', true, '[]')", [json.dumps(SAVED_CONFIGURATION)])


if __name__ == "__main__":
    import django

    django.setup()
    fill()
