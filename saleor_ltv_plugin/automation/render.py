"""Outbox row → e-mail: copy by language, the shop's identity, signed links, RFC 8058 headers."""

from __future__ import annotations

import hashlib
from email.utils import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from ..models import OutboxMessage
from . import links
from .catalog import LANGUAGES, SCENARIOS
from .mail_items import mail_items
from .money import format_money
from .settings import ScenarioConfig


def language(contact, config: ScenarioConfig) -> str:
    code = (contact.language_code or "").lower()[:2] if contact else ""
    return code if code in LANGUAGES else config.shop.default_language


def sender(config: ScenarioConfig) -> str:
    address = config.shop.sender_email or settings.DEFAULT_FROM_EMAIL
    name = config.shop.sender_name
    # quoted, so a name holding quotes, commas or brackets stays one display name
    return f'"{quote(name)}" <{address}>' if name else address


def message_id(message: OutboxMessage, config: ScenarioConfig) -> str:
    """Stable per outbox row: a retried send carries the same Message-ID (receivers fold duplicates)."""
    domain = (config.shop.sender_email or settings.DEFAULT_FROM_EMAIL).rsplit("@", 1)[-1].strip("> ")
    return f"<ltv.{hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]}@{domain}>"


def _name(contact, lang: str) -> str:
    if lang == "ja":
        person = " ".join(p for p in (contact.last_name, contact.first_name) if p)
        label = " ".join(p for p in (contact.company_name, person) if p)
        return label or contact.email.split("@")[0]
    return contact.first_name or contact.company_name or "Hello"


def _cta_target(message: OutboxMessage, config: ScenarioConfig) -> str:
    token = message.enrollment.context.get("checkout_token")
    if token and config.shop.checkout_url_template:
        return config.shop.checkout_url_template.replace("{token}", token)
    return config.shop.shop_url or links.base_url(config.shop)


def buyer_email(message: OutboxMessage, config: ScenarioConfig) -> EmailMultiAlternatives:
    contact = message.contact
    lang = language(contact, config)
    copy = config.copy_for(lang)
    context = message.enrollment.context
    base = links.base_url(config.shop)
    unsubscribe = links.unsubscribe_url(base, contact.pk, message.pk)
    target = _cta_target(message, config)
    currency = context.get("currency") or (message.account.currency if message.account else "")
    items = mail_items(context, message.channel, currency, target)
    for item in items:
        item["url"] = links.click_url(base, message.pk, item["url"])
    values = {
        "lang": lang,
        "subject": copy["subject"],
        "intro": copy["intro"].replace("{name}", _name(contact, lang)),
        "cta_label": copy["cta"],
        "cta_url": links.click_url(base, message.pk, target),
        "items": items,
        "with_images": any(item["image_url"] for item in items),
        "total": format_money(context["total"], currency) if context.get("total") not in (None, "") else "",
        "sender_name": config.shop.sender_name,
        "sender_postal_address": config.shop.sender_postal_address,
        "sender_email": config.shop.sender_email or settings.DEFAULT_FROM_EMAIL,
        "unsubscribe_url": unsubscribe,
        "open_url": links.open_url(base, message.pk),
    }
    email = EmailMultiAlternatives(
        subject=values["subject"], body=render_to_string("saleor_ltv_plugin/email/message.txt", values),
        from_email=sender(config), to=[contact.email],
        headers={
            "Message-ID": message_id(message, config),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-LTV-Scenario": message.scenario,
        },
    )
    email.attach_alternative(render_to_string("saleor_ltv_plugin/email/message.html", values), "text/html")
    return email


def staff_summary(message: OutboxMessage) -> dict:
    """What staff channels say about an alert: one plain dict for mail and webhook alike."""
    account = message.account
    context = message.enrollment.context
    title = SCENARIOS[message.scenario].title["en"]
    name = account.display_name or account.key if account else "?"
    return {
        "event": message.scenario,
        "title": f"{title}: {name}",
        "account": {"id": account.pk if account else None, "name": name,
                    "channel": message.channel, "currency": account.currency if account else None},
        "facts": {k: v for k, v in context.items() if k in (
            "stage", "rfm_rank", "overdue_ratio", "typical_interval_days", "last_purchase_at", "clv", "monetary")},
        "message_id": message.pk,
    }


def staff_email(message: OutboxMessage, config: ScenarioConfig, recipients: list[str]) -> EmailMultiAlternatives:
    summary = staff_summary(message)
    lines = [summary["title"], ""] + [f"{k}: {v}" for k, v in summary["facts"].items()]
    return EmailMultiAlternatives(
        subject=f"[LTV] {summary['title']}", body="\n".join(lines) + "\n", from_email=sender(config),
        to=recipients, headers={"Message-ID": message_id(message, config), "X-LTV-Scenario": message.scenario},
    )
