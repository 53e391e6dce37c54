"""Staff alerts to an outgoing webhook (Slack/Teams incoming webhooks or the shop's own).

Signed with HMAC-SHA256 over "<timestamp>.<body>"; private and loopback addresses are
refused unless Saleor's HTTP_IP_FILTER settings allow them, as Saleor does for its webhooks.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Callable
from urllib.parse import urlsplit

from django.conf import settings

from . import DEAD, LOST_LEASE, RETRY, SENT, Outcome

TIMEOUT_SECONDS = 10


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could lead past the address check: it is an answer, not a hop."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class BlockedAddress(Exception):
    pass


def check_target(url: str) -> None:
    """Raise BlockedAddress when the URL resolves to an address the IP filter forbids."""
    if not getattr(settings, "HTTP_IP_FILTER_ENABLED", True):
        return
    allow_loopback = getattr(settings, "HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS", False)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddress(f"not an http(s) URL: {url!r}")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise BlockedAddress(f"cannot resolve {parts.hostname}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_loopback and allow_loopback:
            continue
        if not address.is_global:
            raise BlockedAddress(f"{parts.hostname} resolves to {address}, a non-public address "
                                 "(HTTP_IP_FILTER_ENABLED is on)")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def post(url: str, secret: str, payload: dict, delivery_id: str, commit: Callable[[], bool]) -> Outcome:
    try:
        check_target(url)
    except BlockedAddress as exc:
        return Outcome(DEAD, str(exc))
    body = json.dumps(payload, ensure_ascii=False, default=str).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "saleor-ltv-plugin",
               "X-LTV-Delivery": delivery_id, "X-LTV-Timestamp": timestamp}
    if secret:
        headers["X-LTV-Signature"] = signature(secret, timestamp, body)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        return Outcome(RETRY, f"{type(exc).__name__}: {exc}")
    if 200 <= status < 300:
        if not commit():
            return Outcome(LOST_LEASE)
        return Outcome(SENT, f"HTTP {status}", committed=True)
    # redirects and 4xx other than 408/429 will not get better by retrying
    permanent = 300 <= status < 500 and status not in (408, 429)
    return Outcome(DEAD if permanent else RETRY, f"HTTP {status}")
