"""The subscription queries the manifest registers, and the fragments backfill reads the same objects with.

One webhook per object type (a 5xx on orders does not also retry customers), each at its own path. Every
full selection has an id-only alias `ref` beside it: one non-null field that fails to resolve (populatedb's
orders with `origin = ''`) turns the whole object into null, and `ref` still names it so it can be
re-fetched (payloads.py). `recipient { id }` lets the webhook view check the body was meant for this app:
the signature is not bound to its target. Validated against Saleor 3.23.28's schema by its own
SubscriptionQuery in the Saleor tier (tests/saleor_tier/test_app_subscriptions.py).

ADDRESS_CREATED / _UPDATED / _DELETED are not subscribed: Saleor's Address type names no user, so
such an event cannot say whose address changed. Every address mutation also saves the user's
`updatedAt` (account/search.py's update_user_search_vector), so the hourly reconcile_customers
reads the changed address book; accountAddressCreate and the set-default mutations send
CUSTOMER_UPDATED at once.
"""

from __future__ import annotations

ADDRESS = """fragment LtvAddress on Address {
  firstName lastName companyName phone postalCode country { code } countryArea city cityArea
  streetAddress1 streetAddress2 metadata { key value }
}"""

# The buyer of an order or checkout. privateMetadata: a company confirmed by staff, a LINE id (MANAGE_USERS).
BUYER = """fragment LtvBuyer on User {
  id email firstName lastName metadata { key value } privateMetadata { key value }
}"""

# What a mail shows of an item; url(size: 256) is the thumbnail route the plugin builds (mapping.THUMBNAIL_SIZE).
# The category, three levels up, fills the catalogue (payloads.catalogue_of_lines).
VARIANT = """fragment LtvVariant on ProductVariant {
  id sku name media { type url(size: 256) }
  product { id name slug media { type url(size: 256) } category { name parent { name parent { name } } } }
}"""

ORDER = """fragment LtvOrder on Order {
  id number created updatedAt status origin chargeStatus
  channel { slug }
  userEmail languageCodeEnum checkoutId voucherCode
  metadata { key value }
  total { gross { amount currency } net { amount } }
  user { ...LtvBuyer }
  billingAddress { ...LtvAddress }
  lines {
    id productSku productName variantName quantity
    unitPrice { gross { amount } }
    totalPrice { gross { amount } }
    variant { ...LtvVariant }
  }
  payments { transactions { kind isSuccess amount { amount } } }
  transactions { refundedAmount { amount } }
  fulfillments { id created status trackingNumber lines { quantity orderLine { id } } }
}"""

CHECKOUT = """fragment LtvCheckout on Checkout {
  id token updatedAt email languageCode
  channel { slug currencyCode }
  totalPrice { gross { amount currency } }
  user { ...LtvBuyer }
  billingAddress { ...LtvAddress }
  lines {
    id quantity
    totalPrice { gross { amount } }
    undiscountedUnitPrice { amount }
    variant { ...LtvVariant }
  }
}"""

USER = """fragment LtvUser on User {
  ...LtvBuyer isActive dateJoined updatedAt languageCode
  defaultBillingAddress { ...LtvAddress }
}"""

# The id-only aliases (`ref`): the least that names the object when its full selection came back null.
ORDER_REF = "ref: order { id number updatedAt }"
CHECKOUT_REF = "ref: checkout { id token updatedAt }"
USER_REF = "ref: user { id email }"

ORDER_EVENTS = ("ORDER_CREATED", "ORDER_CONFIRMED", "ORDER_UPDATED", "ORDER_PAID", "ORDER_FULLY_PAID",
                "ORDER_REFUNDED", "ORDER_FULLY_REFUNDED", "ORDER_CANCELLED", "ORDER_EXPIRED", "ORDER_FULFILLED",
                # a fulfilment carries its order: the shipments the plugin reads (its fulfilment hooks)
                "FULFILLMENT_CREATED", "FULFILLMENT_APPROVED", "FULFILLMENT_CANCELED",
                "FULFILLMENT_TRACKING_NUMBER_UPDATED")
ORDER_BULK_EVENTS = ("ORDER_BULK_CREATED",)
CHECKOUT_EVENTS = ("CHECKOUT_CREATED", "CHECKOUT_UPDATED", "CHECKOUT_FULLY_PAID")
CUSTOMER_EVENTS = ("CUSTOMER_CREATED", "CUSTOMER_UPDATED", "CUSTOMER_METADATA_UPDATED")
DELETION_EVENTS = ("CUSTOMER_DELETED", "ACCOUNT_DELETED")  # Saleor sends the deleted user's id and e-mail
APP_DELETED_EVENTS = ("APP_DELETED",)


def type_name(event: str) -> str:
    """ORDER_FULLY_PAID → OrderFullyPaid: Saleor's subscription type for an async event."""
    return "".join(part.capitalize() for part in event.split("_"))


def _subscription(name: str, branches: list[str], fragments: tuple[str, ...], envelope: str = "issuedAt version") -> str:
    body = "\n    ".join(branches)
    return "\n".join((f"subscription {name} {{\n  event {{\n    __typename {envelope} recipient {{ id }}\n    {body}\n  }}\n}}",
                      *fragments))


ORDERS = _subscription(
    "LtvOrderEvents", [f"... on {type_name(e)} {{ {ORDER_REF} order {{ ...LtvOrder }} }}" for e in ORDER_EVENTS],
    (ORDER, BUYER, ADDRESS, VARIANT))
