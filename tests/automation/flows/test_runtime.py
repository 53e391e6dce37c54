"""The flow tick on real PostgreSQL: each step kind, exits, holdout, version pinning, loops, races."""

import hashlib
from collections import Counter
from datetime import datetime, timedelta, timezone as tz

import pytest
from django.utils import timezone

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.flows import conditions, runtime, steps
from saleor_ltv_plugin.automation.flows.content_ref import message_content
from saleor_ltv_plugin.automation.flows.definition import parse
from saleor_ltv_plugin.models import (AccountMetrics, AccountTag, CheckoutFact, Contact, Enrollment, FlowStepRun,
                                      OutboxMessage, SavedSegment)

from ..conftest import shop_settings, sink  # noqa: F401 — fixtures
from .flowshop import CHANNEL, buyers, document, enroll, live_flow, order, send

pytestmark = pytest.mark.django_db


def later(hours: float) -> datetime:
    return timezone.now() + timedelta(hours=hours)


def test_send_makes_one_row_per_reachable_buyer_with_the_scenario_key_and_runs_once():
    version = live_flow(document([send("0", None)]), key="reorder_reminder")
    accounts = buyers(3, per_account=2)
    enroll(version, accounts)
    counts = runtime.tick()
    assert counts["claimed"] == 3 and counts["done"] == 3 and counts["messages"] == 6
    rows = OutboxMessage.objects.order_by("id")
    expected = {f"reorder_reminder:{CHANNEL}:t:{a.pk}:0:{c}" for a in accounts
                for c in a.accountcontact_set.values_list("contact_id", flat=True)}
    assert set(rows.values_list("idempotency_key", flat=True)) == expected
    assert set(rows.values_list("step_id", "step")) == {("0", 0)}
    assert runtime.tick() == {} and OutboxMessage.objects.count() == 6  # nothing due twice
    assert set(Enrollment.objects.values_list("state", "next_at")) == {("done", None)}
    assert FlowStepRun.objects.filter(step_id="0").count() == 3
    assert message_content(rows[0]) == {"template": "reorder_reminder", "step": 0}


def test_holdout_walks_the_flow_without_buyer_mail_or_call_but_staff_are_told():
    definition = document([{"id": "staff_alert", "kind": "staff", "channel": "staff_alert", "next": "call_task"},
                           {"id": "call_task", "kind": "staff", "channel": "call_task", "next": "0"},
                           send("0", None)])
    version = live_flow(definition, key="churn_risk")
    accounts = buyers(4)
    enroll(version, accounts, holdout=lambda a: a.pk == accounts[0].pk)
    runtime.tick()
    held = Enrollment.objects.get(account=accounts[0])
    assert set(held.messages.values_list("kind", flat=True)) == {"staff_alert"}
    assert held.messages.get().idempotency_key == f"churn_risk:{CHANNEL}:t:{accounts[0].pk}:staff_alert"
    assert set(held.step_runs.values_list("step_id", "outcome")) == {("staff_alert", "done"),
                                                                     ("call_task", "holdout"), ("0", "holdout")}
    assert OutboxMessage.objects.exclude(enrollment=held).count() == 3 * 3
    assert held.state == "done"


def test_a_delay_waits_and_counts_from_when_the_step_was_due():
    version = live_flow(document([{"id": "d", "kind": "delay", "hours": 24, "next": "0"}, send("0", None)]))
    due_at = timezone.now() - timedelta(hours=2)
    enroll(version, buyers(2), at=due_at)
    assert runtime.tick()["waiting"] == 2
    enrollment = Enrollment.objects.first()
    assert enrollment.position == "0" and enrollment.next_at == due_at + timedelta(hours=24)
    assert runtime.tick(now=later(21)) == {}
    assert runtime.tick(now=later(22.1))["messages"] == 2


def test_until_hour_on_weekdays_lands_on_monday_ten_in_the_shops_time_zone():
    step = parse(document([{"id": "d", "kind": "delay", "until_hour": 10, "weekdays_only": True, "next": None}]))[0]
    friday_afternoon_jst = datetime(2026, 12, 4, 6, 0, tzinfo=tz.utc)  # Fri 15:00 JST
    wake = steps.wake_time(step.steps["d"], friday_afternoon_jst, "Asia/Tokyo")
    assert wake == datetime(2026, 12, 7, 1, 0, tzinfo=tz.utc)  # Mon 10:00 JST
    assert steps.wake_time(step.steps["d"], datetime(2026, 12, 2, 0, 0, tzinfo=tz.utc), "Asia/Tokyo") == \
        datetime(2026, 12, 2, 1, 0, tzinfo=tz.utc)  # Wed 09:00 JST → 10:00 the same day


def _split_flow(condition: dict, key="test_flow") -> dict:
    return document([{"id": "c", "kind": "split", "condition": condition, "yes": "y", "no": "n"},
                     {"id": "y", "kind": "update", "action": "add_tag", "tag": "went_yes", "next": None},
                     {"id": "n", "kind": "exit"}], exit_on=())  # an "ordered" exit would come first


