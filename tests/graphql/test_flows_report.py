"""ltvFlowReport on rows made directly (enrollments, step runs, outbox rows, orders), each figure
checked against a count done here a second, independent way (plain loops, scipy, Monte Carlo)."""

import json
import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pytest
from scipy import stats

from saleor_ltv_plugin import auth, conf
from saleor_ltv_plugin.automation.flows import service
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.models import (Account, AccountContact, Enrollment, FlowStepRun, OrderFact,
                                      OutboxMessage)
from saleor_ltv_plugin.standalone import tokens

from ..conftest import make_order

pytestmark = pytest.mark.django_db
CHANNEL = "default-channel"
ADMIN = auth.Principal(kind="staff", email="admin@shop.example")
AB_TEST = {"trigger": {"kind": "event", "event": "order_placed"}, "exit_on": ["ordered"], "start": "ab",
           "steps": [{"id": "ab", "kind": "ab", "variants": [{"key": "A", "weight": 50, "next": "mail_a"},
                                                              {"key": "B", "weight": 50, "next": "mail_b"}]},
                     {"id": "mail_a", "kind": "send", "channel": "email", "content": {"template": "winback", "step": 0},
                      "next": None},
                     {"id": "mail_b", "kind": "send", "channel": "email", "content": {"template": "winback", "step": 1},
                      "next": None}]}
REPORT = """query($id: ID!) { ltvFlowReport(id: $id, since: "2026-10-01", until: "2026-10-31") { flowId since until
  entered holdout active done exited attributedRevenue incrementalRevenue incrementalLow incrementalHigh verdict
  steps { stepId kind name passed sent opened clicked branches }
  variants { stepId key recipients delivered opened clicked orders converted revenue revenuePerRecipient
             probabilityBest pValue } } }"""
START = datetime(2026, 10, 3, 1, 0, tzinfo=timezone.utc)


def build_shop(rng, flow, n=150):
    """n accounts in the flow: a third held out, the rest split A/B; mails, opens, clicks, orders at random."""
    upsert_orders([make_order(f"first-{i}", company=f"Company {i}", email=f"buyer{i}@example.jp",
                              created_at=datetime(2026, 6, 1, tzinfo=timezone.utc)) for i in range(n)])
    links = {link.account_id: link.contact_id for link in AccountContact.objects.all()}
    by_name = {a.display_name: a for a in Account.objects.all()}
    rows, mails, orders, ordered_at = [], [], [], {}
    for i in range(n):
        account = by_name[f"Company {i}"]
        created = START + timedelta(hours=3 * i)
        holdout = i % 3 == 0
        variant = "" if holdout else rng.choice("AB")
        state = rng.choice(["active", "done", "done", "exited"])
        reason = rng.choice(["ordered", "unsubscribed"]) if state == "exited" else ""
        enrollment = Enrollment.objects.create(
            scenario=flow.key, channel=CHANNEL, trigger_ref=f"t{i}", account=account, contact_id=links[account.pk],
            anchor_at=created, created_at=created, holdout=holdout, flow=flow, flow_version=flow.live_version,
            state=state, stop_reason=reason, variants={"ab": variant} if variant else {})
        rows.append(enrollment)
        if not holdout:  # the held-out pass no step
            FlowStepRun.objects.create(enrollment=enrollment, step_id="ab", branch=variant, at=created)
            step = f"mail_{variant.lower()}"
            FlowStepRun.objects.create(enrollment=enrollment, step_id=step, at=created)
            status = "sent" if rng.random() < 0.9 else "failed"
            sent_at = created + timedelta(hours=1) if status == "sent" else None
            opened = sent_at + timedelta(hours=2) if sent_at and rng.random() < (0.5 if variant == "A" else 0.7) else None
            clicked = opened + timedelta(minutes=5) if opened and rng.random() < 0.5 else None
            mails.append(OutboxMessage.objects.create(
                idempotency_key=f"k{i}", enrollment=enrollment, scenario=flow.key, channel=CHANNEL, step=1,
                step_id=step, variant=variant, kind="email", account=account, contact_id=links[account.pk],
                due_at=created, status=status, sent_at=sent_at, opened_at=opened, clicked_at=clicked))
        if rng.random() < (0.25 if holdout else 0.45):
            at = created + timedelta(hours=rng.choice([0.5, 5, 30, 24 * 40]))  # some before the mail, some too late
            ordered_at[enrollment.pk] = at
            orders.append(make_order(f"again-{i}", company=f"Company {i}", email=f"buyer{i}@example.jp", created_at=at,
                                     gross=str(rng.randrange(1000, 90000, 100))))
    # another scenario's mail touches one buyer last: its order is that scenario's, not this flow's
    target = next(r for r in rows if not r.holdout and r.created_at + timedelta(hours=5) <= ordered_at.get(
        r.pk, START) <= r.created_at + timedelta(hours=30))
    other = Enrollment.objects.create(scenario="cross_sell", channel=CHANNEL, trigger_ref="x", account=target.account,
                                      contact=target.contact, anchor_at=START)
    mails.append(OutboxMessage.objects.create(
        idempotency_key="other", enrollment=other, scenario="cross_sell", channel=CHANNEL, step=0, kind="email",
        account=target.account, contact=target.contact, due_at=START, status="sent",
        sent_at=ordered_at[target.pk] - timedelta(minutes=1)))
    upsert_orders(orders)
    return rows, mails


