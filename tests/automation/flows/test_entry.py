"""Flow entry: each trigger kind enters the accounts an independent reading of the data
says it should, once, pinned to the live version, past the entry filter and re-entry rule."""

import datetime as dt
import hashlib
import random
import zoneinfo
from datetime import datetime, timedelta

import pytest

from saleor_ltv_plugin.automation.flows.entry import enter, enter_flow, timing, unavailable
from saleor_ltv_plugin.automation.flows.templates import parsed
from saleor_ltv_plugin.models import AccountMetrics, Enrollment, OutboxMessage, SavedSegment

from .world import CHANNEL, accounts, live_flow, mail_flow, publish

pytestmark = pytest.mark.django_db
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=TOKYO)  # a Monday, 12:00 shop time
TODAY = NOW.date()
STAGES = ["new", "first_repeat", "repeat", "loyal", "dormant", "lost"]


@pytest.fixture(autouse=True)
def shop(shop_settings):
    return shop_settings


def entered(flow) -> set[int]:
    return set(Enrollment.objects.filter(flow=flow).values_list("account_id", flat=True))


def random_shop(n=120, seed=7):
    rng = random.Random(seed)
    rows = [{"stage": rng.choice(STAGES), "p_alive": round(rng.random(), 3), "churn_risk": rng.random() < 0.2,
             "frequency": rng.randint(1, 4), "monetary": rng.choice([1000, 50000, 900000]),
             "last_purchase_at": TODAY - timedelta(days=rng.randint(0, 6)),
             "first_purchase_at": TODAY - timedelta(days=rng.choice([7, 8, 30, 365])),
             "birthday": dt.date(rng.randint(1960, 2000), rng.choice([5, 6, 7]), rng.choice([1, 2, 15]))}
            for _ in range(n)]
    return dict(zip(accounts(rows), rows))


@pytest.mark.parametrize("trigger, expected", [
    ({"kind": "metric", "metric": "stage", "to": "loyal"}, lambda r: r["stage"] == "loyal"),
    ({"kind": "metric", "metric": "stage", "to": "active"},
     lambda r: r["stage"] in ("new", "first_repeat", "repeat", "loyal")),
    ({"kind": "metric", "metric": "stage", "to": "at_risk"},
     lambda r: r["churn_risk"] and r["stage"] != "lost"),
    ({"kind": "metric", "metric": "p_alive_below", "value": 0.25}, lambda r: r["p_alive"] < 0.25),
    ({"kind": "metric", "metric": "churn_risk"}, lambda r: r["churn_risk"] and r["stage"] != "lost"),
    # the 2nd purchase, within the last two days (the flow has no wait before its mail)
    ({"kind": "event", "event": "order_placed", "nth": 2},
     lambda r: r["frequency"] == 2 and (TODAY - r["last_purchase_at"]).days <= 2),
    ({"kind": "event", "event": "order_placed"}, lambda r: (TODAY - r["last_purchase_at"]).days <= 2),
    # a week after the first purchase, once (not yearly)
    ({"kind": "date", "field": "account.first_purchase_at", "offset_days": 7, "annual": False},
     lambda r: r["first_purchase_at"] == TODAY - timedelta(days=7)),
    # birthdays: today's month and day, any year before
    ({"kind": "date", "field": "contact.birthday", "hour": 9},
     lambda r: (r["birthday"].month, r["birthday"].day) == (TODAY.month, TODAY.day)),
])
def test_each_trigger_kind_enters_the_accounts_the_data_says(trigger, expected):
    shop = random_shop()
    flow = live_flow(mail_flow(trigger))
    count = enter_flow(flow, NOW)
    want = {a for a, r in shop.items() if expected(r)}
    assert want, "the random shop should hold some of each"
    assert entered(flow) == want and count == len(want)


def test_an_enrollment_starts_at_the_first_step_on_the_live_version_when_the_trigger_says():
    shop = random_shop()
    flow = live_flow(mail_flow({"kind": "date", "field": "contact.birthday", "hour": 9}))
    enter_flow(flow, NOW)
    enrollment = Enrollment.objects.filter(flow=flow).first()
    assert enrollment.account_id in shop
    assert (enrollment.flow_version_id, enrollment.position, enrollment.state, enrollment.scenario) == \
        (flow.live_version_id, "m", "active", "f")
    assert enrollment.next_at == datetime.combine(TODAY, dt.time(9), tzinfo=TOKYO)
    assert not OutboxMessage.objects.exists()  # the runtime makes those


