"""An alert posted to the shop's staff webhook (Slack, Teams, or the shop's own endpoint)."""

from __future__ import annotations

from ...models import DeliveryKind
from .. import render
from . import SKIPPED, Outcome, webhook
from .base import STAFF_LIMITS, DeliveryChannel
from .chat_text import chat_text


def payload(message, url: str) -> dict:
    summary = render.staff_summary(message)
    # Chats show "text" (Teams' cards "title" too): no company name may act as markup there; the
    # name as stored stays under "account".
    shown = chat_text(summary["title"], url)
    return {**summary, "text": shown, "title": shown}


class StaffWebhook(DeliveryChannel):
    kind = DeliveryKind.STAFF_WEBHOOK
    limits = STAFF_LIMITS
    rechecks_stop_conditions = False

    def send(self, message, config, commit) -> Outcome:
        shop = config.shop
        if not shop.staff_webhook_url:
            return Outcome(SKIPPED, "not_configured")
        return webhook.post(shop.staff_webhook_url, shop.staff_webhook_secret, payload(message, shop.staff_webhook_url),
                            message.idempotency_key, commit)