ORDERS_BULK = _subscription(
    "LtvOrderBulk", ["... on OrderBulkCreated { ref: orders { id number updatedAt } orders { ...LtvOrder } }"],
    (ORDER, BUYER, ADDRESS, VARIANT))
CHECKOUTS = _subscription(
    "LtvCheckoutEvents",
    [f"... on {type_name(e)} {{ {CHECKOUT_REF} checkout {{ ...LtvCheckout }} }}" for e in CHECKOUT_EVENTS],
    (CHECKOUT, BUYER, ADDRESS, VARIANT))
CUSTOMERS = _subscription(
    "LtvCustomerEvents",
    [f"... on {type_name(e)} {{ {USER_REF} user {{ ...LtvUser }} }}" for e in CUSTOMER_EVENTS]
    + [f"... on {type_name(e)} {{ user {{ id email }} }}" for e in DELETION_EVENTS],
    (USER, BUYER, ADDRESS))
APP_DELETED = _subscription("LtvAppDeleted", ["... on AppDeleted { app { id } }"], ())

# path (relative to the webhook base URL) → (webhook name and identifier, query, its async events)
WEBHOOKS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "app/webhooks/orders": ("ltv-orders", ORDERS, ORDER_EVENTS),
    "app/webhooks/orders-bulk": ("ltv-orders-bulk", ORDERS_BULK, ORDER_BULK_EVENTS),
    "app/webhooks/checkouts": ("ltv-checkouts", CHECKOUTS, CHECKOUT_EVENTS),
    "app/webhooks/customers": ("ltv-customers", CUSTOMERS, CUSTOMER_EVENTS + DELETION_EVENTS),
    "app/webhooks/app-deleted": ("ltv-app-deleted", APP_DELETED, APP_DELETED_EVENTS),
}

# path → the Saleor-Event header values (lower-case) that path accepts
ACCEPTED_EVENTS: dict[str, frozenset[str]] = {
    path: frozenset(event.lower() for event in events) for path, (_name, _query, events) in WEBHOOKS.items()}


def webhooks(base_url: str) -> list[dict]:
    """The manifest's `webhooks` for an app whose webhook paths hang off `base_url` (ending in "/" or not)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return [{"name": name, "identifier": name, "targetUrl": base + path, "query": query, "isActive": True,
             "asyncEvents": list(events)}
            for path, (name, query, events) in WEBHOOKS.items()]


def path_for_event(event: str) -> str | None:
    """The webhook path a Saleor-Event value (any case) is delivered to, None for an event we never asked for."""
    event = event.lower()
    return next((path for path, accepted in ACCEPTED_EVENTS.items() if event in accepted), None)


# Backfill and reconcile read the same fragments. Orders sort on NUMBER: it never changes, so cursors stay
# stable while orders are updated during the walk. `refs` repeats the page with ids only, for the same
# reason as `ref` above: one unreadable order nulls the whole page, and refs still moves the cursor on.
def _page_query(name: str, field: str, sort: str, argument: str, argument_type: str, ref_fields: str,
                selection: str, fragments: tuple[str, ...]) -> str:
    """A connection query asked twice in one request: `refs` (ids only) and the full nodes."""
    args = f"first: $first, after: $after, sortBy: {{field: {sort}, direction: ASC}}, {argument}: ${argument}"
    return "\n".join((
        f"query {name}($first: Int!, $after: String, ${argument}: {argument_type}) {{\n"
        f"  refs: {field}({args}) {{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {ref_fields} }} }} }}\n"
        f"  {field}({args}) {{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {selection} }} }} }}\n}}",
        *fragments))


ORDERS_PAGE = _page_query("LtvOrders", "orders", "NUMBER", "where", "OrderWhereInput", "id number updatedAt",
                          "...LtvOrder", (ORDER, BUYER, ADDRESS, VARIANT))
CUSTOMERS_PAGE = _page_query("LtvCustomers", "customers", "CREATED_AT", "where", "CustomerWhereInput",
                             "id email isStaff", "...LtvUser isStaff", (USER, BUYER, ADDRESS))
# checkouts have `filter` (no `where`) in 3.23, and its updatedAt is a Date range
CHECKOUTS_PAGE = _page_query("LtvCheckouts", "checkouts", "CREATION_DATE", "filter", "CheckoutFilterInput",
                             "id token updatedAt", "...LtvCheckout", (CHECKOUT, BUYER, ADDRESS, VARIANT))
# one object by its global id: what a refetch event resolves
ORDER_BY_ID = "\n".join(("query LtvOrder($id: ID!) { order(id: $id) { ...LtvOrder } }", ORDER, BUYER, ADDRESS, VARIANT))
CHECKOUT_BY_ID = "\n".join(("query LtvCheckout($id: ID!) { checkout(id: $id) { ...LtvCheckout } }",
                            CHECKOUT, BUYER, ADDRESS, VARIANT))
USER_BY_ID = "\n".join(("query LtvUser($id: ID!) { user(id: $id) { ...LtvUser isStaff } }", USER, BUYER, ADDRESS))
# the cheapest walk for reconcile: which orders changed in the window, and when
ORDER_STAMPS_PAGE = """query LtvOrderStamps($first: Int!, $after: String, $where: OrderWhereInput) {
  orders(first: $first, after: $after, sortBy: {field: NUMBER, direction: ASC}, where: $where) {
    pageInfo { hasNextPage endCursor } edges { node { id number updatedAt } }
  }
}"""
