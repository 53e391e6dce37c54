"""Run inside Saleor's process (saleor_env.django_admin("shell", "-c", …)): what the App-host tests need from
Saleor's own code — an App with a token, the subscriptions checked by Saleor's SubscriptionQuery, and
the two mappings of one object side by side (the plugin's ORM mapping and the App's GraphQL mapping,
the latter fed by both a GraphQL query result and a webhook payload Saleor itself generated).

Each function prints one JSON line, the tests' answer.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass, replace


def _say(value) -> None:
    print(json.dumps(value, default=str))


def make_app(suffix: str) -> None:
    """An App holding the manifest's permissions, its raw token, and a registered customer with a password,
    metadata (consent, birthday), private metadata (LINE id, confirmed company) and a default billing address."""
    from saleor.account.models import Address, User
    from saleor.app.models import App, AppToken
    from saleor.permission.models import Permission

    app = App.objects.create(name=f"ltv-app-mode-{suffix}", is_active=True, identifier=f"ltv.app.{suffix}")
    app.permissions.add(*Permission.objects.filter(codename__in=["manage_orders", "manage_users", "manage_checkouts"]))
    _, token = AppToken.objects.create(app=app, name="ltv-sync")
    address = Address.objects.create(first_name="花子", last_name="山田", company_name=f"山田商事株式会社 {suffix}",
                                     street_address_1="丸の内1-1-1", city="千代田区", country_area="東京都",
                                     postal_code="1000005", country="JP", phone="+81312345678",
                                     metadata={"department": "購買部"})
    user = User.objects.create(email=f"hanako-{suffix}@example.com", first_name="Hanako", last_name="Yamada",
                               is_active=True, language_code="ja", default_billing_address=address,
                               metadata={"marketing_consent": "granted", "birthday": "1985-06-15"},
                               private_metadata={"ltv_line_user_id": "U" + "0123456789abcdef" * 2,
                                                 "ltv_company_confirmed": "true"})
    user.addresses.add(address)
    user.set_password(f"pass-{suffix}")
    user.save()
    _say({"token": token, "app": app.pk, "user": user.pk, "email": user.email})


def check_subscriptions() -> None:
    from saleor.graphql.api import schema
    from saleor.graphql.webhook.subscription_query import SubscriptionQuery
    from graphql import parse
    from graphql.validation import validate

    from saleor_ltv_plugin.hosts.saleor_app import subscriptions

    answer = {"webhooks": {}, "queries": {}}
    for path, (_name, query, _events) in subscriptions.WEBHOOKS.items():
        checked = SubscriptionQuery(query)
        answer["webhooks"][path] = {"valid": checked.is_valid, "error": checked.error_msg,
                                    "events": sorted(event.upper() for event in checked.events)}
    for name in ("ORDERS_PAGE", "CUSTOMERS_PAGE", "CHECKOUTS_PAGE", "ORDER_BY_ID", "CHECKOUT_BY_ID", "USER_BY_ID",
                 "ORDER_STAMPS_PAGE"):
        answer["queries"][name] = [error.message for error in validate(schema, parse(getattr(subscriptions, name)))]
    _say(answer)


def _webhook_body(event_type: str, obj, query: str, app) -> bytes:
    """The body Saleor's transport would send for `event_type` about `obj` to `app` (transport.py: json.dumps)."""
    from saleor.graphql.webhook.subscription_payload import generate_payload_from_subscription, initialize_request

    request = initialize_request(app=app, requestor=None, event_type=event_type)
    return json.dumps({**generate_payload_from_subscription(event_type, obj, query, request)}).encode()


def _diff(label: str, plugin, app, path: str = "") -> list[dict]:
    """Field-by-field differences of two facts (dataclasses, tuples, dicts, values)."""
    if is_dataclass(plugin) and is_dataclass(app):
        return [d for f in fields(plugin)
                for d in _diff(label, getattr(plugin, f.name), getattr(app, f.name), f"{path}.{f.name}")]
    if isinstance(plugin, (tuple, list)) and isinstance(app, (tuple, list)) and len(plugin) == len(app):
        return [d for i, (a, b) in enumerate(zip(plugin, app)) for d in _diff(label, a, b, f"{path}[{i}]")]
    if isinstance(plugin, dict) and isinstance(app, dict) and plugin.keys() == app.keys():
        return [d for k in plugin for d in _diff(label, plugin[k], app[k], f"{path}.{k}")]
    return [] if plugin == app else [{"object": label, "field": path or ".", "plugin": repr(plugin), "app": repr(app)}]


