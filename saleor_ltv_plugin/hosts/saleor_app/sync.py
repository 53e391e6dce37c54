"""Backfill and reconcile through Saleor's GraphQL API with the app token, for one installation.

Webhooks are at-least-once, unordered and lossy (4xx, exhausted retries, a deleted object), so reconcile
is not optional: it lists the orders updated in a window with their updatedAt, compares them with
OrderFact.source_updated_at (as the plugin host's reconcile compares Saleor's table) and re-reads the
stale ones. Backfill walks all history in pages of 100 (Saleor's limit), orders by NUMBER (it never
changes, so cursors stay stable while orders are updated during the walk).

Nodes are mapped by payloads.py, the same functions the webhook path uses, and written straight through
the ingest upserts, one transaction a page. A page Saleor cannot resolve whole (one non-null field failed:
the connection comes back null with `errors`) is not lost: its `refs` alias still lists the ids, which are
recorded as refetch events, and the walk moves on; `make_applier` resolves those one object at a time.

Checkpoints: `backfill` calls `on_checkpoint(checkpoint)` after each committed page and returns the last
one; the caller persists it (for the App host, with its installation) and passes it back as `resume` after
a crash. A checkpoint is a small JSON-able dict: {"stage": "orders" | "customers" | "checkouts",
"after": <cursor>, "number": <last order number>}; the plugin's `--after <number>` also resumes, as
{"stage": "orders", "number": "1234"}.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ... import conf, signals
from ...ingest import checkouts, identity, inbox, orders
from ...ingest.catalogue import store_products
from ...ingest.facts import CheckoutData, CustomerData, OrderData
from ...models import InboundEvent, OrderFact, Source
from ..saleor.ids import pk_from_global_id
from . import payloads, subscriptions
from .client import GraphQLError, SaleorClient

logger = logging.getLogger(__name__)

PAGE = 100  # Saleor's GRAPHQL_PAGINATION_LIMIT
STAGES = ("orders", "customers", "checkouts")
Checkpoint = dict


class Page:
    """One page of a connection: its nodes (None when Saleor could not resolve the page whole), the ids of
    what it holds (`refs`), and where the next page starts."""

    def __init__(self, nodes: list[dict] | None, refs: list[dict], end_cursor: str | None, has_next: bool,
                 errors: list):
        self.nodes, self.refs, self.end_cursor, self.has_next, self.errors = nodes, refs, end_cursor, has_next, errors


def _page(client: SaleorClient, query: str, field: str, variables: dict, after: str | None) -> Page:
    data, errors = client.execute_partial(query, {"first": PAGE, "after": after, **variables})
    full, refs = data.get(field), data.get("refs")
    listing = full if full is not None else refs
    if listing is None:  # not even the ids resolved: nothing to walk on with
        raise GraphQLError(errors or [{"message": f"{field}: no page"}], data)
    info = listing["pageInfo"]
    nodes = [edge["node"] for edge in full["edges"]] if full is not None else None
    ref_nodes = [edge["node"] for edge in refs["edges"]] if refs is not None else nodes
    return Page(nodes, ref_nodes, info["endCursor"], info["hasNextPage"], errors)


def _pages(client: SaleorClient, query: str, field: str, variables: dict, after: str | None = None) -> Iterator[Page]:
    """The pages of one walk. The next page is fetched while the caller writes this one (Saleor's time and
    ours overlap: a backfill takes about as long as the fetching alone); only HTTP runs in that thread."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ltv-saleor-page") as prefetch:
        upcoming = prefetch.submit(_page, client, query, field, variables, after)
        while upcoming is not None:
            page = upcoming.result()
            more = page.has_next and page.end_cursor
            upcoming = prefetch.submit(_page, client, query, field, variables, page.end_cursor) if more else None
            try:
                yield page
            except GeneratorExit:
                if upcoming is not None:
                    upcoming.cancel()
                raise


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# --- writing a page -----------------------------------------------------------------------------------------

def _queue_refetch(object_type: str, refs: list[dict], errors: list) -> int:
    """A page that did not resolve whole: each object it holds becomes a refetch event."""
    logger.warning("ltv: a page of %ss did not resolve (%s); %d queued to re-read one by one",
                   object_type, "; ".join(str(e.get("message")) for e in errors[:3]), len(refs))
    inbox.record_many(Source.SALEOR, [payloads.refetch_event(object_type, ref) for ref in refs])
    return len(refs)


