"""Which accounts of a channel are prospects (見込み客: registered, never bought), and their rows.

A prospect account has no counted purchase — nor has any account of the same key in the
channel (another currency) — and at least one live member who never bought anywhere and is
registered (a Saleor user or a registration date), or was put there by a customer-list import
(an import tag). ingest/prospects.py links registered contacts to such accounts. The engine
gives their rows (engine.account_metrics.prospect_metrics): stage ``prospect``, no scores, no
churn risk, P(alive) or CLV. The full recompute writes them with the bought rows; here a
registration or an order re-evaluates the accounts it touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .. import thresholds
from ..engine.account_metrics import prospect_metrics
from ..ingest.customers import TAG_SOURCE
from ..models import Account, AccountContact, AccountMetrics, AccountTag, OrderFact
from . import store


def prospect_accounts(channel: str, account_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """``account_id``, ``currency`` of the channel's prospects (among ``account_ids`` if given), by id."""
    purchases = OrderFact.objects.filter(counts_as_purchase=True)
    members = (AccountContact.objects.filter(account_id=OuterRef("pk"), contact__erased_at__isnull=True)
               .filter(~Exists(purchases.filter(contact_id=OuterRef("contact_id"))))
               .filter(Q(contact__saleor_user_id__isnull=False) | Q(contact__registered_at__isnull=False)
                       | Q(Exists(AccountTag.objects.filter(account_id=OuterRef("account_id"), source=TAG_SOURCE)))))
    rows = (Account.objects.filter(channel=channel, erased=False)
            .filter(~Exists(purchases.filter(account_id=OuterRef("pk")))).filter(Exists(members)))
    if account_ids is not None:
        rows = rows.filter(pk__in=list(account_ids))
    found = list(rows.order_by("pk").values_list("pk", "currency", "key_kind", "key"))
    if found:  # the same company buying in another currency is no prospect
        buying = set(Account.objects.filter(channel=channel, key__in={r[3] for r in found})
                     .filter(Exists(purchases.filter(account_id=OuterRef("pk")))).values_list("key_kind", "key"))
        found = [r for r in found if (r[2], r[3]) not in buying]
    return pd.DataFrame({"account_id": pd.array([r[0] for r in found], dtype="int64"),
                         "currency": [r[1] for r in found]})


def related_accounts(account_ids: Iterable[int]) -> set[int]:
    """Prospect rows an order on these accounts may end: the same key's (another currency), and
    those of the other accounts of the buyers who ordered there. (Prospect rows spend 0: the
    spend index finds them without a scan.)"""
    ids = list(account_ids)
    if not ids:
        return set()
    keys = Account.objects.filter(pk__in=ids).values("key")
    buyers = OrderFact.objects.filter(account_id__in=ids, contact_id__isnull=False).values("contact_id")
    rows = (AccountMetrics.objects.filter(monetary=0, stage="prospect").exclude(account_id__in=ids)
            .filter(Q(account__key__in=keys)
                    | Q(Exists(AccountContact.objects.filter(account_id=OuterRef("account_id"), contact_id__in=buyers)))))
    return set(rows.values_list("account_id", flat=True))


def fellow_accounts(account_ids: Iterable[int]) -> set[int]:
    """The other accounts of the buyers who ordered on these: an account that lost its last
    purchase may give its buyer back their prospect."""
    ids = list(account_ids)
    buyers = OrderFact.objects.filter(account_id__in=ids, contact_id__isnull=False).values("contact_id")
    return set(AccountContact.objects.filter(contact_id__in=buyers).exclude(account_id__in=ids)
               .values_list("account_id", flat=True))


def refresh(account_ids: Iterable[int], now: datetime | None = None) -> int:
    """Write the prospect rows of these accounts, and drop the prospect rows of those that are no
    longer prospects and have no purchase to be scored by; returns rows written."""
    ids = set(account_ids)
    if not ids:
        return 0
    written = 0
    by_channel: dict[str, list[int]] = {}
    for pk, channel in Account.objects.filter(pk__in=ids).values_list("pk", "channel"):
        by_channel.setdefault(channel, []).append(pk)
    for channel, channel_ids in by_channel.items():
        prospects = prospect_accounts(channel, channel_ids)
        if len(prospects):
            frame = prospect_metrics(prospects, lifecycle=thresholds.engine_thresholds(channel).lifecycle)
            written += store.write_account_metrics(frame, channel, now or timezone.now(), full=False)
        AccountMetrics.objects.filter(account_id__in=set(channel_ids) - set(prospects["account_id"]),
                                      stage="prospect").delete()
    return written
