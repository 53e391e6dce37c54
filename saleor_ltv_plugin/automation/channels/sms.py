"""SMS to the buyer, through a provider adapter (`sms_provider`; Twilio's REST API first).

Twilio has no idempotency key: a POST it accepted and whose answer we lost (a worker killed
between Twilio's 201 and our record, a timeout) would be a second text if simply sent again.
So the row is two-phase: it becomes `committing` (fenced by its attempt) *before* the POST,
only one worker can be past that point, and every attempt after the first asks Twilio first:
it lists the messages to that number and looks for this row's short tracked link (it names the
row, with a MAC), which every text of ours carries. Found: the row is marked sent with that sid,
nothing is posted. Not found: it is posted. This relies on a created message being in Twilio's
list from then on; the resend only comes once the lost worker's lease ran out (minutes).

Segments are counted before sending (sms_segments.py); items are dropped from the end until the
text fits `sms_max_segments`, and a text that still does not fit is skipped as `too_long`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils import timezone

from ...contact_data import ContactDataError, normalise_phone
from ...ingest import consents
from ...models import DeliveryKind
from .. import links
from . import DEAD, LOST_LEASE, RETRY, SENT, SKIPPED, UNCONFIRMED, Outcome, twilio
from .base import PHONE, TEST_TEXT, DeliveryChannel, TestAnswer
from .buyer_text import plain_text
from .http_call import NoAnswer, Unsent
from .sms_segments import count

CONSENT = "sms"


def fitted_text(message, config, max_segments: int) -> tuple[str, int] | None:
    """(the text, its segments) with as many items as fit in `max_segments`; None if not even none do."""
    parts = plain_text(message, config, short_link=True)
    for shown in range(len(parts.items), -1, -1):
        text = parts.join(shown)
        segments = count(text).count
        if segments <= max_segments:
            return text, segments
    return None


def carries_row(body: str, message_id: int) -> bool:
    """Whether `body` holds the short link we signed for this outbox row."""
    return message_id in links.short_click_rows(body)


def status_callback(config, message) -> str:
    """Where Twilio reports the text's delivery; the row id rides in the URL Twilio signs."""
    return f"{links.base_url(config.shop)}sms/twilio/status/{config.channel}?{urlencode({'m': message.pk})}"


class SmsMessage(DeliveryChannel):
    kind = DeliveryKind.SMS
    needs = (PHONE,)
    consent_key = CONSENT  # a STOP reply (or Twilio's 21610) revokes it, START restores it
    two_phase = True  # the hand-over comes before the POST: see the module's docstring
    required_settings = ("twilio_account_sid", "twilio_auth_token", "twilio_from")
    optional_settings = ("twilio_messaging_service_sid", "sms_provider", "sms_max_segments", "sms_per_second",
                         "twilio_api_url")
    test_recipient = PHONE

    @classmethod
    def pace(cls, shop) -> tuple[str, float] | None:
        """The sender's throughput (`sms_per_second`, its MPS at Twilio): Twilio queues what goes
        beyond it only for a while and then fails the texts, so a large send is paced to it."""
        if not shop.sms_per_second:
            return None
        sender = shop.twilio_messaging_service_sid or shop.twilio_from
        return f"sms:{shop.twilio_account_sid}:{sender}", float(shop.sms_per_second)

    @classmethod
    def missing_settings(cls, shop) -> list[str]:
        missing = super().missing_settings(shop)
        if shop.twilio_messaging_service_sid:  # a Messaging Service sends instead of From
            missing = [name for name in missing if name != "twilio_from"]
        return missing

    @classmethod
    def send_test(cls, shop, to: str) -> TestAnswer:
        try:
            reply = twilio.send(shop, to, TEST_TEXT)
        except (Unsent, NoAnswer) as exc:
            return TestAnswer(False, "unreachable", str(exc))
        if reply.outcome == "accepted":
            return TestAnswer(True, reply.detail or "queued", f"{reply.sid} ({reply.segments or 1} segment)")
        return TestAnswer(False, str(reply.code or ""), reply.detail)

    def send(self, message, config, commit) -> Outcome:
        shop = config.shop
        if not twilio.configured(shop):
            return Outcome(SKIPPED, "not_configured")
        try:
            to = normalise_phone(message.contact.phone)
        except ContactDataError:
            return Outcome(SKIPPED, "invalid_phone")
        fitted = fitted_text(message, config, shop.sms_max_segments)
        if fitted is None:
            return Outcome(SKIPPED, "too_long")
        body, segments = fitted
        if message.attempts > 1:  # an earlier attempt may have reached Twilio
            try:
                sid = twilio.find(shop, to, lambda text: carries_row(text, message.pk))
            except (Unsent, NoAnswer) as exc:
                return Outcome(RETRY, f"cannot check for an earlier copy: {exc}")
            if sid:
                if not commit():
                    return Outcome(LOST_LEASE)
                return Outcome(SENT, f"{sid} found: accepted on an earlier attempt", provider_ref=sid,
                               segments=segments)
        if not commit():  # another worker owns the row: it must not be posted from here
            return Outcome(LOST_LEASE)
        try:
            reply = twilio.send(shop, to, body, status_callback(config, message))
        except Unsent as exc:
            return Outcome(RETRY, str(exc))
        except NoAnswer as exc:  # Twilio may have it: stays committing, the next attempt looks first
            return Outcome(UNCONFIRMED, f"no answer from Twilio: {exc}")
        if reply.outcome == "accepted":
            return Outcome(SENT, f"{reply.sid} {reply.detail}", provider_ref=reply.sid, segments=segments)
        if reply.outcome == "retry":
            return Outcome(RETRY, reply.detail, retry_after=reply.retry_after)
        if reply.code == twilio.UNSUBSCRIBED:
            # the buyer replied STOP to our number: Twilio blocks every text until they reply START
            consents.sms_reply(message.contact.phone, False, "twilio_21610", timezone.now())
        return Outcome(DEAD, reply.detail)
