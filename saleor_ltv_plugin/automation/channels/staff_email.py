"""An alert mailed to the shop's staff addresses (the shop's `staff_alert_emails` setting)."""

from __future__ import annotations

from ...models import DeliveryKind
from .. import render
from . import SKIPPED, Outcome
from .base import STAFF_LIMITS, DeliveryChannel
from .email import connection_name, sender


class StaffEmail(DeliveryChannel):
    kind = DeliveryKind.STAFF_EMAIL
    limits = STAFF_LIMITS
    two_phase = True
    rechecks_stop_conditions = False
    required_settings = ("staff_alert_emails",)

    def send(self, message, config, commit) -> Outcome:
        recipients = [a.strip() for a in config.shop.staff_alert_emails.split(",") if a.strip()]
        if not recipients:
            return Outcome(SKIPPED, "not_configured")
        shop = config.shop
        return self.connections.get(connection_name(shop), lambda: sender(shop)).send(
            render.staff_email(message, config, recipients), commit)
