"""Idempotent, batched upsert of orders and their lines.

Calling `upsert_orders` any number of times, in any order, with the same or
older snapshots leaves the same rows: orders are keyed by (source, external_id),
a snapshot older than the stored one (`source_updated_at`) is ignored, lines are
diffed by their reference, and a checkout becomes completed whichever of it and
its order arrives first. One batch costs a bounded number of queries, so the
Saleor hook, the backfill, the REST import and the demo share this one path.

A batch is one transaction: stored whole or not at all. Concurrent batches take their
locks in key order, and a batch that still loses a deadlock is run again (it is
idempotent), so the counts each call returns are what that call changed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from .. import conf, signals
from ..models import Account, AccountContact, CheckoutFact, CheckoutState, OrderFact, OrderLineFact
from . import bulk_orders, line_copies
from .account_keys import AccountKey, resolve_account_key
from .acquisition import refresh_acquisition
from .bulk_sql import bulk_set
from .facts import OrderData
from .shipments import sync_shipments
from .identity import (
    anonymous_account_key,
    contact_lookup,
    erased_among,
    identity_hashes,
    upsert_contacts,
)

ORDER_FIELDS = (
    "number", "sales_source", "account_id", "contact_id", "channel", "currency", "created_at", "status",
    "total_gross", "total_net", "refunded_amount", "amount", "counts_as_purchase",
    "billing_company_name", "checkout_token", "utm_source", "utm_medium", "utm_campaign", "voucher_code",
    "source_updated_at", "raw",
)
LINE_FIELDS = ("variant_id", "product_id", "sku", "product_name", "quantity", "unit_price", "amount",
               "variant_name", "product_slug", "image_url")
CHUNK = 2000
ATTEMPTS = 4
# PostgreSQL's deadlock_detected and serialization_failure; SQLite's busy writer.
LOCK_CONFLICTS = ("40P01", "40001")


@dataclass(frozen=True)
class OrderCounts:
    """What one call changed; every distinct order of the batch is in exactly one count."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated

    def __add__(self, other: "OrderCounts") -> "OrderCounts":
        return OrderCounts(self.created + other.created, self.updated + other.updated,
                           self.unchanged + other.unchanged)


def account_key(channel: str, company_name: str, contact, fallback_ref: str, settings=None) -> AccountKey:
    """The account an order belongs to under its channel's key rule (`settings`: the channel's, if read)."""
    if contact is not None and contact.linked_account_kind:  # the shop linked this buyer to an account
        return AccountKey(contact.linked_account_kind, contact.linked_account_key, contact.linked_account_name)
    settings = settings or conf.channel_settings(channel)
    metadata = contact.metadata if contact is not None else {}
    key = resolve_account_key(
        settings.account_key,
        company_name=company_name,
        metadata_value=str(metadata.get(settings.account_metadata_key) or ""),
        user_id=contact.saleor_user_id if contact is not None else None,
        email=contact.email if contact is not None else None,
        external_key=contact.external_key if contact is not None else "",
        person_name=f"{contact.last_name} {contact.first_name}" if contact is not None else "",
    )
    return key or AccountKey("email", f"anonymous:{fallback_ref}", "")


def upsert_order(data: OrderData) -> OrderFact:
    upsert_orders([data])
    return OrderFact.objects.get(source=data.source, external_id=data.external_id)


def upsert_orders(batch: Sequence[OrderData]) -> int:
    """Store orders exactly once; returns how many orders were inserted or changed."""
    return store_orders(batch).written


def store_orders(batch: Sequence[OrderData]) -> OrderCounts:
    """Store a batch in one transaction; returns what this call created, updated, left unchanged."""
    counts, touched = store_orders_unscored(batch)
    if touched:
        signals.orders_changed.send(sender=OrderFact, account_ids=touched)
    return counts


