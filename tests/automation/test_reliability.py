"""Nothing lost and copies only by the stated rule (same Message-ID), with real workers, a real broker
and a real SMTP server that misbehaves or loses its worker mid-send."""

import json
import os
import smtplib
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.models import Contact, Enrollment, OutboxMessage
from saleor_ltv_plugin.tasks import release_outbox_leases_task, send_outbox_task

from . import smtp_sink
from .conftest import CHANNEL, enable
from .workers import BROKER, Worker, enqueue, stop_all, wait_for

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
    stop_all(workers)
    controller.stop()
    for w in workers:
        print(f"--- {w.name}\n{w.tail()}")


def kill_run_figures(sink, killed_at: int, seconds: float) -> dict:
    """Lost: a row whose buyer got nothing. Duplicates: copies beyond one per Message-ID; the rule
    allows them only for rows the sweeper resent from `committing`, each copy with the row's Message-ID."""
    rows = dict(OutboxMessage.objects.values_list("contact__email", "last_error"))
    by_recipient: dict[str, list[str]] = {}
    for message, (_, rcpts) in zip(sink.messages, sink.envelopes):
        for rcpt in rcpts:
            by_recipient.setdefault(rcpt, []).append(message["Message-ID"])
    copies = {rcpt: ids for rcpt, ids in by_recipient.items() if len(ids) > 1}
    outside_rule = [rcpt for rcpt, ids in copies.items()
                    if len(set(ids)) > 1 or not rows.get(rcpt, "").startswith("unconfirmed")]
    return {"rows": len(rows), "messages": sink.count(), "message_ids": len({m["Message-ID"] for m in sink.messages}),
            "lost": sum(1 for email in rows if email not in by_recipient),
            "duplicates": sink.count() - len({m["Message-ID"] for m in sink.messages}),
            "duplicates_outside_rule": len(outside_rule), "strangers": len(set(by_recipient) - set(rows)),
            "statuses": dict(Counter(OutboxMessage.objects.values_list("status", flat=True))),
            "killed_at": killed_at, "seconds": round(seconds, 1)}


def test_thousands_of_reminders_two_workers_one_killed_mid_run_none_lost(wire):
    """bench/outbox_kill.py runs this N times at 10,000 reminders (LTV_KILL_TEST_REMINDERS; LTV_KILL_TEST_REPORT:
    where the figures go); the suite takes 2,000, enough for the kill to land mid-run."""
    queue, sink, worker = wire
    total = int(os.environ.get("LTV_KILL_TEST_REMINDERS", "2000"))
    enable("reorder_reminder")
    due_reminders(total)
    started = time.monotonic()
    first, second = worker("w1"), worker("w2")
    for _ in range(4):  # more senders than workers, as a dispatch from two beats would queue
        enqueue(send_outbox_task, queue, budget_seconds=120)
    assert wait_for(lambda: sink.count() >= total * 3 // 10, 180), "the workers did not get going"
    first.kill()
    killed_at, kill_time = sink.count(), time.monotonic() - started
    worker("w1-restarted")
    # The killed worker's claimed rows come back once their 5 s lease runs out.
    assert wait_for(lambda: OutboxMessage.objects.filter(status__in=outbox.IN_FLIGHT, lease_until__lt=timezone.now())
                    .exists() or OutboxMessage.objects.filter(status="sent").count() == total, 60)
    enqueue(release_outbox_leases_task, queue)
    for _ in range(2):
        enqueue(send_outbox_task, queue, budget_seconds=120)

    last_dispatch = [time.monotonic()]

    def finished():
        if OutboxMessage.objects.filter(status="sent").count() == total:
            return True
        # As the beat does every minute: release expired leases and queue a sender, so rows left
        # behind when the senders' budgets ran out on a loaded machine are sent, not waited for.
        if time.monotonic() - last_dispatch[0] > 20:
            enqueue(release_outbox_leases_task, queue)
            enqueue(send_outbox_task, queue, budget_seconds=60)
            last_dispatch[0] = time.monotonic()
        return False

    done = wait_for(finished, 300, every=2)
    wait_for(lambda: sink.count() >= total, 90)
    figures = kill_run_figures(sink, killed_at, time.monotonic() - started)
    print(f"kill run: {json.dumps(figures)}; killed at {kill_time:.1f} s")
    if os.environ.get("LTV_KILL_TEST_REPORT"):
        Path(os.environ["LTV_KILL_TEST_REPORT"]).write_text(json.dumps(figures))
    assert done, figures["statuses"]
    assert figures["lost"] == 0 and figures["strangers"] == 0, figures
    assert figures["message_ids"] == total, figures
    assert figures["duplicates_outside_rule"] == 0, figures
    assert figures["duplicates"] <= 1, figures  # one solo worker killed: at most its one message in the window
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


class SimulatedKill(BaseException):
    """The worker dies here: nothing after this line of the send runs, the kernel drops its socket."""


@pytest.fixture
def wire_in_process(settings):
    controller, sink = smtp_sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = controller.port
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, **PLUGIN}
    settings.LTV_OUTBOX_LEASE_SECONDS = 5
    enable("reorder_reminder")
    yield sink
    controller.stop()


