"""Exactly-once effect with real workers, a real broker and a real SMTP server that misbehaves."""

import json
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.models import Contact, Enrollment, OutboxMessage
from saleor_ltv_plugin.tasks import release_outbox_leases_task, send_outbox_task

from . import smtp_sink
from .conftest import CHANNEL, enable
from .workers import BROKER, Worker, enqueue, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
PLUGIN = {"consent_mode": "opt_out", "quiet_hours_start": 0, "quiet_hours_end": 0, "holdout_percent": 0,
          "sender_email": "info@yamada-shop.example"}


def due_reminders(count: int) -> None:
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"buyer{i}@reorder.example", marketing_consent="granted") for i in range(count)],
        batch_size=5000)
    enrollments = Enrollment.objects.bulk_create(
        [Enrollment(scenario="reorder_reminder", channel=CHANNEL, trigger_ref=f"reorder:t{c.pk}", contact=c,
                    anchor_at=now, context={"items": [{"sku": "SKU-TONER", "name": "トナー"}]}) for c in contacts],
        batch_size=5000)
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(idempotency_key=f"reorder_reminder:{CHANNEL}:{e.trigger_ref}:0:{e.contact_id}", enrollment=e,
                       scenario="reorder_reminder", channel=CHANNEL, step=0, kind="email", contact_id=e.contact_id,
                       due_at=now - timedelta(seconds=1)) for e in enrollments],
        batch_size=5000)


@pytest.fixture
def wire(tmp_path, settings):
    controller, sink = smtp_sink.start()
    redis.Redis.from_url(BROKER).flushdb()
    queue = f"ltv-rel-{uuid.uuid4().hex[:8]}"
    env = {"LTV_TEST_SMTP_PORT": str(controller.port), "LTV_TEST_LEASE_SECONDS": "5",
           "LTV_TEST_PLUGIN_SETTINGS": json.dumps(PLUGIN)}
    workers = []

    def worker(name):
        w = Worker(name, queue, tmp_path, dict(env)).start()
        workers.append(w)
        return w

    yield queue, sink, worker
    for w in workers:
        w.stop()
    controller.stop()
    for w in workers:
        print(f"--- {w.name}\n{w.tail()}")


def test_ten_thousand_reminders_two_workers_one_killed_mid_run_each_sent_once(wire):
    queue, sink, worker = wire
    enable("reorder_reminder")
    due_reminders(10_000)
    started = time.monotonic()
    first, second = worker("w1"), worker("w2")
    for _ in range(4):  # more senders than workers, as a dispatch from two beats would queue
        enqueue(send_outbox_task, queue, budget_seconds=120)
    assert wait_for(lambda: sink.count() >= 3000, 180), "the workers did not get going"
    first.kill()
    killed_at, kill_time = sink.count(), time.monotonic() - started
    worker("w1-restarted")
    # The killed worker's claimed rows come back once their 5 s lease runs out.
    assert wait_for(lambda: OutboxMessage.objects.filter(status="sending", lease_until__lt=timezone.now()).exists()
                    or OutboxMessage.objects.filter(status="sent").count() == 10_000, 60)
    enqueue(release_outbox_leases_task, queue)
    for _ in range(2):
        enqueue(send_outbox_task, queue, budget_seconds=120)

    def finished():
        if OutboxMessage.objects.filter(status="sent").count() == 10_000:
            return True
        if not OutboxMessage.objects.filter(status__in=["pending", "failed"]).exists():
            enqueue(release_outbox_leases_task, queue)
            enqueue(send_outbox_task, queue, budget_seconds=60)
        return False

    assert wait_for(finished, 300, every=2), Counter(OutboxMessage.objects.values_list("status", flat=True))
    assert wait_for(lambda: sink.count() >= 10_000, 90), f"sink has {sink.count()} of 10000"
    recipients = Counter(rcpt for _, rcpts in sink.envelopes for rcpt in rcpts)
    print(f"sink: {sink.count()} messages, {len(recipients)} recipients; killed after {killed_at} "
          f"at {kill_time:.1f} s, all sent at {time.monotonic() - started:.1f} s")
    assert sink.count() == 10_000
    assert len(recipients) == 10_000 and max(recipients.values()) == 1
    assert len({m["Message-ID"] for m in sink.messages}) == 10_000
    assert second.process.poll() is None


def test_smtp_refusing_then_recovering_retries_with_backoff_and_never_duplicates(settings):
    controller, sink = smtp_sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = controller.port
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, **PLUGIN}
    try:
        enable("reorder_reminder")
        due_reminders(20)
        sink.refuse_with = "451 4.3.0 mailbox busy, try later"
        result = outbox.send_due()
        assert result == {"retry": 20} and sink.count() == 0
        first = OutboxMessage.objects.first()
        assert first.status == "failed" and first.last_error.startswith("451")
        assert first.due_at > timezone.now() + timedelta(seconds=50)  # backoff, not a hot loop
        assert outbox.send_due() == {}  # nothing is due before the backoff
        sink.refuse_with = None
        later = timezone.now() + timedelta(minutes=2)
        assert outbox.send_due(now=later) == {"sent": 20}
        assert sink.count() == 20 and OutboxMessage.objects.filter(attempts=2, status="sent").count() == 20
        assert outbox.send_due(now=later + timedelta(hours=1)) == {}
        assert sink.count() == 20
    finally:
        controller.stop()


def test_an_unreachable_smtp_server_is_retried_later(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = smtp_sink.free_port()  # nothing listens there
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, **PLUGIN}
    enable("reorder_reminder")
    due_reminders(3)
    assert outbox.send_due() == {"retry": 3}
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"failed"}
    assert "ConnectionRefusedError" in OutboxMessage.objects.first().last_error
    controller, sink = smtp_sink.start(settings.EMAIL_PORT)
    try:
        assert outbox.send_due(now=timezone.now() + timedelta(minutes=2)) == {"sent": 3}
        assert sink.count() == 3
    finally:
        controller.stop()


def test_a_reply_lost_after_the_final_dot_is_recorded_and_not_sent_twice(settings):
    controller, sink = smtp_sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_TIMEOUT = 1
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, **PLUGIN}
    try:
        enable("reorder_reminder")
        due_reminders(1)
        sink.stall_seconds = 3  # the server takes the final dot but answers after our timeout
        result = outbox.send_due()
        assert result == {"sent": 1}  # marked sent before the dot: it is not sent again
        message = OutboxMessage.objects.get()
        assert message.status == "sent" and "no reply to the end of data" in message.last_error
        assert sink.count() == 1
        sink.stall_seconds = 0
        assert outbox.send_due(now=timezone.now() + timedelta(hours=1)) == {}
        assert sink.count() == 1
    finally:
        controller.stop()
