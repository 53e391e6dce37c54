"""A flow with two A/B steps whose variants share names (A, B): the report keys variant figures by
(step, variant), each figure checked against a count done here from the rows (pandas)."""

import random
from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest
from django.utils import timezone

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.automation.flows import report, runtime
from saleor_ltv_plugin.models import Enrollment, OrderFact, OutboxMessage

from ..conftest import shop_settings  # noqa: F401 — fixture
from .flowshop import buyers, document, enroll, live_flow, order, send

pytestmark = pytest.mark.django_db
OWNER = {"m1a": "ab1", "m1b": "ab1", "m2a": "ab2", "m2b": "ab2"}  # the A/B step each mail's variant comes from


def two_tests() -> dict:
    """ab1 (subject) → m1a | m1b → ab2 (offer) → m2a | m2b → end."""
    def ab(step_id, a, b):
        return {"id": step_id, "kind": "ab", "variants": [{"key": "A", "weight": 50, "next": a},
                                                          {"key": "B", "weight": 50, "next": b}]}
    return document([ab("ab1", "m1a", "m1b"), send("m1a", "ab2"), send("m1b", "ab2", ("reorder_reminder", 1)),
                     ab("ab2", "m2a", "m2b"), send("m2a", None, ("reorder_reminder", 2)),
                     send("m2b", None, ("winback", 0))], exit_on=[])


def simulate(rng: random.Random):
    """Mail 1 sent at +1 h, mail 2 at +2 h (some fail), opens/clicks at random, orders at +1.5 h (credited
    to mail 1: mail 2 is not out yet) or +3 h (mail 2, or mail 1 where mail 2 failed)."""
    now = timezone.now()
    for mail in OutboxMessage.objects.filter(status="pending").select_related("account"):
        first = mail.step_id.startswith("m1")
        if not first and rng.random() < 0.2:
            mail.status = "failed"
        else:
            mail.status, mail.sent_at = "sent", now + timedelta(hours=1 if first else 2)
            if rng.random() < (0.3 if first else 0.6):
                mail.opened_at = mail.sent_at + timedelta(minutes=2)
                if rng.random() < 0.5:
                    mail.clicked_at = mail.opened_at + timedelta(minutes=1)
        mail.save(update_fields=["status", "sent_at", "opened_at", "clicked_at"])
    for account_id in {m.account_id for m in OutboxMessage.objects.filter(step_id__startswith="m1")}:
        draw = rng.random()
        if draw < 0.5:
            hours = 1.5 if draw < 0.2 else 3
            order(OutboxMessage.objects.filter(account_id=account_id).first().account, now + timedelta(hours=hours))


def expected_figures(window: timedelta) -> pd.DataFrame:
    """Per (step, variant), from the rows: recipients, delivered/opened/clicked (once per recipient) on
    the step's own mails, and orders/revenue credited by last touch (a mail's send or its click)."""
    enrollments = pd.DataFrame(list(Enrollment.objects.values("id", "account_id", "holdout", "variants")))
    mails = pd.DataFrame(list(OutboxMessage.objects.filter(status="sent").values(
        "enrollment_id", "account_id", "step_id", "variant", "sent_at", "opened_at", "clicked_at")))
    mails["ab"] = mails["step_id"].map(OWNER)
    touches = pd.concat([mails.assign(at=mails["sent_at"]),
                         mails.dropna(subset=["clicked_at"]).assign(at=lambda m: m["clicked_at"])])
    credits = []
    for o in OrderFact.objects.filter(account_id__in=enrollments["account_id"]):
        before = touches[(touches["account_id"] == o.account_id) & (touches["at"] < o.created_at)]
        if len(before):
            last = before.sort_values("at").iloc[-1]
            if o.created_at - last["at"] <= window:
                credits.append({"enrollment_id": last["enrollment_id"], "ab": last["ab"], "variant": last["variant"],
                                "amount": o.amount})
    credits = pd.DataFrame(credits)
    rows = []
    for step in ("ab1", "ab2"):
        for key in ("A", "B"):
            members = enrollments[~enrollments["holdout"] & (enrollments["variants"].map(lambda v: v.get(step)) == key)]
            own = mails[(mails["ab"] == step) & mails["enrollment_id"].isin(members["id"])]
            got = credits[(credits["ab"] == step) & credits["enrollment_id"].isin(members["id"])]
            rows.append({"step_id": step, "key": key, "recipients": len(members),
                         "delivered": own["enrollment_id"].nunique(),
                         "opened": own.dropna(subset=["opened_at"])["enrollment_id"].nunique(),
                         "clicked": own.dropna(subset=["clicked_at"])["enrollment_id"].nunique(),
                         "orders": len(got), "converted": got["enrollment_id"].nunique(),
                         "revenue": sum(got["amount"], Decimal(0))})
    return pd.DataFrame(rows).set_index(["step_id", "key"])


def test_two_ab_steps_are_reported_apart(shop_settings):
    version = live_flow(two_tests(), key="two_tests")
    accounts = buyers(160)
    enroll(version, accounts, holdout=lambda a: a.pk % 7 == 0)
    runtime.tick()
    # the runtime stamps each mail with the variant of its own A/B step
    variants = dict(Enrollment.objects.values_list("id", "variants"))
    for m in OutboxMessage.objects.all():
        assert m.variant == variants[m.enrollment_id][OWNER[m.step_id]]
    simulate(random.Random(16))

    today = timezone.localdate()
    result = report.flow_report(version.flow, today - timedelta(days=1), today + timedelta(days=1))
    window = timedelta(days=conf.channel_settings(version.flow.channel).attribution_window_days)
    expected = expected_figures(window)
    got = pd.DataFrame([{k: getattr(v, k) for k in ["step_id", "key", *expected.columns]} for v in result.variants]
                       ).set_index(["step_id", "key"])
    assert list(got.index) == [("ab1", "A"), ("ab1", "B"), ("ab2", "A"), ("ab2", "B")]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    # the test means something: the two steps' figures differ, every credited order is in one of them
    assert not got.loc["ab1"].equals(got.loc["ab2"])
    assert got["orders"].sum() == OrderFact.objects.count() - _uncredited(window) > 0
    assert got.loc["ab1", "orders"].sum() > 0 and got.loc["ab2", "orders"].sum() > 0
    assert sum(got["revenue"], Decimal(0)) == result.attributed_revenue
    # the recipients of each step's variants add up to the treated entrants, each step on its own
    treated = Enrollment.objects.filter(holdout=False).count()
    assert got.loc["ab1", "recipients"].sum() == got.loc["ab2", "recipients"].sum() == treated


def _uncredited(window: timedelta) -> int:
    """Orders with no mail of this flow sent (or clicked) before them within the window (none here)."""
    count = 0
    for o in OrderFact.objects.all():
        times = [t for m in OutboxMessage.objects.filter(account_id=o.account_id, status="sent")
                 for t in (m.sent_at, m.clicked_at) if t is not None and t < o.created_at]
        count += not times or o.created_at - max(times) > window
    return count
