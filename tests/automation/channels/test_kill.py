"""LINE pushes and SMS under a worker SIGKILL: real Celery workers, real Redis, the local fake Messaging
API and the local fake Twilio API, in one run (the texts interleaved with the pushes, so the kill
falls among both). LINE: the retry key makes the resend after a kill between LINE's 200 and our mark
a 409, not a second message. SMS: Twilio takes no key; the retry of a row whose worker died between
Twilio's 201 and our record finds the text in Twilio's message list (by the row's signed short link)
instead of posting it again. The kill is made to land in that window: once 30 % of the rows went, the
fake Twilio holds its 201s (the texts taken, the answers not given) until both workers wait on one,
kills w1, and lets the answers go."""

import json
import os
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from saleor_ltv_plugin.models import Contact, ContactConsent, DeliveryKind, Enrollment, OutboxMessage
from saleor_ltv_plugin.tasks import release_outbox_leases_task, send_outbox_task

from ..conftest import CHANNEL, enable
from ..workers import BROKER, Worker, enqueue, wait_for
from .fake_line import FakeLine
from .fake_twilio import FakeTwilio

pytestmark = pytest.mark.django_db(transaction=True)


def due_rows(count: int, kind: str, every_ms: int) -> None:
    """`count` rows of `kind`, due one each `every_ms` milliseconds of the last second (the claim's order)."""
    now = timezone.now()
    medium = "line" if kind == DeliveryKind.LINE else "sms"
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"buyer{i}@{medium}.example", **({"line_user_id": f"U{i:032x}"} if medium == "line"
                                                        else {"phone": f"+8190{i:08d}"})) for i in range(count)],
        batch_size=5000)
    ContactConsent.objects.bulk_create([ContactConsent(contact=c, medium=medium, state="granted", source="test",
                                                       updated_at=now) for c in contacts], batch_size=5000)
    enrollments = Enrollment.objects.bulk_create(
        [Enrollment(scenario="reorder_reminder", channel=CHANNEL, trigger_ref=f"reorder:{medium}{c.pk}", contact=c,
                    anchor_at=now, context={"items": [{"sku": "SKU-TONER", "name": "トナー"}]}) for c in contacts],
        batch_size=5000)
    start = now - timedelta(seconds=60)
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(idempotency_key=f"reorder_reminder:{CHANNEL}:{e.trigger_ref}:0:{medium}", enrollment=e,
                       scenario="reorder_reminder", channel=CHANNEL, step=0, kind=kind, contact_id=e.contact_id,
                       due_at=start + timedelta(milliseconds=i * every_ms)) for i, e in enumerate(enrollments)],
        batch_size=5000)


def test_line_pushes_and_texts_reach_their_fakes_exactly_once_when_a_worker_is_killed_mid_run(tmp_path):
    pushes = int(os.environ.get("LTV_LINE_KILL_PUSHES", "2000"))
    texts = int(os.environ.get("LTV_SMS_KILL_TEXTS", "400"))
    total = pushes + texts
    fake, twilio = FakeLine().start(), FakeTwilio().start()
    redis.Redis.from_url(BROKER).flushdb()
    queue = f"ltv-line-{uuid.uuid4().hex[:8]}"
    plugin = {"consent_mode": "opt_in", "quiet_hours_start": 0, "quiet_hours_end": 0, "holdout_percent": 0,
              "frequency_cap_per_week": 0, "line_channel_access_token": fake.token, "line_api_url": fake.url,
              "twilio_account_sid": twilio.account_sid, "twilio_auth_token": twilio.auth_token,
              "twilio_from": "+15005550006", "twilio_api_url": twilio.url}
    env = {"LTV_TEST_LEASE_SECONDS": "5", "LTV_TEST_PLUGIN_SETTINGS": json.dumps(plugin)}
    enable("reorder_reminder")
    due_rows(pushes, DeliveryKind.LINE, every_ms=5)
    due_rows(texts, DeliveryKind.SMS, every_ms=5 * pushes // max(texts, 1))
    delivered = lambda: len(fake.delivered) + len(twilio.messages)  # noqa: E731
    workers = [Worker(name, queue, tmp_path, dict(env)).start() for name in ("w1", "w2")]
    try:
        for _ in range(4):
            enqueue(send_outbox_task, queue, budget_seconds=120)
        assert wait_for(lambda: delivered() >= total * 3 // 10, 180), "the workers did not get going"
        twilio.hold_from(len(twilio.messages) + 1)
        assert wait_for(lambda: twilio.held >= 2, 60, every=0.05), "the workers did not reach a text"
        workers[0].kill()
        twilio.release()
        killed_at = delivered()
        workers.append(Worker("w1-restarted", queue, tmp_path, dict(env)).start())
        last = [0.0]

        def finished():
            if OutboxMessage.objects.filter(status="sent").count() == total:
                return True
            if time.monotonic() - last[0] > 10:  # the beat's job: sweep expired leases, queue a sender
                enqueue(release_outbox_leases_task, queue)
                enqueue(send_outbox_task, queue, budget_seconds=60)
                last[0] = time.monotonic()
            return False

        done = wait_for(finished, 300, every=1)
    finally:
        for worker in workers:
            worker.stop()
        fake.stop()
        twilio.stop()
    per_user = Counter(d["to"] for d in fake.delivered)
    per_number = Counter(m["to"] for m in twilio.messages)
    sms_rows = OutboxMessage.objects.filter(kind=DeliveryKind.SMS)
    figures = {"rows": total, "delivered": len(fake.delivered), "users": len(per_user),
               "copies": sum(n - 1 for n in per_user.values()), "requests": fake.requests, "killed_at": killed_at,
               "statuses": dict(Counter(OutboxMessage.objects.values_list("status", flat=True))),
               "sms": {"accepted": len(twilio.messages), "numbers": len(per_number),
                       "copies": sum(n - 1 for n in per_number.values()), "requests": dict(twilio.requests),
                       "retried_after_hand_over": sms_rows.filter(last_error__startswith="unconfirmed").count()}}
    found = sms_rows.filter(last_error__startswith="unconfirmed", attempts__gte=2).values_list("provider_ref", flat=True)
    print(f"line and sms kill run: {json.dumps(figures)}")
    if not done:
        for worker in workers:
            print(f"--- {worker.name}\n{worker.tail()}")
    assert done, figures
    assert figures["users"] == pushes and figures["copies"] == 0, figures
    assert figures["sms"]["numbers"] == texts and figures["sms"]["copies"] == 0, figures
    assert set(sms_rows.values_list("provider_ref", flat=True)) == {m["sid"] for m in twilio.messages}
    # the killed worker's text: Twilio had taken it, the row was handed over; its retry found it
    assert figures["sms"]["retried_after_hand_over"] == 1 and list(found)[0] in {m["sid"] for m in twilio.messages}
