"""The broadcast path's shortcuts give what the plain ORM gives: the claim's order and choice, the
conditions' id sets, the metric contexts, the outbox rows merged with their defaults."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from saleor_ltv_plugin.automation import triggers
from saleor_ltv_plugin.automation.flows import bulk, conditions, runtime
from saleor_ltv_plugin.models import Enrollment, EnrollmentState, FlowState, OutboxMessage

from .flowshop import buyers, document, enroll, live_flow, order, send

pytestmark = pytest.mark.django_db


def _plain_due(now, limit):
    """The claim as it was: joined to the flow's state, the planner free to sort."""
    return list(Enrollment.objects.filter(state=EnrollmentState.ACTIVE, next_at__isnull=False, next_at__lte=now,
                                          flow_version__isnull=False, flow__state=FlowState.LIVE)
                .order_by("next_at", "id").values_list("id", flat=True)[:limit])


def test_the_claim_takes_the_same_enrollments_in_the_same_order_and_leaves_sorting_on():
    live = live_flow(document([send("0", None)]), key="live_one")
    paused = live_flow(document([send("0", None)]), key="paused_one")
    now = timezone.now()
    accounts = buyers(60)
    for i, account in enumerate(accounts):  # due times interleaved, ties broken by id; a paused flow's due too
        enroll(live if i % 3 else paused, [account], at=now - dt.timedelta(minutes=i % 7))
    enroll(live, buyers(5, prefix="later"), at=now + dt.timedelta(hours=1))  # not yet due
    paused.flow.state = FlowState.PAUSED
    paused.flow.save()
    Enrollment.objects.filter(account__in=accounts[::5]).update(state=EnrollmentState.DONE)
    for limit in (1, 7, 25, 1000):
        with transaction.atomic():
            claimed = [row[0] for row in runtime.claim(now, limit)]
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('enable_sort')")
                assert cursor.fetchone()[0] == "on"  # the claim's switch does not outlive its statement
        assert claimed == _plain_due(now, limit)
    assert len(_plain_due(now, 1000)) == 32  # the live flow's 40 accounts, 8 of them done


def test_the_claim_decodes_variants_only_when_there_are_some():
    version = live_flow(document([send("0", None)]))
    first, second = enroll(version, buyers(2))
    Enrollment.objects.filter(pk=first.pk).update(variants={"ab1": "b", "ab2": "a"})
    with transaction.atomic():
        walkers = {w.id: w for w, _ in runtime._walkers(runtime.claim(timezone.now(), 10))}
    assert walkers[first.pk].variants == {"ab1": "b", "ab2": "a"} and walkers[second.pk].variants == {}
    walkers[second.pk].variants["x"] = "y"  # each walker its own dict
    assert walkers[first.pk].variants == {"ab1": "b", "ab2": "a"}


def test_conditions_by_array_match_the_plain_in_list():
    version = live_flow(document([send("0", None)]))
    enrollments = enroll(version, buyers(30))
    for e in enrollments[::4]:
        order(e.account, timezone.now())
    ids = [e.pk for e in enrollments] + [10 ** 12]  # an id that does not exist
    plain = set(Enrollment.objects.filter(id__in=ids).filter(conditions.ordered_since_entry())
                .values_list("id", flat=True))
    assert set(conditions.exits(ids, ["ordered"], None, version.flow.channel)) == plain
    assert plain == {e.pk for e in enrollments[::4]}
    assert set(conditions._ids(ids).values_list("id", flat=True)) == {e.pk for e in enrollments}


def _plain_context(row):
    """The metric context as it was written before the exact-type lookup."""
    return {key: (value.isoformat() if isinstance(value, dt.date) else
                  str(value) if value is not None and not isinstance(value, (int, float, bool)) else value)
            for key, value in row.items() if key != "account_id"}


def test_metric_contexts_are_the_same_for_every_kind_of_value():
    class Label(str):
        pass

    row = {"account_id": 7, "last_purchase_at": dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone.utc),
           "first_purchase_at": dt.date(2024, 1, 2), "overdue_ratio": 1.25, "typical_interval_days": 30,
           "rfm_rank": "A", "clv": Decimal("12345.60"), "stage": Label("loyal"), "monetary": None, "flag": True}
    ours = triggers._metric_context(row)
    assert ours == _plain_context(row)
    assert json.dumps(ours) == json.dumps(_plain_context(row))  # same text in the enrollment's context
    assert [type(v) for v in ours.values()] == [type(v) for v in _plain_context(row).values()]


def test_outbox_rows_merged_with_defaults_are_the_rows_of_the_plain_getter():
    version = live_flow(document([send("0", None)]))
    (e,) = enroll(version, buyers(1))
    now = timezone.now()
    rows = [dict(idempotency_key=f"k{i}", enrollment_id=e.pk, scenario="s", channel=e.channel, step=0, step_id="0",
                 variant="", kind="email", account_id=e.account_id, due_at=now, created_at=now) for i in range(3)]
    assert bulk.insert_dicts(OutboxMessage, rows) == 3
    stored = OutboxMessage.objects.order_by("idempotency_key")
    assert list(stored.values_list("idempotency_key", "status", "contact_id")) == [
        ("k0", "pending", None), ("k1", "pending", None), ("k2", "pending", None)]
    assert stored.filter(due_at=F("created_at")).count() == 3
    with pytest.raises(TypeError, match="no_such_field"):
        bulk.insert_dicts(OutboxMessage, [{**rows[0], "no_such_field": 1}])
