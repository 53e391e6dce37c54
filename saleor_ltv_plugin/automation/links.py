"""Signed links that work without login: unsubscribe, open pixel, click redirect."""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.core import signing

from .. import conf

UNSUBSCRIBE, OPEN, CLICK = "saleor_ltv_plugin.unsubscribe", "saleor_ltv_plugin.open", "saleor_ltv_plugin.click"


def base_url(shop: conf.ChannelSettings) -> str:
    configured = shop.public_url
    if configured:
        return configured.rstrip("/") + "/"
    # Inside Saleor, PUBLIC_URL is where its API is reached; the plugin's routes hang below it.
    public = getattr(settings, "PUBLIC_URL", None) or "http://localhost:8000/"
    return urljoin(public.rstrip("/") + "/", conf.url_prefix().lstrip("/"))


def sign(payload, salt: str) -> str:
    return signing.dumps(payload, salt=salt, compress=True)


def unsign(token: str, salt: str):
    """Raises signing.BadSignature for anything we did not sign."""
    return signing.loads(token, salt=salt)


def unsubscribe_url(base: str, contact_id: int, message_id: int | None = None) -> str:
    return f"{base}u/{sign({'c': contact_id, 'm': message_id}, UNSUBSCRIBE)}"


def open_url(base: str, message_id: int) -> str:
    return f"{base}t/o/{sign(message_id, OPEN)}.gif"


def click_url(base: str, message_id: int, target: str) -> str:
    return f"{base}t/c/{sign([message_id, target], CLICK)}"
