"""Twilio Programmable Messaging as an SMS provider (REST API 2010-04-01).

Send: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth (Account SID :
Auth Token), form-encoded To, From or MessagingServiceSid, Body, StatusCallback; 201 with the
Message resource (sid, status, num_segments), or an error {code, message, more_info, status}.
Look up: `GET …/Messages.json?To=…&From=…&PageSize=…`, newest first. Twilio takes no
idempotency key: `sms.py` says what we do instead. Webhooks: `signature` is X-Twilio-Signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import quote, urlencode

from .http_call import Answer, NoAnswer, Unsent, call

API_VERSION = "2010-04-01"
PAGE_SIZE = 50  # newest first: a buyer gets far fewer texts between two attempts of one row
# Error codes (twilio.com/docs/api/errors) that say something about the recipient, not the request.
INVALID_TO, UNSUBSCRIBED = 21211, 21610
NOT_MOBILE, REGION_DISABLED = 21614, 21408


@dataclass(frozen=True)
class Reply:
    """What Twilio answered: `accepted` with its sid, or `retry` / `refused` with the error code."""

    outcome: str  # accepted, retry, refused
    sid: str = ""
    code: int | None = None
    detail: str = ""
    retry_after: float | None = None
    segments: int | None = None


def configured(shop) -> bool:
    return bool(shop.twilio_account_sid and shop.twilio_auth_token
                and (shop.twilio_from or shop.twilio_messaging_service_sid))


def _headers(shop) -> dict:
    pair = f"{shop.twilio_account_sid}:{shop.twilio_auth_token}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode(), "Accept": "application/json"}


def _messages_path(shop) -> str:
    return f"/{API_VERSION}/Accounts/{quote(shop.twilio_account_sid, safe='')}/Messages.json"


def _json(answer: Answer) -> dict:
    try:
        data = json.loads(answer.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _sender(shop) -> dict:
    if shop.twilio_messaging_service_sid:
        return {"MessagingServiceSid": shop.twilio_messaging_service_sid}
    return {"From": shop.twilio_from}


def send(shop, to: str, body: str, status_callback: str = "") -> Reply:
    """Raises Unsent (nothing reached Twilio) or NoAnswer (it may have the message)."""
    fields = {"To": to, **_sender(shop), "Body": body, **({"StatusCallback": status_callback} if status_callback else {})}
    form = urlencode(fields).encode()
    answer = call(shop.twilio_api_url, "POST", _messages_path(shop), form,
                  {**_headers(shop), "Content-Type": "application/x-www-form-urlencoded"})
    data = _json(answer)
    if answer.status in (200, 201) and data.get("sid"):
        try:
            segments = int(data.get("num_segments"))
        except (TypeError, ValueError):
            segments = None
        return Reply("accepted", sid=str(data["sid"]), detail=str(data.get("status", "")), segments=segments)
    code = data.get("code") if isinstance(data.get("code"), int) else None
    detail = f"HTTP {answer.status} Twilio {code}: {data.get('message') or answer.body[:500].decode(errors='replace')}"
    if answer.status == 429 or answer.status >= 500:
        return Reply("retry", code=code, detail=detail, retry_after=answer.retry_after())
    return Reply("refused", code=code, detail=detail)


def find(shop, to: str, ours: Callable[[str], bool]) -> str | None:
    """The sid of a message to `to` already accepted whose body `ours` recognises; raises Unsent/NoAnswer,
    and NoAnswer too for an answer that is not a message list (we must not guess "not there")."""
    query = urlencode({"To": to, **({"From": shop.twilio_from} if not shop.twilio_messaging_service_sid else {}),
                       "PageSize": PAGE_SIZE})
    answer = call(shop.twilio_api_url, "GET", f"{_messages_path(shop)}?{query}", None, _headers(shop))
    messages = _json(answer).get("messages")
    if answer.status != 200 or not isinstance(messages, list):
        raise NoAnswer(f"HTTP {answer.status} listing messages: {answer.body[:300].decode(errors='replace')}")
    for item in messages:
        if isinstance(item, dict) and ours(str(item.get("body") or "")) and item.get("sid"):
            return str(item["sid"])
    return None


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1, keyed with the Auth Token, of the full URL followed by
    every POST parameter sorted by name, each name immediately followed by its value (a repeated
    name: its values sorted, duplicates once — as Twilio's own RequestValidator does)."""
    data = url + "".join(name + value for name, value in sorted(set(params)))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()
