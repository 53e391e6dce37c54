"""Registered contacts who never bought → the accounts they would buy for, as prospects (見込み客).

Saleor keeps no channel on a user (accountRegister's `channel` only picks the notification's
channel; `saleor/account/models.py` has none), so a registered contact without orders counts in
one channel for the whole shop: the `prospect_channel` setting, else the channel with the most
accounts (the one the Dashboard opens on), else `default-channel` (Saleor's first channel and
the imports' default). Its account is the one the channel's key rule names for the contact's
profile (company name, metadata key, user), in the channel's main currency (JPY while it has
none), so the contact's first order in that currency lands on the same account and ends the
prospect. A contact whose company already buys in the channel gets no link: a new buyer of a
regular customer is no prospect (automation.triggers agrees). Customer-list imports that tag a
buyer make the account in the channel that import named (ingest/customers.py).

"Registered" = a Saleor user, or a contact with a registration date (登録日 of a list, the
App's and REST customer events); guests met only in a checkout are not.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from .. import conf
from ..models import Account, AccountContact, Contact, OrderFact
from .identity import SET_BASED_MIN
from .orders import account_ident, account_key, ensure_accounts

DEFAULT_CHANNEL = "default-channel"
DEFAULT_CURRENCY = "JPY"


def prospect_channel() -> str:
    """The channel registered contacts without orders count in (see the module's docstring)."""
    chosen = conf.get_settings().base.prospect_channel
    if chosen:
        return chosen
    row = (Account.objects.values("channel").annotate(n=Count("id")).order_by("-n", "channel").first())
    return row["channel"] if row else DEFAULT_CHANNEL


def channel_currency(channel: str) -> str:
    """The currency most of the channel's accounts are in (JPY for a channel without any)."""
    row = (Account.objects.filter(channel=channel).values("currency").annotate(n=Count("id"))
           .order_by("-n", "currency").first())
    return row["currency"] if row else DEFAULT_CURRENCY


def registered_never_bought():
    """Live registered contacts without a counted purchase in any channel."""
    return (Contact.objects.filter(erased_at__isnull=True)
            .filter(Q(saleor_user_id__isnull=False) | Q(registered_at__isnull=False))
            .filter(~Exists(OrderFact.objects.filter(contact_id=OuterRef("pk"), counts_as_purchase=True))))


def link_prospects(contact_ids: Iterable[int] | None = None, channel: str | None = None) -> set[int]:
    """Give each registered never-bought contact (these, or all) without an account in the
    prospects' channel the account it would buy for; returns the accounts linked to now."""
    channel = channel or prospect_channel()
    contacts = registered_never_bought().filter(
        ~Exists(AccountContact.objects.filter(contact_id=OuterRef("pk"), account__channel=channel)))
    if contact_ids is not None:
        contacts = contacts.filter(pk__in=list(contact_ids))
    contacts = list(contacts.order_by("pk"))
    if not contacts:
        return set()
    settings = conf.channel_settings(channel)
    keys = {c.pk: account_key(channel, c.company_name, c, f"contact:{c.pk}", settings) for c in contacts}
    buying = set(Account.objects.filter(channel=channel, key__in={k.key for k in keys.values()})
                 .filter(Exists(OrderFact.objects.filter(account_id=OuterRef("pk"), counts_as_purchase=True)))
                 .values_list("key_kind", "key"))
    wanted = [c for c in contacts if (keys[c.pk].kind, keys[c.pk].key) not in buying]
    if not wanted:
        return set()
    currency = channel_currency(channel)
    accounts = _account_ids({(channel, currency, keys[c.pk]) for c in wanted})
    now = timezone.now()
    links = [AccountContact(account_id=accounts[account_ident(channel, currency, keys[c.pk])], contact=c,
                            first_seen_at=c.registered_at or now, last_seen_at=c.registered_at or now)
             for c in wanted]
    AccountContact.objects.bulk_create(links, ignore_conflicts=True, batch_size=2000)
    return {link.account_id for link in links}


def _account_ids(wanted) -> dict[tuple[str, str, str, str], int]:
    """ensure_accounts' ids; 200+ merged set-based as a bulk order batch's (bulk_accounts): on SQLite
    Django's bulk_create compiled an INSERT per ~60 accounts of a demo's registered buyers."""
    if len(wanted) < SET_BASED_MIN or connection.vendor not in ("postgresql", "sqlite"):
        return {ident: account.pk for ident, account in ensure_accounts(wanted).items()}
    from .bulk_accounts import accounts
    from .bulk_stage import Stage

    with transaction.atomic(), connection.cursor() as cursor:
        stage = Stage(cursor, timezone.now())
        found = accounts(stage, wanted, stage.now)
        stage.drop()
    return found
