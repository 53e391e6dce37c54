"""Is the shop's sender identity complete enough for buyer mail? (特定電子メール法)

Marketing mail must say who sends it, where they are and how to stop it; links must reach the
shop's public address, not localhost. A buyer-mail scenario is not switched on until it can.
"""

from __future__ import annotations

from django.conf import settings

from .. import conf

DJANGO_DEFAULT_FROM = "webmaster@localhost"
REQUIRED = {
    "sender_name": ("送信者の氏名または名称", "the sender's name"),
    "sender_email": ("送信者のメールアドレス", "the sender's address"),
    "sender_postal_address": ("送信者の住所", "the sender's postal address"),
    "public_url": ("メール内リンクの公開URL", "the public URL the mail's links point to"),
}


def _effective(shop: conf.ChannelSettings, name: str) -> str:
    value = (getattr(shop, name) or "").strip()
    if name == "sender_email" and not value:
        value = getattr(settings, "DEFAULT_FROM_EMAIL", "") or ""
        return "" if value == DJANGO_DEFAULT_FROM else value
    if name == "public_url" and not value:
        return getattr(settings, "PUBLIC_URL", "") or ""  # inside Saleor its own public address
    return value


def missing(channel: str) -> dict[str, str]:
    """Setting name → why it is needed, for each one still empty (both languages)."""
    return missing_for(conf.channel_settings(channel))


def missing_for(shop: conf.ChannelSettings) -> dict[str, str]:
    """`missing` for settings already read."""
    return {name: f"required before buyer mail can be switched on (特定電子メール法): {en} / {ja}を設定してください"
            for name, (ja, en) in REQUIRED.items() if not _effective(shop, name)}