def test_leap_day_birthdays_are_kept_on_28_february_in_other_years():
    ids = accounts([{"birthday": dt.date(2000, 2, 29)}, {"birthday": dt.date(2001, 2, 28)},
                    {"birthday": dt.date(2001, 3, 1)}])
    flow = live_flow(mail_flow({"kind": "date", "field": "contact.birthday"}))
    enter_flow(flow, datetime(2027, 2, 28, 12, tzinfo=TOKYO))
    assert entered(flow) == {ids[0], ids[1]}
    leap = live_flow(mail_flow({"kind": "date", "field": "contact.birthday"}), key="leap")
    enter_flow(leap, datetime(2028, 2, 28, 12, tzinfo=TOKYO))  # a leap year: the 29th is its own day
    assert entered(leap) == {ids[1]}


def test_a_metadata_date_fires_on_its_day_minus_the_offset():
    from saleor_ltv_plugin.models import Contact

    ids = accounts([{}, {}, {}])
    renewal = TODAY + timedelta(days=30)
    for account_id, value in zip(ids, [renewal.isoformat(), f"{renewal.isoformat()}T09:00:00+09:00", "2020-01-01"]):
        Contact.objects.filter(accountcontact__account_id=account_id).update(metadata={"renewal_on": value})
    flow = live_flow(mail_flow({"kind": "date", "field": "metadata:renewal_on", "offset_days": -30}))
    enter_flow(flow, NOW)
    assert entered(flow) == set(ids[:2])


def segment(filter_, name="seg"):
    return SavedSegment.objects.create(name=name, channel=CHANNEL, filter=filter_)


def test_schedule_enters_the_segment_on_its_day_of_the_month_at_its_hour():
    shop = random_shop()
    big = segment({"monetary": {"gte": "500000"}})
    flow = live_flow(mail_flow({"kind": "schedule", "segment_id": big.pk, "day_of_month": 1, "hour": 8},
                               reentry={"mode": "each_trigger"}))
    assert enter_flow(flow, NOW - timedelta(days=1)) == 0  # 31 May
    enter_flow(flow, NOW)
    assert entered(flow) == {a for a, r in shop.items() if r["monetary"] >= 500000}
    assert {e.next_at for e in Enrollment.objects.filter(flow=flow)} == {datetime.combine(TODAY, dt.time(8), TOKYO)}
    assert enter_flow(flow, NOW + timedelta(hours=3)) == 0  # the same month once
    assert enter_flow(flow, datetime(2026, 7, 1, 9, tzinfo=TOKYO)) == len(entered(flow))


def test_a_broadcast_enters_the_segment_once_at_its_send_time():
    shop = random_shop()
    big = segment({"monetary": {"gte": "500000"}})
    send_at = NOW + timedelta(hours=2)
    flow = live_flow(mail_flow({"kind": "broadcast", "segment_id": big.pk, "send_at": send_at.isoformat()}))
    assert enter_flow(flow, NOW) == 0  # not yet
    first = enter_flow(flow, send_at + timedelta(minutes=1))
    assert entered(flow) == {a for a, r in shop.items() if r["monetary"] >= 500000} and first
    AccountMetrics.objects.update(monetary=900000)  # everyone joins the segment afterwards
    assert enter_flow(flow, send_at + timedelta(minutes=2)) == 0
    assert {e.next_at for e in Enrollment.objects.filter(flow=flow)} == {send_at}


def test_segment_enter_and_leave_follow_membership_between_scans():
    shop = random_shop()
    big = segment({"monetary": {"gte": "500000"}})
    joins = live_flow(mail_flow({"kind": "segment", "segment_id": big.pk, "on": "enter"},
                                reentry={"mode": "each_trigger"}), key="joins")
    leaves = live_flow(mail_flow({"kind": "segment", "segment_id": big.pk, "on": "leave"},
                                 reentry={"mode": "each_trigger"}), key="leaves")
    members = {a for a, r in shop.items() if r["monetary"] >= 500000}
    enter(now=NOW)
    assert entered(joins) == members and entered(leaves) == set()
    rng = random.Random(3)
    gone = set(rng.sample(sorted(members), 5))
    new = set(rng.sample(sorted(set(shop) - members), 4))
    AccountMetrics.objects.filter(account_id__in=gone).update(monetary=10)
    AccountMetrics.objects.filter(account_id__in=new).update(monetary=600000)
    later = NOW + timedelta(days=1)
    counts = enter(now=later)
    assert counts == {f"{CHANNEL}/joins": len(new), f"{CHANNEL}/leaves": len(gone)}
    assert set(Enrollment.objects.filter(flow=joins, created_at=later).values_list("account_id", flat=True)) == new
    assert entered(leaves) == gone
    assert enter(now=later + timedelta(minutes=5)) == {f"{CHANNEL}/joins": 0, f"{CHANNEL}/leaves": 0}


