"""Staff alerts to an outgoing webhook (Slack/Teams incoming webhooks or the shop's own).

Signed with HMAC-SHA256 over "<timestamp>.<body>"; private and loopback addresses are
refused unless Saleor's HTTP_IP_FILTER settings allow them, as Saleor does for its webhooks.
The host is resolved once and the connection goes to the address that was checked (a second
lookup could answer differently: DNS rebinding), as Saleor's requests-hardened does.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from django.conf import settings

from . import DEAD, LOST_LEASE, RETRY, SENT, Outcome

TIMEOUT_SECONDS = 10
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """Where a webhook goes: the URL's parts and the one address vetted for it."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64) and would reach."""
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if getattr(settings, "HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS", False) and address.is_loopback:
        return False
    inner = _embedded_ipv4(address) if address.version == 6 else None
    return not address.is_global or (inner is not None and _refusal(inner))


def vet_address(host: str, port: int) -> str:
    """Resolve `host` once and return the address to connect to; BlockedAddress when any address
    it resolves to is one the IP filter forbids (so a rebinding answer cannot slip one in)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise BlockedAddress(f"cannot resolve {host}: {exc}") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if getattr(settings, "HTTP_IP_FILTER_ENABLED", True):
        for address in addresses:
            if _refusal(address):
                raise BlockedAddress(f"{host} resolves to {address}, a non-public address "
                                     "(HTTP_IP_FILTER_ENABLED is on)")
    return str(addresses[0])


def vet(url: str) -> Target:
    """The URL's target pinned to its one vetted address (vet_address)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddress(f"not an http(s) URL: {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # a port out of range
        raise BlockedAddress(f"not a valid URL: {exc}") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, vet_address(parts.hostname, port))


class _Pinned:
    """An http.client connection to a fixed address: the Host header, TLS SNI and the
    certificate check still use the URL's host name (http.client takes them from `host`)."""

    def __init__(self, host: str, port: int, *, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self._create_connection = (
            lambda destination, *args: socket.create_connection((address, destination[1]), *args))


class PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    pass


class PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    pass


def _send(target: Target, body: bytes, headers: dict) -> int:
    """POST and return the status; no redirect is followed (it is an answer, not a hop: a
    redirect could lead past the address check)."""
    connection_class = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    connection = connection_class(target.host, target.port, address=target.address, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def post(url: str, secret: str, payload: dict, delivery_id: str, commit: Callable[[], bool]) -> Outcome:
    try:
        target = vet(url)
    except BlockedAddress as exc:
        return Outcome(DEAD, str(exc))
    body = json.dumps(payload, ensure_ascii=False, default=str).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "saleor-ltv-plugin",
               "X-LTV-Delivery": delivery_id, "X-LTV-Timestamp": timestamp}
    if secret:
        headers["X-LTV-Signature"] = signature(secret, timestamp, body)
    try:
        status = _send(target, body, headers)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(RETRY, f"{type(exc).__name__}: {exc}")
    if 200 <= status < 300:
        if not commit():
            return Outcome(LOST_LEASE)
        return Outcome(SENT, f"HTTP {status}", committed=True)
    # redirects and 4xx other than 408/429 will not get better by retrying
    permanent = 300 <= status < 500 and status not in (408, 429)
    return Outcome(DEAD if permanent else RETRY, f"HTTP {status}")
