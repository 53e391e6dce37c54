"""LINE end to end against the local fake Messaging API (fake_line.py): the webhook's signature and
follow/unfollow consent, pushes sent once through the outbox, 429/5xx retried, a resend after a lost
worker folded by the retry key."""

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.channels import line
from saleor_ltv_plugin.models import Contact, ContactConsent, DeliveryKind, Enrollment, OutboxMessage

from ..conftest import CHANNEL, enable
from .fake_line import FakeLine, sign

pytestmark = pytest.mark.django_db
WEBHOOK = "/plugins/global/saleor.ltv/line/webhook"
SECRET = "line-channel-secret"
LINE_ID = "U" + "1234567890abcdef" * 2


@pytest.fixture
def fake():
    server = FakeLine().start()
    yield server
    server.stop()


@pytest.fixture
def line_shop(fake, shop_settings, settings):
    settings.LTV_PLUGIN = {**shop_settings, "consent_mode": "opt_in", "line_channel_access_token": fake.token,
                           "line_channel_secret": SECRET, "line_api_url": fake.url}
    enable("reorder_reminder")
    return settings.LTV_PLUGIN


def webhook(events, secret=SECRET, path=WEBHOOK, signature=None):
    body = json.dumps({"destination": "U" + "0" * 32, "events": events}).encode()
    headers = {"HTTP_X_LINE_SIGNATURE": signature if signature is not None else sign(secret, body)}
    return Client().post(path, body, content_type="application/json", **headers)


def follow(kind="follow", user_id=LINE_ID, at=None):
    at = at or timezone.now()
    return {"type": kind, "mode": "active", "timestamp": int(at.timestamp() * 1000),
            "source": {"type": "user", "userId": user_id}, "webhookEventId": str(uuid.uuid4()),
            "deliveryContext": {"isRedelivery": False}, **({"replyToken": "r"} if kind == "follow" else {})}


def buyer(**fields) -> Contact:
    return Contact.objects.create(email="hanako@kansai.example", first_name="花子", last_name="山田",
                                  line_user_id=LINE_ID, language_code="ja", **fields)


def due(contact: Contact) -> OutboxMessage:
    now = timezone.now()
    enrollment = Enrollment.objects.create(scenario="reorder_reminder", channel=CHANNEL, trigger_ref=f"t{contact.pk}",
                                           contact=contact, anchor_at=now,
                                           context={"items": [{"sku": "TONER-9", "name": "トナー TN-9"}]})
    return OutboxMessage.objects.create(
        idempotency_key=f"reorder_reminder:{CHANNEL}:t{contact.pk}:0:line", enrollment=enrollment,
        scenario="reorder_reminder", channel=CHANNEL, step=0, kind=DeliveryKind.LINE, contact=contact,
        due_at=now - timedelta(minutes=1))


def test_the_webhook_refuses_what_line_did_not_sign(line_shop):
    contact = buyer()
    body_signed_with_other_secret = webhook([follow()], secret="someone-else")
    assert body_signed_with_other_secret.status_code == 401
    assert webhook([follow()], signature="").status_code == 401
    assert not ContactConsent.objects.exists()
    assert webhook([follow()]).json() == {"changed": 1}
    assert ContactConsent.objects.get(contact=contact, medium="line").source == "line_follow"


def test_follow_grants_and_unfollow_revokes_line_consent(line_shop, fake):
    contact = buyer()
    first = due(contact)
    assert outbox.send_due() == {"skipped": 1}  # opt-in: no follow yet
    first.refresh_from_db()
    assert first.skip_reason == "no_consent"
    webhook([follow()])
    message = due(Contact.objects.create(email="b@x.example", line_user_id="U" + "a" * 32))
    webhook([follow(user_id="U" + "a" * 32)])
    assert outbox.send_due() == {"sent": 1}
    assert [d["to"] for d in fake.delivered] == ["U" + "a" * 32]
    webhook([follow("unfollow", user_id="U" + "a" * 32)])
    assert ContactConsent.objects.get(contact=message.contact).state == "revoked"


def test_a_push_reaches_line_once_with_the_copy_and_a_tracked_link(line_shop, fake):
    contact = buyer()
    webhook([follow()])
    message = due(contact)
    assert outbox.send_due() == {"sent": 1}
    [delivered] = fake.delivered
    text = delivered["messages"][0]["text"]
    assert delivered["to"] == LINE_ID and delivered["retry_key"] == line.retry_key(message.idempotency_key)
    assert "山田 花子様" in text and "・トナー TN-9" in text and "/t/c/" in text
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at is not None
    assert outbox.send_due(now=timezone.now() + timedelta(days=1)) == {}


def test_429_waits_for_retry_after_and_500_is_retried(line_shop, fake):
    contact = buyer()
    webhook([follow()])
    message = due(contact)
    fake.fail_next(429, Retry_After="600")
    started = timezone.now()
    assert outbox.send_due() == {"retry": 1}
    message.refresh_from_db()
    assert message.status == "failed" and message.due_at >= started + timedelta(seconds=600)
    assert outbox.send_due(now=started + timedelta(seconds=300)) == {}  # backoff alone would be 60 s
    fake.fail_next(500)
    assert outbox.send_due(now=started + timedelta(seconds=601)) == {"retry": 1}
    assert outbox.send_due(now=started + timedelta(hours=1)) == {"sent": 1}
    assert len(fake.delivered) == 1


def test_a_wrong_token_gives_up_and_no_token_skips(line_shop, fake, settings):
    contact = buyer()
    contact2 = Contact.objects.create(email="c@x.example", line_user_id=LINE_ID)  # one LINE user, two contacts
    assert webhook([follow()]).json() == {"changed": 2}
    settings.LTV_PLUGIN = {**line_shop, "line_channel_access_token": "revoked-token"}
    message = due(contact)
    assert outbox.send_due() == {"dead": 1}
    message.refresh_from_db()
    assert "HTTP 401" in message.last_error and not fake.delivered
    settings.LTV_PLUGIN = {**line_shop, "line_channel_access_token": ""}
    other = due(contact2)
    assert outbox.send_due() == {"skipped": 1}
    other.refresh_from_db()
    assert other.skip_reason == "not_configured"


def test_a_worker_lost_after_line_accepted_does_not_send_twice(line_shop, fake):
    """The state a kill between LINE's 200 and our mark leaves: LINE has it, the row is still `sending`.
    The sweeper hands it out again once the lease runs out; the same retry key gets 409, not a copy."""
    contact = buyer()
    webhook([follow()])
    message = due(contact)
    assert outbox.send_due() == {"sent": 1}
    OutboxMessage.objects.filter(pk=message.pk).update(status="sending", sent_at=None,
                                                       lease_until=timezone.now() - timedelta(seconds=1))
    assert outbox.send_due() == {"sent": 1}
    assert len(fake.delivered) == 1 and fake.requests == 2
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2


def test_a_batch_of_line_pushes_is_marked_sent_in_one_update(line_shop, fake):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contacts = [Contact.objects.create(email=f"b{i}@kansai.example", line_user_id=f"U{i:032x}", language_code="ja")
                for i in range(1, 6)]
    webhook([follow(user_id=c.line_user_id) for c in contacts])  # consent for LINE
    rows = [due(c) for c in contacts]
    with CaptureQueriesContext(connection) as queries:
        assert outbox.send_due() == {"sent": 5}
    marks = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "'sent'" in q["sql"]]
    assert len(marks) == 1, marks  # not one a push
    assert len(fake.delivered) == 5 and {d["to"] for d in fake.delivered} == {f"U{i:032x}" for i in range(1, 6)}
    assert set(OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)) == {"sent"}
