"""Enrollments through a flow with an A/B step and a split, on TWO real Celery workers, one SIGKILLed
mid-run: at the real SMTP sink every recipient got exactly the mails of its path, once. The issue's
10,000 is LTV_FLOW_KILL_TEST_ENROLLMENTS=10000 (passed in CI on 2026-12-03); the suite takes 2,000,
enough for the kill to land mid-run, to keep `make test` within its budget."""

import hashlib
import os
import time
from collections import Counter, defaultdict

import pytest

from saleor_ltv_plugin.models import AccountTag, Enrollment, FlowStepRun, OutboxMessage
from saleor_ltv_plugin.tasks import release_outbox_leases_task, run_flows_task, send_outbox_task

from ..test_reliability import PLUGIN, wire  # noqa: F401 — the same two-worker wire and sending identity
from ..workers import enqueue, wait_for
from .flowshop import CHANNEL, buyers, document, enroll, live_flow, send

pytestmark = pytest.mark.django_db(transaction=True)
TOTAL = int(os.environ.get("LTV_FLOW_KILL_TEST_ENROLLMENTS", "2000"))
FLOW = document([
    {"id": "ab", "kind": "ab", "variants": [{"key": "A", "weight": 50, "next": "a"},
                                            {"key": "B", "weight": 50, "next": "b"}]},
    send("a", "c", ("reorder_reminder", 0)), send("b", "c", ("reorder_reminder", 1)),
    {"id": "c", "kind": "split", "condition": {"kind": "has_tag", "tag": "vip"}, "yes": "y", "no": "n"},
    send("y", None, ("reorder_reminder", 2)), {"id": "n", "kind": "exit"}], exit_on=["ordered"])


DOMAIN = PLUGIN["sender_email"].split("@")[1]


def expected_message_ids(accounts, contact_of, vip) -> dict[str, set[str]]:
    """Recomputed from the rules, not read back from the tables: the variant from sha256, the path
    from the tag, the Message-ID from the idempotency key."""
    def mid(account, step):
        key = f"reorder_reminder:{CHANNEL}:t:{account.pk}:{step}:{contact_of[account.pk][0]}"
        return f"<ltv.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{DOMAIN}>"

    out = {}
    for a in accounts:
        point = int.from_bytes(hashlib.sha256(f"reorder_reminder:ab:a{a.pk}".encode()).digest()[:8], "big") % 100
        path = ["a" if point < 50 else "b"] + (["y"] if a.pk in vip else [])
        out[contact_of[a.pk][1]] = {mid(a, step) for step in path}
    return out


def test_thousands_of_enrollments_split_and_ab_two_workers_one_killed_each_path_mailed_once(wire):
    queue, sink, worker = wire
    version = live_flow(FLOW, key="reorder_reminder")
    accounts = buyers(TOTAL)
    vip = {a.pk for i, a in enumerate(accounts) if i % 3 == 0}
    AccountTag.objects.bulk_create([AccountTag(account_id=a, tag="vip") for a in vip], batch_size=5000)
    enroll(version, accounts)
    contact_of = {a: (c, e) for a, c, e in Enrollment.objects.values_list(
        "account_id", "account__accountcontact__contact_id", "account__accountcontact__contact__email")}
    expected = expected_message_ids(accounts, contact_of, vip)
    mails = sum(len(v) for v in expected.values())
    started = time.monotonic()
    first, second = worker("w1"), worker("w2")
    for _ in range(2):  # both workers tick side by side (SKIP LOCKED), then send
        enqueue(run_flows_task, queue, budget_seconds=120)
    for _ in range(4):
        enqueue(send_outbox_task, queue, budget_seconds=120)
    assert wait_for(lambda: sink.count() >= mails // 5, 420), "the workers did not get going"  # ~16 mails/s on a loaded 2-core machine
    first.kill()
    killed_at = sink.count()
    worker("w1-restarted")
    last = [0.0]

    def finished():
        if (not Enrollment.objects.filter(state="active").exists()
                and OutboxMessage.objects.filter(status="sent").count() == mails):
            return True
        if time.monotonic() - last[0] > 15:  # as the beat does: tick, sweep, send
            enqueue(run_flows_task, queue, budget_seconds=60)
            enqueue(release_outbox_leases_task, queue)
            enqueue(send_outbox_task, queue, budget_seconds=60)
            last[0] = time.monotonic()
        return False

    done = wait_for(finished, 420, every=2)
    wait_for(lambda: sink.count() >= mails, 60)
    received: dict[str, Counter] = defaultdict(Counter)
    for message, (_, rcpts) in zip(sink.messages, sink.envelopes):
        for rcpt in rcpts:
            received[rcpt][message["Message-ID"]] += 1
    wrong = [r for r in expected if set(received.get(r, ())) != expected[r]]
    copies = sum(n - 1 for c in received.values() for n in c.values())
    print(f"flow kill run: {mails} mails, killed at {killed_at}, copies {copies}, "
          f"{time.monotonic() - started:.1f} s, statuses "
          f"{dict(Counter(OutboxMessage.objects.values_list('status', flat=True)))}")
    assert done
    assert not wrong, (len(wrong), wrong[:3])
    assert set(received) == set(expected)  # nobody outside the flow got anything
    assert copies <= 1  # only the documented same-Message-ID resend of a row killed while committing
    runs = Counter(FlowStepRun.objects.values_list("step_id", "branch"))
    assert runs[("ab", "A")] + runs[("ab", "B")] == TOTAL
    assert runs[("c", "yes")] + runs[("c", "no")] == TOTAL and runs[("c", "yes")] == len(vip)
    assert Enrollment.objects.filter(state="done").count() == TOTAL
    assert second.process.poll() is None
