"""What the fake provider servers share: a threaded HTTP server on a free loopback port, and scripted failures."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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


class JsonHandler(BaseHTTPRequestHandler):
    """Answers JSON; `extra_headers()` adds the provider's own (its request id). A client gone meanwhile
    (killed while the fake held its answer) is no error of the fake's."""

    def log_message(self, *args):
        pass

    def extra_headers(self) -> dict[str, str]:
        return {}

    def _reply(self, status: int, body: dict, **headers) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in {**self.extra_headers(), **headers}.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
