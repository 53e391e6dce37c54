"""Alerts in the staff inbox, and call tasks on the call list (an alert of kind "call").

The alert and the row's "sent" mark commit in one transaction: the outbox row is the
alert's source key, so a retried or duplicated send creates it once.
"""

from __future__ import annotations

from django.db import transaction

from ...models import Alert, AlertKind, DeliveryKind
from .. import render
from . import LOST_LEASE, SENT, Outcome
from .base import STAFF_LIMITS, DeliveryChannel


def raise_alert(message, kind: str, commit) -> Outcome:
    context = message.enrollment.context
    rank = context.get("rfm_rank")
    with transaction.atomic():
        Alert.objects.get_or_create(source_key=message.idempotency_key, defaults=dict(
            kind=kind, channel=message.channel, account_id=message.account_id,
            reason=render.staff_summary(message)["title"], data=context,
            priority=min(max(int(rank), 1), 5) if rank else 3))
        if not commit():
            transaction.set_rollback(True)
            return Outcome(LOST_LEASE)
    return Outcome(SENT, committed=True)


class StaffAlert(DeliveryChannel):
    kind = DeliveryKind.STAFF_ALERT
    limits = STAFF_LIMITS
    rechecks_stop_conditions = False

    def send(self, message, config, commit) -> Outcome:
        kind = AlertKind.CHURN_RISK if message.scenario == "churn_risk" else AlertKind.HIGH_INTENT
        return raise_alert(message, kind, commit)


class CallTask(DeliveryChannel):
    """A call for the sales desk; unlike an alert it is dropped when the buyer ordered meanwhile."""

    kind = DeliveryKind.CALL_TASK
    limits = STAFF_LIMITS

    def send(self, message, config, commit) -> Outcome:
        return raise_alert(message, AlertKind.CALL, commit)
