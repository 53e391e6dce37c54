"""A local stand-in for LINE's Messaging API push endpoint, as its public reference documents it.

Implemented: POST /v2/bot/message/push with `Authorization: Bearer <channel access token>`
(401 otherwise); a JSON body with `to` (a user id) and 1–5 `messages` of type text with 1–5000
characters (400 with LINE's {"message", "details"} otherwise) or of type flex, checked against the reference's
limits (altText 1–400, a bubble ≤ 30 KB, a carousel ≤ 12 bubbles and ≤ 50 KB, box layouts, HTTPS images
≤ 2000 characters, uri actions ≤ 1000 with a button label of 1–40: `message_problems`); `X-Line-Retry-Key`, which must be
a UUID (400), and a key already accepted answers 409 with `X-Line-Accepted-Request-Id` and
delivers nothing; every answer carries `X-Line-Request-Id`. Tests script failures with
`fail_next` (429 with Retry-After, 500 …), answered on the next requests to any endpoint. The account-link flow: POST /v2/bot/user/{userId}/linkToken
issues a one-time link token, and `account_link(url)` plays LINE's accountLink endpoint, answering with
the signed `accountLink` webhook event (the nonce passed through, result "failed" for an unknown token). Webhook requests are signed with `sign()`: base64
HMAC-SHA256 of the body with the channel secret, as LINE signs `X-Line-Signature`.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

from .loopback_fake import JsonHandler, LoopbackFake


def sign(channel_secret: str, body: bytes) -> str:
    """X-Line-Signature as LINE computes it: base64(HMAC-SHA256(key=channel secret, message=body))."""
    return base64.b64encode(hmac.digest(channel_secret.encode(), body, "sha256")).decode()


LINK_TOKEN_PATH = re.compile(r"^/v2/bot/user/(U[0-9a-f]{32})/linkToken$")
# The Messaging API reference's limits for Flex messages (altText at its older, stricter 400).
MAX_ALT_TEXT, MAX_BUBBLE_BYTES, MAX_CAROUSEL_BYTES, MAX_BUBBLES = 400, 30_000, 50_000, 12
MAX_URI, MAX_IMAGE_URL, MAX_LABEL = 1000, 2000, 40
URI_SCHEMES = ("http://", "https://", "line://", "tel:")
COMPONENTS = {"box", "text", "image", "button", "separator", "filler", "icon", "span", "video"}


def _size(value) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _component_problems(component, where: str) -> list[dict]:
    if not isinstance(component, dict) or component.get("type") not in COMPONENTS:
        return [{"message": "Invalid component type", "property": f"{where}.type"}]
    kind, problems = component["type"], []
    if kind == "box":
        if component.get("layout") not in ("vertical", "horizontal", "baseline"):
            problems.append({"message": "Must be one of vertical, horizontal, baseline", "property": f"{where}.layout"})
        for index, child in enumerate(component.get("contents") or []):
            problems += _component_problems(child, f"{where}.contents[{index}]")
    if kind == "text" and not (isinstance(component.get("text"), str) and component["text"]):
        problems.append({"message": "Must be specified", "property": f"{where}.text"})
    if kind == "image":
        url = component.get("url") or ""
        if not (url.startswith("https://") and len(url) <= MAX_IMAGE_URL):
            problems.append({"message": "Must be an HTTPS URL of at most 2000 characters", "property": f"{where}.url"})
    action = component.get("action")
    if kind == "button" and action is None:
        problems.append({"message": "Must be specified", "property": f"{where}.action"})
    if action is not None:
        if action.get("type") != "uri" or not str(action.get("uri") or "").startswith(URI_SCHEMES) \
                or len(action.get("uri") or "") > MAX_URI:
            problems.append({"message": "Invalid uri action", "property": f"{where}.action.uri"})
        if kind == "button" and not 1 <= len(action.get("label") or "") <= MAX_LABEL:
            problems.append({"message": "Length must be between 1 and 40", "property": f"{where}.action.label"})
    return problems


def _bubble_problems(bubble, where: str) -> list[dict]:
    if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
        return [{"message": "Must be bubble", "property": f"{where}.type"}]
    problems = []
    if _size(bubble) > MAX_BUBBLE_BYTES:
        problems.append({"message": "The bubble is too large (max 30 KB)", "property": where})
    for block in ("header", "hero", "body", "footer"):
        if block in bubble:
            problems += _component_problems(bubble[block], f"{where}.{block}")
    return problems


def message_problems(item, where: str) -> list[dict]:
    """What LINE's validation would refuse in one message object (text or flex), as its `details`."""
    if not isinstance(item, dict):
        return [{"message": "Invalid message", "property": where}]
    if item.get("type") == "text":
        if not 1 <= len(item.get("text") or "") <= 5000:
            return [{"message": "Length must be between 1 and 5000", "property": f"{where}.text"}]
        return []
    if item.get("type") != "flex":
        return [{"message": "Invalid message type", "property": f"{where}.type"}]
    problems = []
    if not 1 <= len(item.get("altText") or "") <= MAX_ALT_TEXT:
        problems.append({"message": "Length must be between 1 and 400", "property": f"{where}.altText"})
    contents = item.get("contents")
    if isinstance(contents, dict) and contents.get("type") == "carousel":
        bubbles = contents.get("contents") or []
        if not 1 <= len(bubbles) <= MAX_BUBBLES:
            problems.append({"message": "Size must be between 1 and 12", "property": f"{where}.contents.contents"})
        if _size(contents) > MAX_CAROUSEL_BYTES:
            problems.append({"message": "The carousel is too large (max 50 KB)", "property": f"{where}.contents"})
        for index, bubble in enumerate(bubbles):
            problems += _bubble_problems(bubble, f"{where}.contents.contents[{index}]")
    else:
        problems += _bubble_problems(contents, f"{where}.contents")
    return problems


class FakeLine(LoopbackFake):
    def __init__(self, token: str = "test-access-token"):
        self.token = token
        self.delivered: list[dict] = []  # {"to", "messages", "retry_key"} in arrival order
        self.accepted: dict[str, str] = {}  # retry key → request id
        self.requests = 0
        self.link_tokens: dict[str, str] = {}  # issued link token → the LINE user it was issued for
        self.hold = 0.0  # seconds each request waits before it is handled (concurrent clients overlap)
        super().__init__()

    def account_link(self, url: str, channel_secret: str) -> tuple[bytes, str]:
        """What LINE does when the user opens the accountLink `url` (access.line.me/dialog/bot/accountLink
        ?linkToken=…&nonce=…): the signed webhook body of the `accountLink` event for the user the token was
        issued to — result "failed" for a token LINE never issued — and its X-Line-Signature."""
        query = parse_qs(urlsplit(url).query)
        token, nonce = query.get("linkToken", [""])[0], query.get("nonce", [""])[0]
        user_id = self.link_tokens.pop(token, None)  # a link token is used once
        event = {"type": "accountLink", "mode": "active", "timestamp": int(time.time() * 1000),
                 "source": {"type": "user", "userId": user_id or "U" + "f" * 32}, "webhookEventId": str(uuid.uuid4()),
                 "deliveryContext": {"isRedelivery": False}, "replyToken": "r",
                 "link": {"result": "ok" if user_id else "failed", "nonce": nonce}}
        body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}).encode()
        return body, sign(channel_secret, body)

    def _handler(self):
        fake = self

        class Handler(JsonHandler):
            def extra_headers(self):
                return {"X-Line-Request-Id": str(uuid.uuid4())}

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(fake.hold)
                with fake.lock:
                    fake.requests += 1
                    if self.headers.get("Authorization") != f"Bearer {fake.token}":
                        return self._reply(401, {"message": "Authentication failed due to the following reason: "
                                                            "invalid token. Confirm that the access token in the "
                                                            "authorization header is valid."})
                    if fake.failures:  # any endpoint: the rate limit and outages are the API's, not the push's
                        status, headers = fake.failures.pop(0)
                        return self._reply(status, {"message": "The API rate limit has been exceeded. Try again later."
                                                    if status == 429 else "An error occurred in the API server."},
                                           **headers)
                    issued = LINK_TOKEN_PATH.match(self.path)
                    if issued:
                        token = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
                        fake.link_tokens[token] = issued.group(1)
                        return self._reply(200, {"linkToken": token})
                    if self.path != "/v2/bot/message/push":
                        return self._reply(404, {"message": "Not found"})
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
                            problems += message_problems(item, f"messages[{index}]")
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
