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


def _connection(base_url: str, timeout: float):
    url = urlsplit(base_url)
    connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(url.hostname, url.port, timeout=timeout)
    try:
        connection.connect()
    except OSError as exc:
        raise Unsent(f"{type(exc).__name__}: {exc}") from exc
    return connection


def _exchange(connection, base_url: str, method: str, path: str, body, headers, max_body: int) -> Answer:
    try:
        connection.request(method, urlsplit(base_url).path.rstrip("/") + path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read(max_body))
    except (OSError, http.client.HTTPException) as exc:
        raise NoAnswer(f"{type(exc).__name__}: {exc}") from exc


def call(base_url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
         timeout: float = TIMEOUT_SECONDS, max_body: int = 64 * 1024) -> Answer:
    """`path` below `base_url` (its own path kept), on a connection of its own; raises Unsent or NoAnswer."""
    connection = _connection(base_url, timeout)
    try:
        return _exchange(connection, base_url, method, path, body, headers, max_body)
    finally:
        connection.close()


class KeepAlive:
    """One connection to one origin, reused across a send run's calls — only for providers whose
    requests carry an idempotency key (LINE's X-Line-Retry-Key): a call that fails on a reused
    connection (the server may have closed it while idle) goes once more on a fresh one, and the
    key makes a request the provider did get harmless."""

    def __init__(self, base_url: str, timeout: float = TIMEOUT_SECONDS):
        self.base_url, self.timeout, self.connection = base_url, timeout, None

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
             max_body: int = 64 * 1024) -> Answer:
        reused = self.connection is not None
        if self.connection is None:
            self.connection = _connection(self.base_url, self.timeout)
        try:
            answer = _exchange(self.connection, self.base_url, method, path, body, headers, max_body)
        except NoAnswer:
            self.close()
            if not reused:
                raise
            self.connection = _connection(self.base_url, self.timeout)
            answer = _exchange(self.connection, self.base_url, method, path, body, headers, max_body)
        if (answer.header("Connection") or "").lower() == "close":
            self.close()
        return answer

    def close(self, polite: bool = True) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
