"""An alert posted to the shop's staff webhook (Slack, Teams, or the shop's own endpoint)."""

from __future__ import annotations

from ...models import DeliveryKind
from .. import render
from . import SKIPPED, Outcome, webhook
from .base import STAFF_LIMITS, DeliveryChannel


class StaffWebhook(DeliveryChannel):
    kind = DeliveryKind.STAFF_WEBHOOK
    limits = STAFF_LIMITS
    rechecks_stop_conditions = False
    required_settings = ("staff_webhook_url",)
    optional_settings = ("staff_webhook_secret",)

    def send(self, message, config, commit) -> Outcome:
        shop = config.shop
        if not shop.staff_webhook_url:
            return Outcome(SKIPPED, "not_configured")
        return webhook.post(shop.staff_webhook_url, shop.staff_webhook_secret, render.staff_webhook_payload(message, config),
                            message.idempotency_key, commit)
