"""A/B auto-winner on real PostgreSQL: not before N recipients (or D days), a winner after, new
entrants all get it and those already assigned keep theirs; the setting is checked naming the field."""

import json
from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from saleor_ltv_plugin import auth
from saleor_ltv_plugin.automation.flows import report, runtime, service, winners
from saleor_ltv_plugin.automation.flows.definition import parse
from saleor_ltv_plugin.hosts.standalone import tokens
from saleor_ltv_plugin.models import Enrollment, FlowAbWinner, FlowStepRun, OrderFact, OutboxMessage

from ...graphql.conftest import GraphQLClient
from ..conftest import shop_settings  # noqa: F401 — fixture
from .flowshop import CHANNEL, buyers, document, enroll, live_flow, order, send

pytestmark = pytest.mark.django_db
ADMIN = auth.Principal(kind="staff", email="admin@shop.example")


def ab_flow(auto_winner: dict, key: str = "ab_flow"):
    """ab → mail_a | mail_b → wait 24 h → ab again (a loop: a second visit must keep the variant)."""
    return live_flow(document([
        {"id": "ab", "kind": "ab", "auto_winner": auto_winner,
         "variants": [{"key": "A", "weight": 50, "next": "mail_a"}, {"key": "B", "weight": 50, "next": "mail_b"}]},
        send("mail_a", "wait"), send("mail_b", "wait", ("reorder_reminder", 1)),
        {"id": "wait", "kind": "delay", "hours": 24, "next": "ab"}], exit_on=[]), key=key)


def deliver(clicks: dict[str, float] | None = None, orders: dict[str, float] | None = None, seed: int = 0):
    """Marks every pending mail sent; clicks / orders the given share of each variant's recipients."""
    rng = np.random.default_rng(seed)
    now = timezone.now()
    for mail in OutboxMessage.objects.filter(status="pending").select_related("account"):
        mail.status, mail.sent_at = "sent", now
        if clicks and rng.random() < clicks[mail.variant]:
            mail.clicked_at = now + timedelta(minutes=5)
        mail.save(update_fields=["status", "sent_at", "clicked_at"])
        if orders and rng.random() < orders[mail.variant]:
            order(mail.account, now + timedelta(hours=1))


def variants_by_account() -> dict[int, str]:
    return {a: v["ab"] for a, v in Enrollment.objects.values_list("account_id", "variants")}


def clickers(keys=("A", "B")) -> list[tuple[int, int]]:
    """(recipients who clicked, recipients) per variant, counted from the rows here."""
    got = variants_by_account()
    clicked = {m.account_id for m in OutboxMessage.objects.filter(status="sent", clicked_at__isnull=False)}
    return [(sum(1 for a, v in got.items() if v == k and a in clicked), sum(1 for v in got.values() if v == k))
            for k in keys]


def test_no_winner_before_n_then_a_winner_that_new_entrants_get_and_earlier_ones_keep(shop_settings):
    version = ab_flow({"metric": "clicks", "min_recipients": 40})
    flow = version.flow
    enroll(version, buyers(30, prefix="early"))
    runtime.tick()
    deliver(clicks={"A": 0.05, "B": 0.6}, seed=1)
    # B is far ahead, but neither variant has 40 recipients yet: no decision, no row
    assert max(n for _, n in clickers()) < 40
    assert winners.decide(flow, parse(version.definition)[0].steps["ab"]) is None
    assert winners.decide_all() == {"checked": 1, "decided": 0} and not FlowAbWinner.objects.exists()

    enroll(version, buyers(100, prefix="more"))
    runtime.tick()
    deliver(clicks={"A": 0.05, "B": 0.6}, seed=2)
    counts = clickers()
    assert min(n for _, n in counts) >= 40
    assert winners.decide_all() == {"checked": 1, "decided": 1}
    won = FlowAbWinner.objects.get()
    assert (won.flow_id, won.step_id, won.variant) == (flow.pk, "ab", "B")
    recorded = {v["key"]: v for v in won.figures["variants"]}
    assert [(recorded[k]["successes"], recorded[k]["recipients"]) for k in "AB"] == counts
    draws = np.random.default_rng(0).beta([[1 + s for s, _ in counts]], [[1 + n - s for s, n in counts]],
                                          size=(200_000, 2))
    assert recorded["B"]["probability_best"] == pytest.approx((draws[:, 1] > draws[:, 0]).mean(), abs=0.01)
    assert recorded["B"]["probability_best"] >= 0.95 and won.figures["metric"] == "clicks"
    # idempotent: the next passes find it decided and write nothing
    assert winners.decide_all() == {"checked": 0, "decided": 0}
    assert winners.decide(flow, parse(version.definition)[0].steps["ab"]) == won
    assert FlowAbWinner.objects.count() == 1

    before = variants_by_account()
    assert set(Counter(before.values())) == {"A", "B"}
    late = buyers(40, prefix="late")
    enroll(version, late)
    runtime.tick()
    after = variants_by_account()
    assert {after[a.pk] for a in late} == {"B"}  # every later entrant gets the winner
    assert all(after[a] == v for a, v in before.items())  # and the earlier ones keep theirs
    late_runs = FlowStepRun.objects.filter(enrollment__account__in=late, step_id="ab")
    assert set(late_runs.values_list("branch", flat=True)) == {"B"}
    assert set(OutboxMessage.objects.filter(account__in=late).values_list("step_id", "variant")) == {("mail_b", "B")}

    # a day later the early entrants pass the A/B step a second time: still their own variant
    runtime.tick(now=timezone.now() + timedelta(hours=25))
    second = dict(FlowStepRun.objects.filter(step_id="ab", visit=1).values_list("enrollment__account_id", "branch"))
    assert {a: second[a] for a in before} == before and {second[a.pk] for a in late} == {"B"}
    assert variants_by_account() == after

    # the report shows it: which variant, when, and on what figures
    today = timezone.localdate()
    shown = report.flow_report(flow, today - timedelta(days=1), today + timedelta(days=1))
    assert [(w.step_id, w.key, w.decided_at, w.figures) for w in shown.winners] == [
        ("ab", "B", won.decided_at, won.figures)]
    body = GraphQLClient()("""query($id: ID!) { ltvFlowReport(id: $id) { winners { stepId key decidedAt figures } } }""",
                           {"id": _gid(flow)}, tokens.mint("clerk@shop.example", ["MANAGE_ORDERS"]))
    assert "errors" not in body, body
    (shown_winner,) = body["data"]["ltvFlowReport"]["winners"]
    assert shown_winner["key"] == "B" and json.loads(shown_winner["figures"]) == won.figures


