"""The plugin's capture writes at most one inbound row per object per request, and nothing for a
transaction that rolls back (real PostgreSQL; on_commit needs real transactions)."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import transaction

from saleor_ltv_plugin.hosts.saleor.ids import checkout_ref, order_ref, user_ref
from saleor_ltv_plugin.hosts.saleor_plugin import recorder
from saleor_ltv_plugin.models import InboundEvent

pytestmark = pytest.mark.django_db(transaction=True)
# What Saleor 3.23 fires for one order in a checkoutComplete (order/actions.py: order_created →
# order_confirmed, handle_fully_paid_order → order_paid / order_fully_paid, order_updated).
CHECKOUT_COMPLETE_HOOKS = ["order_created", "order_confirmed", "order_updated", "order_paid",
                           "order_fully_paid", "order_updated", "order_fully_paid"]


@pytest.fixture(autouse=True)
def connected():
    recorder.connect()
    yield
    request_started.disconnect(dispatch_uid="ltv-capture-begin")
    request_finished.disconnect(dispatch_uid="ltv-capture-end")
    recorder.end()


def rows(ref=None):
    events = InboundEvent.objects.order_by("id")
    return list((events.filter(object_ref=ref) if ref else events).values_list("kind", "object_ref", "payload"))


def test_one_request_records_each_object_once():
    request_started.send(sender=None)
    for kind in CHECKOUT_COMPLETE_HOOKS:
        recorder.record(kind, order_ref("o-1"))
    recorder.record("checkout_fully_paid", checkout_ref("tok-1"))
    recorder.record("order_updated", order_ref("o-1"))
    request_finished.send(sender=None)
    assert rows() == [("order_created", "order:o-1", {}), ("checkout_fully_paid", "checkout:tok-1", {})]


def test_the_next_request_records_the_object_again():
    for _ in range(2):
        request_started.send(sender=None)
        recorder.record("order_updated", order_ref("o-2"))
        recorder.record("order_updated", order_ref("o-2"))
        request_finished.send(sender=None)
    assert len(rows(order_ref("o-2"))) == 2


def test_outside_a_request_or_task_every_hook_writes():
    for kind in CHECKOUT_COMPLETE_HOOKS:
        recorder.record(kind, order_ref("o-3"))
    assert [kind for kind, _, _ in rows()] == CHECKOUT_COMPLETE_HOOKS


def test_a_rolled_back_transaction_records_nothing_and_a_retry_records():
    request_started.send(sender=None)
    with pytest.raises(RuntimeError), transaction.atomic():
        recorder.record("order_created", order_ref("o-4"))
        assert rows() == []  # deferred to the commit
        raise RuntimeError("Saleor's transaction fails")
    assert rows() == []
    with transaction.atomic():
        recorder.record("order_created", order_ref("o-4"))
        recorder.record("order_updated", order_ref("o-4"))
    recorder.record("order_paid", order_ref("o-4"))
    request_finished.send(sender=None)
    assert rows() == [("order_created", "order:o-4", {})]


def test_a_deletion_is_kept_after_an_update_of_the_same_user():
    request_started.send(sender=None)
    recorder.record("customer_updated", user_ref(7))
    recorder.record("account_deleted", user_ref(7), {"user_id": "7", "email": "gone@example.com"})
    recorder.record("customer_deleted", user_ref(7), {"user_id": "7", "email": "gone@example.com"})
    request_finished.send(sender=None)
    assert rows() == [("customer_updated", "user:7", {}),
                      ("account_deleted", "user:7", {"user_id": "7", "email": "gone@example.com"})]


def test_bulk_orders_are_one_insert_without_repeats():
    request_started.send(sender=None)
    recorder.record("order_created", order_ref("b-1"))
    refs = [order_ref(f"b-{i}") for i in (1, 2, 3, 2)]
    recorder.record_many("order_bulk_created", refs)
    request_finished.send(sender=None)
    assert sorted(ref for _, ref, _ in rows()) == sorted(set(refs))


def test_a_failing_write_never_raises(monkeypatch):
    monkeypatch.setenv("LTV_FAULT_INJECTION", "hooks")
    request_started.send(sender=None)
    recorder.record("order_created", order_ref("f-1"))
    monkeypatch.delenv("LTV_FAULT_INJECTION")
    recorder.record("order_updated", order_ref("f-1"))  # not remembered as done: it was never written
    request_finished.send(sender=None)
    assert rows() == [("order_updated", "order:f-1", {})]


def test_a_task_is_a_scope_and_an_eager_task_joins_its_request():
    recorder.begin_task()
    recorder.record("order_updated", order_ref("t-1"))
    recorder.record("order_paid", order_ref("t-1"))
    recorder.end_task()
    recorder.record("order_updated", order_ref("t-1"))  # after the task: no scope, it writes
    request_started.send(sender=None)
    recorder.record("order_created", order_ref("t-2"))
    recorder.begin_task()  # Celery eager, inside the request
    recorder.record("order_updated", order_ref("t-2"))
    recorder.end_task()
    recorder.record("order_paid", order_ref("t-2"))  # the request's scope outlives the task
    request_finished.send(sender=None)
    assert [ref for _, ref, _ in rows()] == ["order:t-1", "order:t-1", "order:t-2"]