def credited(rows, mails, window):
    """Last touch, by brute force: for each order, the latest mail sent or clicked before it."""
    result = []
    for order in OrderFact.objects.filter(channel=CHANNEL, counts_as_purchase=True, created_at__gte=START):
        touches = [(t, m) for m in mails if m.status == "sent" and m.account_id == order.account_id
                   for t in (m.sent_at, m.clicked_at) if t is not None and t < order.created_at]
        if touches:
            at, mail = max(touches, key=lambda touch: touch[0])
            if order.created_at - at <= window:
                result.append((mail, order.amount))
    return result


def test_the_report_counts_what_the_rows_say(gql):
    rng = random.Random(16)
    flow = service.create(CHANNEL, ADMIN, "A/B win-back", definition=AB_TEST)
    flow = service.publish(flow.pk, ADMIN)
    rows, mails = build_shop(rng, flow)
    window = timedelta(days=conf.channel_settings(CHANNEL).attribution_window_days)
    body = gql(REPORT, {"id": _gid(flow)}, tokens.mint("clerk@shop.example", ["MANAGE_ORDERS"]))
    assert "errors" not in body, body
    report = body["data"]["ltvFlowReport"]

    assert report["entered"] == len(rows) and report["holdout"] == sum(r.holdout for r in rows)
    assert report["active"] == sum(r.state == "active" for r in rows)
    assert report["done"] == sum(r.state == "done" for r in rows)
    assert json.loads(report["exited"]) == dict(Counter(r.stop_reason for r in rows if r.state == "exited"))

    steps = {s["stepId"]: s for s in report["steps"]}
    assert list(steps) == ["ab", "mail_a", "mail_b"] and steps["mail_a"]["kind"] == "send"
    treated = [r for r in rows if not r.holdout]
    assert steps["ab"]["passed"] == len(treated)
    assert json.loads(steps["ab"]["branches"]) == dict(Counter(r.variants["ab"] for r in treated))
    ours = [m for m in mails if m.scenario == flow.key]
    for step in ("mail_a", "mail_b"):
        sent = [m for m in ours if m.step_id == step and m.status == "sent"]
        assert steps[step]["passed"] == sum(1 for m in ours if m.step_id == step)
        assert (steps[step]["sent"], steps[step]["opened"], steps[step]["clicked"]) == (
            len(sent), sum(m.opened_at is not None for m in sent), sum(m.clicked_at is not None for m in sent))
    assert sum(json.loads(steps["ab"]["branches"]).values()) == report["entered"] - report["holdout"]

    credits = credited(rows, mails, window)
    assert any(m.scenario == "cross_sell" for m, _ in credits)  # the competing touch really took one
    ours_credits = [(m, amount) for m, amount in credits if m.scenario == flow.key]
    assert Decimal(report["attributedRevenue"]) == sum(amount for _, amount in ours_credits)
    variants = {v["key"]: v for v in report["variants"]}
    for key in "AB":
        members = [r for r in treated if r.variants["ab"] == key]
        sent = [m for m in ours if m.variant == key and m.status == "sent"]
        mine = [(m, a) for m, a in ours_credits if m.variant == key]
        v = variants[key]
        assert v["recipients"] == len(members) and v["delivered"] == len(sent)
        assert v["opened"] == sum(m.opened_at is not None for m in sent)
        assert v["clicked"] == sum(m.clicked_at is not None for m in sent)
        assert v["orders"] == len(mine) and Decimal(v["revenue"]) == sum(a for _, a in mine)
        assert v["converted"] == len({m.enrollment_id for m, _ in mine})
        assert Decimal(v["revenuePerRecipient"]) == (sum((a for _, a in mine), Decimal(0)) / len(members)).quantize(
            Decimal("0.001"))

    # significance on converted recipients: Monte Carlo for P(best), the pooled z-test by hand
    a, b = variants["A"], variants["B"]
    draws = np.random.default_rng(0)
    pa = draws.beta(1 + a["converted"], 1 + a["recipients"] - a["converted"], 400_000)
    pb = draws.beta(1 + b["converted"], 1 + b["recipients"] - b["converted"], 400_000)
    assert a["probabilityBest"] == pytest.approx(float((pa > pb).mean()), abs=0.005)
    assert a["probabilityBest"] + b["probabilityBest"] == pytest.approx(1)
    p1, p2 = a["converted"] / a["recipients"], b["converted"] / b["recipients"]
    pooled = (a["converted"] + b["converted"]) / (a["recipients"] + b["recipients"])
    z = (p2 - p1) / np.sqrt(pooled * (1 - pooled) * (1 / a["recipients"] + 1 / b["recipients"]))
    assert a["pValue"] is None and b["pValue"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)

    # the holdout: revenue per enrollment over the window after entering, Welch's interval from scipy
    orders = list(OrderFact.objects.filter(channel=CHANNEL, counts_as_purchase=True, created_at__gte=START))

    def revenue(r):
        return float(sum((o.amount for o in orders if o.account_id == r.account_id
                          and r.created_at < o.created_at <= r.created_at + window), Decimal(0)))

    treated_revenue = [revenue(r) for r in treated]
    control_revenue = [revenue(r) for r in rows if r.holdout]
    welch = stats.ttest_ind(treated_revenue, control_revenue, equal_var=False).confidence_interval(0.95)
    n = len(treated_revenue)
    assert float(report["incrementalRevenue"]) == pytest.approx(
        (np.mean(treated_revenue) - np.mean(control_revenue)) * n, abs=0.01)
    assert float(report["incrementalLow"]) == pytest.approx(welch.low * n, abs=0.01)
    assert float(report["incrementalHigh"]) == pytest.approx(welch.high * n, abs=0.01)
    expected = "inconclusive" if welch.low <= 0 <= welch.high else ("positive" if welch.low > 0 else "negative")
    assert report["verdict"] == expected


