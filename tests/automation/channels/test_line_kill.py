"""LINE pushes under a worker SIGKILL: real Celery workers, real Redis, the local fake Messaging API.
The retry key makes the resend after a kill between LINE's 200 and our mark a 409, not a second message."""

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

pytestmark = pytest.mark.django_db(transaction=True)


def due_pushes(count: int) -> None:
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"buyer{i}@line.example", line_user_id=f"U{i:032x}") for i in range(count)], batch_size=5000)
    ContactConsent.objects.bulk_create([ContactConsent(contact=c, medium="line", state="granted", source="line_follow",
                                                       updated_at=now) for c in contacts], batch_size=5000)
    enrollments = Enrollment.objects.bulk_create(
        [Enrollment(scenario="reorder_reminder", channel=CHANNEL, trigger_ref=f"reorder:t{c.pk}", contact=c,
                    anchor_at=now, context={"items": [{"sku": "SKU-TONER", "name": "トナー"}]}) for c in contacts],
        batch_size=5000)
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(idempotency_key=f"reorder_reminder:{CHANNEL}:{e.trigger_ref}:0:line", enrollment=e,
                       scenario="reorder_reminder", channel=CHANNEL, step=0, kind=DeliveryKind.LINE,
                       contact_id=e.contact_id, due_at=now - timedelta(seconds=1)) for e in enrollments],
        batch_size=5000)


def test_line_pushes_reach_line_exactly_once_when_a_worker_is_killed_mid_run(tmp_path):
    total = int(os.environ.get("LTV_LINE_KILL_PUSHES", "2000"))
    fake = FakeLine().start()
    redis.Redis.from_url(BROKER).flushdb()
    queue = f"ltv-line-{uuid.uuid4().hex[:8]}"
    plugin = {"consent_mode": "opt_in", "quiet_hours_start": 0, "quiet_hours_end": 0, "holdout_percent": 0,
              "frequency_cap_per_week": 0, "line_channel_access_token": fake.token, "line_api_url": fake.url}
    env = {"LTV_TEST_LEASE_SECONDS": "5", "LTV_TEST_PLUGIN_SETTINGS": json.dumps(plugin)}
    enable("reorder_reminder")
    due_pushes(total)
    workers = [Worker(name, queue, tmp_path, dict(env)).start() for name in ("w1", "w2")]
    try:
        for _ in range(4):
            enqueue(send_outbox_task, queue, budget_seconds=120)
        assert wait_for(lambda: len(fake.delivered) >= total * 3 // 10, 180), "the workers did not get going"
        workers[0].kill()
        killed_at = len(fake.delivered)
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
    per_user = Counter(d["to"] for d in fake.delivered)
    figures = {"rows": total, "delivered": len(fake.delivered), "users": len(per_user),
               "copies": sum(n - 1 for n in per_user.values()), "requests": fake.requests, "killed_at": killed_at,
               "statuses": dict(Counter(OutboxMessage.objects.values_list("status", flat=True)))}
    print(f"line kill run: {json.dumps(figures)}")
    if not done:
        for worker in workers:
            print(f"--- {worker.name}\n{worker.tail()}")
    assert done, figures
    assert figures["users"] == total and figures["copies"] == 0, figures
