"""Pacing sends to a provider's rate: at most `per_second` a second for one key, across workers.

Each key keeps the moment its next send may start (GCRA with no burst: sends at least
1/per_second apart). A caller reserves the next moment and sleeps until it, so waiting senders
go in turn; a slot further away than a short wait is not taken, and the caller puts the
message back for later instead of holding its batch (and its lease). Where Celery's broker is Redis the moments live there and every worker of the
deployment shares them; elsewhere (an eager standalone shop, another broker) each process
paces on its own.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

# Reserve the key's next slot (ARGV: interval, longest wait, in µs): the µs to wait before using
# it, or minus the µs until it when that is longer than the longest wait (nothing reserved).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local start = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local interval, longest = tonumber(ARGV[1]), tonumber(ARGV[2])
if start - now > longest then return now - start end
redis.call('SET', KEYS[1], start + interval, 'PX', math.floor((start - now + interval) / 1000) + 1000)
return start - now
"""
MAX_WAIT = 5.0  # seconds a send sleeps for its slot at most; a later slot defers the message


class _Local:
    def __init__(self):
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, interval: float, longest: float) -> float:
        with self._lock:
            now = time.monotonic()
            start = max(self._next.get(key, 0.0), now)
            if start - now > longest:
                return now - start
            self._next[key] = start + interval
            return start - now


class _Redis:
    def __init__(self, url: str):
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=5)
        self._script = self._client.register_script(_RESERVE)

    def reserve(self, key: str, interval: float, longest: float) -> float:
        answer = self._script(keys=[f"ltv:pace:{key}"], args=[int(interval * 1_000_000), int(longest * 1_000_000)])
        return int(answer) / 1_000_000


_local = _Local()
_shared: dict[str, _Redis] = {}


def _store():
    url = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return _local
    if url not in _shared:
        _shared[url] = _Redis(url)
    return _shared[url]


def take_turn(key: str, per_second: float, max_wait: float = MAX_WAIT) -> float | None:
    """Sleep until this send's slot under `per_second` for `key` and return None; or, when the
    slot is more than `max_wait` away, take none and return the seconds until it (the caller
    defers the send). Redis unreachable: paced in this process alone, never refused."""
    interval = 1.0 / per_second
    try:
        wait = _store().reserve(key, interval, max_wait)
    except Exception:  # the broker being down must not stop the sends it does not carry
        wait = _local.reserve(key, interval, max_wait)
    if wait < 0:
        return -wait
    if wait > 0:
        time.sleep(wait)
    return None