def _write_orders(nodes: list[dict], touched: set[int]) -> int:
    shop = conf.get_settings()  # once a page: they are rebuilt on every read
    counts, accounts = orders.store_orders_unscored([payloads.order_data(node, shop) for node in nodes])
    touched |= accounts
    _write_catalogue(nodes)
    return counts.written


def _write_catalogue(nodes: list[dict]) -> None:
    entries = payloads.catalogue_of_lines(nodes)
    if entries:
        store_products(entries, merge=True)


def _write_customers(nodes: list[dict], touched: set[int]) -> int:
    shop = conf.get_settings()
    live = [payloads.customer_data(node, shop) for node in nodes if not node.get("isStaff")]
    identity.upsert_customers(live)
    return len(live)


def _write_checkouts(nodes: list[dict], touched: set[int]) -> int:
    shop = conf.get_settings()
    for node in nodes:
        checkouts.upsert_checkout(payloads.checkout_data(node, shop))
    _write_catalogue(nodes)
    return len(nodes)


_STAGE = {
    # stage → (query, connection field, refetch type, writer)
    "orders": (subscriptions.ORDERS_PAGE, "orders", "order", _write_orders),
    "customers": (subscriptions.CUSTOMERS_PAGE, "customers", "user", _write_customers),
    "checkouts": (subscriptions.CHECKOUTS_PAGE, "checkouts", "checkout", _write_checkouts),
}


def _walk(client: SaleorClient, stage: str, variables: dict, after: str | None, counts: dict,
          on_page: Callable[[Page], None] | None = None) -> None:
    """Write every page of one stage, a transaction each; the accounts its orders touched are re-scored once,
    when the stage ends (as a file import does: ingest/batch.py), not once per page."""
    query, field, object_type, write = _STAGE[stage]
    touched: set[int] = set()
    try:
        for page in _pages(client, query, field, variables, after):
            with transaction.atomic():
                if page.nodes is None:
                    counts["refetch_queued"] += _queue_refetch(object_type, page.refs, page.errors)
                else:
                    counts[f"{stage}_written"] += write(page.nodes, touched)
            counts[stage] += len(page.refs)
            if on_page:
                on_page(page)
    finally:  # what was committed is re-scored, even when the walk stops half-way
        if touched:
            signals.orders_changed.send(sender=OrderFact, account_ids=touched)


# --- backfill -------------------------------------------------------------------------------------------------

def backfill(client: SaleorClient, since: datetime | None = None, resume: Checkpoint | None = None,
             on_checkpoint: Callable[[Checkpoint], None] | None = None, stages: tuple[str, ...] = STAGES) -> dict:
    """Import every order, customer (not staff) and checkout (updated since `since`, if given).

    Safe to re-run (the upserts are idempotent and never move a fact backwards). `resume`: a checkpoint
    from an earlier run; its stage and the ones after it run, from where it stopped. Returns counts by
    stage (objects seen), `<stage>_written`, `refetch_queued`, `requests` and the last `checkpoint`
    (None when the walk finished).
    """
    counts = {"requests": client.requests, "refetch_queued": 0, "checkpoint": None}
    for stage in stages:
        counts[stage], counts[f"{stage}_written"] = 0, 0
    start = stages.index(resume["stage"]) if resume else 0
    for position, stage in enumerate(stages[start:], start):
        resuming = resume if resume and position == start else {}
        variables, after = _backfill_variables(stage, since, resuming)

        def checkpoint(page: Page, stage=stage) -> None:
            counts["checkpoint"] = point = {"stage": stage, "after": page.end_cursor}
            if stage == "orders" and page.refs:
                point["number"] = str(page.refs[-1]["number"])
            if on_checkpoint:
                on_checkpoint(dict(point))

        _walk(client, stage, variables, after, counts, checkpoint)
    counts["checkpoint"] = None
    counts["requests"] = client.requests - counts["requests"]
    return counts


def _backfill_variables(stage: str, since: datetime | None, resume: Checkpoint) -> tuple[dict, str | None]:
    after = resume.get("after")
    if stage == "checkouts":
        return ({"filter": {"updatedAt": {"gte": since.date().isoformat()}}} if since else {}), after
    where: dict = {"updatedAt": {"gte": _iso(since)}} if since else {}
    if stage == "orders" and not after and resume.get("number"):  # the plugin's --after <number>
        where["number"] = {"range": {"gte": int(resume["number"]) + 1}}
    return ({"where": where} if where else {}), after


# --- reconcile --------------------------------------------------------------------------------------------------

def reconcile_orders(client: SaleorClient, window: timedelta, now: datetime | None = None) -> dict:
    """Repair OrderFacts that are missing or older than Saleor's order, for orders updated within `window`."""
    now = now or timezone.now()
    since = now - window
    state: dict[str, tuple[str, datetime]] = {}  # pk → (global id, updatedAt)
    for page in _pages(client, subscriptions.ORDER_STAMPS_PAGE, "orders", {"where": {"updatedAt": {"gte": _iso(since)}}}):
        for node in page.refs:
            state[pk_from_global_id(node["id"], "Order")] = (node["id"], datetime.fromisoformat(node["updatedAt"]))
    stored = dict(OrderFact.objects.filter(source=Source.SALEOR, external_id__in=list(state))
                  .values_list("external_id", "source_updated_at"))
    stale = [gid for pk, (gid, updated_at) in state.items() if pk not in stored or (stored[pk] or since) < updated_at]
    counts = {"checked": len(state), "stale": len(stale), "repaired": 0, "orders": 0, "orders_written": 0,
              "refetch_queued": 0}
    for start in range(0, len(stale), PAGE):
        before = counts["orders_written"]
        _walk(client, "orders", {"where": {"ids": stale[start:start + PAGE]}}, None, counts)
        counts["repaired"] += counts["orders_written"] - before
    return {key: counts[key] for key in ("checked", "stale", "repaired", "refetch_queued")}


def reconcile_checkouts(client: SaleorClient, now: datetime | None = None) -> dict:
    """Checkouts changed since yesterday (Saleor filters checkouts by date): their snapshots, refreshed."""
    since = (now or timezone.now()) - timedelta(days=1)
    counts = {"refetch_queued": 0, "checkouts": 0, "checkouts_written": 0}
    _walk(client, "checkouts", {"filter": {"updatedAt": {"gte": since.date().isoformat()}}}, None, counts)
    return counts


def reconcile_customers(client: SaleorClient, window: timedelta, now: datetime | None = None) -> dict:
    """Customers updated within `window`: their current profiles (a missed customer_updated)."""
    since = (now or timezone.now()) - window
    counts = {"refetch_queued": 0, "customers": 0, "customers_written": 0}
    _walk(client, "customers", {"where": {"updatedAt": {"gte": _iso(since)}}}, None, counts)
    return counts


def reconcile(client: SaleorClient, window: timedelta, now: datetime | None = None) -> dict:
    """The hourly job: orders and customers over `window`, checkouts since yesterday."""
    return {"orders": reconcile_orders(client, window, now), "customers": reconcile_customers(client, window, now),
            "checkouts": reconcile_checkouts(client, now)}


# --- refetch events ------------------------------------------------------------------------------------------------

_BY_ID = {"order": (subscriptions.ORDER_BY_ID, "order"), "checkout": (subscriptions.CHECKOUT_BY_ID, "checkout"),
          "user": (subscriptions.USER_BY_ID, "user")}


def refetch(client: SaleorClient, object_type: str, global_id: str) -> OrderData | CheckoutData | CustomerData | None:
    """Re-read one object; None when Saleor no longer has it. GraphQLError when it still cannot be read whole
    (the inbox retries and, after its last attempt, keeps the event dead with that error for an operator)."""
    query, field = _BY_ID[object_type]
    node = client.execute(query, {"id": global_id})[field]
    if node is None:
        return None
    if object_type == "order":
        return payloads.order_data(node)
    if object_type == "checkout":
        return payloads.checkout_data(node)
    return None if node.get("isStaff") else payloads.customer_data(node)


def apply_refetch(client: SaleorClient, event: InboundEvent) -> None:
    object_type, global_id = event.payload["type"], event.payload["id"]
    fact = refetch(client, object_type, global_id)
    if object_type == "order":
        if fact is None:  # gone (a deleted draft): nothing to keep, as the plugin host does
            OrderFact.objects.filter(source=Source.SALEOR, external_id=event.object_ref.partition(":")[2]).delete()
        else:
            orders.upsert_orders([fact])
    elif fact is not None and object_type == "checkout":
        checkouts.upsert_checkout(fact)
    elif fact is not None:
        identity.upsert_customers([fact])


def make_applier(client_factory: Callable[[], SaleorClient]) -> inbox.Applier:
    """The App host's inbox applier for Source.SALEOR (inbox.set_host_applier): events that carry their
    fact are applied as every payload source's; refetch events re-read their object through the client of
    the installation being processed (`client_factory()`, called only when a group holds one)."""
    def apply(group: list[InboundEvent]) -> None:
        client = None
        for event in group:
            if event.kind == payloads.REFETCH:
                client = client or client_factory()
                apply_refetch(client, event)
            else:
                inbox.apply_payload_events([event])
    return apply
