"""A customer list (REST batch or file) → contacts, consent per medium, and tags on their accounts.

The profile goes through identity.upsert_customers like a Saleor customer event; consent for
e-mail stays on Contact, the other media in ContactConsent (consents.record: the latest word
wins, so importing an old list again never undoes a later unsubscribe or STOP). Tags name the
account the buyer buys for under the channel's key rule; a buyer without orders gets that
account now (a prospect), so a segment or flow can find them by tag. One transaction: a batch
is stored whole or not at all. Storing the same list again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from .. import signals
from ..models import AccountContact, AccountTag
from . import consents
from .facts import CustomerData
from .identity import load_contacts, contact_lookup, upsert_customers_changed
from .orders import OrderCounts as CustomerCounts  # the same three counts, per customer
from .orders import account_ident, account_key, ensure_accounts

TAG_SOURCE = "import"


@transaction.atomic
def store_customers(batch: Sequence[CustomerData], channel: str, currency: str) -> CustomerCounts:
    """`channel`/`currency`: the accounts the tags go on. Returns what this call changed, per customer."""
    keys = [contact_lookup(data.customer) for data in batch]
    found = load_contacts({key: None for key in keys if key})
    existed = set(found)
    batch = [_with_stored_metadata(data, found.get(key)) for data, key in zip(batch, keys)]
    contacts, changed = upsert_customers_changed(batch)
    touched: set[int] = set(changed)
    for data in batch:
        contact = contacts.get(contact_lookup(data.customer))
        if contact is None:
            continue
        for consent in data.consents:
            if consents.record(contact, consent.medium, consent.granted, consent.source, consent.at):
                touched.add(contact.pk)
    touched |= _tag_accounts(batch, contacts, channel, currency)
    created = updated = unchanged = 0
    for key in dict.fromkeys(k for k in keys if k):
        contact = contacts.get(key)
        if contact is None:  # an erased person: not stored again
            unchanged += 1
        elif key not in existed:
            created += 1
        elif contact.pk in touched:
            updated += 1
        else:
            unchanged += 1
    return CustomerCounts(created, updated, unchanged)


def _with_stored_metadata(data: CustomerData, contact) -> CustomerData:
    """A list's free attributes add to (and replace by name) what the contact holds; they never drop the rest."""
    if contact is None or not contact.metadata:
        return data
    return replace(data, customer=replace(data.customer, metadata={**contact.metadata, **data.customer.metadata}))


def _tag_accounts(batch, contacts, channel: str, currency: str) -> set[int]:
    """Tag each tagged buyer's account (linking buyer and account if new); the contacts whose tags changed."""
    tagged = [(contacts[contact_lookup(d.customer)], d.tags) for d in batch
              if d.tags and contact_lookup(d.customer) in contacts]
    if not tagged:
        return set()
    keys = {contact.pk: account_key(channel, contact.company_name, contact, f"contact:{contact.pk}")
            for contact, _ in tagged}
    accounts = ensure_accounts({(channel, currency, key) for key in keys.values()})
    now = timezone.now()
    AccountContact.objects.bulk_create(
        [AccountContact(account=accounts[account_ident(channel, currency, keys[c.pk])], contact=c,
                        first_seen_at=now, last_seen_at=now) for c, _ in tagged], ignore_conflicts=True)
    changed = set()
    for contact, tags in tagged:
        account = accounts[account_ident(channel, currency, keys[contact.pk])]
        have = set(AccountTag.objects.filter(account=account).values_list("tag", flat=True))
        new = [tag for tag in dict.fromkeys(tags) if tag not in have]
        if new:
            AccountTag.objects.bulk_create([AccountTag(account=account, tag=tag, source=TAG_SOURCE) for tag in new],
                                           ignore_conflicts=True)
            changed.add(contact.pk)
    # A tagged buyer without orders makes their account a prospect: listed at once.
    signals.prospects_changed.send(sender=AccountTag, account_ids={a.pk for a in accounts.values()})
    return changed