def test_the_entry_segment_filters_who_may_enter():
    shop = random_shop()
    big = segment({"monetary": {"gte": "500000"}})
    flow = live_flow(mail_flow({"kind": "metric", "metric": "stage", "to": "loyal"}, entry={"segment_id": big.pk}))
    enter_flow(flow, NOW)
    assert entered(flow) == {a for a, r in shop.items() if r["stage"] == "loyal" and r["monetary"] >= 500000}


@pytest.mark.parametrize("reentry, again_after_a_week, again_after_a_month", [
    ({"mode": "never"}, False, False),
    ({"mode": "after_days", "days": 20}, False, True),
    ({"mode": "each_trigger"}, True, True),
])
def test_reentry_rules(reentry, again_after_a_week, again_after_a_month):
    """The same account in the stage again after a new purchase and lapse: a new situation."""
    (account,) = accounts([{"stage": "loyal", "last_purchase_at": TODAY - timedelta(days=1)}])
    flow = live_flow(mail_flow({"kind": "metric", "metric": "stage", "to": "loyal"}, reentry=reentry))
    assert enter_flow(flow, NOW) == 1
    assert enter_flow(flow, NOW + timedelta(hours=1)) == 0  # the same situation never twice
    AccountMetrics.objects.update(last_purchase_at=TODAY + timedelta(days=6))
    assert enter_flow(flow, NOW + timedelta(days=7)) == int(again_after_a_week)
    AccountMetrics.objects.update(last_purchase_at=TODAY + timedelta(days=29))
    assert enter_flow(flow, NOW + timedelta(days=30)) == int(again_after_a_month)


def test_entries_after_a_publish_take_the_new_version_and_earlier_ones_keep_theirs():
    ids = accounts([{"stage": "loyal"}] * 3)
    flow = live_flow(mail_flow({"kind": "metric", "metric": "stage", "to": "loyal"}))
    enter_flow(flow, NOW)
    first = flow.live_version
    v2 = publish(flow, mail_flow({"kind": "metric", "metric": "stage", "to": "loyal"}, holdout_percent=0))
    accounts([{"stage": "loyal"}] * 2)
    enter_flow(flow, NOW + timedelta(hours=1))
    by_version = {v: set(Enrollment.objects.filter(flow=flow, flow_version=v).values_list("account_id", flat=True))
                  for v in (first, v2)}
    assert by_version[first] == set(ids) and len(by_version[v2]) == 2


def test_a_paused_flow_enters_nobody():
    accounts([{"stage": "loyal"}])
    flow = live_flow(mail_flow({"kind": "metric", "metric": "stage", "to": "loyal"}))
    flow.state = "paused"
    flow.save()
    assert enter(now=NOW) == {}


def test_holdout_follows_the_definition_share_per_account():
    ids = accounts([{"stage": "loyal"}] * 200)
    flow = live_flow(mail_flow({"kind": "metric", "metric": "stage", "to": "loyal"}, holdout_percent=30))
    enter_flow(flow, NOW)
    held = set(Enrollment.objects.filter(flow=flow, holdout=True).values_list("account_id", flat=True))
    expected = {a for a in ids if int.from_bytes(hashlib.sha256(f"f:a{a}".encode()).digest()[:4], "big") % 100 < 30}
    assert held == expected and 30 < len(held) < 90


def test_every_trigger_kind_runs_on_captured_data():
    # order_fulfilled reads ShipmentFact (test_shipping_flow drives it from an imported file)
    assert unavailable({"kind": "event", "event": "order_fulfilled"}) is None


def test_timing_reads_the_waits_of_a_template():
    assert timing(parsed("f2_followup")) == (336, 336)
    assert timing(parsed("registered_no_purchase")) == (24, 168)
    assert timing(parsed("abandoned_checkout")) == (0, 71)  # after the trigger's idle hour
    assert timing(parsed("churn_risk"))[0] == 0