def store_orders_unscored(batch: Sequence[OrderData]) -> tuple[OrderCounts, set[int]]:
    """`store_orders` without the re-score: returns the accounts touched, for a caller that
    stores a file in many transactions and re-scores them once at the end (ingest.batch)."""
    # A stable sort keeps the batch order among snapshots of one order (the later one wins).
    ordered = sorted(batch, key=lambda data: (data.source, data.external_id))
    retry = not connection.in_atomic_block  # inside a caller's transaction a retry is the caller's
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                counts, touched = _store(ordered)
            break
        except OperationalError as exc:
            if not (retry and attempt < ATTEMPTS and _is_lock_conflict(exc)):
                raise
            time.sleep(random.uniform(0.05, 0.2) * attempt)
    return counts, touched


def _store(ordered: Sequence[OrderData]) -> tuple[OrderCounts, set[int]]:
    if bulk_orders.applies(len(ordered)):
        return bulk_orders.upsert_chunk(ordered)
    counts, touched = OrderCounts(), set()
    for start in range(0, len(ordered), CHUNK):
        chunk_counts, accounts = _upsert_chunk(ordered[start : start + CHUNK])
        counts, touched = counts + chunk_counts, touched | accounts
    return counts, touched


def _is_lock_conflict(exc: OperationalError) -> bool:
    cause = exc.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code in LOCK_CONFLICTS or "database is locked" in str(exc)


def _latest_per_order(batch: Sequence[OrderData]) -> dict[tuple[str, str], OrderData]:
    latest: dict[tuple[str, str], OrderData] = {}
    for data in batch:
        key = (data.source, data.external_id)
        seen = latest.get(key)
        if seen is None or _is_older(data, seen.source_updated_at) is not True:
            latest[key] = data
    return latest


def _is_older(data: OrderData, stored_at) -> bool | None:
    """True if data is older than stored_at; None when either has no timestamp."""
    if data.source_updated_at is None or stored_at is None:
        return None
    return data.source_updated_at < stored_at


def _upsert_chunk(chunk: Sequence[OrderData]) -> tuple[OrderCounts, set[int]]:
    latest = _latest_per_order(chunk)
    orders = list(latest.values())
    erased = erased_among(data.customer for data in orders)
    contacts = upsert_contacts(
        data.customer for data in orders if not (erased and erased.intersection(identity_hashes(data.customer)))
    )

    rows: dict[tuple[str, str], OrderFact] = {}
    keys: dict[tuple[str, str], tuple[str, str, AccountKey]] = {}
    settings = {channel: conf.channel_settings(channel) for channel in {data.channel for data in orders}}
    for data in orders:
        is_erased = bool(erased) and bool(erased.intersection(identity_hashes(data.customer)))
        contact = None if is_erased else contacts.get(contact_lookup(data.customer))
        key = account_key(data.channel, data.customer.company_name, contact, data.external_id, settings[data.channel])
        if is_erased and key.kind != "company":
            key = AccountKey("email", anonymous_account_key(data.customer), "")
        keys[(data.source, data.external_id)] = (data.channel, data.currency, key)
        rows[(data.source, data.external_id)] = _order_row(data, contact, is_erased)
    accounts = _ensure_accounts(set(keys.values()))

    for ident, row in rows.items():
        row.account_id = accounts[account_ident(*keys[ident])].pk
    stored, created = _insert_missing(rows, latest)

    changed, touched = [], {rows[ident].account_id for ident in created}
    current: dict[int, OrderData] = {}
    for ident, data in latest.items():
        existing = stored[ident]
        if _is_older(data, existing.source_updated_at):
            continue
        current[existing.pk] = data
        row = rows[ident]
        if any(getattr(existing, f) != getattr(row, f) for f in ORDER_FIELDS):
            touched.update((existing.account_id, row.account_id))
            for name in ORDER_FIELDS:
                setattr(existing, name, getattr(row, name))
            existing.updated_at = timezone.now()
            changed.append(existing)
    if changed:
        bulk_set(OrderFact, changed, [*ORDER_FIELDS, "updated_at"])
    copies = {stored[(data.source, data.external_id)].pk: line_copies.copies_of(stored[(data.source, data.external_id)])
              for data in current.values()}
    relined = _sync_lines(current, copies) | sync_shipments(current)
    _link_contacts(current, rows, stored)
    _complete_checkouts(current.values())
    refresh_acquisition(touched)
    updated = len(({order.pk for order in changed} | relined) - {stored[ident].pk for ident in created})
    return OrderCounts(len(created), updated, len(latest) - len(created) - updated), touched


