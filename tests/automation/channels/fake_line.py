"""A local stand-in for LINE's Messaging API push endpoint, as its public reference documents it.

Implemented: POST /v2/bot/message/push with `Authorization: Bearer <channel access token>`
(401 otherwise); a JSON body with `to` (a user id) and 1–5 `messages` of type text with 1–5000
characters (400 with LINE's {"message", "details"} otherwise); `X-Line-Retry-Key`, which must be
a UUID (400), and a key already accepted answers 409 with `X-Line-Accepted-Request-Id` and
delivers nothing; every answer carries `X-Line-Request-Id`. Tests script failures with
`fail_next` (429 with Retry-After, 500 …). Webhook requests are signed with `sign()`: base64
HMAC-SHA256 of the body with the channel secret, as LINE signs `X-Line-Signature`.
"""

from __future__ import annotations

import base64
import hmac
import json
import uuid

from .loopback_fake import JsonHandler, LoopbackFake


def sign(channel_secret: str, body: bytes) -> str:
    """X-Line-Signature as LINE computes it: base64(HMAC-SHA256(key=channel secret, message=body))."""
    return base64.b64encode(hmac.digest(channel_secret.encode(), body, "sha256")).decode()


class FakeLine(LoopbackFake):
    def __init__(self, token: str = "test-access-token"):
        self.token = token
        self.delivered: list[dict] = []  # {"to", "messages", "retry_key"} in arrival order
        self.accepted: dict[str, str] = {}  # retry key → request id
        self.requests = 0
        super().__init__()

    def _handler(self):
        fake = self

        class Handler(JsonHandler):
            def extra_headers(self):
                return {"X-Line-Request-Id": str(uuid.uuid4())}

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake.lock:
                    fake.requests += 1
                    if self.path != "/v2/bot/message/push":
                        return self._reply(404, {"message": "Not found"})
                    if self.headers.get("Authorization") != f"Bearer {fake.token}":
                        return self._reply(401, {"message": "Authentication failed due to the following reason: "
                                                            "invalid token. Confirm that the access token in the "
                                                            "authorization header is valid."})
                    if fake.failures:
                        status, headers = fake.failures.pop(0)
                        return self._reply(status, {"message": "The API rate limit has been exceeded. Try again later."
                                                    if status == 429 else "An error occurred in the API server."},
                                           **headers)
                    key = self.headers.get("X-Line-Retry-Key")
                    if key is not None:
                        try:
                            uuid.UUID(key)
                        except ValueError:
                            return self._reply(400, {"message": "The value for the 'X-Line-Retry-Key' header is "
                                                                "invalid"})
                        if key in fake.accepted:
                            return self._reply(409, {"message": "The retry key is already accepted",
                                                     "sentMessages": []},
                                               X_Line_Accepted_Request_Id=fake.accepted[key])
                    try:
                        body = json.loads(raw)
                        messages = body["messages"]
                        problems = [] if isinstance(body.get("to"), str) and body["to"] else [
                            {"message": "Must be specified", "property": "to"}]
                        if not (isinstance(messages, list) and 1 <= len(messages) <= 5):
                            problems.append({"message": "Size must be between 1 and 5", "property": "messages"})
                        for index, item in enumerate(messages if isinstance(messages, list) else []):
                            if item.get("type") != "text" or not 1 <= len(item.get("text") or "") <= 5000:
                                problems.append({"message": "Length must be between 1 and 5000",
                                                 "property": f"messages[{index}].text"})
                    except (ValueError, KeyError, TypeError, AttributeError):
                        return self._reply(400, {"message": "The request body has 1 error(s)"})
                    if problems:
                        return self._reply(400, {"message": "The request body has 1 error(s)", "details": problems})
                    request_id = str(uuid.uuid4())
                    if key is not None:
                        fake.accepted[key] = request_id
                    fake.delivered.append({"to": body["to"], "messages": messages, "retry_key": key})
                self._reply(200, {"sentMessages": [{"id": str(len(fake.delivered)), "quoteToken": "q"}]})

        return Handler