def _branches() -> Counter:
    return Counter(FlowStepRun.objects.filter(step_id="c").values_list("branch", flat=True))


@pytest.mark.parametrize("kind", ["metric", "has_tag", "in_segment", "ordered"])
def test_splits_send_each_account_down_its_branch_and_the_branches_add_up(kind):
    accounts = buyers(10)
    now = timezone.now()
    for i, a in enumerate(accounts):
        AccountMetrics.objects.create(account=a, channel=CHANNEL, currency="JPY", rfm_rank=i % 7 + 1,
                                      frequency=i, computed_at=now)
    yes_accounts = {a.pk for i, a in enumerate(accounts) if i % 7 + 1 <= 2}
    condition = {"kind": "metric", "metric": "rfm_rank", "op": "<=", "value": 2}
    if kind == "has_tag":
        AccountTag.objects.bulk_create([AccountTag(account_id=a, tag="vip") for a in yes_accounts])
        condition = {"kind": "has_tag", "tag": "vip"}
    if kind == "in_segment":
        segment = SavedSegment.objects.create(name="top", channel=CHANNEL, filter={"rfm_rank": {"lte": 2}})
        condition = {"kind": "in_segment", "segment_id": segment.pk}
    version = live_flow(_split_flow(condition))
    enroll(version, accounts)
    if kind == "ordered":
        for a in accounts:
            if a.pk in yes_accounts:
                order(a, now)  # after entry (entry is a minute before `now`)
        condition = {"kind": "ordered"}
        version = live_flow(_split_flow(condition))
        Enrollment.objects.update(flow_version=version)
    runtime.tick()
    assert set(AccountTag.objects.filter(tag="went_yes").values_list("account_id", flat=True)) == yes_accounts
    assert AccountTag.objects.filter(tag="went_yes").first().source == "flow:test_flow"
    assert _branches() == {"yes": len(yes_accounts), "no": 10 - len(yes_accounts)}
    assert sum(_branches().values()) == Enrollment.objects.count()


def test_opened_and_clicked_read_the_enrollments_own_mails_and_a_named_step():
    accounts = buyers(3)
    version = live_flow(_split_flow({"kind": "clicked", "step": "0"}))
    enrollments = enroll(version, accounts)
    first = OutboxMessage.objects.create(idempotency_key="x0", enrollment=enrollments[0], scenario="test_flow",
                                         channel=CHANNEL, step=0, step_id="0", kind="email",
                                         due_at=timezone.now(), clicked_at=timezone.now())
    OutboxMessage.objects.create(idempotency_key="x1", enrollment=enrollments[1], scenario="test_flow",
                                 channel=CHANNEL, step=1, step_id="1", kind="email", due_at=timezone.now(),
                                 clicked_at=timezone.now(), opened_at=timezone.now())
    ids = [e.id for e in enrollments]
    assert conditions.split(ids, {"kind": "clicked", "step": "0"}, CHANNEL) == {first.enrollment_id}
    assert conditions.split(ids, {"kind": "clicked"}, CHANNEL) == {ids[0], ids[1]}
    assert conditions.split(ids, {"kind": "opened"}, CHANNEL) == {ids[1]}
    runtime.tick()
    assert _branches() == {"yes": 1, "no": 2}


def test_ab_assignment_is_stable_weighted_and_carried_by_the_rows_downstream():
    definition = document([{"id": "ab", "kind": "ab", "variants": [{"key": "A", "weight": 30, "next": "a"},
                                                                  {"key": "B", "weight": 70, "next": "b"}]},
                           send("a", None), send("b", None, ("reorder_reminder", 1))])
    version = live_flow(definition)
    accounts = buyers(2000)
    enroll(version, accounts)
    runtime.tick(limit=500)

    def expected(account):  # an independent reading of the rule: sha256 → a point in 0..99
        point = int.from_bytes(hashlib.sha256(f"test_flow:ab:a{account.pk}".encode()).digest()[:8], "big") % 100
        return "A" if point < 30 else "B"

    got = dict(Enrollment.objects.values_list("account_id", "variants"))
    assert all(got[a.pk] == {"ab": expected(a)} for a in accounts)
    share = sum(1 for v in got.values() if v["ab"] == "A") / len(accounts)
    assert 0.26 < share < 0.34
    assert set(OutboxMessage.objects.values_list("step_id", "variant")) == {("a", "A"), ("b", "B")}
    assert Counter(FlowStepRun.objects.filter(step_id="ab").values_list("branch", flat=True)) == \
        Counter(v["ab"] for v in got.values())


def test_remove_tag_and_an_exit_step():
    accounts = buyers(2)
    AccountTag.objects.create(account=accounts[0], tag="new")
    version = live_flow(document([{"id": "u", "kind": "update", "action": "remove_tag", "tag": "new", "next": "x"},
                                  {"id": "x", "kind": "exit"}]))
    enroll(version, accounts)
    runtime.tick()
    assert not AccountTag.objects.exists()
    assert set(Enrollment.objects.values_list("state", flat=True)) == {"done"}