def _insert_missing(rows, latest) -> tuple[dict[tuple[str, str], OrderFact], set[tuple[str, str]]]:
    """Lock the stored orders and insert the missing ones; returns them all and those this call created.

    A plain insert (not ON CONFLICT DO NOTHING) tells which rows are ours: when another batch
    inserted one of them meanwhile, the insert waits for it, fails, and the rows it did store
    become updates on the next pass.
    """
    stored = _lock_orders(latest)
    while True:
        new_rows = [rows[ident] for ident in sorted(rows) if ident not in stored]
        if not new_rows:
            return stored, set()
        try:
            with transaction.atomic():
                OrderFact.objects.bulk_create(new_rows)
        except IntegrityError:
            seen = len(stored)
            stored = _lock_orders(latest)
            if len(stored) == seen:  # not a concurrent insert: a real constraint failure
                raise
            continue
        return _lock_orders(latest), {(row.source, row.external_id) for row in new_rows}


def _order_row(data: OrderData, contact, is_erased: bool) -> OrderFact:
    return OrderFact(
        source=data.source,
        external_id=data.external_id,
        number=data.number,
        sales_source=data.sales_source,
        contact_id=contact.pk if contact is not None else None,
        channel=data.channel,
        currency=data.currency,
        created_at=data.created_at,
        status=data.status,
        total_gross=data.total_gross,
        total_net=data.total_net,
        refunded_amount=data.refunded_amount,
        amount=data.amount,
        counts_as_purchase=data.counts_as_purchase,
        billing_company_name=data.customer.company_name[:256],
        checkout_token=data.checkout_token,
        utm_source=data.acquisition.utm_source[:255],
        utm_medium=data.acquisition.utm_medium[:255],
        utm_campaign=data.acquisition.utm_campaign[:255],
        voucher_code=data.acquisition.voucher_code[:255],
        source_updated_at=data.source_updated_at,
        raw={} if is_erased else data.raw,
    )


def _ensure_accounts(wanted: set[tuple[str, str, AccountKey]]) -> dict[tuple[str, str, str, str], Account]:
    """Accounts for (channel, currency, key), created when missing; keyed by (channel, currency, kind, key).

    The display name is the first one seen; other spellings of the same key reuse the account.
    """
    names: dict[tuple[str, str, str, str], str] = {}
    for channel, currency, key in sorted(wanted, key=lambda w: (w[0], w[1], w[2].kind, w[2].key, w[2].display_name)):
        names.setdefault((channel, currency, key.kind, key.key), key.display_name)

    def load() -> dict[tuple[str, str, str, str], Account]:
        found = {}
        for account in Account.objects.filter(key__in={ident[3] for ident in names}):
            ident = (account.channel, account.currency, account.key_kind, account.key)
            if ident in names:
                found[ident] = account
        return found

    found = load()
    missing = [ident for ident in names if ident not in found]
    if missing:
        Account.objects.bulk_create(
            [Account(channel=c, currency=cur, key_kind=kind, key=key, display_name=names[(c, cur, kind, key)][:255])
             for c, cur, kind, key in missing],
            ignore_conflicts=True,
        )
        found = load()
    return found


def account_ident(channel: str, currency: str, key: AccountKey) -> tuple[str, str, str, str]:
    return (channel, currency, key.kind, key.key)


def _lock_orders(latest) -> dict[tuple[str, str], OrderFact]:
    by_source: dict[str, list[str]] = {}
    for source, external_id in latest:
        by_source.setdefault(source, []).append(external_id)
    stored = {}
    for source, ids in sorted(by_source.items()):
        query = OrderFact.objects.select_for_update().filter(source=source, external_id__in=ids)
        for order in query.order_by("external_id"):  # rows are locked in this order
            stored[(order.source, order.external_id)] = order
    return stored


