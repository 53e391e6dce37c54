"""Outbox row → e-mail: the step's content by language (content/), the shop's identity, signed links, RFC 8058 headers."""

from __future__ import annotations

import hashlib
from email.utils import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .. import conf
from ..models import OutboxMessage
from . import links, staff_text
from .catalog import LANGUAGES
from .channels.chat_text import chat_text
from .content import Document, merge, scenario_document
from .content import context as content_context
from .content import render as render_content
from .settings import ScenarioConfig


def language(contact, config: ScenarioConfig) -> str:
    code = (contact.language_code or "").lower()[:2] if contact else ""
    return code if code in LANGUAGES else config.shop.default_language


def sender(config: ScenarioConfig) -> str:
    return from_header(config.shop)


def from_header(shop) -> str:
    address = shop.sender_email or settings.DEFAULT_FROM_EMAIL
    name = shop.sender_name
    # quoted, so a name holding quotes, commas or brackets stays one display name
    return f'"{quote(name)}" <{address}>' if name else address


def message_id(message: OutboxMessage, config: ScenarioConfig) -> str:
    """Stable per outbox row: a retried send carries the same Message-ID (receivers fold duplicates)."""
    domain = (config.shop.sender_email or settings.DEFAULT_FROM_EMAIL).rsplit("@", 1)[-1].strip("> ")
    return f"<ltv.{hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]}@{domain}>"


def _name(contact, lang: str) -> str:
    return content_context.person_name(contact, lang) or merge.FIELDS["name"].default[lang]


def cta_target(message: OutboxMessage, shop) -> str:
    """Where a message's main link leads: the buyer's cart, else the shop (`shop`: its ChannelSettings)."""
    token = message.enrollment.context.get("checkout_token")
    if token and shop.checkout_url_template:
        return shop.checkout_url_template.replace("{token}", token)
    return shop.shop_url or links.base_url(shop)


def buyer_email(message: OutboxMessage, config: ScenarioConfig,
                document: Document | None = None) -> EmailMultiAlternatives:
    """The mail of one outbox row: `document` (a flow step's content), else the ready scenario's
    content for the row's step with the shop's copy override on top."""
    contact = message.contact
    if document is None:
        document = scenario_document(message.scenario, message.step, config.params.get("copy"))
    context = content_context.for_message(message, config)
    mail = render_content(document, language(contact, config), context)
    email = EmailMultiAlternatives(
        subject=mail.subject, body=mail.text, from_email=sender(config), to=[contact.email],
        headers={
            "Message-ID": message_id(message, config),
            "List-Unsubscribe": f"<{context.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-LTV-Scenario": message.scenario,
        },
    )
    email.attach_alternative(mail.html, "text/html")
    return email


def staff_summary(message: OutboxMessage, config: ScenarioConfig | None = None) -> dict:
    """What staff channels say about an alert, in the shop's language: one dict for mail, webhook and
    the alert inbox. `event`, `account`, `facts` and `message_id` are for machines and never change
    with the language; `language`, `title` and `reason_text` are worded in it."""
    shop = config.shop if config is not None else conf.channel_settings(message.channel)
    lang = staff_text.shop_language(shop.default_language)
    account = message.account
    context = message.enrollment.context
    name = (account.display_name or account.key) if account else ""
    return {
        "event": message.scenario,
        "language": lang,
        "title": staff_text.title(message.scenario, message.kind, name, lang,
                                  getattr(message.enrollment.flow, "name", "")),
        "reason_text": staff_text.reason(message.scenario, message.kind, context, lang),
        "account": {"id": account.pk if account else None, "name": name or "?",
                    "channel": message.channel, "currency": account.currency if account else None},
        "facts": {k: v for k, v in context.items() if k in staff_text.FACT_KEYS},
        "message_id": message.pk,
    }


def staff_email(message: OutboxMessage, config: ScenarioConfig, recipients: list[str]) -> EmailMultiAlternatives:
    summary = staff_summary(message, config)
    lang = summary["language"]
    currency = summary["account"]["currency"] or message.enrollment.context.get("currency", "")
    values = {**summary, "reason_label": staff_text.TEXT[lang]["reason"], "footer": staff_text.TEXT[lang]["footer"],
              "fact_lines": staff_text.facts(message.enrollment.context, currency, lang)}
    return EmailMultiAlternatives(
        subject=f"[LTV] {summary['title']}", body=render_to_string("saleor_ltv_plugin/email/staff_alert.txt", values),
        from_email=sender(config), to=recipients,
        headers={"Message-ID": message_id(message, config), "X-LTV-Scenario": message.scenario,
                 "Content-Language": lang},
    )


def staff_webhook_payload(message: OutboxMessage, config: ScenarioConfig) -> dict:
    """The staff webhook's JSON. Chats show `text` (Teams' cards `title` too), so no company name may
    act as markup there; the name as stored stays under `account`."""
    summary = staff_summary(message, config)
    url = config.shop.staff_webhook_url
    return {**summary, "title": chat_text(summary["title"], url),
            "text": chat_text(f"{summary['title']} — {summary['reason_text']}", url)}
