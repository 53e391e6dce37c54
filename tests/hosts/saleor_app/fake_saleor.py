"""A stand-in for Saleor's GraphQL endpoint on a real loopback socket: the queries sync.py sends, answered
from a list of order, customer and checkout nodes, paged as Saleor pages (first ≤ 100, opaque cursors).

Scripted failures (`fail_next`) answer the next requests with a status (and a Retry-After) before the
real answer; `unreadable` order numbers make the page that holds them come back as Saleor sends it when
a non-null field fails: the connection null, `errors` set, the `refs` alias intact.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "app-token-not-secret"


def _cursor(index: int) -> str:
    return base64.b64encode(json.dumps([index]).encode()).decode()


def _index(cursor: str | None) -> int:
    return json.loads(base64.b64decode(cursor))[0] + 1 if cursor else 0


class FakeSaleor:
    def __init__(self, orders=(), customers=(), checkouts=()):
        self.nodes = {"orders": list(orders), "customers": list(customers), "checkouts": list(checkouts)}
        self.failures: list[tuple[int, str | None]] = []
        self.unreadable: set[str] = set()
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with fake.lock:
                    fake.requests.append({"auth": self.headers.get("Authorization"), **body})
                    failure = fake.failures.pop(0) if fake.failures else None
                if failure:
                    status, retry_after = failure
                    self.send_response(status)
                    if retry_after is not None:
                        self.send_header("Retry-After", retry_after)
                    self.end_headers()
                    self.wfile.write(b"<html>busy</html>")
                    return
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"errors": [{"message": "Invalid token"}]})
                self._answer(200, fake.answer(body["query"], body.get("variables") or {}))

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/graphql/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        self.failures += [(status, retry_after)] * times

    # --- GraphQL ---------------------------------------------------------------------------------
    def answer(self, query: str, variables: dict) -> dict:
        operation = re.search(r"query (\w+)", query).group(1)
        if operation in ("LtvOrder", "LtvCheckout", "LtvUser"):
            field = {"LtvOrder": "orders", "LtvCheckout": "checkouts", "LtvUser": "customers"}[operation]
            node = next((n for n in self.nodes[field] if n["id"] == variables["id"]), None)
            return {"data": {operation[3:].lower(): node}}
        field = {"LtvOrders": "orders", "LtvOrderStamps": "orders", "LtvCustomers": "customers",
                 "LtvCheckouts": "checkouts"}[operation]
        first = variables["first"]
        if first > 100:
            return {"errors": [{"message": "first: more than 100"}], "data": None}
        nodes = self._filtered(field, variables.get("where") or variables.get("filter") or {})
        start = _index(variables.get("after"))
        page = nodes[start:start + first]
        info = {"hasNextPage": start + first < len(nodes),
                "endCursor": _cursor(start + len(page) - 1) if page else None}
        full = {"pageInfo": info, "edges": [{"node": node} for node in page]}
        if operation == "LtvOrderStamps":
            return {"data": {field: {"pageInfo": info, "edges": [
                {"node": {"id": n["id"], "number": n["number"], "updatedAt": n["updatedAt"]}} for n in page]}}}
        refs = {"pageInfo": info, "edges": [{"node": {"id": n["id"], "number": n.get("number"),
                                                      "token": n.get("token"), "email": n.get("email"),
                                                      "isStaff": n.get("isStaff", False),
                                                      "updatedAt": n.get("updatedAt")}} for n in page]}
        if field == "orders" and any(n["number"] in self.unreadable for n in page):
            return {"data": {"refs": refs, field: None},
                    "errors": [{"message": "Cannot return null for non-nullable field Order.origin."}]}
        return {"data": {"refs": refs, field: full}}

    def _filtered(self, field: str, where: dict) -> list[dict]:
        nodes = self.nodes[field]
        if "ids" in where:
            nodes = [n for n in nodes if n["id"] in where["ids"]]
        if "number" in where:
            nodes = [n for n in nodes if int(n["number"]) >= where["number"]["range"]["gte"]]
        if "updatedAt" in where:
            since = where["updatedAt"]["gte"]
            if len(since) == 10:  # a Date (checkouts' filter)
                nodes = [n for n in nodes if n["updatedAt"][:10] >= since]
            else:
                nodes = [n for n in nodes if datetime.fromisoformat(n["updatedAt"]) >= datetime.fromisoformat(since)]
        return nodes