def _sync_lines(current: dict[int, OrderData], copies: dict[int, dict]) -> set[int]:
    """Make each order's lines the ones given, with the order's `copies` (line_copies); returns the
    orders whose lines changed."""
    if not current:
        return set()
    existing: dict[tuple[int, str], OrderLineFact] = {
        (line.order_id, line.line_ref): line
        for line in OrderLineFact.objects.filter(order_id__in=list(current))
    }
    wanted = {(pk, line.line_ref): line for pk, data in current.items() for line in data.lines}
    stale = [line for ident, line in existing.items() if ident not in wanted]
    if stale:
        OrderLineFact.objects.filter(pk__in=[line.pk for line in stale]).delete()
    new_rows, changed = [], []
    for (order_id, ref), line in wanted.items():
        row = existing.get((order_id, ref))
        copied = copies[order_id]
        if row is None:
            row = OrderLineFact(order_id=order_id, line_ref=ref)
            new_rows.append(row)
        elif (all(getattr(row, f) == getattr(line, f) for f in LINE_FIELDS)
              and all(getattr(row, f) == value for f, value in copied.items())):
            continue
        else:
            changed.append(row)
        for name in LINE_FIELDS:
            setattr(row, name, getattr(line, name))
        for name, value in copied.items():
            setattr(row, name, value)
    if new_rows:
        OrderLineFact.objects.bulk_create(new_rows)
    if changed:
        bulk_set(OrderLineFact, changed, [*LINE_FIELDS, *line_copies.COPIES])
    return {line.order_id for line in (*stale, *new_rows, *changed)}


def _link_contacts(current: dict[int, OrderData], rows, stored) -> None:
    spans: dict[tuple[int, int], list] = {}
    for data in current.values():
        order = stored[(data.source, data.external_id)]
        if order.contact_id is None:
            continue
        span = spans.setdefault((order.account_id, order.contact_id), [data.created_at, data.created_at])
        span[0], span[1] = min(span[0], data.created_at), max(span[1], data.created_at)
    if not spans:
        return
    existing = {
        (link.account_id, link.contact_id): link
        for link in AccountContact.objects.filter(
            account_id__in={a for a, _ in spans}, contact_id__in={c for _, c in spans}
        )
    }
    new_links, changed = [], []
    for (account_id, contact_id), (first, last) in sorted(spans.items()):
        link = existing.get((account_id, contact_id))
        if link is None:
            new_links.append(
                AccountContact(account_id=account_id, contact_id=contact_id, first_seen_at=first, last_seen_at=last)
            )
        elif first < link.first_seen_at or last > link.last_seen_at:
            link.first_seen_at, link.last_seen_at = min(first, link.first_seen_at), max(last, link.last_seen_at)
            changed.append(link)
    if new_links:
        AccountContact.objects.bulk_create(new_links, ignore_conflicts=True)
    if changed:
        changed.sort(key=lambda link: link.pk)  # lock order
        bulk_set(AccountContact, changed, ["first_seen_at", "last_seen_at"])


def _complete_checkouts(orders) -> None:
    completed = {data.checkout_token: data.external_id for data in orders if data.checkout_token}
    if not completed:
        return
    changed = []
    for checkout in CheckoutFact.objects.filter(token__in=list(completed)).order_by("pk"):
        external_id = completed[checkout.token]
        if checkout.state != CheckoutState.COMPLETED or checkout.completed_order_id != external_id:
            checkout.state, checkout.completed_order_id = CheckoutState.COMPLETED, external_id
            checkout.updated_at = timezone.now()
            changed.append(checkout)
    if changed:
        CheckoutFact.objects.bulk_update(changed, ["state", "completed_order_id", "updated_at"])


def ensure_accounts(wanted: set[tuple[str, str, AccountKey]]) -> dict[tuple[str, str, str, str], Account]:
    """Accounts for (channel, currency, key), created when missing (a customer list's prospects too)."""
    return _ensure_accounts(wanted)