@pytest.mark.parametrize("reason", ["ordered", "checkout_completed", "checkout_started", "left_segment",
                                    "unsubscribed"])
def test_each_exit_condition_stops_the_enrollment_before_its_step(reason):
    accounts = buyers(2)
    now = timezone.now()
    segment = SavedSegment.objects.create(name="freq", channel=CHANNEL, filter={"frequency": {"gte": 1}})
    for a in accounts:
        AccountMetrics.objects.create(account=a, channel=CHANNEL, currency="JPY", frequency=1, computed_at=now)
    extra = {"entry": {"segment_id": segment.pk}} if reason == "left_segment" else {}
    version = live_flow(document([send("0", None)], exit_on=[reason], **extra))
    enrollments = enroll(version, accounts, created_at=now - timedelta(hours=1))
    leaver, stayer = accounts
    contact = Contact.objects.get(accountcontact__account=leaver)
    order(stayer, now - timedelta(hours=2))  # before entry: no exit
    if reason == "ordered":
        order(leaver, now - timedelta(minutes=5))
    elif reason in ("checkout_completed", "checkout_started"):
        CheckoutFact.objects.create(token="tok-l", channel=CHANNEL, currency="JPY", contact=contact,
                                    state="completed" if reason == "checkout_completed" else "open",
                                    last_change=now, created_at=now - timedelta(minutes=5), total_gross=1)
        Enrollment.objects.filter(pk=enrollments[0].pk).update(context={"checkout_token": "tok-l"})
        Enrollment.objects.filter(pk=enrollments[1].pk).update(context={"checkout_token": "tok-other"})
    elif reason == "left_segment":
        AccountMetrics.objects.filter(account=leaver).update(frequency=0)
    elif reason == "unsubscribed":
        Contact.objects.filter(pk=contact.pk).update(unsubscribed_at=now)
    counts = runtime.tick()
    assert counts["exited"] == 1 and counts["done"] == 1
    left = Enrollment.objects.get(account=leaver)
    assert (left.state, left.stop_reason) == ("exited", reason) and left.stopped_at is not None
    assert not left.messages.exists() and Enrollment.objects.get(account=stayer).messages.count() == 1
    assert left.step_runs.get().outcome == reason


def test_version_pinning_a_thousand_waiting_finish_on_version_one():
    first = live_flow(document([{"id": "d", "kind": "delay", "hours": 24, "next": "v1"}, send("v1", None)]))
    enroll(first, buyers(1000))
    runtime.tick()
    second = live_flow(document([{"id": "d", "kind": "delay", "hours": 24, "next": "v2"}, send("v2", None)]))
    enroll(second, buyers(10, prefix="late"))
    assert second.flow.live_version_id == second.pk
    runtime.tick()
    runtime.tick(now=later(25))
    by_version = Counter(OutboxMessage.objects.values_list("enrollment__flow_version__number", "step_id"))
    assert by_version == {(1, "v1"): 1000, (2, "v2"): 10}
    assert Enrollment.objects.filter(state="done").count() == 1010


def test_a_loop_through_a_delay_mails_once_per_round_with_a_new_key_each_visit():
    loop = document([send("0", "d"), {"id": "d", "kind": "delay", "hours": 24, "next": "c"},
                     {"id": "c", "kind": "split", "condition": {"kind": "clicked"}, "yes": "end", "no": "0"},
                     {"id": "end", "kind": "exit"}])
    version = live_flow(loop)
    enroll(version, buyers(1))
    for day in range(3):
        runtime.tick(now=later(24 * day + 1))
    keys = sorted(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == 3 and keys[0].endswith(":0:" + keys[0].split(":")[-1])
    assert [k.rsplit(":", 1)[-1] for k in keys[1:]] == ["v1", "v2"]
    assert sorted(FlowStepRun.objects.filter(step_id="0").values_list("visit", flat=True)) == [0, 1, 2]
    OutboxMessage.objects.update(clicked_at=timezone.now())
    runtime.tick(now=later(24 * 3 + 1))
    assert Enrollment.objects.get().state == "done" and OutboxMessage.objects.count() == 3


def test_a_paused_flow_holds_its_enrollments():
    version = live_flow(document([send("0", None)]))
    enroll(version, buyers(2))
    version.flow.state = "paused"
    version.flow.save()
    assert runtime.tick() == {}
    assert Enrollment.objects.filter(state="active", position="0").count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_order_arriving_between_the_tick_and_the_send_stops_the_mail(sink, shop_settings):  # noqa: F811
    version = live_flow(document([send("0", None)]), key="reorder_reminder")
    accounts = buyers(2)
    enroll(version, accounts)
    assert runtime.tick()["messages"] == 2
    order(accounts[0], timezone.now())
    assert outbox.send_due() == {"sent": 1, "skipped": 1}
    assert sink.count() == 1 and sink.to(f"buyer1.0@flow.example")
    skipped = OutboxMessage.objects.get(status="skipped")
    assert skipped.skip_reason == "ordered" and skipped.account_id == accounts[0].pk
