"""Keep AccountMetrics current between recomputes: a changed order re-scores its account."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def on_orders_changed(sender, account_ids, **kwargs):
    from .recompute import update_accounts

    try:
        with transaction.atomic():
            update_accounts(account_ids)
    except Exception:  # noqa: BLE001 — metrics lag until the next recompute, ingestion goes on
        logger.exception("ltv: incremental metrics update failed for %d accounts", len(account_ids))


def on_prospects_changed(sender, account_ids, **kwargs):
    """A contact registered: their account is listed as a prospect at once, not at the next recompute."""
    from .prospects import refresh

    try:
        with transaction.atomic():
            refresh(account_ids)
    except Exception:  # noqa: BLE001 — as above
        logger.exception("ltv: prospect rows not written for %d accounts", len(account_ids))
