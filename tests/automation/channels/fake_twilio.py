"""A local stand-in for Twilio's Programmable Messaging REST API, as its public reference documents it.

Implemented: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP Basic auth
(Account SID : Auth Token; 401 with code 20003 otherwise, 404 code 20404 for another account's
path), a form body with To (E.164, else 21211; missing: 21604), From or MessagingServiceSid
(missing: 21603), Body (missing: 21602; over 1600 characters: 21617), StatusCallback (not an
http(s) URL: 21609); a recipient that texted STOP gets 21610. 201 answers the Message resource
(sid SM…, status queued, or accepted through a Messaging Service, num_segments, date_created in
RFC 2822 …); errors are {code, message, more_info, status}. `GET …/Messages.json` with To / From /
PageSize filters lists them newest first. `fail_next` scripts 429 (code 20429, Retry-After) and
500 (20500); `answer_delay` holds each 201 after the message is taken, and `hold_from(n)` holds
every 201 from the n-th message on until `release()`, so a client killed meanwhile leaves a text
Twilio has and the client never heard of. Webhooks: `status_callback()` and `inbound()` build
the form and the X-Twilio-Signature Twilio would send (HMAC-SHA1 of URL + sorted name/value
pairs, base64, keyed with the Auth Token), written here from Twilio's description.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

from .loopback_fake import JsonHandler, LoopbackFake

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
GSM = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
          "abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXT = set("\f^{}\\[~]|€")


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    payload = url
    for name in sorted(params):
        payload += name + params[name]
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()).decode()


def num_segments(body: str) -> int:
    """Twilio's count for texts without an escape or surrogate pair on a boundary (the tests' texts)."""
    if all(c in GSM or c in GSM_EXT for c in body):
        septets = len(body) + sum(c in GSM_EXT for c in body)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def _error(code: int, message: str, status: int) -> tuple[int, dict]:
    return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}


class FakeTwilio(LoopbackFake):
    def __init__(self, account_sid: str = "AC" + "0123456789abcdef" * 2, auth_token: str = "test-auth-token",
                 answer_delay: float = 0.0):
        self.account_sid, self.auth_token, self.answer_delay = account_sid, auth_token, answer_delay
        self.messages: list[dict] = []  # Message resources in arrival order (the form's StatusCallback kept aside)
        self.arrivals: list[float] = []  # time.monotonic() of each create, beside `messages`
        self.callbacks: dict[str, str] = {}  # sid → StatusCallback
        self.unsubscribed: set[str] = set()  # numbers that texted STOP to our sender
        self.requests: Counter[str] = Counter()  # create, list
        self.held = 0  # answers waiting for release()
        self._hold_from: int | None = None
        self._released = threading.Event()
        super().__init__()

    def hold_from(self, count: int) -> None:
        self._hold_from = count

    def release(self) -> None:
        self._released.set()

    def status_callback(self, sid: str, status: str, error_code: str | None = None) -> tuple[str, dict, str]:
        """(the URL, the form, X-Twilio-Signature) of the report Twilio posts to the message's StatusCallback."""
        message = next(m for m in self.messages if m["sid"] == sid)
        form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": self.account_sid, "MessageStatus": status,
                "SmsStatus": status, "To": message["to"], "From": message["from"] or "", "ApiVersion": "2010-04-01"}
        if message["messaging_service_sid"]:
            form["MessagingServiceSid"] = message["messaging_service_sid"]
        if error_code:
            form["ErrorCode"] = error_code
        url = self.callbacks[sid]
        return url, form, twilio_signature(self.auth_token, url, form)

    def inbound(self, url: str, from_: str, body: str, to: str = "+15005550006") -> tuple[dict, str]:
        """(the form, X-Twilio-Signature) of an incoming text posted to our number's webhook `url`."""
        form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": self.account_sid, "From": from_, "To": to,
                "Body": body, "NumMedia": "0", "NumSegments": str(num_segments(body)), "ApiVersion": "2010-04-01"}
        return form, twilio_signature(self.auth_token, url, form)

    def _create(self, form: dict[str, str]) -> tuple[int, dict]:
        to, sender, service = form.get("To", ""), form.get("From", ""), form.get("MessagingServiceSid", "")
        body, callback = form.get("Body", ""), form.get("StatusCallback", "")
        if not to:
            return _error(21604, "A 'To' phone number is required.", 400)
        if not (sender or service):
            return _error(21603, "A 'From' phone number is required.", 400)
        if not body:
            return _error(21602, "Message body is required.", 400)
        if not E164.match(to):
            return _error(21211, f"The 'To' number {to} is not a valid phone number.", 400)
        if len(body) > 1600:
            return _error(21617, "The concatenated message body exceeds the 1600 character limit.", 400)
        if callback and not callback.startswith(("http://", "https://")):
            return _error(21609, "Invalid StatusCallback", 400)
        if to in self.unsubscribed:
            return _error(21610, "Attempt to send to unsubscribed recipient", 400)
        now = format_datetime(datetime.now(timezone.utc), usegmt=False)
        sid = "SM" + uuid.uuid4().hex
        resource = {"sid": sid, "account_sid": self.account_sid, "api_version": "2010-04-01", "body": body,
                    "to": to, "from": sender or None, "messaging_service_sid": service or None,
                    "status": "accepted" if service else "queued", "num_segments": str(num_segments(body)),
                    "num_media": "0", "direction": "outbound-api", "date_created": now, "date_updated": now,
                    "date_sent": None, "error_code": None, "error_message": None, "price": None,
                    "price_unit": "USD", "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
                    "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"}}
        self.messages.append(resource)
        self.arrivals.append(time.monotonic())  # for pacing tests: when each text was created
        if callback:
            self.callbacks[sid] = callback
        return 201, resource

    def _list(self, query: dict[str, list[str]]) -> tuple[int, dict]:
        rows = list(reversed(self.messages))
        for name, field in (("To", "to"), ("From", "from")):
            if name in query:
                rows = [m for m in rows if m[field] == query[name][0]]
        size = min(int(query.get("PageSize", ["50"])[0]), 1000)
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        return 200, {"messages": rows[:size], "end": min(size, len(rows)) - 1, "first_page_uri": base,
                     "next_page_uri": None, "page": 0, "page_size": size, "previous_page_uri": None, "start": 0,
                     "uri": base}

    def _handler(self):
        fake = self

        class Handler(JsonHandler):
            def extra_headers(self):
                return {"Twilio-Request-Id": "RQ" + uuid.uuid4().hex}

            def _authorised(self, path: str) -> tuple[int, dict] | None:
                expected = "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return _error(20003, "Authenticate", 401)
                if path not in (f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json",):
                    return _error(20404, f"The requested resource {path} was not found", 404)
                return None

            def do_GET(self):
                url = urlsplit(self.path)
                with fake.lock:
                    fake.requests["list"] += 1
                    refused = self._authorised(url.path)
                    answer = refused or fake._list(parse_qs(url.query))
                self._reply(*answer)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                delay = 0.0
                with fake.lock:
                    fake.requests["create"] += 1
                    answer = self._authorised(urlsplit(self.path).path)
                    headers = {}
                    if answer is None and fake.failures:
                        status, headers = fake.failures.pop(0)
                        answer = (_error(20429, "Too Many Requests", 429) if status == 429
                                  else _error(20500, "An internal server error has occurred", status))
                    if answer is None:
                        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
                            answer = _error(20001, "Content-Type must be application/x-www-form-urlencoded", 400)
                        else:
                            form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
                            answer = fake._create(form)
                            delay = fake.answer_delay if answer[0] == 201 else 0.0
                    hold = (answer[0] == 201 and fake._hold_from is not None
                            and len(fake.messages) >= fake._hold_from and not fake._released.is_set())
                    fake.held += hold
                if delay:
                    time.sleep(delay)  # taken, not yet answered: the window a kill can fall in
                if hold:
                    fake._released.wait(30)
                self._reply(*answer, **headers)

        return Handler

