"""One HTTP request to a provider's REST API, with the failure modes the channels tell apart.

`Unsent`: nothing reached the provider (no connection) — safe to retry. `NoAnswer`: the request
went out and no answer came (timeout, reset) — the provider may have acted on it.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10


class Unsent(Exception):
    pass


class NoAnswer(Exception):
    pass


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def retry_after(self) -> float | None:
        """Retry-After in seconds (the delta-seconds form providers use), None when absent or a date."""
        try:
            return max(float(self.header("Retry-After") or ""), 0.0)
        except ValueError:
            return None


def call(base_url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
         timeout: float = TIMEOUT_SECONDS, max_body: int = 64 * 1024) -> Answer:
    """`path` below `base_url` (its own path kept); raises Unsent or NoAnswer."""
    url = urlsplit(base_url)
    connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(url.hostname, url.port, timeout=timeout)
    try:
        try:
            connection.connect()
        except OSError as exc:
            raise Unsent(f"{type(exc).__name__}: {exc}") from exc
        try:
            connection.request(method, url.path.rstrip("/") + path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read(max_body))
        except (OSError, http.client.HTTPException) as exc:
            raise NoAnswer(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
