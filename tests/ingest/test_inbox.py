from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_ltv_plugin.ingest import inbox
from saleor_ltv_plugin.ingest.facts import to_jsonable
from saleor_ltv_plugin.models import InboundEvent, OrderFact

from ..conftest import make_order

pytestmark = pytest.mark.django_db


def record_order(data):
    return inbox.record("rest", "order", f"order:{data.external_id}", to_jsonable(data))


def test_recorded_events_are_applied_and_marked_done():
    record_order(make_order("a"))
    record_order(make_order("b", company="ABC"))
    assert OrderFact.objects.count() == 0
    assert inbox.drain() == {"done": 2, "failed": 0, "dead": 0}
    assert OrderFact.objects.count() == 2
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"done"}


def test_a_failing_event_is_kept_retried_with_backoff_and_finally_dead():
    bad = inbox.record("rest", "order", "order:bad", {"source": "rest", "external_id": "bad"})
    record_order(make_order("good"))
    now = timezone.now()
    assert inbox.drain(now=now) == {"done": 1, "failed": 1, "dead": 0}
    bad.refresh_from_db()
    assert bad.status == "failed" and bad.attempts == 1 and "KeyError" in bad.last_error
    assert bad.next_attempt_at == now + timedelta(seconds=30)
    assert inbox.process_due(now=now + timedelta(seconds=29)) == {"done": 0, "failed": 0, "dead": 0}
    later = now
    for attempt in range(2, inbox.MAX_ATTEMPTS + 1):
        later += inbox.backoff(attempt - 1)
        inbox.process_due(now=later)
    bad.refresh_from_db()
    assert bad.status == "dead" and bad.attempts == inbox.MAX_ATTEMPTS
    assert OrderFact.objects.filter(external_id="good").exists()


def test_a_fixed_cause_is_picked_up_by_the_sweep():
    event = inbox.record("rest", "order", "order:late", {"source": "rest"})
    now = timezone.now()
    inbox.drain(now=now)
    InboundEvent.objects.filter(pk=event.pk).update(payload=to_jsonable(make_order("late")))
    assert inbox.drain(now=now + timedelta(minutes=1))["done"] == 1
    assert OrderFact.objects.filter(external_id="late").exists()


def test_events_of_one_object_are_applied_once_per_batch():
    for status in ("unconfirmed", "unfulfilled", "fulfilled"):
        record_order(make_order("x", status=status))
    assert inbox.drain()["done"] == 3
    assert OrderFact.objects.get().status == "fulfilled"


def test_unknown_kinds_are_errors_not_silence():
    inbox.record("rest", "mystery", "m:1", {})
    assert inbox.drain()["failed"] == 1
    assert "unknown event kind" in InboundEvent.objects.get().last_error


def test_done_events_are_purged_after_two_weeks():
    record_order(make_order("a"))
    inbox.drain()
    assert inbox.purge_done(now=timezone.now() + timedelta(days=13)) == 0
    assert inbox.purge_done(now=timezone.now() + timedelta(days=15)) == 1
