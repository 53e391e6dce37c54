"""Outgoing HTTP to a shop's Saleor: JSON over urllib, bounded, and never following a redirect
(an allow-listed URL must not hand us on to one that is not)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

MAX_BYTES = 32 * 1024 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError with the 3xx


_opener = urllib.request.build_opener(_NoRedirect)


class HttpError(Exception):
    def __init__(self, message: str, status: int | None = None, headers=None):
        super().__init__(message)
        self.status, self.headers = status, headers or {}


def request_json(url: str, *, body: dict | None = None, token: str | None = None, timeout: float = 10,
                 limit: int = MAX_BYTES):
    """GET (or POST `body`) and parse the JSON answer; HttpError for a non-2xx answer or no connection."""
    headers = {"Accept": "application/json", "User-Agent": "saleor-ltv-app"}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with _opener.open(request, timeout=timeout) as response:
            raw = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise HttpError(f"{url} answered {exc.code}", exc.code, exc.headers) from exc
    except (OSError, ValueError) as exc:
        raise HttpError(f"{url}: {exc}") from exc
    if len(raw) > limit:
        raise HttpError(f"{url}: the answer is larger than {limit} bytes")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise HttpError(f"{url} did not answer JSON") from exc
