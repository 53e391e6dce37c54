"""The active installations by API URL, kept in each process for a few seconds.

Every webhook and every Dashboard or storefront request starts by finding its installation; a row
that changes a few times a year need not cost a query each time. Absences are never kept (a new
install is seen at once); a save or delete in this process forgets everything; another process's
change (a re-install, rotated keys) is seen within TTL — and callers re-read with fresh=True before
refusing, so a stale entry can cost a second read but never a refusal.
"""

from __future__ import annotations

import time

from django.db.models.signals import post_delete, post_save

from .models import Installation

TTL = 5.0  # seconds
_kept: dict[str, tuple[float, Installation]] = {}


def active(url: str, fresh: bool = False) -> Installation | None:
    """The active installation whose (normalised) API URL is `url`, or None."""
    now = time.monotonic()
    kept = None if fresh else _kept.get(url)
    if kept is not None and now - kept[0] < TTL:
        return kept[1]
    installation = Installation.objects.active().filter(saleor_api_url=url).first()
    if installation is None:
        _kept.pop(url, None)
    else:
        _kept[url] = (now, installation)
    return installation


def forget_all(**_signal) -> None:
    _kept.clear()


post_save.connect(forget_all, sender=Installation, dispatch_uid="ltv-installations-saved")
post_delete.connect(forget_all, sender=Installation, dispatch_uid="ltv-installations-deleted")
