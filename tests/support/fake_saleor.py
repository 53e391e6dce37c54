"""A stand-in for one Saleor as an App sees it, on loopback: its JWKS, `{ app { id } }` for the
tokens it minted, and its signatures — made exactly as Saleor 3.23 makes them (saleor/core/
jwt_manager.py: RS256, kid = the key's thumbprint, detached unencoded payload for webhooks).
The Saleor tier runs the real thing; this one lets the main tier test our side of the wire."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeSaleor:
    def __init__(self, app_id: str = "QXBwOjE=", token: str = "app-token-1"):
        self.app_id, self.token = app_id, token
        self.private_key, self.kid = _key(), "kid-1"
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.api_url = f"http://127.0.0.1:{self.port}/graphql/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # --- keys and signatures ------------------------------------------------------------------
    def jwks(self) -> dict:
        public = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {"keys": [{**public, "use": "sig", "kid": self.kid, "alg": "RS256", "key_ops": ["verify"]}]}

    def rotate_key(self, kid: str = "kid-2") -> None:
        self.private_key, self.kid = _key(), kid

    def sign_body(self, raw: bytes, key=None, kid: str | None = None) -> str:
        return jwt.api_jws.encode(raw, key or self.private_key, algorithm="RS256",
                                  headers={"kid": kid or self.kid, "crit": ["b64"]}, is_payload_detached=True)

    def webhook_headers(self, raw: bytes, event: str, signature: str | None = None) -> dict:
        return {"HTTP_SALEOR_API_URL": self.api_url, "HTTP_SALEOR_EVENT": event,
                "HTTP_SALEOR_DOMAIN": f"127.0.0.1:{self.port}",
                "HTTP_SALEOR_SIGNATURE": signature or self.sign_body(raw)}

    def dashboard_token(self, permissions=("MANAGE_USERS", "MANAGE_ORDERS"), *, app: str | None = None,
                        ttl: int = 300, user_pk: int = 7, **claims) -> str:
        now = int(time.time())
        payload = {"iat": now, "exp": now + ttl, "iss": self.api_url, "owner": "saleor", "type": "thirdparty",
                   "user_id": _gid("User", user_pk), "email": f"staff{user_pk}@shop.example", "is_staff": True,
                   "app": app or self.app_id, "permissions": list(permissions), **claims}
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    # --- HTTP ---------------------------------------------------------------------------------
    def _handler(self):
        saleor = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                saleor.requests.append(("GET", self.path))
                if self.path == "/.well-known/jwks.json":
                    return self._send(200, saleor.jwks())
                return self._send(404, {})

            def do_POST(self):
                saleor.requests.append(("POST", self.path))
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if self.path != "/graphql/":
                    return self._send(404, {})
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                app = {"id": saleor.app_id} if token == saleor.token else None
                return self._send(200, {"data": {"app": app, "shop": {"version": "3.23.28"}}})

        return Handler


def _gid(type_name: str, pk) -> str:
    import base64

    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()