def kill_at(monkeypatch, moment: str) -> None:
    """SIGKILL in process: just before the final dot leaves, or just after the server's 250 to it."""
    real_send, real_reply, state = smtplib.SMTP.send, smtplib.SMTP.getreply, {"dot": False, "killed": False}

    def die(conn):
        state["killed"] = True
        conn.sock.close()  # what the kernel does with a killed process's socket
        raise SimulatedKill(moment)

    def send(conn, data):
        if data == b".\r\n" and not state["killed"]:
            if moment == "before_dot":
                die(conn)
            state["dot"] = True
        return real_send(conn, data)

    def getreply(conn):
        reply = real_reply(conn)
        if state["dot"] and not state["killed"]:
            die(conn)
        return reply

    monkeypatch.setattr(smtplib.SMTP, "send", send)
    monkeypatch.setattr(smtplib.SMTP, "getreply", getreply)


def message_ids(sink) -> Counter:
    return Counter(m["Message-ID"] for m in sink.messages)


def first_send_killed(monkeypatch, moment: str) -> OutboxMessage:
    """Three reminders due; the sender dies at `moment` on the first. Returns that row."""
    due_reminders(3)
    kill_at(monkeypatch, moment)
    with pytest.raises(SimulatedKill):
        outbox.send_due()
    monkeypatch.undo()
    return OutboxMessage.objects.order_by("id").first()


def test_a_kill_between_the_commit_and_the_final_dot_is_not_sent_and_the_sweeper_sends_it(
        wire_in_process, monkeypatch):
    sink = wire_in_process
    first = first_send_killed(monkeypatch, "before_dot")
    time.sleep(0.5)  # the sink sees the dropped connection
    assert sink.count() == 0  # the server discarded the unterminated DATA
    assert first.status == "committing" and first.sent_at is None, first.status  # not "sent": it never arrived
    assert not OutboxMessage.objects.filter(status="sent").exists()
    # the next run sweeps rows past their lease first (no separate beat needed)
    assert outbox.send_due(now=timezone.now() + timedelta(seconds=30)) == {"sent": 3}
    assert sink.count() == 3 and max(message_ids(sink).values()) == 1
    first.refresh_from_db()
    assert first.status == "sent" and first.last_error.startswith("unconfirmed")


def test_a_kill_after_the_server_took_the_dot_resends_with_the_same_message_id(wire_in_process, monkeypatch):
    sink = wire_in_process
    first = first_send_killed(monkeypatch, "after_dot")
    assert sink.count() == 1 and first.status == "committing"  # delivered, but we cannot know that
    assert outbox.release_expired() == 0  # inside its lease nobody touches it
    assert outbox.send_due(now=timezone.now() + timedelta(seconds=30)) == {"sent": 3}
    # The rule: at-least-once, the copy carries the same Message-ID, so the receiver can fold it.
    copies = message_ids(sink)
    assert sink.count() == 4 and len(copies) == 3 and sorted(copies.values()) == [1, 1, 2]
    assert OutboxMessage.objects.filter(status="sent").count() == 3


def test_a_committing_row_counts_as_not_sent_in_reports_and_is_swept_even_without_a_send_run(wire_in_process,
                                                                                             monkeypatch):
    first_send_killed(monkeypatch, "after_dot")
    from saleor_ltv_plugin.automation.report import scenario_report

    today = timezone.localdate()
    report = scenario_report(CHANNEL, today - timedelta(days=1), today + timedelta(days=1))
    assert report.total.sent == 0
    assert release_outbox_leases_task.apply(kwargs={}).get() == 0  # within the lease
    later = timezone.now() + timedelta(seconds=30)
    assert outbox.release_expired(now=later) == 3  # the killed one from committing, the rest from sending
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"pending"}
    assert OutboxMessage.objects.filter(last_error__startswith="unconfirmed").count() == 1


def test_a_reply_lost_after_the_final_dot_is_never_read_as_sent_and_is_resent_with_the_same_message_id(
        wire_in_process, settings):
    sink = wire_in_process
    settings.EMAIL_TIMEOUT = 1
    due_reminders(1)
    sink.stall_seconds = 3  # the server takes the final dot but answers after our timeout
    assert outbox.send_due() == {"unconfirmed": 1}
    message = OutboxMessage.objects.get()
    assert message.status == "committing" and "no reply to the end of data" in message.last_error
    assert sink.count() == 1
    sink.stall_seconds = 0
    assert outbox.send_due(now=timezone.now() + timedelta(hours=1)) == {"sent": 1}
    assert sink.count() == 2 and len(message_ids(sink)) == 1
    message.refresh_from_db()
    assert message.status == "sent"
