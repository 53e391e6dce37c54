"""Fixed-window request counters in Django's cache (locmem standalone, Redis inside Saleor),
and the client address they are kept per."""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache


def _key(name: str, who: str) -> str:
    return f"ltv:{name}:" + hashlib.sha256(who.encode()).hexdigest()[:32]  # any text, a safe key


def hits(name: str, who: str) -> int:
    """The hits counted for `who` in the current window, counting none."""
    return int(cache.get(_key(name, who)) or 0)


def over_limit(name: str, who: str, limit: int, window_seconds: int) -> bool:
    """Count one more hit for `who`; True when that makes more than `limit` in this window."""
    key = _key(name, who)
    cache.add(key, 0, window_seconds)  # atomic: only the first caller of a window creates it
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this hit opens the next window
        cache.add(key, 0, window_seconds)
        count = cache.incr(key)
    return count > limit


def client_address(request) -> str:
    """REMOTE_ADDR, or with LTV_TRUSTED_PROXY_COUNT proxies in front the address the outermost
    of them saw (X-Forwarded-For entries left of it are the client's own, forgeable, text)."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = int(getattr(settings, "LTV_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote
