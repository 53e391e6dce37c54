"""LINE push messages to the buyer (Messaging API: POST /v2/bot/message/push).

One-phase: the API's 200 is final. The rows LINE accepted are marked sent together at the end
of the send batch (`marks_later`): a worker lost before that sends them again once the lease
runs out, with the same `X-Line-Retry-Key` (a UUID derived from the row): LINE answers 409 and
does not deliver twice, and a 409 with `X-Line-Accepted-Request-Id` counts as sent. 429 and 5xx are retried (after
`Retry-After` when given); other 4xx will not get better.
"""

from __future__ import annotations

import json
import uuid

from ...models import DeliveryKind
from . import DEAD, LOST_LEASE, RETRY, SENT, SKIPPED, Outcome
from .base import LINE_ID, TEST_TEXT, DeliveryChannel, SendLimits, TestAnswer
from .buyer_text import plain_text
from .http_call import KeepAlive, NoAnswer, Unsent, call

PUSH_PATH = "/v2/bot/message/push"
LINK_TOKEN_PATH = "/v2/bot/user/{user_id}/linkToken"
MAX_TEXT = 5000  # a text message's limit in the Messaging API reference
RETRY_KEY_NAMESPACE = uuid.UUID("6f1d3c52-6a8e-4f4e-9a53-3c0a3b7c2d10")


def retry_key(idempotency_key: str) -> str:
    """The same UUID on every attempt of one row: LINE folds the retries."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, idempotency_key))


def text(message, config) -> str:
    """The scenario's copy as one text message: greeting, the items, and the tracked link."""
    return plain_text(message, config).join()[:MAX_TEXT]


def messages(message, config) -> list[dict]:
    """A flow step's content document as a Flex message (its text fallback in `altText`); a ready
    scenario's copy, or a document that shows nothing, as one text message."""
    from ..content import context as content_context
    from ..content.flex_part import message as flex_message
    from ..content.rendering import resolve
    from ..flows.content_ref import message_document
    from ..render import language

    document = message_document(message, config.params.get("copy"))
    if document is not None:
        lang, _, _, blocks, _ = resolve(document, language(message.contact, config),
                                        content_context.for_message(message, config))
        flex = flex_message(blocks, lang)
        if flex is not None:
            return [flex]
    return [{"type": "text", "text": text(message, config)}]


def push(shop, to: str, messages: list[dict], key: str, connection: KeepAlive | None = None):
    """One push to LINE (on `connection` when given: a send run's, kept alive); raises Unsent /
    NoAnswer (http_call) when no answer came back."""
    body = json.dumps({"to": to, "messages": messages}, ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {shop.line_channel_access_token}",
               "Content-Type": "application/json", "X-Line-Retry-Key": key}
    if connection is not None:
        return connection.call("POST", PUSH_PATH, body, headers)
    return call(shop.line_api_url, "POST", PUSH_PATH, body, headers)


def issue_link_token(shop, user_id: str) -> str:
    """A link token for the account-link flow (line_link.py); raises Unsent / NoAnswer, or LinkTokenRefused."""
    answer = call(shop.line_api_url, "POST", LINK_TOKEN_PATH.format(user_id=user_id), b"",
                  {"Authorization": f"Bearer {shop.line_channel_access_token}"})
    try:
        token = json.loads(answer.body or b"{}").get("linkToken") if answer.status == 200 else None
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise LinkTokenRefused(answer.status, error_message(answer.body), answer.retry_after())
    return token


class LinkTokenRefused(Exception):
    """LINE gave no link token; `transient` (429, 5xx) is worth another try, after `retry_after` seconds."""

    def __init__(self, status: int, message: str, retry_after: float | None = None):
        super().__init__(f"HTTP {status}: {message}")
        self.status, self.retry_after = status, retry_after

    @property
    def transient(self) -> bool:
        return self.status == 429 or self.status >= 500


def error_message(body: bytes) -> str:
    """LINE's own words from an error answer ({"message", "details": [{"message", "property"}]})."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return body[:500].decode(errors="replace")
    if not isinstance(data, dict):
        return str(data)[:500]
    details = [f"{d.get('property')}: {d.get('message')}" for d in data.get("details") or [] if isinstance(d, dict)]
    return "; ".join([str(data.get("message") or "")] + details)[:500]


class LinePush(DeliveryChannel):
    kind = DeliveryKind.LINE
    needs = (LINE_ID,)
    consent_key = "line"  # a follow of the official account grants it, an unfollow revokes it
    # The push endpoint's documented rate limit; not paced (`pace`): a deployment's workers stay far
    # below it, and a 429 waits out its Retry-After.
    limits = SendLimits(per_second=2000)
    marks_later = True  # the retry key folds a resend; LINE keeps it for 24 h, far beyond our lease
    required_settings = ("line_channel_access_token", "line_channel_secret")
    optional_settings = ("line_account_link_url", "line_api_url")
    test_recipient = LINE_ID

    @classmethod
    def send_test(cls, shop, to: str) -> TestAnswer:
        try:
            response = push(shop, to, [{"type": "text", "text": TEST_TEXT}], str(uuid.uuid4()))
        except (Unsent, NoAnswer) as exc:
            return TestAnswer(False, "unreachable", str(exc))
        if response.status == 200:
            return TestAnswer(True, "200", f"request {response.header('X-Line-Request-Id') or ''}".strip())
        return TestAnswer(False, str(response.status), error_message(response.body))

    def send(self, message, config, commit) -> Outcome:
        shop = config.shop
        if not shop.line_channel_access_token:
            return Outcome(SKIPPED, "not_configured")
        try:
            connection = self.connections.get(f"line:{shop.line_api_url}", lambda: KeepAlive(shop.line_api_url))
            response = push(shop, message.contact.line_user_id, messages(message, config),
                            retry_key(message.idempotency_key), connection)
        except (Unsent, NoAnswer) as exc:
            return Outcome(RETRY, str(exc))
        status, detail = response.status, response.body[:2000].decode(errors="replace")
        accepted = status == 200 or (status == 409 and response.header("X-Line-Accepted-Request-Id"))
        if accepted:
            if not commit():
                return Outcome(LOST_LEASE)
            request_id = response.header("X-Line-Accepted-Request-Id") or response.header("X-Line-Request-Id")
            return Outcome(SENT, f"HTTP {status} request {request_id}", committed=True)
        if status == 429 or status >= 500:
            return Outcome(RETRY, f"HTTP {status}: {detail}", retry_after=response.retry_after())
        return Outcome(DEAD, f"HTTP {status}: {detail}")