def test_a_small_holdout_is_too_small_to_tell_and_an_empty_report_is_zeros(gql):
    flow = service.publish(service.create(CHANNEL, ADMIN, "Tiny", definition=AB_TEST).pk, ADMIN)
    reader = tokens.mint("clerk@shop.example", ["MANAGE_USERS"])
    empty = gql(REPORT, {"id": _gid(flow)}, reader)["data"]["ltvFlowReport"]
    assert (empty["entered"], empty["attributedRevenue"], empty["incrementalRevenue"]) == (0, "0", None)
    assert empty["verdict"] == "too_small" and [v["recipients"] for v in empty["variants"]] == [0, 0]
    assert all(v["probabilityBest"] is None for v in empty["variants"])
    build_shop(random.Random(3), flow, n=12)
    small = gql(REPORT, {"id": _gid(flow)}, reader)["data"]["ltvFlowReport"]
    assert small["holdout"] == 4 and small["verdict"] == "too_small"


def test_report_arguments_are_checked(gql):
    flow = service.create(CHANNEL, ADMIN, "Args", definition=AB_TEST)
    reader = tokens.mint("clerk@shop.example", ["MANAGE_USERS"])
    query = """query($id: ID!, $s: Date, $u: Date) { ltvFlowReport(id: $id, since: $s, until: $u) { entered } }"""
    for variables, field in (({"s": "2026-10-31", "u": "2026-10-01"}, "since"),
                             ({"s": "2020-01-01", "u": "2026-10-01"}, "since"), ({"id": "nope"}, "id")):
        body = gql(query, {"id": _gid(flow), **variables}, reader)
        assert body["errors"][0]["extensions"]["fields"][0]["field"] == field
    assert gql(query, {"id": _gid(flow)})["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def _gid(flow):
    from graphene import relay

    return relay.Node.to_global_id("LtvFlow", flow.pk)
