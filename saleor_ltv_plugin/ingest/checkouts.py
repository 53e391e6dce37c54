"""Checkout snapshots and abandonment.

A checkout is completed when an order carrying its token exists (whichever of
the two events arrives first), abandoned when it sat idle with lines and an
e-mail past the channel's threshold, open otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .. import conf
from ..models import CheckoutFact, CheckoutState, OrderFact
from .account_keys import normalise_email
from .facts import CheckoutData
from .identity import contact_lookup, erased_among, upsert_contacts
from .orders import OrderCounts as CheckoutCounts  # the same three counts, per checkout (by token)


@transaction.atomic
def upsert_checkout(data: CheckoutData) -> CheckoutFact:
    """Store a checkout snapshot; never move its last change backwards."""
    existing = CheckoutFact.objects.select_for_update().filter(token=data.token).first()
    if existing is not None and existing.last_change > data.last_change:
        return existing
    if erased_among([data.customer]):
        contact, email = None, ""
    else:
        contact = upsert_contacts([data.customer]).get(contact_lookup(data.customer))
        email = normalise_email(data.customer.email)
    completed = (
        OrderFact.objects.filter(checkout_token=data.token)
        .values_list("external_id", flat=True)
        .first()
    )
    values = {
        "source": data.source,
        "channel": data.channel,
        "currency": data.currency,
        "contact": contact,
        "email": email,
        "total_gross": data.total_gross,
        "lines": [dict(line) for line in data.lines],
        "line_count": len(data.lines),
        "last_change": data.last_change,
        "state": CheckoutState.COMPLETED if completed else CheckoutState.OPEN,
        "completed_order_id": completed or "",
    }
    checkout, _ = CheckoutFact.objects.update_or_create(token=data.token, defaults=values)
    return checkout


@transaction.atomic
def store_checkouts(batch: Sequence[CheckoutData]) -> CheckoutCounts:
    """Upsert a batch by token, all or nothing; a token's newest snapshot in the batch wins. A snapshot
    no newer than the stored one (the same cart sent again) changes nothing."""
    newest: dict[str, CheckoutData] = {}
    for data in batch:
        if data.token not in newest or data.last_change >= newest[data.token].last_change:
            newest[data.token] = data
    stored = dict(CheckoutFact.objects.select_for_update().filter(token__in=list(newest))
                  .order_by("token").values_list("token", "last_change"))
    created = updated = 0
    for token, data in newest.items():
        if token in stored and stored[token] >= data.last_change:
            continue
        upsert_checkout(data)
        created, updated = (created, updated + 1) if token in stored else (created + 1, updated)
    return CheckoutCounts(created, updated, len(newest) - created - updated)


def mark_abandoned_checkouts(now: datetime | None = None) -> int:
    """Open checkouts with lines and an e-mail, idle past the channel's threshold → abandoned."""
    now = now or timezone.now()
    marked = 0
    channels = (
        CheckoutFact.objects.filter(state=CheckoutState.OPEN).values_list("channel", flat=True).distinct()
    )
    for channel in list(channels):
        idle = timedelta(minutes=conf.channel_settings(channel).abandoned_checkout_minutes)
        marked += (
            CheckoutFact.objects.filter(
                channel=channel, state=CheckoutState.OPEN, line_count__gt=0, last_change__lt=now - idle
            )
            .exclude(email="")
            .update(state=CheckoutState.ABANDONED, updated_at=now)
        )
    return marked
