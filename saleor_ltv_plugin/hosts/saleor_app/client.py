"""Saleor's GraphQL API for one installation, with its app token: timeouts, bounded retries, clear errors.

Retried (with exponential back-off, or after the server's Retry-After): HTTP 429 (Saleor Cloud's
sandboxes allow 120 requests a minute), 5xx, and connection failures or timeouts. Not retried: other
4xx (a revoked token is 401: retrying cannot help) and GraphQL `errors` (the query or the data is wrong).
Amounts come back as Decimal (GraphQL sends JSON floats). Standard library only.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from email.utils import parsedate_to_datetime

from ... import __version__

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class SaleorApiError(Exception):
    """Saleor could not be asked, or refused; `status` is the HTTP status (None: no answer)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class GraphQLError(SaleorApiError):
    """Saleor answered with GraphQL `errors`; `errors` holds them, `data` what did resolve."""

    def __init__(self, errors: list, data: dict | None = None, status: int | None = 200):
        messages = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors[:5])
        super().__init__(f"Saleor GraphQL errors: {messages}", status)
        self.errors = errors
        self.data = data


class SaleorClient:
    """One installation's API (`api_url`: Saleor-Api-Url, e.g. https://shop.example/graphql/).

    `timeout` is seconds per request (connect and read); `retries` is how many times one request is
    retried after the first attempt; the n-th wait is `backoff · 2ⁿ` seconds (± 20 %) up to `max_wait`,
    or the server's Retry-After (also capped at `max_wait`).
    """

    def __init__(self, api_url: str, token: str, *, timeout: float = 30.0, retries: int = 5, backoff: float = 1.0,
                 max_wait: float = 60.0, sleep: Callable[[float], None] = time.sleep):
        if not api_url.startswith(("http://", "https://")):
            raise ValueError(f"api_url: {api_url!r} is not an http(s) URL")
        self.api_url = api_url
        self._token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self._sleep = sleep
        self.requests = 0  # HTTP requests sent, retries included (for benches and logs)

    def __repr__(self) -> str:  # never the token
        return f"SaleorClient({self.api_url!r})"

    def execute(self, query: str, variables: dict | None = None) -> dict:
        """The `data` of a query; GraphQLError if Saleor answered with any `errors`."""
        data, errors = self.execute_partial(query, variables)
        if errors:
            raise GraphQLError(errors, data)
        return data

    def execute_partial(self, query: str, variables: dict | None = None) -> tuple[dict, list]:
        """(data, errors): what resolved and what did not (a non-null field that failed nulls its parent)."""
        body = self._post(json.dumps({"query": query, "variables": variables or {}}, default=str).encode())
        data, errors = body.get("data"), body.get("errors") or []
        if data is None:
            raise GraphQLError(errors or [{"message": "no data in the answer"}])
        return data, errors

    def _post(self, payload: bytes) -> dict:
        attempt = 0
        while True:
            wait, failure = None, None
            try:
                return self._send(payload)
            except urllib.error.HTTPError as exc:
                status, text = exc.code, _read(exc)
                if status not in RETRY_STATUSES:
                    answer = _json(text)
                    if isinstance(answer, dict) and answer.get("errors"):  # Saleor answers 400 to a bad query
                        raise GraphQLError(answer["errors"], answer.get("data"), status) from None
                    raise SaleorApiError(f"Saleor answered HTTP {status}: {text[:300]}", status) from None
                wait = _retry_after(exc.headers.get("Retry-After"))
                failure = SaleorApiError(f"Saleor answered HTTP {status}: {text[:300]}", status)
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout) as exc:
                failure = SaleorApiError(f"Saleor at {self.api_url} could not be reached: {exc}")
            if attempt >= self.retries:
                raise SaleorApiError(f"{failure} (gave up after {attempt + 1} attempts)", failure.status)
            delay = min(wait if wait is not None else self.backoff * 2 ** attempt * random.uniform(0.8, 1.2),
                        self.max_wait)
            logger.info("ltv: %s; retrying in %.1f s", failure, delay)
            self._sleep(delay)
            attempt += 1

    def _send(self, payload: bytes) -> dict:
        request = urllib.request.Request(self.api_url, data=payload, method="POST", headers={
            "Content-Type": "application/json", "Accept": "application/json",
            "Authorization": f"Bearer {self._token}", "User-Agent": f"saleor-ltv/{__version__}"})
        self.requests += 1
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            text = response.read().decode("utf-8")
        answer = _json(text)
        if not isinstance(answer, dict):
            raise SaleorApiError(f"Saleor answered something that is not a GraphQL response: {text[:200]!r}")
        return answer


def _read(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 — the body is only for the message
        return ""


def _json(text: str):
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        return None


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None