def compare(nodes_file: str) -> None:
    """Both mappings of each object named in `nodes_file` ({"app": pk, "orders": {pk: node}, "checkouts":
    {token: node}, "users": {pk: node}}, the nodes read through GraphQL with the app token)."""
    from saleor.account.models import User
    from saleor.app.models import App
    from saleor.checkout.models import Checkout

    from saleor_ltv_plugin.hosts.saleor_app import payloads, subscriptions
    from saleor_ltv_plugin.hosts.saleor_plugin import mapping
    from saleor_ltv_plugin.ingest.payloads import checkout_from_json, customer_data_from_json, order_from_json

    checkouts = (Checkout.objects.select_related("channel", "billing_address", "user")
                 .prefetch_related("lines__variant__product__media", "lines__variant__media"))
    kinds = {  # nodes key → (load by key, plugin's mapping, App's mapping, webhook event, its query, JSON → fact)
        "orders": (lambda pk: mapping.order_queryset().get(pk=pk), mapping.order_data, payloads.order_data,
                   "order_updated", subscriptions.ORDERS, order_from_json),
        "checkouts": (lambda token: checkouts.get(token=token), mapping.checkout_data, payloads.checkout_data,
                      "checkout_updated", subscriptions.CHECKOUTS, checkout_from_json),
        "users": (lambda pk: User.objects.select_related("default_billing_address").get(pk=pk),
                  mapping.customer_data, payloads.customer_data, "customer_updated", subscriptions.CUSTOMERS,
                  customer_data_from_json),
    }
    with open(nodes_file, encoding="utf-8") as handle:
        given = payloads.parse_body(handle.read())
    app = App.objects.get(pk=given["app"])
    diffs, compared, webhook_events = [], [], {}
    for key, (load, plugin_mapping, app_mapping, event, query, from_json) in kinds.items():
        for pk, node in given[key].items():
            obj = load(pk)
            plugin = plugin_mapping(obj)
            body = payloads.parse_body(_webhook_body(event, obj, query, app))
            [(kind, ref, payload)] = payloads.events_from_webhook(event, body)
            webhook_events[ref] = {"kind": kind, "recipient": body["recipient"]["id"], "errors": body.get("errors")}
            diffs += _diff(f"{key} {pk} (GraphQL)", plugin, app_mapping(node))
            diffs += _diff(f"{key} {pk} (webhook)", plugin, from_json(payload))
            compared.append(ref)
    # the comparison can fail: one changed field is one difference
    sanity = _diff("sanity", plugin, replace(plugin, is_active=not plugin.is_active))
    _say({"diffs": diffs, "compared": compared, "webhooks": webhook_events, "sanity": len(sanity)})


def backfill(api_url: str, token: str, watched: list[str]) -> None:
    """The App's order backfill through Saleor's API into this Saleor's plugin tables: first of the orders
    updated since the `watched` ones were placed (facts the plugin wrote before: are they left as they
    were?), then of all orders (populatedb's among them), twice."""
    from datetime import timedelta

    from saleor.order.models import Order

    from saleor_ltv_plugin.hosts.saleor_app import sync
    from saleor_ltv_plugin.hosts.saleor_app.client import SaleorClient
    from saleor_ltv_plugin.models import OrderFact, Source

    def stamps():
        return dict(OrderFact.objects.filter(source=Source.SALEOR, external_id__in=watched)
                    .values_list("external_id", "updated_at"))

    before = stamps()
    client = SaleorClient(api_url, token)
    since = min(Order.objects.filter(pk__in=watched).values_list("created_at", flat=True)) - timedelta(minutes=1)
    recent = sync.backfill(client, since=since, stages=("orders",))
    after = stamps()
    checkpoints: list[dict] = []
    full = sync.backfill(client, stages=("orders",), on_checkpoint=checkpoints.append)
    again = sync.backfill(client, stages=("orders",))
    # every stage with `since` and the hourly reconcile: Saleor accepts each filter the walks send
    everything_since = sync.backfill(client, since=since)
    reconciled = sync.reconcile(client, timedelta(days=1))
    orders = Order.objects.non_draft()
    numbers = [str(number) for number in orders.values_list("number", flat=True)]
    _say({"recent": recent, "full": full, "again": again, "checkpoints": len(checkpoints),
          "everything_since": everything_since, "reconciled": reconciled,
          "saleor_orders": len(numbers), "recent_orders": orders.filter(updated_at__gte=since).count(),
          "facts": OrderFact.objects.filter(source=Source.SALEOR, number__in=numbers).count(),
          "sample_orders_without_origin": orders.filter(origin="").count(),
          "recent_without_origin": orders.filter(updated_at__gte=since, origin="").count(),
          "watched_before": len(before), "watched_changed": sum(after.get(k) != v for k, v in before.items())})


def _truncate_facts() -> None:
    from tests.support.scored_shop import truncate_plugin_tables

    truncate_plugin_tables()


def bench_backfill(api_url: str, token: str, after_number: int) -> None:
    """bench/app_backfill.py, inside Saleor's process: the App's backfill of the orders numbered past
    `after_number`, through Saleor's API into empty plugin tables, timed; then the plugin's ORM backfill
    of the same orders into empty tables again, timed."""
    import time

    from saleor_ltv_plugin.hosts.saleor_app import sync
    from saleor_ltv_plugin.hosts.saleor_app.client import SaleorClient
    from saleor_ltv_plugin.hosts.saleor_plugin import sync as plugin_sync
    from saleor_ltv_plugin.models import OrderFact

    _truncate_facts()
    client = SaleorClient(api_url, token)
    started = time.perf_counter()
    app = sync.backfill(client, resume={"stage": "orders", "number": str(after_number)}, stages=("orders",))
    app_seconds = time.perf_counter() - started
    app_facts = OrderFact.objects.count()
    _truncate_facts()
    started = time.perf_counter()
    plugin_orders = plugin_sync.backfill_orders(after=str(after_number))
    plugin_seconds = time.perf_counter() - started
    _say({"app": app, "app_seconds": app_seconds, "app_facts": app_facts, "plugin_orders": plugin_orders,
          "plugin_seconds": plugin_seconds, "plugin_facts": OrderFact.objects.count()})
