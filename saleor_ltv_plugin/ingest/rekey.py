"""Re-key stored orders after the account key rule changed (company ↔ user ↔ metadata)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Exists, OuterRef

from ..models import Account, AccountContact, OrderFact
from . import line_copies
from .account_keys import AccountKey
from .acquisition import refresh_acquisition
from .orders import _ensure_accounts, account_ident, account_key


def rekey_accounts(
    channel: str | None = None, batch_size: int = 2000, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Move every order to the account the current rule gives; drop the accounts this left empty
    (not the prospects a customer import made, which never had an order)."""
    orders = OrderFact.objects.select_related("contact", "account").order_by("pk")
    if channel:
        orders = orders.filter(channel=channel)
    moved, last_pk, had_orders = 0, 0, set()
    while True:
        batch = list(orders.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            break
        last_pk = batch[-1].pk
        had_orders.update(order.account_id for order in batch)
        moved += _rekey_batch(batch)
        if progress:
            progress(len(batch))
    removed = _drop_emptied(had_orders)
    return {"moved": moved, "removed_accounts": removed}


def rekey_orders_of(contact) -> int:
    """After a buyer's profile changed (metadata, company), move their orders if the rule says so."""
    if contact is None:
        return 0
    batch = list(OrderFact.objects.select_related("contact", "account").filter(contact=contact))
    had_orders = {order.account_id for order in batch}
    moved = _rekey_batch(batch) if batch else 0
    if moved:
        _drop_emptied(had_orders)
    return moved


def move_orders_of(contacts, batch_size: int = 2000) -> tuple[int, set[int]]:
    """Move these buyers' orders where the rule (and their links) say now; drop the accounts this left
    empty, and the buyers' ties to accounts they no longer buy in. (orders moved, accounts left or joined)."""
    orders = list(OrderFact.objects.select_related("contact", "account").filter(contact__in=contacts).order_by("pk"))
    before = {order.account_id for order in orders}
    moved = sum(_rekey_batch(orders[start:start + batch_size]) for start in range(0, len(orders), batch_size))
    after = {order.account_id for order in orders}  # _rekey_batch moves them in place
    left = before - after
    if left:
        AccountContact.objects.filter(contact__in=contacts, account_id__in=left).filter(~Exists(
            OrderFact.objects.filter(account=OuterRef("account"), contact=OuterRef("contact")))).delete()
        _drop_emptied(left)
    return moved, before | after


@transaction.atomic
def _rekey_batch(batch: list[OrderFact]) -> int:
    wanted: dict[int, tuple[str, str, AccountKey]] = {}
    for order in batch:
        if order.account.erased and order.contact is None:
            continue  # an erased person stays anonymous whatever the rule
        key = account_key(order.channel, order.billing_company_name, order.contact, order.external_id)
        if (key.kind, key.key) != (order.account.key_kind, order.account.key):
            wanted[order.pk] = (order.channel, order.currency, key)
    if not wanted:
        return 0
    accounts = _ensure_accounts(set(wanted.values()))
    before = {order.pk: order.account_id for order in batch}
    changed = []
    for order in batch:
        if order.pk in wanted:
            order.account_id = accounts[account_ident(*wanted[order.pk])].pk
            changed.append(order)
    OrderFact.objects.bulk_update(changed, ["account_id"])
    line_copies.refresh(order.pk for order in changed)
    refresh_acquisition({before[o.pk] for o in changed} | {o.account_id for o in changed})
    links = {}
    for order in changed:
        if order.contact_id is None:
            continue
        span = links.setdefault((order.account_id, order.contact_id), [order.created_at, order.created_at])
        span[0], span[1] = min(span[0], order.created_at), max(span[1], order.created_at)
    AccountContact.objects.bulk_create(
        [AccountContact(account_id=a, contact_id=c, first_seen_at=f, last_seen_at=l) for (a, c), (f, l) in links.items()],
        ignore_conflicts=True,
    )
    return len(changed)


def _drop_emptied(account_ids: set[int]) -> int:
    """Of these accounts (which held orders before a move), those now without any: deleted."""
    removed = 0
    ids = sorted(account_ids)
    for start in range(0, len(ids), 5000):
        empty = Account.objects.filter(pk__in=ids[start:start + 5000]).filter(
            ~Exists(OrderFact.objects.filter(account=OuterRef("pk"))))
        AccountContact.objects.filter(account__in=empty).delete()
        removed += empty.delete()[1].get(Account._meta.label, 0)
    return removed
