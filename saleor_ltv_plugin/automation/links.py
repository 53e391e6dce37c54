"""Signed links that work without login: unsubscribe, open pixel, click redirect."""

from __future__ import annotations

import base64
import hmac
import re
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from .. import conf, tenancy

UNSUBSCRIBE, OPEN, CLICK = "saleor_ltv_plugin.unsubscribe", "saleor_ltv_plugin.open", "saleor_ltv_plugin.click"
SHORT_CLICK = "saleor_ltv_plugin.short_click"
SHORT_CODE = re.compile(r"/t/s/([0-9a-z]+)\.([A-Za-z0-9_-]{11})")


def base_url(shop: conf.ChannelSettings) -> str:
    configured = shop.public_url
    if configured and not tenancy.current():
        return configured.rstrip("/") + "/"
    # Inside Saleor, PUBLIC_URL is where its API is reached; the plugin's routes hang below it. An
    # App deployment serving many shops: its own PUBLIC_URL, and below the prefix the shop's path.
    public = getattr(settings, "PUBLIC_URL", None) or "http://localhost:8000/"
    return urljoin(public.rstrip("/") + "/", conf.url_prefix().lstrip("/") + tenancy.url_path())


def sign(payload, salt: str) -> str:
    return signing.dumps(payload, salt=tenancy.salt(salt), compress=True)


def unsign(token: str, salt: str):
    """Raises signing.BadSignature for anything we did not sign (for this shop)."""
    return signing.loads(token, salt=tenancy.salt(salt))


def unsubscribe_url(base: str, contact_id: int, message_id: int | None = None) -> str:
    return f"{base}u/{sign({'c': contact_id, 'm': message_id}, UNSUBSCRIBE)}"


def open_url(base: str, message_id: int) -> str:
    return f"{base}t/o/{sign(message_id, OPEN)}.gif"


def click_url(base: str, message_id: int, target: str) -> str:
    return f"{base}t/c/{sign([message_id, target], CLICK)}"


def _short_mac(message_id: int) -> str:
    digest = salted_hmac(tenancy.salt(SHORT_CLICK), str(message_id), algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:8]).decode().rstrip("=")  # 64 bits in 11 characters


def _base36(number: int) -> str:
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + text
        if not number:
            return text


def short_click_url(base: str, message_id: int) -> str:
    """A click link short enough for an SMS, where every character costs: the row and 64 bits of MAC.
    It leads where the row's main link leads (render.cta_target, looked up on the click); one row
    always gets the same link, so the text of a retry is the text of the first attempt."""
    return f"{base}t/s/{_base36(message_id)}.{_short_mac(message_id)}"


def short_click_row(code: str, mac: str) -> int | None:
    message_id = int(code, 36)
    return message_id if hmac.compare_digest(mac.encode(), _short_mac(message_id).encode()) else None


def short_click_rows(text: str) -> list[int]:
    """The rows whose short click links (signed by us) `text` holds."""
    return [row for row in (short_click_row(code, mac) for code, mac in SHORT_CODE.findall(text)) if row is not None]
