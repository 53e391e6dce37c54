"""What the fake provider servers share: a threaded HTTP server on a free loopback port, and scripted failures."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


class LoopbackFake:
    """Subclasses set their state, then call `super().__init__()`, and implement `_handler()`."""

    def __init__(self):
        self.failures: list[tuple[int, dict]] = []  # (status, headers) answered before anything else
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status: int, times: int = 1, **headers) -> None:
        self.failures.extend([(status, headers)] * times)

    def _handler(self):
        raise NotImplementedError
