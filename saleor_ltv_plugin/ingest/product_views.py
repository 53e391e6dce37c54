"""Storing a storefront's product views, with the anonymous ones capped.

Anonymous views (no contact yet) only wait to be stitched to a contact, so past a cap the oldest
go: per session (a visitor's latest views are what browse abandonment needs) and in total (a
crowd of fresh session keys cannot grow the table without bound).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ..models import Contact, ProductView

DEDUP_MINUTES = 30  # repeats of one product inside this window are one view
SESSION_MAX_VIEWS = 200
ANONYMOUS_MAX_VIEWS = 200_000
# Counting the whole anonymous table is not free: the total is trimmed every this many ids,
# so it may exceed its cap by this much in between.
PRUNE_EVERY = 500


def record_view(*, contact: Contact | None, session_key: str, channel: str, product_id: str,
                variant_id: str, sku: str, now: dt.datetime) -> bool:
    """Store one view; False when it repeats a recent one."""
    recent = ProductView.objects.filter(product_id=product_id, channel=channel,
                                        viewed_at__gte=now - dt.timedelta(minutes=DEDUP_MINUTES))
    recent = recent.filter(contact=contact) if contact else recent.filter(contact=None, session_key=session_key)
    if recent.exists():
        return False
    with transaction.atomic():
        view = ProductView.objects.create(contact=contact, session_key=session_key, channel=channel,
                                          product_id=product_id, variant_id=variant_id, sku=sku, viewed_at=now)
        if contact is None:
            _prune(ProductView.objects.filter(contact=None, session_key=session_key), SESSION_MAX_VIEWS)
            if view.pk % PRUNE_EVERY == 0:
                _prune(ProductView.objects.filter(contact=None), ANONYMOUS_MAX_VIEWS)
    return True


def _prune(views, keep: int) -> None:
    """Delete all but the `keep` newest of `views` (ids grow with time)."""
    oldest_kept = list(views.order_by("-id").values_list("id", flat=True)[keep - 1:keep])
    if oldest_kept:
        views.filter(id__lt=oldest_kept[0]).delete()