def test_after_d_days_on_orders_and_no_winner_while_too_close(shop_settings):
    version = ab_flow({"metric": "orders", "min_days": 7, "threshold": 0.9}, key="ab_days")
    flow = version.flow
    step = parse(version.definition)[0].steps["ab"]
    enroll(version, buyers(60))
    runtime.tick()
    deliver(orders={"A": 0.0, "B": 0.5}, seed=3)
    now = timezone.now()
    assert winners.decide(flow, step, now + timedelta(days=6)) is None  # few recipients and only 6 days
    won = winners.decide(flow, step, now + timedelta(days=8))
    assert won is not None and won.variant == "B" and won.figures["days_running"] > 7
    got = variants_by_account()
    ordered = set(OrderFact.objects.values_list("account_id", flat=True))
    expected = [(sum(1 for a, v in got.items() if v == k and a in ordered), sum(1 for v in got.values() if v == k))
                for k in "AB"]
    assert [(v["successes"], v["recipients"]) for v in won.figures["variants"]] == expected


def test_a_tie_past_n_names_no_winner(shop_settings):
    version = ab_flow({"metric": "clicks", "min_recipients": 10}, key="ab_tie")
    enroll(version, buyers(60))
    runtime.tick()
    deliver()  # nobody clicks: P(best) 0.5 each, under the 0.95 needed
    assert winners.decide_all() == {"checked": 1, "decided": 0} and not FlowAbWinner.objects.exists()


BAD = [
    ({"metric": "revenue", "min_recipients": 100}, "steps[0].auto_winner.metric", "unknown"),
    ({"metric": "clicks"}, "steps[0].auto_winner.min_recipients", "required"),
    ({"metric": "clicks", "min_recipients": 5}, "steps[0].auto_winner.min_recipients", "out_of_range"),
    ({"metric": "clicks", "min_recipients": 10.5}, "steps[0].auto_winner.min_recipients", "invalid"),
    ({"metric": "orders", "min_days": 0}, "steps[0].auto_winner.min_days", "out_of_range"),
    ({"metric": "orders", "min_days": 7, "threshold": 1.2}, "steps[0].auto_winner.threshold", "out_of_range"),
    ({"min_days": 7}, "steps[0].auto_winner.metric", "required"),
    ({"metric": "orders", "min_days": 7, "after": 3}, "steps[0].auto_winner.after", "unknown"),
    ("after 100", "steps[0].auto_winner", "invalid"),
]


@pytest.mark.parametrize("setting, field, code", BAD)
def test_a_bad_auto_winner_is_refused_naming_the_field(shop_settings, setting, field, code):
    definition = document([
        {"id": "ab", "kind": "ab", "auto_winner": setting,
         "variants": [{"key": "A", "weight": 50, "next": "mail_a"}, {"key": "B", "weight": 50, "next": None}]},
        send("mail_a", None)])
    flow = service.create(CHANNEL, ADMIN, "Subject test")
    flow = service.save_draft(flow.pk, ADMIN, definition=definition)
    problems = service.draft_problems(flow)  # what the editor shows on save (flow.problems)
    assert [(p.path, p.code, p.step) for p in problems] == [(field, code, "ab")]
    with pytest.raises(service.PublishRefused) as refused:
        service.publish(flow.pk, ADMIN)
    assert [p.path for p in refused.value.problems] == [field]


def test_a_good_auto_winner_round_trips_and_other_steps_may_not_carry_one():
    setting = {"metric": "orders", "min_recipients": 500, "min_days": 14, "threshold": 0.95}
    raw = document([{"id": "ab", "kind": "ab", "auto_winner": setting,
                     "variants": [{"key": "A", "weight": 1, "next": None}, {"key": "B", "weight": 1, "next": None}]}])
    definition, problems = parse(raw)
    assert problems == [] and definition.steps["ab"].params["auto_winner"] == setting
    _, problems = parse(document([{**send("s", None), "auto_winner": setting}]))
    assert [(p.path, p.code) for p in problems] == [("steps[0].auto_winner", "unknown")]


def _gid(flow):
    from graphene import relay

    return relay.Node.to_global_id("LtvFlow", flow.pk)
